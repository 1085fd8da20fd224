/** Latency statistics of one measurement, in milliseconds. */
export interface LatencyStats {
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  meanMs: number;
  /** Population standard deviation (ddof 0), as numpy's std. */
  stdMs: number;
}

/**
 * numpy's default percentile (linear interpolation between the closest ranks) of sorted values.
 * onnxruntime_perf_test takes the nearest rank; with thousands of samples the two agree to a
 * fraction of the spacing, and interpolation does not jump when one sample is added.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const at = (q / 100) * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

export function latencyStats(latenciesMs: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(latenciesMs).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = n ? sum / n : NaN;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (sorted[i] - mean) ** 2;
  return {
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    meanMs: mean,
    stdMs: n ? Math.sqrt(sq / n) : NaN,
  };
}
