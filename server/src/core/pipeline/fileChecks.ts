import * as path from 'node:path';
import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostic';
import { stepHash } from '../notebook/hash';
import { locateCells } from '../notebook/locate';
import type { Notebook } from '../notebook/notebook';
import { parseLock, type Lock } from './lockFile';
import type { CellRef } from './schema';
import type { Lines } from '../text/lineIndex';
import type { YNode } from '../yaml/nodes';
import { emitter } from './graph';
import type { PipelineModel, StepModel } from './model';

/**
 * What the linter may know of the files a pipeline names. The CLI answers from disk; the language
 * server from open editors first (unsaved notebooks and step files), then disk, with caches that its
 * file watcher keeps fresh.
 */
export interface LintContext {
  /** Absolute path of the pipeline file; relative paths in it resolve against its folder. */
  pipelinePath: string;
  exists(file: string): boolean;
  /** `sha256:…` of a file's content, undefined when it does not exist. */
  fileHash(file: string): string | undefined;
  /** A notebook: its model, an Error when it cannot be read, undefined when it does not exist. */
  notebook(file: string): Notebook | Error | undefined;
  /** The pipeline's lock file text, when there is one. */
  lockText(): string | undefined;
  /**
   * A number that changes whenever any file the context answers for may have changed. With it, a
   * step's file checks are kept while its text and the files are unchanged (the language server has
   * one; the CLI, which lints once, does not).
   */
  generation?(): number;
}

/**
 * The checks against other files: the step's code file and source notebook exist, its cells are still
 * there, they still hash to the step's version (else it is stale), and its code file is still what
 * promotion wrote (else it was edited by hand).
 */
export function fileDiagnostics(model: PipelineModel, lines: Lines, context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = emitter(lines, out);
  const lockText = context.lockText();
  const lock = lockOf(lockText);
  const generation = context.generation?.();
  const resolve = resolver(path.dirname(context.pipelinePath));
  for (const s of model.steps) {
    let cached = generation === undefined ? undefined : s.memo.files;
    if (!cached || cached.generation !== generation || cached.lockText !== lockText || cached.pipelinePath !== context.pipelinePath) {
      cached = { generation: generation ?? -1, lockText, pipelinePath: context.pipelinePath, found: checkStep(s, context, lock, resolve) };
      if (generation !== undefined) s.memo.files = cached;
    }
    for (const f of cached.found) emit(s, f.node, f.severity, f.code, f.message, f.data);
  }
  return out;
}

interface Finding {
  node: YNode;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  data?: Record<string, unknown>;
}

/** A step's file findings, kept in its memo with what they were computed from. */
export interface StepFileChecks {
  generation: number;
  lockText: string | undefined;
  pipelinePath: string;
  found: Finding[];
}

const NONE: Finding[] = [];

function checkStep(s: StepModel, context: LintContext, lock: LockIndex | undefined, resolve: (relative: string) => string): Finding[] {
  let found = NONE;
  const add = (f: Finding) => (found === NONE ? (found = [f]) : found.push(f));
  const name = s.id?.value ?? `steps[${s.index}]`;
  const promoted = lockVersion(lock, s);
  if (s.code) {
    const file = resolve(s.code.value);
    if (!context.exists(file)) {
      add({ node: s.code.node, severity: 'error', code: 'missing-code-file', message: `The code file of \`${name}\`, ${s.code.value}, does not exist${s.notebook ? '; re-promote the step to write it again' : ''}.`, data: stepData(s) });
    } else {
      const hash = promoted ? context.fileHash(file) : undefined;
      if (promoted && hash && hash !== promoted.codeHash) {
        add({ node: s.code.node, severity: 'warning', code: 'code-edited', message: `${s.code.value} was edited by hand since \`${name}\` v${s.version} was promoted; put the change in the notebook and re-promote, or it will be lost on the next promotion.`, data: stepData(s) });
      }
    }
  }
  if (!s.notebook) return found;
  const nb = context.notebook(resolve(s.notebook.value));
  if (nb === undefined) {
    add({ node: s.notebook.node, severity: 'error', code: 'missing-notebook', message: `The source notebook of \`${name}\`, ${s.notebook.value}, does not exist.` });
    return found;
  }
  if (nb instanceof Error) {
    add({ node: s.notebook.node, severity: 'error', code: 'unreadable-notebook', message: `The source notebook of \`${name}\` cannot be read: ${nb.message}` });
    return found;
  }
  if (s.cells.length === 0) return found;
  const status = cellStatus(nb, s, promoted?.source);
  for (const i of status.missing) {
    const { ref, node } = s.cells[i];
    add({ node, severity: 'error', code: 'missing-cell', message: `Cell ${ref.id ? `\`${ref.id}\`` : ref.index} of \`${name}\` is no longer in ${s.notebook.value}.` });
  }
  if (status.missing.length === 0 && s.hash && status.hash !== s.hash) {
    add({ node: s.id?.node ?? s.node, severity: 'warning', code: 'stale-step', message: `\`${name}\` v${s.version} is stale: its cells in ${s.notebook.value} changed since it was promoted. Re-promote it to make v${s.version + 1}.`, data: { ...stepData(s), cells: status.current } });
  }
  return found;
}

