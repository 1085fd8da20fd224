/** The kinds of thing the lineage chain links, in the order the chain runs. */
export const NODE_KINDS = ['cell-hash', 'step-version', 'dataset', 'artifact', 'run', 'model-version', 'benchmark', 'drift-report'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** `pipeline.cellflow.yaml#step@3`, as the store keys a step version. */
export function parseStepVersion(id: string): { pipeline: string; stepId: string; version: number } | undefined {
  const m = /^(.*)#([^#@]+)@(\d+)$/.exec(id);
  return m ? { pipeline: m[1], stepId: m[2], version: Number(m[3]) } : undefined;
}

/** A node's short label, the same in the CLI, the Registry view and the Lineage page. */
export function nodeLabel(kind: string, id: string): string {
  switch (kind) {
    case 'run':
      return `run ${id.slice(0, 8)}`;
    case 'step-version': {
      const s = parseStepVersion(id);
      return s ? `step ${s.stepId} v${s.version}` : `step ${id}`;
    }
    case 'cell-hash':
      return `cell ${id.replace(/^sha256:/, '').slice(0, 12)}`;
    case 'dataset':
      return `data ${id.replace(/^sha256:/, '').slice(0, 12)}`;
    case 'model-version':
      return id.replace(/@(\d+)$/, ' v$1');
    case 'benchmark':
      return `benchmark ${id.slice(0, 8)}`;
    case 'drift-report':
      return `drift report ${id.slice(0, 8)}`;
    default:
      return `${kind} ${id}`;
  }
}
