import * as path from 'node:path';
import type { NotebookAnalyzer } from '../notebook/analysis';
import { cellHash, normalizeEol, sha256, stepHash } from '../notebook/hash';
import { suggestStepId } from '../notebook/headings';
import { assertPython, NotebookError, type Notebook } from '../notebook/notebook';
import { Step, type CellRef } from '../pipeline/schema';
import { generateStepCode } from './codegen';
import { inferDependsOn } from './dependencies';
import { lockPathFor, parseLock, serializeLock, type Lock } from '../pipeline/lockFile';
import { PipelineFileError } from '../errors';
import { PipelineDocument, type StepEntry } from './pipelineDocument';
import { planStep } from './plan';
import { stepOfCells } from './stepOfCells';

export interface PromoteInput {
  notebook: Notebook;
  /** Absolute path of the notebook file. */
  notebookPath: string;
  /** Cells by 0-based index among all cells, or by cell id. */
  cells: Array<number | string>;
  /** The step id; suggested from the nearest heading above the cells when absent. */
  stepId?: string;
  /** Absolute path of the pipeline file. */
  pipelinePath: string;
  /** The pipeline file's current text; undefined when it does not exist yet. */
  pipelineText: string | undefined;
  /** The lock file's current text; undefined when it does not exist yet. */
  lockText: string | undefined;
  /**
   * Reads the step's code file (undefined when it is missing). With it, promoting unchanged cells
   * still rewrites a code file that is missing or was edited by hand.
   */
  readFile?(file: string): string | undefined;
  now?: Date;
}

export interface FileWrite {
  path: string;
  content: string;
}

export interface PromoteResult {
  /**
   * created: a new step; new-version: changed cells; relocated: same content, cells moved; restored:
   * same content, its code file written again (it was missing or edited by hand); unchanged: nothing to do.
   */
  status: 'created' | 'new-version' | 'relocated' | 'restored' | 'unchanged';
  step: StepEntry;
  /** What to write, all or nothing; empty when unchanged. */
  files: FileWrite[];
  warnings: string[];
}

const posix = (p: string) => p.split(path.sep).join('/');

/**
 * Promotes notebook cells to a pipeline step. Pure: it takes the current texts and returns the files to
 * write (pipeline, step code, lock), so the CLI writes them to disk and the editor applies them as one
 * undoable workspace edit. Any problem throws a NotebookError or PipelineFileError before anything is
 * decided, so nothing is half-written.
 */
