/**
 * Histograms as numpy makes them, so binned drift tests match Evidently's (which bins with numpy):
 * histogram_bin_edges over the pooled values (a count of bins, or Sturges' rule), and np.histogram's
 * counting with those edges (left-closed bins, the last one closed on both sides).
 */

/** numpy's linspace(first, last, bins + 1): i·step + first, the last edge exactly `last`. */
export function binEdges(min: number, max: number, bins: number | 'sturges', size: number): Float64Array {
  let first = min;
  let last = max;
  if (size === 0) {
    first = 0;
    last = 1;
  } else if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let n: number;
  if (bins === 'sturges') {
    const width = size === 0 ? 0 : (max - min) / (Math.log2(size) + 1);
    n = width ? Math.ceil((last - first) / width) : 1;
  } else {
    n = bins;
  }
  const edges = new Float64Array(n + 1);
  const step = (last - first) / n;
  for (let i = 0; i <= n; i++) edges[i] = step === 0 ? (i / n) * (last - first) + first : i * step + first;
  edges[n] = last;
  return edges;
}

/** Counts of sorted `values` in the bins `edges` bound, as np.histogram(values, edges) (values outside are left out). */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  // searchsorted(edges[:-1], 'left') and searchsorted(edges[-1:], 'right') on the sorted values.
  const cum = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) cum[i] = lowerBound(sorted, edges[i]);
  cum[bins] = upperBound(sorted, edges[bins]);
  for (let i = 0; i < bins; i++) counts[i] = cum[i + 1] - cum[i];
  return counts;
}

export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The distinct values of a sorted array with their counts. */
export function distinctCounts(sorted: Float64Array): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    out.set(sorted[i], j - i);
    i = j;
  }
  return out;
}

/** How many distinct values a sorted array holds, counting no further than `cap` + 1. */
export function distinctUpTo(sorted: Float64Array, cap = Infinity): number {
  let n = sorted.length ? 1 : 0;
  for (let i = 1; i < sorted.length && n <= cap; i++) if (sorted[i] !== sorted[i - 1]) n++;
  return n;
}

/** Distinct values across two sorted arrays, counting no further than `cap` + 1, without pooling them. */
export function distinctAcross(a: Float64Array, b: Float64Array, cap = Infinity): number {
  let i = 0;
  let j = 0;
  let n = 0;
  let last = Number.NaN;
  while ((i < a.length || j < b.length) && n <= cap) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (v !== last) {
      n++;
      last = v;
    }
  }
  return n;
}

/** Both sorted samples pooled into one sorted array. */
export function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/** A sum with Neumaier's compensation: at least as accurate as numpy's pairwise sum, in any order. */
export function accurateSum(values: ArrayLike<number>): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}
