import { cellHash } from './hash';
import type { Notebook, NotebookCell } from './notebook';

export interface CellRef {
  index: number;
  id?: string;
  hash?: string;
}

export type Located =
  | { found: true; cell: NotebookCell; how: 'id' | 'hash' | 'index'; changed: boolean }
  | { found: false; ref: CellRef };

/**
 * Finds promoted cells again after the notebook changed. nbformat 4.5+ cells have ids, which survive
 * edits and moves. Older notebooks (4.4 and before) have none: a cell is found by its content hash
 * (it moved but did not change; the nearest match to its old index wins when several cells are alike),
 * else at its old index when a code cell is still there (it changed in place), else it is missing.
 */
export function locateCells(nb: Notebook, refs: CellRef[]): Located[] {
  const taken = new Set<number>();
  const hashes = new Map<number, string>();
  const hashOf = (c: NotebookCell) => {
    let h = hashes.get(c.index);
    if (!h) hashes.set(c.index, (h = cellHash(c.source)));
    return h;
  };
  return refs.map((ref) => {
    if (ref.id) {
      const byId = nb.cells.find((c) => c.id === ref.id && c.kind === 'code');
      if (byId) {
        taken.add(byId.index);
        return { found: true, cell: byId, how: 'id', changed: ref.hash !== undefined && hashOf(byId) !== ref.hash };
      }
    }
    if (ref.hash) {
      const matches = nb.cells.filter((c) => c.kind === 'code' && !taken.has(c.index) && hashOf(c) === ref.hash);
      if (matches.length) {
        const nearest = matches.reduce((a, b) => (Math.abs(b.index - ref.index) < Math.abs(a.index - ref.index) ? b : a));
        taken.add(nearest.index);
        return { found: true, cell: nearest, how: 'hash', changed: false };
      }
    }
    const atIndex = nb.cells[ref.index];
    if (atIndex && atIndex.kind === 'code' && !taken.has(atIndex.index) && (!ref.id || !atIndex.id)) {
      taken.add(atIndex.index);
      return { found: true, cell: atIndex, how: 'index', changed: ref.hash !== undefined && hashOf(atIndex) !== ref.hash };
    }
    return { found: false, ref };
  });
}
