import { latencyStats, percentile, type LatencyStats } from './stats';

/** How long to warm up and measure; the defaults are the (perf_analyzer's stability rule). */
export interface MeasurePolicy {
  /** Warm-up: at least this many inferences… */
  warmupRuns: number;
  /** …and at least this long (unless the runs alone took longer). */
  warmupMs: number;
  /** A window lasts at least this long and this many inferences. */
  windowMs: number;
  windowRuns: number;
  /** Stable when the last `stableWindows` windows' p50 and throughput are within `tolerance` of each other. */
  stableWindows: number;
  tolerance: number;
  /** Measurement stops here, stable or not (the warm-up not counted). */
  maxMs: number;
}

export const DEFAULT_POLICY: MeasurePolicy = { warmupRuns: 10, warmupMs: 1000, windowMs: 1000, windowRuns: 20, stableWindows: 3, tolerance: 0.1, maxMs: 30_000 };

export interface Window {
  latenciesMs: number[];
  /** Wall time of the window (inferences back to back), so throughput = runs / wall. */
  wallMs: number;
}

export function windowThroughput(w: Window): number {
  return w.wallMs > 0 ? (1000 * w.latenciesMs.length) / w.wallMs : 0;
}

export function windowP50(w: Window): number {
  return percentile(Float64Array.from(w.latenciesMs).sort(), 50);
}

/** perf_analyzer's rule: the last N windows' p50 and throughput each within the tolerance (max/min − 1). */
export function isStable(windows: Window[], policy: Pick<MeasurePolicy, 'stableWindows' | 'tolerance'>): boolean {
  if (windows.length < policy.stableWindows) return false;
  const last = windows.slice(-policy.stableWindows);
  const within = (xs: number[]) => Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) - 1 <= policy.tolerance;
  return within(last.map(windowP50)) && within(last.map(windowThroughput));
}

export function warmupDone(runs: number, elapsedMs: number, policy: Pick<MeasurePolicy, 'warmupRuns' | 'warmupMs'>): boolean {
  return runs >= policy.warmupRuns && elapsedMs >= policy.warmupMs;
}

export function windowDone(w: Window, policy: Pick<MeasurePolicy, 'windowMs' | 'windowRuns'>): boolean {
  return w.latenciesMs.length >= policy.windowRuns && w.wallMs >= policy.windowMs;
}

/** What a measurement reports: over the stable windows when it settled, else over every window, said so. */
export function summarizeWindows(windows: Window[], stable: boolean, policy: Pick<MeasurePolicy, 'stableWindows'>): LatencyStats & { iterations: number; throughputPerSec: number; windows: number } {
  const used = stable ? windows.slice(-policy.stableWindows) : windows;
  const all = used.flatMap((w) => w.latenciesMs);
  const wall = used.reduce((s, w) => s + w.wallMs, 0);
  return { ...latencyStats(all), iterations: all.length, throughputPerSec: wall > 0 ? (1000 * all.length) / wall : 0, windows: windows.length };
}
