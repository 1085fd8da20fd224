import * as path from 'node:path';
import type { Diagnostic } from '../diagnostic';
import { stepHash } from '../notebook/hash';
import { locateCells } from '../notebook/locate';
import type { Notebook } from '../notebook/notebook';
import { parseLock, type Lock } from '../promote/lockFile';
import type { LineIndex } from '../text/lineIndex';
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
}

/**
 * The checks against other files: the step's code file and source notebook exist, its cells are still
 * there, they still hash to the step's version (else it is stale), and its code file is still what
 * promotion wrote (else it was edited by hand).
 */
export function fileDiagnostics(model: PipelineModel, lines: LineIndex, context: LintContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = emitter(lines, out);
  const dir = path.dirname(context.pipelinePath);
  const lock = lockOf(context.lockText());
  for (const s of model.steps) {
    const name = s.id?.value ?? `steps[${s.index}]`;
    if (s.code) {
      const file = path.resolve(dir, s.code.value);
      if (!context.exists(file)) {
        emit(s, s.code.node, 'error', 'missing-code-file', `The code file of \`${name}\`, ${s.code.value}, does not exist${s.notebook ? '; re-promote the step to write it again' : ''}.`, stepData(s));
      } else {
        const promoted = lockVersion(lock, s);
        const hash = promoted ? context.fileHash(file) : undefined;
        if (promoted && hash && hash !== promoted.codeHash) {
          emit(s, s.code.node, 'warning', 'code-edited', `${s.code.value} was edited by hand since \`${name}\` v${s.version} was promoted; put the change in the notebook and re-promote, or it will be lost on the next promotion.`, stepData(s));
        }
      }
    }
    if (!s.notebook) continue;
    const nbPath = path.resolve(dir, s.notebook.value);
    const nb = context.notebook(nbPath);
    if (nb === undefined) {
      emit(s, s.notebook.node, 'error', 'missing-notebook', `The source notebook of \`${name}\`, ${s.notebook.value}, does not exist.`);
      continue;
    }
    if (nb instanceof Error) {
      emit(s, s.notebook.node, 'error', 'unreadable-notebook', `The source notebook of \`${name}\` cannot be read: ${nb.message}`);
      continue;
    }
    if (s.cells.length === 0) continue;
    const status = cellStatus(nb, s, lockVersion(lock, s)?.source);
    status.missing.forEach((i) => {
      const { ref, node } = s.cells[i];
      emit(s, node, 'error', 'missing-cell', `Cell ${ref.id ? `\`${ref.id}\`` : ref.index} of \`${name}\` is no longer in ${s.notebook!.value}.`);
    });
    if (status.missing.length === 0 && s.hash && status.hash !== s.hash) {
      emit(s, s.id?.node ?? s.node, 'warning', 'stale-step', `\`${name}\` v${s.version} is stale: its cells in ${s.notebook.value} changed since it was promoted. Re-promote it to make v${s.version + 1}.`, { ...stepData(s), cells: status.current });
    }
  }
  return out;
}

function stepData(s: StepModel): Record<string, unknown> {
  return { stepId: s.id?.value, notebook: s.notebook?.value };
}

const statusCache = new WeakMap<Notebook, Map<string, { missing: number[]; current: number[]; hash: string }>>();

/** Where a step's cells are and what they hash to now, cached per notebook version and step. */
function cellStatus(nb: Notebook, s: StepModel, previous: string[] | undefined): { missing: number[]; current: number[]; hash: string } {
  let perNotebook = statusCache.get(nb);
  if (!perNotebook) statusCache.set(nb, (perNotebook = new Map()));
  const key = JSON.stringify([s.cells.map((c) => c.ref), s.hash]);
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
