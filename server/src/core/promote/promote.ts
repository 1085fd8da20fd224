import * as path from 'node:path';
import type { NotebookAnalyzer } from '../notebook/analysis';
import { cellHash, normalizeEol, sha256, stepHash } from '../notebook/hash';
import { suggestStepId } from '../notebook/headings';
import { assertPython, NotebookError, type Notebook } from '../notebook/notebook';
import { Step, type CellRef } from '../pipeline/schema';
import { generateStepCode, sharedDefinitions } from './codegen';
import { inferDependsOn } from './dependencies';
import { lockPathFor, parseLock, serializeLock, type Lock, type VersionRecord } from '../pipeline/lockFile';
import { CellsTaken, PipelineFileError } from '../errors';
import { PipelineDocument, type StepEntry } from './pipelineDocument';
import { planStep, type StepPlan } from './plan';
import { stepOfCells, stepsHoldingCells } from './stepOfCells';

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
  /**
   * Take cells that already belong to other steps out of them (a step left with no cells leaves the
   * pipeline). Without it, such a promotion is refused (CellsTaken), so nothing changes unasked.
   */
  move?: boolean;
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

  let steps = doc.steps();
  const notebookRef = posix(path.relative(pipelineDir, input.notebookPath));
  const selected = plan.cells.map((c) => c.index);
  // Without an id, cells that already are a step promote to that step again (its next version).
  const stepId = input.stepId ?? stepOfCells(steps, nb, notebookRef, selected, lock)?.id ?? suggestStepId(nb, plan.cells[0].index, steps.map((s) => s.id));
  const idCheck = Step.shape.id.safeParse(stepId);
  if (!idCheck.success) throw new PipelineFileError(pipelineFile, `invalid step id \`${stepId}\`: ${idCheck.error.issues[0].message}`);

  const warnings = [...plan.warnings];
  const moved = takeCells(doc, stepsHoldingCells(steps, nb, notebookRef, selected, lock).filter((h) => h.step.id !== stepId), stepId, selected, input.move === true, warnings);
  if (moved) steps = doc.steps();

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

  const modules = moduleWrites(plan, codePath, input.readFile);

  const carried = plan.carriedCells.map((i) => ({ index: i, ...(nb.cells[i].id ? { id: nb.cells[i].id } : {}), hash: cellHash(nb.cells[i].source) }));
  if (existing && existing.source?.hash === hash && existing.source.notebook === notebookRef && sameCarried(lock, existing, carried)) {
    // Without a way to read files, nothing says a module is missing: only a new version writes them then.
    const files: FileWrite[] = input.readFile ? [...modules] : [];
    const entry: StepEntry = sameCells ? existing : { ...existing, source: { notebook: notebookRef, cells, hash } };
    // Same content, cells moved (a cell was inserted above, say): update where they are, keep the version.
    if (!sameCells) doc.upsertStep(entry);
    // Same content, but the code file is gone or was edited by hand: write it again, same version.
    const stale = restoreCode(files, input, lock, { stepId, version: existing.version, hash, codePath, lockPath }, () => generate(existing.version, { ...pipelineParams }));
    if (!sameCells || moved) files.push({ path: input.pipelinePath, content: doc.toString() });
    return { status: sameContentStatus(stale || files.some((f) => f.path !== input.pipelinePath), !!sameCells), step: entry, files, warnings };
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
    ...filesOf(plan, existing, path.dirname(input.notebookPath), pipelineDir),
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
  for (const change of reinferLaterSteps(order, at, lock, doc)) warnings.push(change);

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
    ...whatItCarries(plan, carried),
    promotedAt: (input.now ?? new Date()).toISOString(),
  });
  return {
    status: existing ? 'new-version' : 'created',
    step: entry,
    // The pipeline file comes last: editors and watchers react to it, and by then the code and the
    // lock that it refers to are already written.
    files: [
      ...modules,
      { path: codePath, content },
      { path: lockPath, content: serializeLock(lock as Lock) },
      { path: input.pipelinePath, content: doc.toString() },
    ],
    warnings,
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
function reinferLaterSteps(order: StepEntry[], at: number, lock: Lock, doc: PipelineDocument): string[] {
  const changes: string[] = [];
  for (let j = at + 1; j < order.length; j++) {
    const later = order[j];
    const laterInferred = inferDependsOn(order, j);
    const previous = lock.steps[later.id]?.inferredDependsOn;
    const kept = previous ? later.dependsOn.filter((d) => !previous.includes(d)) : later.dependsOn;
    const next = [...new Set([...laterInferred, ...kept])];
    if (JSON.stringify(next) !== JSON.stringify(later.dependsOn)) {
      doc.setDependsOn(later.id, next);
      order[j] = { ...later, dependsOn: next };
      changes.push(`depends-on of \`${later.id}\` changed: [${later.dependsOn.join(', ')}] → [${next.join(', ')}]`);
    }
    if (lock.steps[later.id]) lock.steps[later.id].inferredDependsOn = laterInferred;
  }
  return changes;
}

function plural(word: string, xs: unknown[]): string {
  return xs.length > 1 ? `${word}s` : word;
}

function sameSet(a: number[], b: number[]): boolean {
  const s = new Set(b);
  return a.length === s.size && a.every((x) => s.has(x));
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

/**
 * The files a step reads, relative to the pipeline: the literal paths its cells read (relative to the
 * notebook's folder, where they run), and those the user added by hand to its previous version.
 */
function filesOf(plan: StepPlan, existing: StepEntry | undefined, notebookDir: string, pipelineDir: string): { files?: string[] } {
  const inferred = plan.fileReads.filter((f) => !path.isAbsolute(f)).map((f) => posix(path.relative(pipelineDir, path.resolve(notebookDir, f))));
  const files = [...new Set([...inferred, ...(existing?.files ?? [])])];
  return files.length ? { files } : {};
}

/** Promoting cells whose content is unchanged: files written again, cells that moved, or nothing. */
function sameContentStatus(rewritten: boolean, sameCells: boolean): PromoteResult['status'] {
  if (rewritten) return 'restored';
  return sameCells ? 'unchanged' : 'relocated';
}

/** Shared definition modules are named by their content: each to write, unless it is there as it should be. */
function moduleWrites(plan: StepPlan, codePath: string, readFile: PromoteInput['readFile']): FileWrite[] {
  return sharedDefinitions(plan)
    .map((d) => ({ path: path.join(path.dirname(codePath), ...d.file.split('/')), content: d.text }))
    .filter((m) => !readFile || readFile(m.path) !== m.content);
}

/** What the lock records of a version beyond its cells: updates, carried setup and the cells it carries code from. */
function whatItCarries(plan: StepPlan, carried: CellRef[]): Partial<VersionRecord> {
  return {
    ...(plan.updates.length ? { updates: plan.updates } : {}),
    ...(plan.setup.length ? { setup: plan.setup.map((st) => `cell ${st.cellIndex}: ${st.text.split('\n')[0]}`) } : {}),
    ...(carried.length ? { carried } : {}),
  };
}

/**
 * Whether the cells a step carries code from are as its current version recorded: a changed setup or
 * definition cell makes a new version even when the step's own cells are unchanged.
 */
function sameCarried(lock: Lock, existing: StepEntry, carried: CellRef[]): boolean {
  const recorded = lock.steps[existing.id]?.versions.find((v) => v.version === existing.version && v.hash === existing.source?.hash)?.carried;
  if (!recorded) return true;
  const hashes = new Set(recorded.map((c) => c.hash));
  return recorded.length === carried.length && carried.every((c) => hashes.has(c.hash));
}

/**
 * Cells of other steps the promotion takes: refused (CellsTaken) unless `move`; with it, each holder
 * loses them, and one left with none leaves the pipeline. Says so in `warnings`; returns whether any moved.
 */
function takeCells(doc: PipelineDocument, holders: ReturnType<typeof stepsHoldingCells>, stepId: string, selected: number[], move: boolean, warnings: string[]): boolean {
  if (holders.length === 0) return false;
  if (!move) {
    const taken = holders.map((h) => `${plural('cell', h.cells)} ${h.cells.join(', ')} already ${h.cells.length > 1 ? 'belong' : 'belongs'} to step \`${h.step.id}\``).join('; ');
    const instead = holders.length === 1 && sameSet(holders[0].cells, selected) ? `them as \`${holders[0].step.id}\` (its next version)` : 'the cells of one step together';
    throw new CellsTaken(`${taken}: promote ${instead}, or move them to \`${stepId}\` (--move; the editor asks first)`, holders.map((h) => ({ stepId: h.step.id, cells: h.cells })));
  }
  for (const h of holders) {
    const remaining = h.step.source!.cells.filter((_, i) => !h.refs.includes(i));
    if (remaining.length === 0) {
      doc.removeStep(h.step.id);
      warnings.push(`step \`${h.step.id}\` had no other cells and left the pipeline; its code file ${h.step.code} stays on disk`);
    } else {
      doc.upsertStep({ ...h.step, source: { ...h.step.source!, cells: remaining } });
      warnings.push(`step \`${h.step.id}\` gave ${plural('cell', h.cells)} ${h.cells.join(', ')} to \`${stepId}\` and is stale until you re-promote it`);
    }
  }
  return true;
}
