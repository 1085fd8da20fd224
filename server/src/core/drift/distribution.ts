import { binEdges, histogramCounts } from './binning';
import type { ColumnSample } from './stattests';

/** What the Drift panel draws for a column: both sets' shares over the same bins or categories. */
export type Distribution =
  | { kind: 'num'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'cat'; labels: string[]; reference: number[]; current: number[]; otherCategories: number };

/** Equal-width bins over the pooled range for numbers. */
export const CHART_BINS = 30;
/** The categories with the most rows, pooled; the rest are counted as one. */
export const CHART_CATEGORIES = 20;

export function distribution(ref: ColumnSample, cur: ColumnSample): Distribution {
  if (ref.kind === 'num' && cur.kind === 'num') {
    const min = Math.min(ref.sorted[0], cur.sorted[0]);
    const max = Math.max(ref.sorted[ref.sorted.length - 1], cur.sorted[cur.sorted.length - 1]);
    const edges = binEdges(min, max, CHART_BINS, ref.sorted.length + cur.sorted.length);
    const share = (s: Float64Array) => Array.from(histogramCounts(s, edges), (c) => c / s.length);
    return { kind: 'num', edges: Array.from(edges), reference: share(ref.sorted), current: share(cur.sorted) };
  }
  const r = ref.kind === 'cat' ? ref : undefined;
  const c = cur.kind === 'cat' ? cur : undefined;
  if (!r || !c) throw new RangeError('a distribution needs two samples of one kind');
  const pooled = new Map<string, number>();
  for (const [k, n] of r.counts) pooled.set(k, (pooled.get(k) ?? 0) + n / r.n);
  for (const [k, n] of c.counts) pooled.set(k, (pooled.get(k) ?? 0) + n / c.n);
  const labels = [...pooled.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  const shown = labels.slice(0, CHART_CATEGORIES);
  return {
    kind: 'cat',
    labels: shown,
    reference: shown.map((k) => (r.counts.get(k) ?? 0) / r.n),
    current: shown.map((k) => (c.counts.get(k) ?? 0) / c.n),
    otherCategories: labels.length - shown.length,
  };
}