function stepData(s: StepModel): Record<string, unknown> {
  return { stepId: s.id?.value, notebook: s.notebook?.value };
}

interface CellStatus {
  missing: number[];
  current: number[];
  hash: string;
}

/**
 * Per notebook version: the status of each step's cells, found by the step's source hash and then by
 * its cell references and lock sources. Lookups allocate nothing: a cold lint of a large pipeline asks
 * for every step.
 */
const statusCache = new WeakMap<Notebook, Map<string, Array<{ refs: CellRef[]; previous: string[] | undefined; status: CellStatus }>>>();

let lastNotebook: Notebook | undefined;
let lastPerNotebook: Map<string, Array<{ refs: CellRef[]; previous: string[] | undefined; status: CellStatus }>> | undefined;

/** Where a step's cells are and what they hash to now, cached per notebook version and step. */
function cellStatus(nb: Notebook, s: StepModel, previous: string[] | undefined): CellStatus {
  // Steps of one pipeline nearly all name the same notebook: keep its map at hand.
  let perNotebook = lastNotebook === nb ? lastPerNotebook : statusCache.get(nb);
  if (!perNotebook) statusCache.set(nb, (perNotebook = new Map()));
  lastNotebook = nb;
  lastPerNotebook = perNotebook;
  const key = s.hash ?? '';
  let entries = perNotebook.get(key);
  if (!entries) perNotebook.set(key, (entries = []));
  for (const e of entries) if (e.previous === previous && sameRefs(e.refs, s.cells)) return e.status;
  const refs = s.cells.map((c) => c.ref);
  const located = locateCells(nb, refs, previous);
  const missing = located.flatMap((l, i) => (l.found ? [] : [i]));
  const current = located.flatMap((l) => (l.found ? [l.cell.index] : []));
  const status = { missing, current, hash: missing.length ? '' : stepHash(located.map((l) => (l.found ? l.cell.source : ''))) };
  // A few lock versions per step hash at most; an older one is dropped (recomputed if it comes back).
  if (entries.length >= 4) entries.shift();
  entries.push({ refs, previous, status });
  return status;
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

/** Resolves a pipeline's relative paths, each once while its folder is the same. */
const resolved = new Map<string, Map<string, string>>();

function resolver(dir: string): (relative: string) => string {
  let cache = resolved.get(dir);
  if (!cache) {
    if (resolved.size > 64) resolved.clear();
    resolved.set(dir, (cache = new Map()));
  }
  const paths = cache;
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

type LockVersions = Lock['steps'][string]['versions'];

/** The lock's versions by step id; a Map, where the lock's own record of a thousand ids is a slow dictionary. */
type LockIndex = Map<string, LockVersions>;

let lastLock: { text: string | undefined; index: LockIndex | undefined } = { text: undefined, index: undefined };

/** The lock, parsed and indexed once per text; a damaged lock only turns off the checks that need it. */
function lockOf(text: string | undefined): LockIndex | undefined {
  if (text === lastLock.text) return lastLock.index;
  let index: LockIndex | undefined;
  try {
    const lock = text === undefined ? undefined : parseLock(text, 'lock');
    index = lock && new Map(Object.entries(lock.steps).map(([id, step]) => [id, step.versions]));
  } catch {
    index = undefined;
  }
  lastLock = { text, index };
  return index;
}

function lockVersion(lock: LockIndex | undefined, s: StepModel) {
  if (!lock || !s.id) return undefined;
  const versions = lock.get(s.id.value);
  if (versions) for (const v of versions) if (v.version === s.version && v.hash === s.hash) return v;
  return undefined;
}
