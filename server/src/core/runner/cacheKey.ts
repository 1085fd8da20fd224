import { createHash } from 'node:crypto';

/**
 * What a step's result depends on. A step is reused when all of it is unchanged since its last
 * successful run; the parts are kept beside the key so that a re-run can say what changed.
 */
export interface KeyParts {
  /** sha256 of the step's code file. */
  code: string;
  /** Workspace-local modules the code imports (shared definitions included), by path: their sha256. */
  modules: Record<string, string>;
  /** Param values as the step gets them. */
  params: Record<string, unknown>;
  /** Digests of the inputs (upstream outputs), by name. */
  inputs: Record<string, string>;
  /** Files it reads from disk (`files:`), by path relative to the pipeline: their sha256. */
  files: Record<string, string>;
  /** The interpreter: its path and version. */
  interpreter: string;
  /** The names it writes, and the checks on them: either changed means the last result may not do. */
  outputs?: string[];
  checks?: unknown;
}

/** The cache key of a step: sha256 of its parts in a canonical form (sorted keys). */
export function cacheKey(parts: KeyParts): string {
  return `sha256:${createHash('sha256').update(canonical(parts)).digest('hex')}`;
}

/** JSON with object keys sorted, so equal parts always give equal keys. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Why a step must run, in words a user reads in `--dry-run` ("param test_size 0.2 → 0.3", "input
 * customers changed", "file data/customers.csv changed"), or undefined when its last successful run
 * can be reused. The first differences found are named, in the order code, modules, params, inputs,
 * files, interpreter.
 */
export function whyRun(previous: KeyParts | undefined, current: KeyParts, options: { forced?: boolean } = {}): string | undefined {
  if (options.forced) return 'forced';
  if (!previous) return 'never ran';
  const reasons: string[] = [];
  if (previous.code !== current.code) reasons.push('code changed');
  for (const m of changedKeys(previous.modules, current.modules)) reasons.push(`module ${m} changed`);
  for (const p of changedKeys(previous.params, current.params)) reasons.push(`param ${p} ${shown(previous.params[p])} → ${shown(current.params[p])}`);
  for (const i of changedKeys(previous.inputs, current.inputs)) reasons.push(`input ${i} changed`);
  for (const f of changedKeys(previous.files, current.files)) reasons.push(current.files[f] === undefined ? `file ${f} no longer read` : previous.files[f] === undefined ? `file ${f} added` : `file ${f} changed`);
  if (previous.interpreter !== current.interpreter) reasons.push(`interpreter ${previous.interpreter} → ${current.interpreter}`);
  if (canonical(previous.outputs ?? null) !== canonical(current.outputs ?? null)) reasons.push('outputs changed');
  if (canonical(previous.checks ?? null) !== canonical(current.checks ?? null)) reasons.push('checks changed');
  return reasons.length ? reasons.join(', ') : undefined;
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

function shown(v: unknown): string {
  return v === undefined ? '(none)' : JSON.stringify(v);
}
