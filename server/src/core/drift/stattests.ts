import { accurateSum, binEdges, distinctAcross, distinctCounts, distinctUpTo, histogramCounts, mergeSorted } from './binning';
import { ks2samp } from './ks';
import { chi2Sf, ndtr } from './special';

/**
 * One column of one dataset, as the tests take it: its non-null values. Numeric: finite values,
 * sorted. Categorical: counts by category. Nulls (NaN, ±inf, empty) are counted apart and reported
 * beside the test, never dropped silently.
 */
export type ColumnSample = { kind: 'num'; sorted: Float64Array } | { kind: 'cat'; counts: Map<string, number>; n: number };

export const STAT_TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi', 'kl_div', 'hellinger'] as const;
export type StatTestName = (typeof STAT_TESTS)[number];

/** Default thresholds: p-values below them drift (ks, chisquare, z); distances at or above them drift. */
export const DEFAULT_THRESHOLDS: Record<StatTestName, number> = { ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1, kl_div: 0.1, hellinger: 0.1 };
const P_VALUE_TESTS = new Set<StatTestName>(['ks', 'chisquare', 'z']);

export interface StatTestResult {
  test: StatTestName;
  /** The distance, or the test's statistic for the p-value tests. */
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
}

/** PSI's equal-width bins over the pooled range. */
export const PSI_BINS = 10;

export const sizeOf = (s: ColumnSample): number => (s.kind === 'num' ? s.sorted.length : s.n);

/** Distinct non-null values across both samples (counted no further than `cap` + 1). */
export function uniqueCount(ref: ColumnSample, cur: ColumnSample, cap = Infinity): number {
  if (ref.kind === 'num' && cur.kind === 'num') return distinctAcross(ref.sorted, cur.sorted, cap);
  const keys = new Set([...countsOf(ref).keys(), ...countsOf(cur).keys()]);
  return keys.size;
}

/**
 * Evidently's default test for a column: on a reference of at most 1,000 rows, KS for a numeric
 * column with more than 5 distinct values, else chi-square (over 2 distinct) or the Z-test; on a
 * larger reference, normed Wasserstein for such a numeric column, else Jensen-Shannon.
 */
export function defaultTest(ref: ColumnSample, cur: ColumnSample): StatTestName {
  const unique = uniqueCount(ref, cur, 5);
  const numeric = ref.kind === 'num';
  if (sizeOf(ref) <= 1000) {
    if (numeric && unique > 5) return 'ks';
    return unique > 2 ? 'chisquare' : 'z';
  }
  return numeric && unique > 5 ? 'wasserstein' : 'jensenshannon';
}

export function runStatTest(test: StatTestName, ref: ColumnSample, cur: ColumnSample, threshold = DEFAULT_THRESHOLDS[test]): StatTestResult {
  const { statistic, pValue } = compute(test, ref, cur);
  const drifted = P_VALUE_TESTS.has(test) ? (pValue as number) < threshold : statistic >= threshold;
  return { test, statistic, pValue, threshold, drifted };
}

