import * as path from 'node:path';
import type { Diagnostic } from '../diagnostic';
import type { Notebook } from '../notebook/notebook';
import { carriedReason, sourceStatus, type SourceStatus } from '../notebook/sourceStatus';
import type { Lines } from '../text/lineIndex';
import { emitter } from './emitter';
import type { LintContext } from './lintContext';
import { parseLock, type Lock } from './lockFile';
import type { PipelineModel, StepFinding, StepModel } from './model';
import type { CellRef } from './schema';
import type { PathRefusal } from '../workspacePath';

/**
 * The checks against other files: the step's code file and source notebook exist, its cells are still
 * there, they still hash to the step's version (else it is stale), and its code file is still what
 * promotion wrote (else it was edited by hand).
 */
export function fileDiagnostics(model: PipelineModel, lines: Lines, context: LintContext, cache: FileCheckCache = new FileCheckCache()): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = emitter(lines, out);
  const lockText = context.lockText();
  const lock = cache.lock(lockText);
  const generation = context.generation?.();
  const resolve = cache.resolver(path.dirname(context.pipelinePath));
  for (const s of model.steps) {
    let cached = generation === undefined ? undefined : s.memo.files;
    if (!cached || cached.generation !== generation || cached.lockText !== lockText || cached.pipelinePath !== context.pipelinePath) {
      cached = { generation: generation ?? -1, lockText, pipelinePath: context.pipelinePath, found: checkStep(s, context, lock, resolve, cache) };
      if (generation !== undefined) s.memo.files = cached;
    }
    for (const f of cached.found) emit(s, f.node, f.severity, f.code, f.message, f.data);
  }
  return out;
}

const NONE: StepFinding[] = [];
const NO_REFS: CellRef[] = [];

function checkStep(s: StepModel, context: LintContext, lock: LockIndex | undefined, resolve: (relative: string) => string, cache: FileCheckCache): StepFinding[] {
  let found = NONE;
  const add = (f: StepFinding) => (found === NONE ? (found = [f]) : found.push(f));
  const name = s.id?.value ?? `steps[${s.index}]`;
  const promoted = lockVersion(lock, s);
  const code = s.code && codeFileProblem(s, s.code, name, resolve(s.code.value), context, promoted?.codeHash);
  if (code) add(code);
  for (const f of s.files) {
    const problem = fileProblem(f, name, resolve(f.value), context);
    if (problem) add(problem);
  }
  if (!s.notebook) return found;
  const notebookFile = resolve(s.notebook.value);
  const refused = context.refused?.(notebookFile);
  if (refused) {
    add(refusedPath(s.notebook.node, `The source notebook of \`${name}\``, s.notebook.value, refused));
    return found;
  }
  const nb = context.notebook(notebookFile);
  // Without a notebook, the notebook alone decides: nothing to locate or cache.
  const status = nb === undefined || nb instanceof Error ? sourceStatus(nb, NO_REFS, s.hash) : cache.sourceStatus(nb, s, promoted?.source, promoted?.carried);
  const why = status.why;
  switch (why.kind) {
    case 'notebook-missing':
      add({ node: s.notebook.node, severity: 'error', code: 'missing-notebook', message: `The source notebook of \`${name}\`, ${s.notebook.value}, does not exist.` });
      break;
    case 'notebook-unreadable':
      add({ node: s.notebook.node, severity: 'error', code: 'unreadable-notebook', message: `The source notebook of \`${name}\` cannot be read: ${why.error.message}` });
      break;
    case 'cells-missing':
      for (const i of why.missing) {
        const { ref, node } = s.cells[i];
        add({ node, severity: 'error', code: 'missing-cell', message: `Cell ${ref.id ? `\`${ref.id}\`` : ref.index} of \`${name}\` is no longer in ${s.notebook.value}.` });
      }
      break;
    case 'cells-changed':
      add({ node: s.id?.node ?? s.node, severity: 'warning', code: 'stale-step', message: `\`${name}\` v${s.version} is stale: its cells in ${s.notebook.value} changed since it was promoted. Re-promote it to make v${s.version + 1}.`, data: { ...stepData(s), cells: status.currentCells } });
      break;
    case 'carried-changed':
      add({ node: s.id?.node ?? s.node, severity: 'warning', code: 'stale-step', message: `\`${name}\` v${s.version} is stale: ${carriedReason(why.cells, s.version)}. Re-promote it to make v${s.version + 1}.`, data: { ...stepData(s), cells: status.currentCells } });
      break;
    case 'current':
      break;
  }
  return found;
}

/** The step's code file refused, missing, or edited by hand since promotion (per the lock), else undefined. */
function codeFileProblem(s: StepModel, code: NonNullable<StepModel['code']>, name: string, file: string, context: LintContext, promotedHash: string | undefined): StepFinding | undefined {
  const refused = context.refused?.(file);
  if (refused) return refusedPath(code.node, `The code file of \`${name}\``, code.value, refused);
  if (!context.exists(file)) {
    return { node: code.node, severity: 'error', code: 'missing-code-file', message: `The code file of \`${name}\`, ${code.value}, does not exist${s.notebook ? '; re-promote the step to write it again' : ''}.`, data: stepData(s) };
  }
  const hash = promotedHash ? context.fileHash(file) : undefined;
  if (!promotedHash || !hash || hash === promotedHash) return undefined;
  return { node: code.node, severity: 'warning', code: 'code-edited', message: `${code.value} was edited by hand since \`${name}\` v${s.version} was promoted; put the change in the notebook and re-promote, or it will be lost on the next promotion.`, data: stepData(s) };
}

