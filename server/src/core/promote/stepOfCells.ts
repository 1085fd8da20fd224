import type { Notebook } from '../notebook/notebook';
import { sourceStatus } from '../notebook/sourceStatus';
import type { Lock } from '../pipeline/lockFile';
import type { StepEntry } from './pipelineDocument';
import { lastSources } from './status';

/**
 * The step that the code cells among `selected` already are: its cells, found again in the notebook as
 * promotion finds them, are exactly those, in order. Promoting them again makes its next version, so
 * promotion without a step id picks it and the editor offers it.
 */
export function stepOfCells(steps: StepEntry[], nb: Notebook, notebookRef: string, selected: number[], lock: Lock | undefined): StepEntry | undefined {
  // The cells promotion would take: code cells, each once, in notebook order.
  const cells = [...new Set(selected)].filter((i) => nb.cells[i]?.kind === 'code').sort((a, b) => a - b);
  if (cells.length === 0) return undefined;
  return steps.find((s) => {
    if (s.source?.notebook !== notebookRef || s.source.cells.length !== cells.length) return false;
    const { currentCells } = sourceStatus(nb, s.source.cells, s.source.hash, lastSources(lock, s));
    return currentCells.length === cells.length && currentCells.every((c, i) => c === cells[i]);
  });
}
