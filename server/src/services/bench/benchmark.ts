import { fastestProviders } from '../../core/bench/compare';
import { generate, resolveDims } from '../../core/bench/inputs';
import type { MeasurePolicy } from '../../core/bench/measurement';
import type { BenchProgress } from '../../core/bench/progress';
import type { BenchReport, BenchResult, TensorInfo } from '../../core/bench/result';
import { InvalidInput } from '../../core/errors';
import { environment } from './environment';
import { measure, type Feeds } from './measure';
import { loadRuntime, modelError, openSession, providers, runtime, tensors, type OpenOptions } from './onnxRuntime';

export interface BenchOptions {
  eps: string[] | undefined;
  batches: number[];
  shapes: Record<string, number[]>;
  threads: number;
  graphOptimizationLevel: OpenOptions['graphOptimizationLevel'];
  outputsOnGpu: boolean;
  policy: MeasurePolicy;
  /** Real inputs by name, per batch size (from --inputs); generated when absent. */
  inputsFor?(batch: number, inputs: TensorInfo[]): Record<string, { type: string; dims: number[]; data: unknown }>;
}

/** The model loaded, but measuring it failed (out of memory, an operator the provider cannot run): exit 1, not 2. */
export class BenchFailed extends Error {}

/** Every provider asked for at every batch size, one after another, in this process. */
export async function benchmark(file: string, shownAs: string, sha256: string, o: BenchOptions, onProgress: (p: BenchProgress) => void): Promise<Omit<BenchReport, 'regressions'>> {
  await loadRuntime();
  const asked = o.eps ?? ['cpu'];
  const available = await providers(asked);
  const known = new Set(runtime().listSupportedBackends().map((b) => b.name));
  for (const ep of asked) if (!known.has(ep)) throw new InvalidInput(`--ep ${ep}: onnxruntime-node ${runtime().env.versions.common} has no provider of that name (it has ${[...known].join(', ')}; cellflow bench providers says which run here)`);
  const run = asked.filter((ep) => available.present.includes(ep));
  const unavailable = available.unavailable.filter((u) => asked.includes(u.ep));
  if (!run.length) throw new InvalidInput(`${asked.join(', ')}: not available on this machine (${unavailable.map((u) => `${u.ep}: ${u.reason}`).join('; ')}); present: ${available.present.join(', ')}`);
  const results: BenchResult[] = [];
  let model: BenchReport['model'] | undefined;
  for (const ep of run) {
    const t = performance.now();
    const session = await openSession(file, shownAs, { ep, threads: o.threads, graphOptimizationLevel: o.graphOptimizationLevel, outputsOnGpu: o.outputsOnGpu });
    const sessionCreateMs = performance.now() - t;
    try {
      const io = tensors(session);
      model ??= { path: shownAs, sha256, ...io };
      for (const batch of o.batches) {
        const feeds = makeFeeds(io.inputs, batch, o, shownAs);
        let m: Awaited<ReturnType<typeof measure>>;
        try {
          m = await measure(session, feeds, o.policy, (p) => onProgress({ ...p, ep, batch }));
        } catch (err) {
          if (err instanceof InvalidInput) throw err;
          throw new BenchFailed(`${shownAs}: ${ep} at batch ${batch}: ${modelError((err as Error).message, ep)}`);
        }
        const { firstInferenceMs, stable, windows, iterations, throughputPerSec, ...latency } = m;
        results.push({ ep, batch, sessionCreateMs, firstInferenceMs, iterations, ...latency, throughputPerSec, samplesPerSec: throughputPerSec * batch, peakRssMb: process.resourceUsage().maxRSS / 1024, gpuMemoryMb: null, stable, windows });
      }
    } finally {
      await session.release();
    }
  }
  const fastest = fastestProviders(results);
  return { model: model!, environment: environment(o), results, unavailable, ...(fastest ? { fastest } : {}) };
}

function makeFeeds(inputs: TensorInfo[], batch: number, o: BenchOptions, shownAs: string): Feeds {
  const { Tensor } = runtime();
  const given = o.inputsFor?.(batch, inputs);
  if (given) return Object.fromEntries(Object.entries(given).map(([name, g]) => [name, new Tensor(g.type as 'float32', g.data as Float32Array, g.dims)]));
  const dims = resolveDims(inputs, batch, o.shapes, shownAs);
  return Object.fromEntries(inputs.map((input, i) => [input.name, new Tensor(input.type as 'float32', generate(input.type, dims.get(input.name)!, 1 + i) as Float32Array, dims.get(input.name)!)]));
}
