import type { BenchResult, Regression } from './result';

/** A p50 or throughput worse by more than this (relative) is a regression. */
export const REGRESSION = 0.1;

/** New results against earlier ones for the same provider and batch (the caller picks them: same model and environment). */
export function regressions(current: BenchResult[], previous: Array<BenchResult & { id: string; model?: string }>): Regression[] {
  const out: Regression[] = [];
  for (const r of current) {
    const p = previous.find((x) => x.ep === r.ep && x.batch === r.batch);
    if (!p) continue;
    const against = { id: p.id, ...(p.model ? { model: p.model } : {}) };
    const slower = r.p50Ms / p.p50Ms - 1;
    if (slower > REGRESSION) out.push({ ep: r.ep, batch: r.batch, metric: 'p50Ms', previous: p.p50Ms, current: r.p50Ms, change: slower, against });
    const less = p.throughputPerSec / r.throughputPerSec - 1;
    if (less > REGRESSION) out.push({ ep: r.ep, batch: r.batch, metric: 'throughputPerSec', previous: p.throughputPerSec, current: r.throughputPerSec, change: less, against });
  }
  return out;
}

/**
 * Which provider is fastest (lowest p50) at each batch size, in words: runs of batch sizes with the
 * same winner are joined ("cpu is fastest at batch 1, webgpu from batch 8"). Undefined with one
 * provider. Never assumed: a GPU often loses at small batches.
 */
export function fastestProviders(results: BenchResult[]): string | undefined {
  const eps = new Set(results.map((r) => r.ep));
  if (eps.size < 2) return undefined;
  const batches = [...new Set(results.map((r) => r.batch))].sort((a, b) => a - b);
  const winners = batches.map((b) => {
    const at = results.filter((r) => r.batch === b);
    return { batch: b, ep: at.reduce((best, r) => (r.p50Ms < best.p50Ms ? r : best)).ep, alone: at.length < 2 };
  }).filter((w) => !w.alone);
  const runs: Array<{ ep: string; batches: number[] }> = [];
  for (const w of winners) {
    const last = runs[runs.length - 1];
    if (last && last.ep === w.ep) last.batches.push(w.batch);
    else runs.push({ ep: w.ep, batches: [w.batch] });
  }
  if (!runs.length) return undefined;
  if (runs.length === 1) return `${runs[0].ep} is fastest at every batch size measured (${runs[0].batches.join(', ')})`;
  return runs.map((r, i) => (i === 0 ? `${r.ep} is fastest at batch ${r.batches.length === 1 ? r.batches[0] : `${r.batches[0]}-${r.batches[r.batches.length - 1]}`}` : `${r.ep} from batch ${r.batches[0]}`)).join(', ');
}
