import { generate, resolveDims } from '../../server/src/core/bench/inputs';
import { DEFAULT_POLICY } from '../../server/src/core/bench/measurement';
import { percentile } from '../../server/src/core/bench/stats';
import { measure, type Feeds } from '../../server/src/services/bench/measure';
import { loadRuntime, tensors, type Session } from '../../server/src/services/bench/onnxRuntime';
import { cnn, mlp } from '../support/onnxModels';

/** The plain loop a user would write: call, time, repeat, for `ms` after a one-second warm-up. */
async function bareLoop(session: Session, feeds: Feeds, ms: number): Promise<number> {
  for (let end = performance.now() + 1000; performance.now() < end; ) await session.run(feeds);
  const lat: number[] = [];
  for (let end = performance.now() + ms; performance.now() < end; ) {
    const t = performance.now();
    await session.run(feeds);
    lat.push(performance.now() - t);
  }
  return percentile(Float64Array.from(lat).sort(), 50);
}

/**
 * `npm run bench -- --only infer`: Cellflow's measurement against a bare onnxruntime-node loop over
 * the same session and inputs, on a small CNN and an MLP at batch 1 and 32 (target: p50 within 5%,
 * the harness costs nothing), and how long Cellflow took to a stable result.
 */
export async function benchInfer(): Promise<Record<string, unknown>> {
  console.log('\nInference benchmark harness (cellflow bench\'s measurement vs a bare loop, same session and inputs, CPU provider, median of 3 rounds, order alternating)');
  const ort = await loadRuntime();
  const out: Record<string, unknown> = {};
  for (const [name, bytes] of [['cnn 3x64x64, 2 conv', cnn(64, 32)], ['mlp 512-1024-1024-10', mlp([512, 1024, 1024, 10])]] as const) {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    try {
      const io = tensors(session);
      for (const batch of [1, 32]) {
        const dims = resolveDims(io.inputs, batch, {}, name);
        const feeds: Feeds = Object.fromEntries(io.inputs.map((i, k) => [i.name, new ort.Tensor(i.type as 'float32', generate(i.type, dims.get(i.name)!, k + 1) as Float32Array, dims.get(i.name)!)]));
        const ratios: number[] = [];
        const stableSeconds: number[] = [];
        let ours = 0;
        let bare = 0;
        // Three rounds, the order alternating, so neither side always runs on the warmer machine.
        for (let round = 0; round < 3; round++) {
          const cellflow = async () => {
            const t = performance.now();
            const m = await measure(session, feeds, DEFAULT_POLICY, () => undefined);
            stableSeconds.push((performance.now() - t) / 1000);
            if (!m.stable) console.log(`    (round ${round + 1}: not stable within ${DEFAULT_POLICY.maxMs / 1000} s)`);
            return m.p50Ms;
          };
          if (round % 2) {
            ours = await cellflow();
            bare = await bareLoop(session, feeds, 3000);
          } else {
            bare = await bareLoop(session, feeds, 3000);
            ours = await cellflow();
          }
          ratios.push(ours / bare);
        }
        const ratio = [...ratios].sort((a, b) => a - b)[1]; // the median of three
        const ok = Math.abs(ratio - 1) <= 0.05;
        console.log(`  ${name.padEnd(22)} batch ${String(batch).padStart(2)}: cellflow p50 ${ours.toFixed(4)} ms, bare loop ${bare.toFixed(4)} ms, ratio ${ratio.toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')})   target within 5% ${ok ? 'PASS' : 'FAIL'}; stable after ${stableSeconds.map((s) => s.toFixed(1)).join(', ')} s`);
        out[`${name} b${batch}`] = { cellflowP50Ms: ours, bareP50Ms: bare, ratios, ratio, secondsToStable: stableSeconds };
      }
    } finally {
      await session.release();
    }
  }
  return out;
}
