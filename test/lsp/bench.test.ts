import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { BenchProvidersRequest, BenchRequest, type BenchParams } from '../../server/src/protocol';
import { CLI } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { mlp, writeModel } from '../support/onnxModels';
import { waitFor } from '../support/waitFor';

/** `cellflow bench` processes measuring `model` (as the request named it). */
function benchProcesses(model: string): string[] {
  return execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(` bench ${model} `));
}

describe('benchmarks over LSP: cellflow/bench with progress and cancel', function () {
  this.timeout(180_000);
  let dir: string;
  let lsp: LspClient;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-lsp-bench-'));
    writeModel(path.join(dir, 'small.onnx'), mlp([4, 8, 2]));
    // Slow enough per inference (a few ms at batch 64) that it is mid-measurement when cancelled.
    writeModel(path.join(dir, 'slow.onnx'), mlp([512, 2048, 2048, 10]));
  });
  afterEach(() => lsp?.kill());
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const params = (extra: Partial<BenchParams> = {}): BenchParams => ({ folder: dir, model: { kind: 'file', path: 'small.onnx' }, eps: ['cpu'], batches: [1, 2], maxSeconds: 1, ...extra });

  it('refuses in an untrusted workspace: loading a model runs its operators', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, {});
    await assert.rejects(lsp.request(BenchRequest, params()), /untrusted workspace/);
  });

  it('benchmarks in a CLI process, saving the result; progress names the provider, batch and window; the providers say why one is missing', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const { report, saved } = await lsp.request(BenchRequest, params({ progressToken: 'b1' }));
    assert.deepEqual(report.results.map((r) => `${r.ep}/${r.batch}`), ['cpu/1', 'cpu/2']);
    assert.match(saved.id, /^[0-9a-f]{32}$/);
    const seen = lsp.benchProgress.filter((n) => n.progressToken === 'b1').map((n) => `${n.progress.ep}/${n.progress.batch} ${n.progress.stage}`);
    assert.deepEqual([...new Set(seen)].filter((s) => !s.endsWith('warmup')), ['cpu/1 first', 'cpu/1 window', 'cpu/2 first', 'cpu/2 window']);
    const providers = await lsp.request(BenchProvidersRequest, { folder: dir });
    assert.ok(providers.present.includes('cpu'));
    assert.match(providers.unavailable.find((u) => u.ep === 'cuda')!.reason, /not installed/);
  });

  // How fast (the target: 1.5 s) is measured by `npm run bench -- --only cancel`.
  it('cancelling the request ends the benchmark process and stores nothing', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const source = new CancellationTokenSource();
    const request = lsp.request(BenchRequest, params({ model: { kind: 'file', path: 'slow.onnx' }, batches: [64], maxSeconds: 60, progressToken: 'b2' }), source.token);
    await waitFor(() => lsp.benchProgress.some((n) => n.progressToken === 'b2' && n.progress.stage === 'window'), 'a first window measured', 60_000);
    assert.equal(benchProcesses('slow.onnx').length, 1, 'the benchmark runs in a CLI process');
    source.cancel();
    await assert.rejects(request, /cancel/i);
    await waitFor(() => benchProcesses('slow.onnx').length === 0, 'the CLI process gone', 30_000);
    const history = (file: string) => JSON.parse(execFileSync(process.execPath, [CLI, 'bench', 'history', file, '--json'], { cwd: dir, encoding: 'utf8' })) as unknown[];
    assert.equal(history('small.onnx').length, 1, 'sanity: the saved one is found by its file');
    assert.deepEqual(history('slow.onnx'), [], 'nothing stored for the cancelled benchmark');
  });
});
