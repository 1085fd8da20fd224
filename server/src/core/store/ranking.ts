/** Metric names whose lower values are better: losses, errors, distances and times. */
const LOWER_IS_BETTER = /(loss|error|err$|rmse|mse|mae|mape|deviance|perplexity|latency|time|seconds|_ms$|distance|regret|brier|logloss)/i;

/** Whether a metric is minimised or maximised, by its name, when the user has not said. */
export function defaultGoal(metric: string): 'min' | 'max' {
  return LOWER_IS_BETTER.test(metric) ? 'min' : 'max';
}

/** The items that have a finite value, best first (stable among equals); the rest are left out. */
export function rankBy<T>(items: readonly T[], value: (item: T) => number | undefined, goal: 'min' | 'max'): T[] {
  const scored = items.flatMap((item, i) => {
    const v = value(item);
    return typeof v === 'number' && Number.isFinite(v) ? [{ item, v, i }] : [];
  });
  scored.sort((a, b) => (goal === 'min' ? a.v - b.v : b.v - a.v) || a.i - b.i);
  return scored.map((s) => s.item);
}

/** The metrics that at least `min` of the runs logged (two: what a best-run choice can rank by), most common first. */
export function rankableMetrics(runs: ReadonlyArray<{ metrics: Record<string, number> }>, min = 2): string[] {
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].filter(([, n]) => n >= min).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}
