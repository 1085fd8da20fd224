import type { CellRef } from '../pipeline/schema';
import { cellHash } from './hash';
import type { Notebook, NotebookCell } from './notebook';

export type Located =
  | { found: true; cell: NotebookCell; how: 'id' | 'hash' | 'similar' | 'index'; changed: boolean }
  | { found: false; ref: CellRef };

/**
 * Finds promoted cells again after the notebook changed. nbformat 4.5+ cells have ids, which survive
 * edits and moves. Older notebooks (4.4 and before) have none: a cell is found by its content hash
 * (it moved but did not change; the nearest match to its old index wins when several cells are alike);
 * else, when the promoted source is known (the lock file keeps it), by similarity to it among the code
 * cells near its old index (it changed and moved); else at its old index when a code cell is still
 * there (it changed in place); else it is missing.
 */
export function locateCells(nb: Notebook, refs: CellRef[], previousSources?: string[]): Located[] {
  const taken = new Set<number>();
  const index = notebookIndex(nb);
  const hashOf = (c: NotebookCell) => index.hashOf(c);
  return refs.map((ref) => {
    if (ref.id) {
      const byId = index.byId.get(ref.id);
      if (byId) {
        taken.add(byId.index);
        return { found: true, cell: byId, how: 'id', changed: ref.hash !== undefined && hashOf(byId) !== ref.hash };
      }
    }
    if (ref.hash) {
      const matches = index.byHash(ref.hash).filter((c) => !taken.has(c.index));
      if (matches.length) {
        const nearest = matches.reduce((a, b) => (Math.abs(b.index - ref.index) < Math.abs(a.index - ref.index) ? b : a));
        taken.add(nearest.index);
        return { found: true, cell: nearest, how: 'hash', changed: false };
      }
    }
    const previous = previousSources?.[refs.indexOf(ref)];
    if (previous !== undefined) {
      const similar = mostSimilar(nb, previous, ref.index, taken);
      if (similar) {
        taken.add(similar.index);
        return { found: true, cell: similar, how: 'similar', changed: true };
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

/**
 * Look-ups into a notebook by cell id and content hash, built once per notebook object: the linter
 * checks a thousand steps against one notebook without hashing its cells a thousand times.
 */
const indexes = new WeakMap<Notebook, { byId: Map<string, NotebookCell>; hashOf: (c: NotebookCell) => string; byHash: (h: string) => NotebookCell[] }>();

function notebookIndex(nb: Notebook) {
  let index = indexes.get(nb);
  if (!index) {
    const byId = new Map<string, NotebookCell>();
    for (const c of nb.cells) if (c.id && c.kind === 'code') byId.set(c.id, c);
    const hashes = new Map<number, string>();
    const hashOf = (c: NotebookCell) => {
      let h = hashes.get(c.index);
      if (!h) hashes.set(c.index, (h = cellHash(c.source)));
      return h;
    };
    let byHashMap: Map<string, NotebookCell[]> | undefined;
    const byHash = (h: string) => {
      if (!byHashMap) {
        byHashMap = new Map();
        for (const c of nb.cells) if (c.kind === 'code') byHashMap.set(hashOf(c), [...(byHashMap.get(hashOf(c)) ?? []), c]);
      }
      return byHashMap.get(h) ?? [];
    };
    index = { byId, hashOf, byHash };
    indexes.set(nb, index);
  }
  return index;
}

const SIMILARITY_WINDOW = 25;
const SIMILARITY_THRESHOLD = 0.5;

/** The code cell near `around` whose tokens best match `source` (Dice coefficient), if close enough. */
function mostSimilar(nb: Notebook, source: string, around: number, taken: Set<number>): NotebookCell | undefined {
  const want = tokenCounts(source);
  let best: NotebookCell | undefined;
  let bestScore = SIMILARITY_THRESHOLD;
  for (let i = Math.max(0, around - SIMILARITY_WINDOW); i < Math.min(nb.cells.length, around + SIMILARITY_WINDOW + 1); i++) {
    const c = nb.cells[i];
    if (c.kind !== 'code' || taken.has(i)) continue;
    const score = dice(want, tokenCounts(c.source));
    if (score > bestScore || (score === bestScore && best && Math.abs(i - around) < Math.abs(best.index - around))) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function tokenCounts(source: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of source.match(/[A-Za-z_]\w*|\d+(?:\.\d+)?|[^\s\w]/g) ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let common = 0;
  let total = 0;
  for (const [t, n] of a) {
    common += Math.min(n, b.get(t) ?? 0);
    total += n;
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 1 : (2 * common) / total;
}
