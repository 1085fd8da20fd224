import type { MetricPoint } from './types';

/**
 * At most `max` points of a metric's history for drawing: the first and last points, and per bucket
 * the lowest and highest value, so that spikes survive (a chart of 200 runs cannot draw a million
 * points, and an average would hide the divergence a user looks for).
 */
export function downsample(points: MetricPoint[], max: number): MetricPoint[] {
  if (points.length <= max || max < 4) return points;
  const buckets = Math.floor((max - 2) / 2);
  const inner = points.length - 2;
  const out: MetricPoint[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i].value < points[lo].value) lo = i;
      if (points[i].value > points[hi].value) hi = i;
    }
    // In step order, so the line is drawn left to right.
    if (lo === hi) out.push(points[lo]);
    else out.push(points[Math.min(lo, hi)], points[Math.max(lo, hi)]);
  }
  out.push(points[points.length - 1]);
  return out;
}