export function promote(input: PromoteInput, analyzer: NotebookAnalyzer): PromoteResult {
  const nb = input.notebook;
  assertPython(nb);
  const indices = input.cells.map((c) => resolveCell(nb, c));
  const pipelineDir = path.dirname(input.pipelinePath);
  const lockPath = lockPathFor(input.pipelinePath);
  const pipelineFile = path.basename(input.pipelinePath);
  const doc = PipelineDocument.parse(input.pipelineText ?? PipelineDocument.template(pipelineNameFromFile(pipelineFile)), pipelineFile);
  const lock = parseLock(input.lockText, path.basename(lockPath));
  const pipelineParams = doc.params();
  const plan = planStep(nb, indices, analyzer, { pipelineParams: Object.keys(pipelineParams) });

  const steps = doc.steps();
  const notebookRef = posix(path.relative(pipelineDir, input.notebookPath));
  const selected = plan.cells.map((c) => c.index);
  // Without an id, cells that already are a step promote to that step again (its next version).
  const stepId = input.stepId ?? stepOfCells(steps, nb, notebookRef, selected, lock)?.id ?? suggestStepId(nb, plan.cells[0].index, steps.map((s) => s.id));
  const idCheck = Step.shape.id.safeParse(stepId);
  if (!idCheck.success) throw new PipelineFileError(pipelineFile, `invalid step id \`${stepId}\`: ${idCheck.error.issues[0].message}`);

  const hash = stepHash(plan.cells.map((c) => c.source));
  const cells: CellRef[] = plan.cells.map((c) => ({ index: c.index, ...(c.id ? { id: c.id } : {}), hash: cellHash(c.source) }));
  const existing = steps.find((s) => s.id === stepId);
  const sameCells = existing?.source && JSON.stringify(existing.source.cells) === JSON.stringify(cells) && existing.source.notebook === notebookRef;

  const code = existing?.code || `steps/${stepId.replace(/-/g, '_')}.py`;
  const codePath = safeCodePath(pipelineDir, code, pipelineFile);
  const clash = steps.find((s) => s.id !== stepId && s.code === code);
  if (clash) throw new PipelineFileError(pipelineFile, `step \`${clash.id}\` already uses ${code}; choose another step id`);
  const generate = (version: number, paramValues: Record<string, unknown>) =>
    generateStepCode({
      plan,
      pipelineName: doc.name ?? pipelineNameFromFile(pipelineFile),
      stepId,
      version,
      notebookRef,
      notebookDirFromStep: posix(path.relative(path.dirname(codePath), path.dirname(input.notebookPath))) || '.',
      pipelineDirFromStep: posix(path.relative(path.dirname(codePath), pipelineDir)) || '.',
      paramValues,
    });

  if (existing && existing.source?.hash === hash && existing.source.notebook === notebookRef) {
    const files: FileWrite[] = [];
    const entry: StepEntry = sameCells ? existing : { ...existing, source: { notebook: notebookRef, cells, hash } };
    // Same content, cells moved (a cell was inserted above, say): update where they are, keep the version.
    if (!sameCells) doc.upsertStep(entry);
    // Same content, but the code file is gone or was edited by hand: write it again, same version.
    const stale = restoreCode(files, input, lock, { stepId, version: existing.version, hash, codePath, lockPath }, () => generate(existing.version, { ...pipelineParams }));
    if (!sameCells) files.push({ path: input.pipelinePath, content: doc.toString() });
    const status = stale ? 'restored' : sameCells ? 'unchanged' : 'relocated';
    return { status, step: entry, files, warnings: plan.warnings };
  }

  const version = existing ? existing.version + 1 : 1;

  // New params come with the notebook's values; existing ones keep the pipeline's.
  const newParams = Object.fromEntries(plan.params.filter((p) => !(p in pipelineParams)).map((p) => [p, plan.paramDefaults[p] ?? null]));
  doc.addParams(newParams);
  const paramValues = { ...newParams, ...pipelineParams };

  const entry: StepEntry = {
    id: stepId,
    version,
    code,
    source: { notebook: notebookRef, cells, hash },
    dependsOn: [],
    reads: plan.reads,
    writes: plan.writes,
    params: plan.params,
  };
  const order = existing ? steps.map((s) => (s.id === stepId ? entry : s)) : insertInNotebookOrder(steps, entry);
  const at = order.findIndex((s) => s.id === stepId);

  // depends-on: inferred from data, plus whatever the user added by hand to the previous version.
  const history = lock.steps[stepId];
  const inferred = inferDependsOn(order, at);
  const manual = existing ? existing.dependsOn.filter((d) => !(history?.inferredDependsOn ?? []).includes(d)) : [];
  entry.dependsOn = [...new Set([...inferred, ...manual])].filter((d) => d !== stepId);
  order[at] = entry;
  doc.upsertStep(entry, at);
  lock.steps[stepId] = { inferredDependsOn: inferred, versions: history?.versions ?? [] };

  // Later steps: re-infer, keeping what the user added by hand (for a step without history, all it lists).
  reinferLaterSteps(order, at, lock, doc);

  const content = generate(version, paramValues);
  lock.steps[stepId].versions.push({
    version,
    hash,
    notebook: notebookRef,
    cells,
    source: plan.cells.map((c) => c.source),
    codeHash: sha256(content),
    reads: plan.reads,
    writes: plan.writes,
    promotedAt: (input.now ?? new Date()).toISOString(),
  });
  return {
    status: existing ? 'new-version' : 'created',
    step: entry,
    // The pipeline file comes last: editors and watchers react to it, and by then the code and the
    // lock that it refers to are already written.
    files: [
      { path: codePath, content },
      { path: lockPath, content: serializeLock(lock as Lock) },
      { path: input.pipelinePath, content: doc.toString() },
    ],
    warnings: plan.warnings,
  };
}