/** A file under `files:` that is refused or missing (a run would fail), else undefined. */
function fileProblem(f: StepModel['files'][number], name: string, file: string, context: LintContext): StepFinding | undefined {
  const refused = context.refused?.(file);
  if (refused) return refusedPath(f.node, `A file \`${name}\` reads`, f.value, refused);
  if (context.exists(file)) return undefined;
  return { node: f.node, severity: 'error', code: 'missing-file', message: `\`${name}\` reads ${f.value}, which does not exist; the step would fail when it runs.` };
}

/** A path the step names that Cellflow will not read, with the rule that refused it (the value shown escaped: it may hold anything). */
function refusedPath(node: StepFinding['node'], what: string, value: string, refusal: PathRefusal): StepFinding {
  const shown = /[\u0000-\u001f\u007f]/.test(value) ? JSON.stringify(value) : value;
  return { node, severity: 'error', code: 'refused-path', message: `${what}, ${shown}, ${refusal.reason}.`, data: { rule: refusal.rule } };
}

function stepData(s: StepModel): Record<string, unknown> {
  return { stepId: s.id?.value, notebook: s.notebook?.value };
}

type StatusEntries = Array<{ refs: CellRef[]; previous: string[] | undefined; carried: CellRef[] | undefined; status: SourceStatus }>;

type LockVersions = Lock['steps'][string]['versions'];

/** The lock's versions by step id; a Map, where the lock's own record of a thousand ids is a slow dictionary. */
type LockIndex = Map<string, LockVersions>;

/**
 * What the file checks of one pipeline work out from its lock and the notebooks it names, kept between
 * lints. Each entry is keyed by what it was computed from (the lock's text, a notebook version, a
 * folder), so it stays right as files change; one cache per pipeline keeps two pipelines linted in
 * turn from evicting each other's.
 */
export class FileCheckCache {
  private lastLock: { text: string | undefined; index: LockIndex | undefined } | undefined;
  /** Per notebook version: the status of each step's cells, by step hash. */
  private readonly statuses = new WeakMap<Notebook, Map<string, StatusEntries>>();
  private lastNotebook: Notebook | undefined;
  private lastStatuses: Map<string, StatusEntries> | undefined;
  private paths: { dir: string; resolved: Map<string, string> } | undefined;

  /** The lock, parsed and indexed once per text; a damaged lock only turns off the checks that need it. */
  lock(text: string | undefined): LockIndex | undefined {
    if (this.lastLock && text === this.lastLock.text) return this.lastLock.index;
    let index: LockIndex | undefined;
    try {
      const lock = text === undefined ? undefined : parseLock(text, 'lock');
      index = lock && new Map(Object.entries(lock.steps).map(([id, step]) => [id, step.versions]));
    } catch {
      index = undefined;
    }
    this.lastLock = { text, index };
    return index;
  }

  /** Resolves the pipeline's relative paths, each once while its folder is the same. */
  resolver(dir: string): (relative: string) => string {
    if (this.paths?.dir !== dir) this.paths = { dir, resolved: new Map() };
    const paths = this.paths.resolved;
    return (relative) => {
      let abs = paths.get(relative);
      if (abs === undefined) {
        if (paths.size > 100_000) paths.clear();
        abs = path.resolve(dir, relative);
        paths.set(relative, abs);
      }
      return abs;
    };
  }

  /**
   * A step's source status (where its cells are, what they hash to, stale or not), cached per notebook
   * version and step. Lookups allocate nothing: a cold lint of a large pipeline asks for every step.
   */
  sourceStatus(nb: Notebook, s: StepModel, previous: string[] | undefined, carried?: CellRef[]): SourceStatus {
    // Steps of one pipeline nearly all name the same notebook: keep its map at hand.
    let perNotebook = this.lastNotebook === nb ? this.lastStatuses : this.statuses.get(nb);
    if (!perNotebook) this.statuses.set(nb, (perNotebook = new Map()));
    this.lastNotebook = nb;
    this.lastStatuses = perNotebook;
    const key = s.hash ?? '';
    let entries = perNotebook.get(key);
    if (!entries) perNotebook.set(key, (entries = []));
    for (const e of entries) if (e.previous === previous && e.carried === carried && sameRefs(e.refs, s.cells)) return e.status;
    const refs = s.cells.map((c) => c.ref);
    const status = sourceStatus(nb, refs, s.hash, previous, carried);
    // A few lock versions per step hash at most; an older one is dropped (recomputed if it comes back).
    if (entries.length >= 4) entries.shift();
    entries.push({ refs, previous, carried, status });
    return status;
  }
}

function sameRefs(refs: CellRef[], cells: StepModel['cells']): boolean {
  if (refs.length !== cells.length) return false;
  for (let i = 0; i < refs.length; i++) {
    const a = refs[i];
    const b = cells[i].ref;
    if (a.index !== b.index || a.id !== b.id || a.hash !== b.hash) return false;
  }
  return true;
}

function lockVersion(lock: LockIndex | undefined, s: StepModel) {
  if (!lock || !s.id) return undefined;
  const versions = lock.get(s.id.value);
  if (versions) for (const v of versions) if (v.version === s.version && v.hash === s.hash) return v;
  return undefined;
}
