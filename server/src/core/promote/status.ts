import * as path from 'node:path';
import type { Notebook } from '../notebook/notebook';
import { carriedReason, sourceStatus } from '../notebook/sourceStatus';
import { parseLock, type Lock, type VersionRecord } from '../pipeline/lockFile';
import { PipelineDocument, type StepEntry } from './pipelineDocument';

export interface StepStatus extends StepEntry {
  /** True when the source cells changed (or went missing) since this version was promoted. */
  stale: boolean;
  staleReason?: string;
  /** Where the step's cells are in the notebook now (indices), for the ones that were found. */
  currentCells: number[];
}

export interface PipelineStatus {
  name: string;
  steps: StepStatus[];
}

/** Loads a notebook by absolute path; throws (with a message naming the file) when it cannot. */
export type NotebookLoader = (absolutePath: string) => Notebook;

/** Each step with whether its source cells still hash to its version's hash. */
export function pipelineStatus(pipelinePath: string, pipelineText: string, loadNotebook: NotebookLoader, lockText?: string): PipelineStatus {
  const doc = PipelineDocument.parse(pipelineText, path.basename(pipelinePath));
  let lock: Lock | undefined;
  try {
    lock = parseLock(lockText, 'lock');
  } catch {
    // A damaged lock only costs the similarity fallback here; promotion reports it.
  }
  const notebooks = new Map<string, Notebook | Error>();
  const load = (ref: string) => {
    const abs = path.resolve(path.dirname(pipelinePath), ref);
    let nb = notebooks.get(abs);
    if (!nb) {
      try {
        nb = loadNotebook(abs);
      } catch (err) {
        nb = err instanceof Error ? err : new Error(String(err));
      }
      notebooks.set(abs, nb);
    }
    return nb;
  };
  return {
    name: doc.name ?? '',
    steps: doc.steps().map((step) => ({ ...step, ...stepSourceStatus(step, load, lastVersion(lock, step)) })),
  };
}

/** The lock's record of a step's current version: its promoted sources (to find edited cells that moved) and what it carries. */
export function lastVersion(lock: Lock | undefined, step: StepEntry): VersionRecord | undefined {
  const versions = lock?.steps[step.id]?.versions ?? [];
  return versions.find((v) => v.version === step.version && v.hash === step.source?.hash);
}

/** A step's status as the status bar and `cellflow pipeline show` word it; sourceStatus decides. */
export function stepSourceStatus(step: StepEntry, load: (notebookRef: string) => Notebook | Error, promoted?: VersionRecord): Pick<StepStatus, 'stale' | 'staleReason' | 'currentCells'> {
  if (!step.source) return { stale: false, currentCells: [] };
  const { notebook, cells } = step.source;
  const status = sourceStatus(load(notebook), cells, step.source.hash, promoted?.source, promoted?.carried);
  const why = status.why;
  const currentCells = [...status.currentCells];
  switch (why.kind) {
    case 'current':
      return { stale: false, currentCells };
    case 'notebook-missing':
      return { stale: true, staleReason: `its notebook ${notebook} does not exist`, currentCells };
    case 'notebook-unreadable':
      return { stale: true, staleReason: `its notebook cannot be read: ${why.error.message}`, currentCells };
    case 'cells-missing':
      return { stale: true, staleReason: `cell${why.missing.length > 1 ? 's' : ''} ${why.missing.map((i) => cells[i].id ?? cells[i].index).join(', ')} no longer in ${notebook}`, currentCells };
    case 'cells-changed':
      return { stale: true, staleReason: `its cells changed since version ${step.version}`, currentCells };
    case 'carried-changed':
      return { stale: true, staleReason: carriedReason(why.cells, step.version), currentCells };
  }
}
