import { z } from 'zod';
import { PipelineFileError } from '../errors';

const CellRef = z.object({ index: z.int(), id: z.string().optional(), hash: z.string().optional() });

const VersionRecord = z.object({
  version: z.int(),
  hash: z.string(),
  notebook: z.string(),
  cells: z.array(CellRef),
  /** The cells' normalized source at this version, so history survives later edits. */
  source: z.array(z.string()),
  /** Hash of the generated code file, to tell hand edits from promotions. */
  codeHash: z.string(),
  reads: z.array(z.string()),
  writes: z.array(z.string()),
  /** Names the step changes in place that came from before it (it reads and writes them). */
  updates: z.array(z.string()).optional(),
  /** Setup statements carried from earlier cells, as `cell 1: np.random.seed(42)`. */
  setup: z.array(z.string()).optional(),
  /** The earlier cells the step carries code from (imports, definitions, setup): a change there makes it stale too. */
  carried: z.array(CellRef).optional(),
  promotedAt: z.string(),
});

const StepHistory = z.object({
  /** depends-on as last inferred: what the user added by hand is the rest. */
  inferredDependsOn: z.array(z.string()),
  versions: z.array(VersionRecord),
});

const Lock = z.object({
  cellflow: z.literal(1),
  steps: z.record(z.string(), StepHistory),
});

export type VersionRecord = z.infer<typeof VersionRecord>;
export type StepHistory = z.infer<typeof StepHistory>;
export type Lock = z.infer<typeof Lock>;

/** `churn.cellflow.yaml` → `churn.cellflow.lock`: the history of every step's versions, beside the pipeline. */
export function lockPathFor(pipelinePath: string): string {
  return pipelinePath.replace(/\.ya?ml$/i, '') + '.lock';
}

export function parseLock(text: string | undefined, file: string): Lock {
  if (text === undefined || text.trim() === '') return { cellflow: 1, steps: {} };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PipelineFileError(file, `the lock file is not valid JSON (${err instanceof Error ? err.message : String(err)}); restore it from version control or delete it to start the history afresh`);
  }
  const parsed = Lock.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PipelineFileError(file, `the lock file is damaged at ${issue.path.join('.') || 'the top level'}: ${issue.message}; restore it from version control or delete it`);
  }
  return parsed.data;
}

export function serializeLock(lock: Lock): string {
  const steps = Object.fromEntries(Object.entries(lock.steps).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ cellflow: 1, steps }, null, 2)}\n`;
}
