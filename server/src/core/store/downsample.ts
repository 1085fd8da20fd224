import type { MetricPoint } from './types';

/**
 * Fine buckets kept per bucket drawn, at most. While points stream in, the history's step range is not
 * known, so fine buckets double in width as it grows, and there are between 2 and 4 of them per bucket
 * drawn; at the end, each goes to the drawn bucket its start falls in, so every drawn bucket gets some.
 */
const FINE_PER_BUCKET = 4;

/** The lowest and highest point of a bucket; on a tie the one that came first stays. */
type Extremes = [lo: MetricPoint, hi: MetricPoint];

/**
 * One metric's history thinned for drawing as its points arrive, in any order, in memory bounded by
 * `max` (not by the history's length): at most `max` points, the first and the last, and in each of
 * up to (max - 2) / 2 equal step ranges its lowest and its highest value, so that spikes survive (a chart
 * of 200 runs cannot draw a million points, and an average would hide the divergence a user looks for).
 * A history of at most `max` points is kept whole.
 */
export class HistoryThinner {
  /** Every point, in arrival order, while there are at most `max` of them. */
  private all: MetricPoint[] | undefined = [];
  private count = 0;
  private first: MetricPoint | undefined;
  private last: MetricPoint | undefined;
  /** Fine bucket i holds steps [origin + i * width, origin + (i + 1) * width). */
  private origin = 0;
  private width = 1;
  private fine = new Map<number, Extremes>();
  private readonly buckets: number;

  constructor(private readonly max: number) {
    this.buckets = Math.floor((max - 2) / 2);
  }

  /** How many points were added. */
  get size(): number {
    return this.count;
  }

  add(value: number, step: number, timestamp: number): void {
    this.count++;
    const all = this.all;
    if (all) {
      all.push({ value, step, timestamp });
      // Fewer than 4 points cannot hold a first, a last and a bucket: such a history is kept whole.
      if (all.length <= this.max || this.max < 4) return;
      this.all = undefined;
      this.origin = all[0].step;
      for (const p of all) this.place(p.value, p.step, p.timestamp, p);
      return;
    }
    this.place(value, step, timestamp);
  }

  private place(value: number, step: number, timestamp: number, given?: MetricPoint): void {
    let point = given;
    const first = this.first;
    if (!first || step < first.step || (step === first.step && timestamp < first.timestamp)) this.first = point ??= { value, step, timestamp };
    const last = this.last;
    if (!last || step > last.step || (step === last.step && timestamp >= last.timestamp)) this.last = point ??= { value, step, timestamp };
    const i = Math.floor((step - this.origin) / this.width);
    const bucket = this.fine.get(i);
    if (!bucket) {
      point ??= { value, step, timestamp };
      this.fine.set(i, [point, point]);
      if (this.fine.size > FINE_PER_BUCKET * this.buckets) this.coarsen();
      return;
    }
    if (value < bucket[0].value) bucket[0] = point ??= { value, step, timestamp };
    if (value > bucket[1].value) bucket[1] = point ??= { value, step, timestamp };
  }

  /** Doubles the fine buckets' width, merging each pair. */
  private coarsen(): void {
    this.width *= 2;
    const merged = new Map<number, Extremes>();
    for (const [i, extremes] of this.fine) mergeInto(merged, Math.floor(i / 2), extremes);
    this.fine = merged;
  }

  /** The thinned history, in step order (then timestamp). */
  points(): MetricPoint[] {
    if (this.all) return [...this.all].sort(byStep);
    const first = this.first!;
    const last = this.last!;
    // Equal step ranges from the first point to the last; a fine bucket that starts before the first is the first range's.
    const range = (last.step - first.step) / this.buckets;
    const drawn = new Map<number, Extremes>();
    for (const [i, extremes] of this.fine) {
      const start = this.origin + i * this.width;
      const j = range > 0 ? Math.min(this.buckets - 1, Math.max(0, Math.floor((start - first.step) / range))) : 0;
      mergeInto(drawn, j, extremes);
    }
    const out: MetricPoint[] = [first];
    for (const j of [...drawn.keys()].sort((a, b) => a - b)) {
      const [lo, hi] = drawn.get(j)!;
      for (const p of lo === hi ? [lo] : [lo, hi].sort(byStep)) if (p !== first && p !== last) out.push(p);
    }
    if (last !== first) out.push(last);
    return out;
  }
}

function mergeInto(buckets: Map<number, Extremes>, i: number, [lo, hi]: Extremes): void {
  const into = buckets.get(i);
  if (!into) {
    buckets.set(i, [lo, hi]);
    return;
  }
  if (lo.value < into[0].value) into[0] = lo;
  if (hi.value > into[1].value) into[1] = hi;
}

function byStep(a: MetricPoint, b: MetricPoint): number {
  return a.step - b.step || a.timestamp - b.timestamp;
}

/** At most `max` points of a history, as HistoryThinner keeps them. */
export function downsample(points: MetricPoint[], max: number): MetricPoint[] {
  if (points.length <= max || max < 4) return points;
  const thinner = new HistoryThinner(max);
  for (const p of points) thinner.add(p.value, p.step, p.timestamp);
  return thinner.points();
}
