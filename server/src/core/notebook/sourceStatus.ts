import type { CellRef } from '../pipeline/schema';
import { cellHash, stepHash } from './hash';
import { locateCells } from './locate';
import type { Notebook } from './notebook';

/** Whether a promoted step's cells still are what it was promoted from, and if not, why. */
export type SourceVerdict =
  | { kind: 'current' }
  | { kind: 'notebook-missing' }
  | { kind: 'notebook-unreadable'; error: Error }
  /** `missing`: positions in the step's cell references of the cells that were not found. */
  | { kind: 'cells-missing'; missing: number[] }
  | { kind: 'cells-changed' }
  /** `cells`: indices, as promoted, of the earlier cells it carries code from that changed or went. */
  | { kind: 'carried-changed'; cells: number[] };

export interface SourceStatus {
  stale: boolean;
  why: SourceVerdict;
  /** Where the step's cells are now (indices), in the order of its references, for the ones found. */
  currentCells: number[];
  /** The found cells' step hash, when none is missing. */
  hash?: string;
}

const NO_CELLS: number[] = [];

/**
 * The one decision of whether a step is stale, used by the linter's stale-step and missing-cell
 * diagnostics, the notebook's status bar and `cellflow pipeline show`. The cells are found as promotion
 * finds them (locateCells); a step is stale when its notebook is gone or unreadable, a cell is missing,
 * or the cells no longer hash to `promotedHash`. A step with no cell references or no recorded hash
 * has nothing to compare (the schema reports it), so it is not stale.
 */
export function sourceStatus(nb: Notebook | Error | undefined, refs: CellRef[], promotedHash: string | undefined, previousSources?: string[], carried?: CellRef[]): SourceStatus {
  if (nb === undefined) return { stale: true, why: { kind: 'notebook-missing' }, currentCells: NO_CELLS };
  if (nb instanceof Error) return { stale: true, why: { kind: 'notebook-unreadable', error: nb }, currentCells: NO_CELLS };
  if (refs.length === 0) return { stale: false, why: { kind: 'current' }, currentCells: NO_CELLS };
  const located = locateCells(nb, refs, previousSources);
  const currentCells = located.flatMap((l) => (l.found ? [l.cell.index] : []));
  if (currentCells.length < refs.length) return { stale: true, why: { kind: 'cells-missing', missing: located.flatMap((l, i) => (l.found ? [] : [i])) }, currentCells };
  const hash = stepHash(located.map((l) => (l.found ? l.cell.source : '')));
  const changed = !!promotedHash && hash !== promotedHash;
  if (changed) return { stale: true, why: { kind: 'cells-changed' }, currentCells, hash };
  const gone = carried?.length ? changedCarried(nb, carried) : NO_CELLS;
  if (gone.length) return { stale: true, why: { kind: 'carried-changed', cells: gone }, currentCells, hash };
  return { stale: false, why: { kind: 'current' }, currentCells, hash };
}

/** Carried cells no code cell of the notebook still hashes to, wherever it moved. */
function changedCarried(nb: Notebook, carried: CellRef[]): number[] {
  const hashes = new Set(nb.cells.flatMap((c) => (c.kind === 'code' ? [cellHash(c.source)] : [])));
  return carried.flatMap((c) => (c.hash && !hashes.has(c.hash) ? [c.index] : []));
}

/** Why a step whose own cells are unchanged is stale: an earlier cell it carries code from changed. */
export function carriedReason(cells: number[], version: number): string {
  return `cell${cells.length > 1 ? 's' : ''} ${cells.join(', ')}, which it carries imports, definitions or setup from, changed since version ${version}`;
}