function compute(test: StatTestName, ref: ColumnSample, cur: ColumnSample): { statistic: number; pValue: number | null } {
  switch (test) {
    case 'ks': {
      const r = ks2samp(numeric(ref, test), numeric(cur, test));
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'wasserstein':
      return { statistic: wassersteinNorm(numeric(ref, test), numeric(cur, test)), pValue: null };
    case 'chisquare':
      return chiSquare(ref, cur);
    case 'z':
      return zTest(ref, cur);
    case 'jensenshannon': {
      const [p, q] = binnedShares(ref, cur, false);
      return { statistic: jensenShannon(p, q), pValue: null };
    }
    case 'kl_div': {
      const [p, q] = binnedShares(ref, cur, true);
      return { statistic: entropy(p, q), pValue: null };
    }
    case 'psi': {
      const [p, q] = binnedShares(ref, cur, true, PSI_BINS);
      let s = 0;
      for (let i = 0; i < p.length; i++) s += (p[i] - q[i]) * Math.log(p[i] / q[i]);
      return { statistic: s, pValue: null };
    }
    case 'hellinger':
      return { statistic: hellinger(ref, cur), pValue: null };
  }
}

function numeric(s: ColumnSample, test: string): Float64Array {
  if (s.kind !== 'num') throw new RangeError(`${test} needs a numeric column`);
  return s.sorted;
}

/** Counts by value as text: a numeric sample's distinct values are its categories. */
function countsOf(s: ColumnSample): Map<string, number> {
  if (s.kind === 'cat') return s.counts;
  const out = new Map<string, number>();
  for (const [v, c] of distinctCounts(s.sorted)) out.set(String(v), c);
  return out;
}

/** scipy.stats.wasserstein_distance(ref, cur) / max(std(ref), 0.001), std with ddof 0. */
export function wassersteinNorm(a: Float64Array, b: Float64Array): number {
  return wasserstein(a, b) / Math.max(std(a), 0.001);
}

/**
 * ∫ |F_a − F_b|: both sorted samples merged in one walk, each pooled value adding the gap from the
 * one before times the CDFs' difference up to it (ties add nothing), the sum compensated
 * (Neumaier). One branch per value: the report's hottest loop after the sort.
 */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let c = 0;
  let prev = Math.min(a[0], b[0]);
  // i and j count the values before x on each side; past the end of one, its CDF stays at 1.
  while (i < na || j < nb) {
    const ai = i < na ? a[i] : Infinity;
    const bj = j < nb ? b[j] : Infinity;
    const x = ai <= bj ? ai : bj;
    const term = Math.abs(i / na - j / nb) * (x - prev);
    const t = sum + term;
    c += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    prev = x;
    if (ai <= bj) i++;
    else j++;
  }
  return sum + c;
}

function std(a: Float64Array): number {
  const mean = accurateSum(a) / a.length;
  const sq = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) sq[i] = (a[i] - mean) ** 2;
  return Math.sqrt(accurateSum(sq) / a.length);
}

/**
 * scipy's chisquare(f_obs = current counts, f_exp = reference counts × current rows / reference
 * rows) over the categories of both; p from chi2 with k − 1 degrees of freedom. A category the
 * reference lacks makes the statistic infinite (p = 0), as scipy has it; the report names it too.
 */
function chiSquare(ref: ColumnSample, cur: ColumnSample): { statistic: number; pValue: number } {
  const r = countsOf(ref);
  const c = countsOf(cur);
  const keys = [...new Set([...r.keys(), ...c.keys()])];
  const k = sizeOf(cur) / sizeOf(ref);
  const terms = keys.map((key) => {
    const exp = (r.get(key) ?? 0) * k;
    const obs = c.get(key) ?? 0;
    return (obs - exp) ** 2 / exp;
  });
  const statistic = accurateSum(terms);
  return { statistic, pValue: chi2Sf(statistic, keys.length - 1) };
}

/** Evidently's Z-test for two proportions: the share of the first category (sorted) in each sample. */
function zTest(ref: ColumnSample, cur: ColumnSample): { statistic: number; pValue: number } {
  const r = countsOf(ref);
  const c = countsOf(cur);
  const keys = [...new Set([...r.keys(), ...c.keys()])];
  if (r.size === 1 && c.size === 1 && [...r.keys()][0] === [...c.keys()][0]) return { statistic: 0, pValue: 1 };
  const first = ref.kind === 'num' ? String(Math.min(...keys.map(Number))) : keys.sort()[0];
  const n1 = sizeOf(ref);
  const n2 = sizeOf(cur);
  const p1 = (n1 - (r.get(first) ?? 0)) / n1;
  const p2 = (n2 - (c.get(first) ?? 0)) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - ndtr(Math.abs(z))) };
}

/**
 * Evidently's get_binned_data: a numeric column with over 20 distinct reference values is binned
 * (Sturges' rule over the pooled values, or `bins` equal-width bins), anything else counted by value;
 * shares of each sample's rows; with `fillZeros`, empty bins get a small share so logs stay finite.
 */