/**
 * Writes the code file of a step whose content is unchanged again when it is missing or was edited by
 * hand (only with `input.readFile`), and the lock when the written code's hash differs from its record.
 * Returns whether the code file was stale.
 */
function restoreCode(
  files: FileWrite[],
  input: PromoteInput,
  lock: Lock,
  at: { stepId: string; version: number; hash: string; codePath: string; lockPath: string },
  generate: () => string,
): boolean {
  const record = lock.steps[at.stepId]?.versions.find((v) => v.version === at.version && v.hash === at.hash);
  const current = input.readFile ? input.readFile(at.codePath) : undefined;
  const stale = input.readFile !== undefined && (current === undefined || !record || sha256(normalizeEol(current)) !== record.codeHash);
  if (!stale) return false;
  const content = generate();
  files.push({ path: at.codePath, content });
  if (record && record.codeHash !== sha256(content)) {
    record.codeHash = sha256(content);
    files.push({ path: at.lockPath, content: serializeLock(lock) });
  }
  return true;
}

/** Later steps: re-infer, keeping what the user added by hand (for a step without history, all it lists). */
function reinferLaterSteps(order: StepEntry[], at: number, lock: Lock, doc: PipelineDocument): void {
  for (let j = at + 1; j < order.length; j++) {
    const later = order[j];
    const laterInferred = inferDependsOn(order, j);
    const previous = lock.steps[later.id]?.inferredDependsOn;
    const kept = previous ? later.dependsOn.filter((d) => !previous.includes(d)) : later.dependsOn;
    const next = [...new Set([...laterInferred, ...kept])];
    if (JSON.stringify(next) !== JSON.stringify(later.dependsOn)) {
      doc.setDependsOn(later.id, next);
      order[j] = { ...later, dependsOn: next };
    }
    if (lock.steps[later.id]) lock.steps[later.id].inferredDependsOn = laterInferred;
  }
}

/**
 * Where a step's code file goes: a .py file inside the pipeline's folder. A `code:` path from the
 * pipeline file that points elsewhere (`../../.bashrc`, say, in a cloned repository) is refused, so
 * promotion can only ever write step files next to the pipeline.
 */
function safeCodePath(pipelineDir: string, code: string, pipelineFile: string): string {
  const resolved = path.resolve(pipelineDir, code);
  const inside = path.relative(pipelineDir, resolved);
  if (path.isAbsolute(code) || inside.startsWith('..') || path.isAbsolute(inside) || !resolved.endsWith('.py')) {
    throw new PipelineFileError(pipelineFile, `the step code path \`${code}\` must be a .py file inside the pipeline's folder; Cellflow writes nothing elsewhere`);
  }
  return resolved;
}

function resolveCell(nb: Notebook, ref: number | string): number {
  if (typeof ref === 'number') return ref;
  const byId = nb.cells.find((c) => c.id === ref);
  if (!byId) throw new NotebookError(nb.path, `there is no cell with id \`${ref}\`${nb.cells.some((c) => c.id) ? '' : ' (this notebook has no cell ids: use 0-based cell indices)'}`);
  return byId.index;
}

/** `churn.cellflow.yaml` → `churn`. */
export function pipelineNameFromFile(file: string): string {
  const base = file.replace(/\.cellflow\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
  const id = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z_]+/, '');
  return id || 'pipeline';
}

/** Steps from one notebook stay in the notebook's order; a step from elsewhere goes last. */
function insertInNotebookOrder(steps: StepEntry[], entry: StepEntry): StepEntry[] {
  const first = entry.source!.cells[0].index;
  const sameNotebook = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.source?.notebook === entry.source!.notebook && s.source.cells.length);
  const after = sameNotebook.find(({ s }) => s.source!.cells[0].index > first);
  const at = after ? after.i : sameNotebook.length ? sameNotebook[sameNotebook.length - 1].i + 1 : steps.length;
  return [...steps.slice(0, at), entry, ...steps.slice(at)];
}
