import type { Notebook } from '../notebook/notebook';
import { sourceStatus } from '../notebook/sourceStatus';
import type { Lock } from '../pipeline/lockFile';
import type { StepEntry } from './pipelineDocument';
import { lastVersion } from './status';

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
    const { currentCells } = sourceStatus(nb, s.source.cells, s.source.hash, lastVersion(lock, s)?.source);
    return currentCells.length === cells.length && currentCells.every((c, i) => c === cells[i]);
  });
}

/**
 * Steps of this notebook whose cells, found again as promotion finds them, include some of `selected`:
 * each with those cells (indices now) and the positions of their references in the step.
 */
export function stepsHoldingCells(steps: StepEntry[], nb: Notebook, notebookRef: string, selected: number[], lock: Lock | undefined): Array<{ step: StepEntry; cells: number[]; refs: number[] }> {
  const wanted = new Set(selected);
  const out: Array<{ step: StepEntry; cells: number[]; refs: number[] }> = [];
  for (const s of steps) {
    if (s.source?.notebook !== notebookRef || s.source.cells.length === 0) continue;
    const { currentCells } = sourceStatus(nb, s.source.cells, s.source.hash, lastVersion(lock, s)?.source);
    // With every cell found, currentCells[i] is where reference i is now; else only ids say which is which.
    const all = currentCells.length === s.source.cells.length;
    const refs: number[] = [];
    const cells: number[] = [];
    s.source.cells.forEach((ref, i) => {
      const at = all ? currentCells[i] : ref.id ? nb.cells.findIndex((c) => c.id === ref.id) : -1;
      if (at >= 0 && wanted.has(at)) {
        refs.push(i);
        cells.push(at);
      }
    });
    if (cells.length) out.push({ step: s, cells, refs });
  }
  return out;
}
