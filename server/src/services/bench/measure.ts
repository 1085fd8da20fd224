import { isStable, summarizeWindows, warmupDone, windowDone, type MeasurePolicy, type Window } from '../../core/bench/measurement';
import type { MeasureProgress } from '../../core/bench/progress';
import type { Session } from './onnxRuntime';

export type Feeds = Record<string, import('onnxruntime-node').Tensor>;

/** One inference, its outputs released at once when they stay on the GPU (they would pile up otherwise). */
async function infer(session: Session, feeds: Feeds): Promise<void> {
  const out = await session.run(feeds);
  for (const t of Object.values(out)) if (t.location === 'gpu-buffer') t.dispose();
}

/**
 * The measurement: a first inference (timed alone), the warm-up, then windows until the last few
 * agree or the time is up. Nothing but the clock and the call between two readings: the bench
 * (`npm run bench -- --only infer`) holds it to a bare loop's p50.
 */
export async function measure(session: Session, feeds: Feeds, policy: MeasurePolicy, onProgress: (p: MeasureProgress) => void) {
  onProgress({ stage: 'first' });
  let t = performance.now();
  await infer(session, feeds);
  const firstInferenceMs = performance.now() - t;
  const warmStart = performance.now();
  let runs = 0;
  while (!warmupDone(runs, performance.now() - warmStart, policy)) {
    await infer(session, feeds);
    if (++runs % 10 === 0) onProgress({ stage: 'warmup', runs });
  }
  const windows: Window[] = [];
  const start = performance.now();
  let stable = false;
  while (!stable && performance.now() - start < policy.maxMs) {
    const w: Window = { latenciesMs: [], wallMs: 0 };
    const windowStart = performance.now();
    while (!windowDone(w, policy)) {
      t = performance.now();
      await infer(session, feeds);
      const end = performance.now();
      w.latenciesMs.push(end - t);
      w.wallMs = end - windowStart;
    }
    windows.push(w);
    stable = isStable(windows, policy);
    onProgress({ stage: 'window', window: windows.length, stableSoFar: stable });
  }
  return { firstInferenceMs, stable, ...summarizeWindows(windows, stable, policy) };
}
