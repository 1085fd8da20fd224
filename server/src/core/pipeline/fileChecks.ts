import * as path from 'node:path';
import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostic';
import { stepHash } from '../notebook/hash';
import { locateCells } from '../notebook/locate';
import type { Notebook } from '../notebook/notebook';
import { parseLock, type Lock } from '../promote/lockFile';
import type { Lines } from '../text/lineIndex';
import type { YNode } from '../yaml/positionedYaml';
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
  for (const s of model.steps) {
    let cached = generation === undefined ? undefined : stepChecks.get(s.node);
    if (!cached || cached.generation !== generation || cached.lockText !== lockText || cached.pipelinePath !== context.pipelinePath) {
      cached = { generation: generation ?? -1, lockText, pipelinePath: context.pipelinePath, found: checkStep(s, context, lock) };
      if (generation !== undefined) stepChecks.set(s.node, cached);
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

/** A step's file findings, kept with what they were computed from. */
const stepChecks = new WeakMap<YNode, { generation: number; lockText: string | undefined; pipelinePath: string; found: Finding[] }>();

function checkStep(s: StepModel, context: LintContext, lock: Lock | undefined): Finding[] {
  const found: Finding[] = [];
  const dir = path.dirname(context.pipelinePath);
  const name = s.id?.value ?? `steps[${s.index}]`;
  if (s.code) {
    const file = path.resolve(dir, s.code.value);
    if (!context.exists(file)) {
      found.push({ node: s.code.node, severity: 'error', code: 'missing-code-file', message: `The code file of \`${name}\`, ${s.code.value}, does not exist${s.notebook ? '; re-promote the step to write it again' : ''}.`, data: stepData(s) });
    } else {
      const promoted = lockVersion(lock, s);
      const hash = promoted ? context.fileHash(file) : undefined;
      if (promoted && hash && hash !== promoted.codeHash) {
        found.push({ node: s.code.node, severity: 'warning', code: 'code-edited', message: `${s.code.value} was edited by hand since \`${name}\` v${s.version} was promoted; put the change in the notebook and re-promote, or it will be lost on the next promotion.`, data: stepData(s) });
      }
    }
  }
  if (!s.notebook) return found;
  const nb = context.notebook(path.resolve(dir, s.notebook.value));
  if (nb === undefined) {
    found.push({ node: s.notebook.node, severity: 'error', code: 'missing-notebook', message: `The source notebook of \`${name}\`, ${s.notebook.value}, does not exist.` });
    return found;
  }
  if (nb instanceof Error) {
    found.push({ node: s.notebook.node, severity: 'error', code: 'unreadable-notebook', message: `The source notebook of \`${name}\` cannot be read: ${nb.message}` });
    return found;
  }
  if (s.cells.length === 0) return found;
  const status = cellStatus(nb, s, lockVersion(lock, s)?.source);
  for (const i of status.missing) {
    const { ref, node } = s.cells[i];
    found.push({ node, severity: 'error', code: 'missing-cell', message: `Cell ${ref.id ? `\`${ref.id}\`` : ref.index} of \`${name}\` is no longer in ${s.notebook.value}.` });
  }
  if (status.missing.length === 0 && s.hash && status.hash !== s.hash) {
    found.push({ node: s.id?.node ?? s.node, severity: 'warning', code: 'stale-step', message: `\`${name}\` v${s.version} is stale: its cells in ${s.notebook.value} changed since it was promoted. Re-promote it to make v${s.version + 1}.`, data: { ...stepData(s), cells: status.current } });
  }
  return found;
}

function stepData(s: StepModel): Record<string, unknown> {
  return { stepId: s.id?.value, notebook: s.notebook?.value };
}

const statusCache = new WeakMap<Notebook, Map<string, { missing: number[]; current: number[]; hash: string }>>();
/** Identities for the lock's source lists, which take part in finding cells again. */
const sourceIds = new WeakMap<object, number>();
let nextSourceId = 1;

/** Where a step's cells are and what they hash to now, cached per notebook version and step. */
function cellStatus(nb: Notebook, s: StepModel, previous: string[] | undefined): { missing: number[]; current: number[]; hash: string } {
  let perNotebook = statusCache.get(nb);
  if (!perNotebook) statusCache.set(nb, (perNotebook = new Map()));
  let sourceId = 0;
  if (previous) {
    sourceId = sourceIds.get(previous) ?? nextSourceId++;
    sourceIds.set(previous, sourceId);
  }
  const key = JSON.stringify([s.cells.map((c) => c.ref), s.hash, sourceId]);
  let status = perNotebook.get(key);
  if (!status) {
    const located = locateCells(nb, s.cells.map((c) => c.ref), previous);
    const missing = located.flatMap((l, i) => (l.found ? [] : [i]));
    const current = located.flatMap((l) => (l.found ? [l.cell.index] : []));
    status = { missing, current, hash: missing.length ? '' : stepHash(located.map((l) => (l.found ? l.cell.source : ''))) };
    perNotebook.set(key, status);
  }
  return status;
}

let lastLock: { text: string | undefined; lock: Lock | undefined } = { text: undefined, lock: undefined };

/** The lock, parsed once per text; a damaged lock only turns off the checks that need it. */
function lockOf(text: string | undefined): Lock | undefined {
  if (text === lastLock.text) return lastLock.lock;
  let lock: Lock | undefined;
  try {
    lock = text === undefined ? undefined : parseLock(text, 'lock');
  } catch {
    lock = undefined;
  }
  lastLock = { text, lock };
  return lock;
}

function lockVersion(lock: Lock | undefined, s: StepModel) {
  if (!lock || !s.id) return undefined;
  return lock.steps[s.id.value]?.versions.find((v) => v.version === s.version && v.hash === s.hash);
}