export function binnedShares(ref: ColumnSample, cur: ColumnSample, fillZeros: boolean, bins?: number): [Float64Array, Float64Array] {
  let p: Float64Array;
  let q: Float64Array;
  if (ref.kind === 'num' && cur.kind === 'num' && distinctUpTo(ref.sorted, 20) > 20) {
    const min = Math.min(ref.sorted[0], cur.sorted[0]);
    const max = Math.max(ref.sorted[ref.sorted.length - 1], cur.sorted[cur.sorted.length - 1]);
    const edges = binEdges(min, max, bins ?? 'sturges', ref.sorted.length + cur.sorted.length);
    p = histogramCounts(ref.sorted, edges).map((x) => x / ref.sorted.length);
    q = histogramCounts(cur.sorted, edges).map((x) => x / cur.sorted.length);
  } else {
    const r = countsOf(ref);
    const c = countsOf(cur);
    const keys = [...new Set([...r.keys(), ...c.keys()])];
    p = Float64Array.from(keys, (k) => (r.get(k) ?? 0) / sizeOf(ref));
    q = Float64Array.from(keys, (k) => (c.get(k) ?? 0) / sizeOf(cur));
  }
  if (fillZeros) {
    fillZeroShares(p);
    fillZeroShares(q);
  }
  return [p, q];
}

function fillZeroShares(a: Float64Array): void {
  let min = Infinity;
  for (const v of a) if (v !== 0 && v < min) min = v;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  for (let i = 0; i < a.length; i++) if (a[i] === 0) a[i] = fill;
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** scipy.spatial.distance.jensenshannon(p, q), natural log. */
export function jensenShannon(p0: Float64Array, q0: Float64Array): number {
  const sp = accurateSum(p0);
  const sq = accurateSum(q0);
  const left: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < p0.length; i++) {
    const p = p0[i] / sp;
    const q = q0[i] / sq;
    const m = (p + q) / 2;
    left.push(relEntr(p, m));
    right.push(relEntr(q, m));
  }
  return Math.sqrt((accurateSum(left) + accurateSum(right)) / 2);
}

/** scipy.stats.entropy(p, q): Kullback-Leibler divergence of the normalized vectors. */
export function entropy(p0: Float64Array, q0: Float64Array): number {
  const sp = accurateSum(p0);
  const sq = accurateSum(q0);
  const terms: number[] = [];
  for (let i = 0; i < p0.length; i++) terms.push(relEntr(p0[i] / sp, q0[i] / sq));
  return accurateSum(terms);
}

/**
 * Evidently's Hellinger distance: over categories, sqrt(1 − Σ sqrt(p·q)); over numbers, the same on
 * density histograms whose edges come from the distinct pooled values by Sturges' rule.
 */
function hellinger(ref: ColumnSample, cur: ColumnSample): number {
  let bc = 0;
  if (ref.kind === 'num' && cur.kind === 'num') {
    const keys = Float64Array.from(distinctCounts(mergeSorted(ref.sorted, cur.sorted)).keys());
    const edges = binEdges(keys[0], keys[keys.length - 1], 'sturges', keys.length);
    const width = (edges[edges.length - 1] - edges[0]) / (edges.length - 1);
    const h1 = density(ref.sorted, edges);
    const h2 = density(cur.sorted, edges);
    for (let i = 0; i < h1.length; i++) bc += Math.sqrt(h1[i] * h2[i]) * width;
  } else {
    const r = countsOf(ref);
    const c = countsOf(cur);
    for (const key of new Set([...r.keys(), ...c.keys()])) bc += Math.sqrt(((r.get(key) ?? 0) / sizeOf(ref)) * ((c.get(key) ?? 0) / sizeOf(cur)));
  }
  return Math.sqrt(1 - Math.min(Math.max(bc, 0), 1));
}

/** np.histogram(values, edges, density=True)[0]. */
function density(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = histogramCounts(sorted, edges);
  const total = accurateSum(counts);
  return counts.map((c, i) => c / (edges[i + 1] - edges[i]) / total);
}
