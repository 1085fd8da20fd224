import * as path from 'node:path';
import { stepHash } from '../notebook/hash';
import { locateCells } from '../notebook/locate';
import { parseLock, type Lock } from '../pipeline/lockFile';
import type { Notebook } from '../notebook/notebook';
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
    steps: doc.steps().map((step) => ({ ...step, ...stepSourceStatus(step, load, lastSources(lock, step)) })),
  };
}

/** The promoted source of a step's current version, from the lock file, to find edited cells that moved. */
export function lastSources(lock: Lock | undefined, step: StepEntry): string[] | undefined {
  const versions = lock?.steps[step.id]?.versions ?? [];
  const current = versions.find((v) => v.version === step.version && v.hash === step.source?.hash);
  return current?.source;
}

export function stepSourceStatus(step: StepEntry, load: (notebookRef: string) => Notebook | Error, previousSources?: string[]): Pick<StepStatus, 'stale' | 'staleReason' | 'currentCells'> {
  if (!step.source) return { stale: false, currentCells: [] };
  const nb = load(step.source.notebook);
  if (nb instanceof Error) return { stale: true, staleReason: `its notebook cannot be read: ${nb.message}`, currentCells: [] };
  const located = locateCells(nb, step.source.cells, previousSources);
  const currentCells = located.flatMap((l) => (l.found ? [l.cell.index] : []));
  const missing = located.filter((l) => !l.found);
  if (missing.length) {
    return { stale: true, staleReason: `cell${missing.length > 1 ? 's' : ''} ${missing.map((m) => (m.found ? '' : m.ref.id ?? m.ref.index)).join(', ')} no longer in ${step.source.notebook}`, currentCells };
  }
  const now = stepHash(located.map((l) => (l.found ? l.cell.source : '')));
  return now === step.source.hash ? { stale: false, currentCells } : { stale: true, staleReason: `its cells changed since version ${step.version}`, currentCells };
}
