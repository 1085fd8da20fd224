import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchReport } from '../../server/src/core/bench/result';
import { cellflow } from '../support/cli';
import { cnn, mlp, twoInputs, writeModel } from '../support/onnxModels';
import { PYTHON, scratchWorkspace } from '../support/store';

type Json = BenchReport & { saved?: { id: string } };

describe('cellflow bench: ONNX inference benchmarks on the CPU provider', function () {
  this.timeout(180_000);
  let ws: ReturnType<typeof scratchWorkspace>;
  before(() => {
    ws = scratchWorkspace();
    fs.mkdirSync(path.join(ws.dir, 'models'), { recursive: true });
    writeModel(path.join(ws.dir, 'models', 'mlp.onnx'), mlp([4, 8, 2]));
    writeModel(path.join(ws.dir, 'models', 'big.onnx'), mlp([64, 1024, 1024, 10]));
    writeModel(path.join(ws.dir, 'models', 'cnn.onnx'), cnn());
    writeModel(path.join(ws.dir, 'models', 'two.onnx'), twoInputs('float16'));
    writeModel(path.join(ws.dir, 'models', 'two_bool.onnx'), twoInputs('bool'));
  });
  after(() => ws.cleanup());
  const bench = (...args: string[]) => cellflow(['bench', ...args], ws.dir);
  const json = (...args: string[]): Json => {
    const r = bench(...args, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Json;
  };

  it('measures an MLP at batch 1 and 8 until stable or the limit: percentiles in order, throughput per inference and per sample, session and first inference timed', () => {
    const r = json('models/mlp.onnx', '--batch', '1,8');
    assert.deepEqual(r.model.inputs, [{ name: 'x', type: 'float32', dims: ['batch', 4] }]);
    assert.deepEqual(r.model.outputs, [{ name: 'y', type: 'float32', dims: ['batch', 2] }]);
    assert.match(r.model.sha256, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(r.results.map((x) => [x.ep, x.batch]), [['cpu', 1], ['cpu', 8]]);
    for (const x of r.results) {
      // Whether a microsecond model's windows settle within 30 s depends on the machine's noise (a
      // shared 2-core VM sometimes does not): stable on the last 3 windows, or measured to the limit
      // and said so. The rule itself is benchCore's unit test.
      if (x.stable) assert.ok(x.windows >= 3 && x.iterations >= 60, `${x.batch}: ${x.windows} windows, ${x.iterations} inferences`);
      else assert.ok(x.windows >= 20, `${x.batch}: unstable after only ${x.windows} windows: it stopped before the 30-s limit`);
      assert.ok(x.p50Ms > 0 && x.p50Ms <= x.p90Ms && x.p90Ms <= x.p95Ms && x.p95Ms <= x.p99Ms && x.p99Ms <= x.p999Ms, JSON.stringify(x));
      assert.ok(x.stdMs >= 0 && x.meanMs > 0);
      assert.ok(Math.abs(x.samplesPerSec - x.throughputPerSec * x.batch) < 1e-6 * x.samplesPerSec);
      assert.ok(x.sessionCreateMs > 0 && x.firstInferenceMs > 0 && x.peakRssMb > 20);
      assert.equal(x.gpuMemoryMb, null);
    }
    assert.equal(r.environment.onnxruntime, '1.30.0');
    assert.equal(r.environment.platform, `${process.platform}-${process.arch}`);
    assert.deepEqual(r.regressions, []);
    assert.equal(r.fastest, undefined, 'one provider: nothing to rank');
  });

  it('resolves a sequence dimension by its name or by the input\'s whole shape, takes int64, float16 and bool inputs, and will not guess a sequence length', () => {
    const quick = ['--max-seconds', '0.5', '--warmup', '0'];
    const byDim = json('models/two.onnx', '--shape', 'sequence=16', '--batch', '2', ...quick);
    assert.deepEqual(byDim.model.inputs.map((i) => `${i.name}:${i.type}`), ['input_ids:int64', 'features:float16']);
    assert.equal(byDim.results[0].stable, false, 'half a second is too short to settle: said so');
    assert.ok(json('models/two_bool.onnx', '--shape', 'input_ids=3x7', '--batch', '3', ...quick).results[0].iterations > 0);
    const guess = bench('models/two.onnx', ...quick);
    assert.equal(guess.code, 2);
    assert.match(guess.stderr, /models\/two\.onnx: input input_ids has a dynamic dimension "sequence" \(\[batch, sequence\]\): give its size with --shape sequence=128/);
    const human = bench('models/two.onnx', '--shape', 'sequence=4', ...quick);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Unstable \(stopped at --max-seconds, numbers over every window\): cpu batch 1\./);
  });

  it('reads real inputs from a .npy array and from a CSV of features, refusing ones that do not fit the model', () => {
    execFileSync(PYTHON, ['-c', `
import numpy as np
np.save("${ws.dir}/images.npy", np.random.default_rng(1).normal(size=(5, 3, 32, 32)).astype(np.float32))
np.save("${ws.dir}/doubles.npy", np.zeros((5, 3, 32, 32)))
`]);
    const images = json('models/cnn.onnx', '--inputs', 'images.npy', '--batch', '4', '--max-seconds', '0.5', '--warmup', '0');
    assert.deepEqual(images.model.inputs, [{ name: 'image', type: 'float32', dims: ['N', 3, 32, 32] }]);
    assert.ok(images.results[0].iterations > 0);
    const wrong = bench('models/cnn.onnx', '--inputs', 'doubles.npy', '--max-seconds', '0.5');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--inputs doubles\.npy: float64 values, and input image takes float32/);
    fs.writeFileSync(path.join(ws.dir, 'rows.csv'), 'a,b,c,d\n1,2,3,4\n5,6,7,8\n');
    assert.ok(json('models/mlp.onnx', '--inputs', 'rows.csv', '--batch', '3', '--max-seconds', '0.5', '--warmup', '0').results[0].iterations > 0);
    fs.writeFileSync(path.join(ws.dir, 'narrow.csv'), 'a,b\n1,2\n');
    assert.match(bench('models/mlp.onnx', '--inputs', 'narrow.csv').stderr, /--inputs narrow\.csv: 2 columns, and input x takes 4 features per row/);
  });

  it('names the file and the cause for a file that is not ONNX, a truncated model, an unknown shape name and a provider this machine cannot run', () => {
    fs.writeFileSync(path.join(ws.dir, 'notes.onnx'), 'these are notes, not a model');
    const bytes = fs.readFileSync(path.join(ws.dir, 'models', 'big.onnx'));
    fs.writeFileSync(path.join(ws.dir, 'truncated.onnx'), bytes.subarray(0, bytes.length >> 1));
    for (const f of ['notes.onnx', 'truncated.onnx']) {
      const r = bench(f);
      assert.equal(r.code, 2, f);
      assert.equal(r.stderr.trim(), `cellflow: ${f}: not an ONNX model, or a truncated one (onnxruntime could not parse it)`);
    }
    const shape = bench('models/mlp.onnx', '--shape', 'tokens=8');
    assert.equal(shape.code, 2);
    assert.match(shape.stderr, /--shape tokens: models\/mlp\.onnx has no input or dimension of that name \(inputs: x; dimensions: batch\)/);
    const unknown = bench('models/mlp.onnx', '--ep', 'tpu');
    assert.match(unknown.stderr, /--ep tpu: onnxruntime-node 1\.30\.0 has no provider of that name \(it has cpu, webgpu, cuda, tensorrt/);
    // This machine has no GPU: webgpu is bundled but finds no adapter, cuda is not installed.
    const gpuOnly = bench('models/mlp.onnx', '--ep', 'cuda');
    assert.equal(gpuOnly.code, 2);
    assert.match(gpuOnly.stderr, /cuda: not available on this machine \(cuda: not installed: .*libonnxruntime_providers_cuda\.so is not in .*\); present: cpu/);
    const both = json('models/mlp.onnx', '--ep', 'cpu,cuda', '--max-seconds', '0.5', '--warmup', '0');
    assert.deepEqual(both.results.map((x) => x.ep), ['cpu']);
    assert.deepEqual(both.unavailable.map((u) => u.ep), ['cuda']);
    assert.ok(!fs.existsSync(ws.db), 'nothing stored without --save');
  });

  it('--save keeps results against the model version; a slower version is a regression against the earlier one (exit 1 with --fail-on-regression), and the registry and lineage show it', () => {
    const store = ws.open();
    store.registerModel('scorer', 'models/mlp.onnx');
    store.registerModel('scorer', 'models/big.onnx');
    store.close();
    const first = json('scorer@1', '--save', '--max-seconds', '4');
    assert.equal(first.model.version, 'scorer@1');
    assert.match(first.saved!.id, /^[0-9a-f]{32}$/);
    const r = bench('scorer@2', '--save', '--fail-on-regression', '--max-seconds', '4');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /REGRESSION cpu batch 1: p50 [\d.]+ → [\d.]+ ms \(\d+\.\d% worse than scorer@1\)/);
    const again = ws.open();
    const [v2, v1] = again.listModels()[0].versions;
    assert.deepEqual([v1.bench?.ep, v1.bench?.regressed, v2.bench?.regressed], ['cpu', false, true]);
    const second = again.benchmarks('scorer')[0];
    assert.equal(second.report.regressions[0].against.model, 'scorer@1');
    assert.deepEqual(again.lineageOf('benchmark', second.id).map((e) => `${e.fromKind}:${e.fromId} -> ${e.toKind}`), ['model-version:scorer@2 -> benchmark']);
    const history = JSON.parse(bench('history', 'scorer', '--json').stdout) as Array<{ model: { version: number } }>;
    assert.deepEqual(history.map((h) => h.model.version), [2, 1]);
  });
});
