import * as assert from 'node:assert/strict';
import { fastestProviders, regressions } from '../../server/src/core/bench/compare';
import { generate, parseDims, resolveDims } from '../../server/src/core/bench/inputs';
import { isStable, summarizeWindows, warmupDone, windowDone, type Window } from '../../server/src/core/bench/measurement';
import type { BenchResult } from '../../server/src/core/bench/result';
import { latencyStats, percentile } from '../../server/src/core/bench/stats';

const result = (ep: string, batch: number, p50Ms: number, throughputPerSec = 1000 / p50Ms): BenchResult => ({
  ep, batch, p50Ms, p90Ms: p50Ms, p95Ms: p50Ms, p99Ms: p50Ms, p999Ms: p50Ms, meanMs: p50Ms, stdMs: 0, sessionCreateMs: 1, firstInferenceMs: 1,
  iterations: 100, throughputPerSec, samplesPerSec: throughputPerSec * batch, peakRssMb: 50, gpuMemoryMb: null, stable: true, windows: 3,
});
const window = (latency: number, runs: number, wallMs = latency * runs): Window => ({ latenciesMs: Array(runs).fill(latency), wallMs });

describe('benchmark statistics and policy (core/bench)', () => {
  it('takes percentiles as numpy does (linear between closest ranks) and the population standard deviation', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 99.9]) = 3, 7.6, 9.976; numpy.std = 3.1623
    const s = latencyStats([4, 1, 10, 3, 2]);
    assert.equal(s.p50Ms, 3);
    assert.ok(Math.abs(s.p90Ms - 7.6) < 1e-12);
    assert.ok(Math.abs(s.p999Ms - 9.976) < 1e-12);
    assert.ok(Math.abs(s.stdMs - Math.sqrt(10)) < 1e-12);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('is stable only when the last three windows agree within 10% on p50 and on throughput', () => {
    const policy = { stableWindows: 3, tolerance: 0.1 };
    assert.equal(isStable([window(1, 100), window(1, 100)], policy), false, 'two windows are not enough');
    assert.equal(isStable([window(5, 10), window(1, 100), window(1.05, 100), window(1.09, 100)], policy), true, 'an early slow window does not count');
    assert.equal(isStable([window(1, 100), window(1, 100), window(1.2, 100)], policy), false, 'p50 apart by 20%');
    assert.equal(isStable([window(1, 100), window(1, 100), window(1, 100, 130)], policy), false, 'throughput apart by 30% (time between the calls)');
  });

  it('warms up for at least the runs and the time; a window needs both its time and its runs', () => {
    const p = { warmupRuns: 10, warmupMs: 1000, windowMs: 1000, windowRuns: 20 };
    assert.equal(warmupDone(10, 500, p), false);
    assert.equal(warmupDone(3, 5000, p), false);
    assert.equal(warmupDone(10, 1000, p), true);
    assert.equal(windowDone(window(100, 10), p), false, '10 runs in a second: too few');
    assert.equal(windowDone(window(0.01, 20), p), false, '20 runs in 0.2 ms: too short');
    assert.equal(windowDone(window(50, 20), p), true);
  });

  it('reports over the stable windows when settled, over all of them when not', () => {
    const ws = [window(9, 20), window(1, 20), window(1, 20), window(1, 20)];
    assert.deepEqual([summarizeWindows(ws, true, { stableWindows: 3 }).p50Ms, summarizeWindows(ws, true, { stableWindows: 3 }).iterations], [1, 60]);
    const all = summarizeWindows(ws, false, { stableWindows: 3 });
    assert.deepEqual([all.iterations, all.windows, all.p99Ms > 1], [80, 4, true]);
    assert.ok(Math.abs(all.throughputPerSec - 80_000 / 240) < 1e-9);
  });

  it('resolves batch dims from the batch, others from --shape by input or dimension name, and names what it cannot resolve', () => {
    const inputs = [{ name: 'input_ids', type: 'int64', dims: ['batch', 'sequence'] }, { name: 'image', type: 'float32', dims: ['', 3, 224, 224] }];
    assert.deepEqual([...resolveDims(inputs, 8, { sequence: [128] }, 'm.onnx')], [['input_ids', [8, 128]], ['image', [8, 3, 224, 224]]]);
    assert.deepEqual(resolveDims(inputs, 8, { input_ids: [2, 16], sequence: [1] }, 'm.onnx').get('input_ids'), [2, 16], 'a whole shape wins');
    assert.throws(() => resolveDims(inputs, 8, {}, 'm.onnx'), /m\.onnx: input input_ids has a dynamic dimension "sequence"/);
    assert.throws(() => resolveDims(inputs, 8, { image: [1, 4, 224, 224], sequence: [4] }, 'm.onnx'), /dimension 1 of image is fixed at 3/);
    assert.throws(() => resolveDims(inputs, 8, { image: [1, 3], sequence: [4] }, 'm.onnx'), /image has 4 dimensions/);
    assert.deepEqual(parseDims('1x128', '--shape'), [1, 128]);
    assert.throws(() => parseDims('1xa', '--shape x'), /--shape x: sizes are positive integers joined by x/);
  });

  it('generates the same inputs every time, of each tensor type', () => {
    assert.deepEqual(generate('float32', [2, 3], 1), generate('float32', [2, 3], 1));
    for (const t of ['float32', 'float64', 'float16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string']) assert.equal(generate(t, [2, 3], 1).length, 6, t);
    assert.ok([...(generate('int64', [100], 2) as BigInt64Array)].every((v) => v >= 0n && v < 10n), 'ids any vocabulary has');
    // float16 bits of values in [-1, 1): exponent at most 15 (1.0).
    assert.ok([...(generate('float16', [100], 3) as Uint16Array)].every((h) => ((h >> 10) & 0x1f) <= 15));
    assert.throws(() => generate('complex64', [1], 1), /inputs of type complex64 cannot be generated/);
  });

  it('flags a p50 or throughput more than 10% worse than the earlier result for the same provider and batch', () => {
    const previous = [{ ...result('cpu', 1, 1.0), id: 'a', model: 'churn@3' }, { ...result('cpu', 8, 2.0), id: 'a', model: 'churn@3' }];
    const found = regressions([result('cpu', 1, 1.08), result('cpu', 8, 2.5), result('webgpu', 1, 9)], previous);
    assert.deepEqual(found.map((r) => `${r.ep}/${r.batch} ${r.metric} ${r.change.toFixed(2)} vs ${r.against.model}`), ['cpu/8 p50Ms 0.25 vs churn@3', 'cpu/8 throughputPerSec 0.25 vs churn@3']);
  });

  it('names the fastest provider per batch size, in runs, and never assumes the GPU wins', () => {
    assert.equal(fastestProviders([result('cpu', 1, 1), result('webgpu', 1, 2), result('cpu', 8, 5), result('webgpu', 8, 3), result('cpu', 64, 40), result('webgpu', 64, 6)]), 'cpu is fastest at batch 1, webgpu from batch 8');
    assert.equal(fastestProviders([result('cpu', 1, 1), result('webgpu', 1, 2), result('cpu', 8, 1), result('webgpu', 8, 2)]), 'cpu is fastest at every batch size measured (1, 8)');
    assert.equal(fastestProviders([result('cpu', 1, 1), result('cpu', 8, 2)]), undefined);
  });
});
