/** Where a pipeline's steps run: `--executor`, the `cellflow.run.executor` setting and the LSP request all take these. */
export const EXECUTORS = ['python', 'jupyter', 'dask'] as const;

export type ExecutorKind = (typeof EXECUTORS)[number];

export function isExecutorKind(value: string): value is ExecutorKind {
  return (EXECUTORS as readonly string[]).includes(value);
}
