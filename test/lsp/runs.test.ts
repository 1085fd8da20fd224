import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, CodeLensRequest, type CodeLens } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { RunPipelineRequest, WorkspaceTrustedNotification, type RunPipelineParams } from '../../server/src/protocol';
import { cellflow } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { writeNotebook, type CellSpec } from '../support/notebookFile';
import { PYTHON } from '../support/store';
import { waitFor } from '../support/waitFor';

/** one → two (raises unless OK) → three (waits for the file GATE names). */
const CELLS: CellSpec[] = [
  'import os\nimport time',
  { source: 'GATE = "."\nOK = 1', tags: ['parameters'] },
  'a = 1',
  'if not OK:\n    raise ValueError("two went wrong")\nb = a + 1',
  'while not os.path.exists(GATE):\n    time.sleep(0.05)\nc = b',
];

describe('running pipelines over LSP: cellflow/runPipeline, lenses and failed-step diagnostics', function () {
  this.timeout(180_000);
  let dir: string;
  let file: string;
  let uri: string;
  let lsp: LspClient;
  let runs = 0;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-lsp-run-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
    writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
    for (const [cell, id] of [[2, 'one'], [3, 'two'], [4, 'three']] as const) assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
    file = path.join(dir, 'p.cellflow.yaml');
    uri = URI.file(file).toString();
  });
  afterEach(() => {
    lsp?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(trusted: boolean | undefined): Promise<void> {
    lsp = new LspClient();
    await lsp.initialize(dir, trusted === undefined ? {} : { trusted });
    await lsp.open(uri, fs.readFileSync(file, 'utf8'));
    await lsp.diagnosticsFor(uri, { version: 1 });
  }
  const params = (extra: Partial<RunPipelineParams> = {}): RunPipelineParams => ({ uri, selection: { kind: 'all' }, python: PYTHON, runToken: `t${++runs}`, ...extra });
  const lenses = async () => ((await lsp.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []) as CodeLens[];
  const titles = async () => (await lenses()).map((l) => `${l.range.start.line}:${l.command?.title}`);
  const stepLine = (id: string) => fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l === `  - id: ${id}`);

  it('refuses to run in an untrusted workspace and shows no run lenses, until the workspace is trusted', async () => {
    await start(undefined);
    await assert.rejects(lsp.request(RunPipelineRequest, params()), /Cellflow does not run pipelines in an untrusted workspace/);
    assert.deepEqual(await titles(), [], 'nothing to run, and no results yet');
    assert.ok(!fs.existsSync(path.join(dir, '.cellflow', 'cellflow.db')), 'nothing ran');
    await lsp.notify(WorkspaceTrustedNotification, { trusted: true });
    await waitFor(async () => (await titles()).includes('0:$(run-all) Run Pipeline'), 'the Run Pipeline lens once trusted');
  });

  it('runs the pipeline, streaming events; the lenses show each step ran, then reused', async () => {
    await start(true);
    assert.deepEqual(await titles(), ['0:$(run-all) Run Pipeline', ...['one', 'two', 'three'].flatMap((id) => [`${stepLine(id)}:$(play) Run Step`, `${stepLine(id)}:Run From Here`])]);
    const first = await lsp.request(RunPipelineRequest, params({ selection: { kind: 'all' } }));
    assert.deepEqual([first.status, first.steps], ['succeeded', { one: 'ran', two: 'ran', three: 'ran' }]);
    const events = lsp.runEvents.filter((e) => e.runToken === `t${runs}`);
    assert.ok(events.every((e) => e.total === 3 && e.uri === uri));
    assert.deepEqual(events.filter((e) => e.event.event === 'step').map((e) => `${(e.event as { step: string }).step}:${(e.event as { status: string }).status}`), ['one:started', 'one:ran', 'two:started', 'two:ran', 'three:started', 'three:ran']);
    const results = (await titles()).filter((t) => / ran /.test(t));
    assert.equal(results.length, 3, (await titles()).join('\n'));
    assert.ok(results.every((t) => /^\d+:\$\(pass\) ran \d+\.\d s$/.test(t)), results.join('\n'));
    const open = (await lenses()).find((l) => l.command?.title.includes(' ran '))!;
    assert.equal(open.command!.command, 'cellflow.openStepLog');
    assert.ok(fs.existsSync(open.command!.arguments![0] as string), 'the lens opens the step\'s log');
    const second = await lsp.request(RunPipelineRequest, params());
    assert.deepEqual(second.steps, { one: 'reused', two: 'reused', three: 'reused' });
    await waitFor(async () => (await titles()).filter((t) => t.endsWith('$(history) reused')).length === 3, 'three reused lenses');
  });

  it('runs on a Dask cluster when the settings say dask, and a scheduler it cannot reach is an error naming it', async () => {
    const started = cellflow(['cluster', 'start', '--workers', '1', '--python', PYTHON, '--json'], dir, { timeoutMs: 120_000 });
    assert.equal(started.code, 0, started.stderr);
    const { scheduler } = JSON.parse(started.stdout) as { scheduler: string };
    try {
      await start(true);
      const r = await lsp.request(RunPipelineRequest, params({ executor: 'dask', dask: { scheduler } }));
      assert.deepEqual([r.status, r.steps], ['succeeded', { one: 'ran', two: 'ran', three: 'ran' }]);
      const runs = JSON.parse(cellflow(['runs', 'list', '--json'], dir).stdout) as Array<{ stepId: string | null; tags: Record<string, string> }>;
      const workers = runs.filter((x) => x.stepId).map((x) => x.tags['cellflow.worker']);
      assert.equal(workers.length, 3);
      assert.ok(workers.every((w) => /^tcp:\/\/127\.0\.0\.1:\d+$/.test(w)), `each step ran on the cluster's worker: ${workers.join(', ')}`);
      await assert.rejects(lsp.request(RunPipelineRequest, params({ executor: 'dask', dask: { scheduler: 'tcp://127.0.0.1:1' }, force: true })), /cannot connect to the Dask scheduler at tcp:\/\/127\.0\.0\.1:1/);
      await assert.rejects(lsp.request(RunPipelineRequest, params({ executor: 'dask', dask: { scheduler, tlsCa: path.join(dir, 'ca.pem') }, force: true })), /TLS needs all three of --tls-ca, --tls-cert and --tls-key/);
    } finally {
      cellflow(['cluster', 'stop'], dir);
    }
  });

  it('a step that fails gets a diagnostic on its id with the exception and a link to its log; what follows is skipped', async () => {
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('OK: 1', 'OK: 0'));
    await start(true);
    const r = await lsp.request(RunPipelineRequest, params());
    assert.deepEqual([r.status, r.steps], ['failed', { one: 'ran', two: 'failed', three: 'skipped' }]);
    const published = await lsp.latestDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'step-failed'), 'the step-failed diagnostic');
    const d = published.diagnostics.find((x) => x.code === 'step-failed')!;
    assert.equal(d.message, '`two` failed in the last run: ValueError: two went wrong');
    assert.equal(d.range.start.line, stepLine('two'));
    const log = URI.parse(d.codeDescription!.href).fsPath;
    assert.match(fs.readFileSync(log, 'utf8'), /raise ValueError\("two went wrong"\)/);
    assert.ok((await titles()).some((t) => t.startsWith(`${stepLine('three')}:$(circle-slash) skipped`)), 'the editor\'s own run shows the skipped step');
  });

  // How fast (the target: 1.5 s) is measured by `npm run bench -- --only cancel`.
  it('cancelling the request cancels the run; the lenses say so and offer Run again', async () => {
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^( {2}GATE: ).*$/m, '$1blocker'));
    await start(true);
    const source = new CancellationTokenSource();
    const pending = lsp.request(RunPipelineRequest, params(), source.token);
    await waitFor(() => lsp.runEvents.some((e) => e.runToken === `t${runs}` && e.event.event === 'step' && e.event.step === 'three' && e.event.status === 'started'), 'step three to start', 60_000);
    assert.ok((await titles()).includes('0:$(debug-stop) Cancel Run'), 'a running pipeline offers Cancel Run');
    source.cancel();
    const r = await pending;
    assert.equal(r.status, 'cancelled');
    assert.equal(r.steps.three, 'cancelled');
    await waitFor(async () => (await titles()).includes('0:$(run-all) Run Pipeline'), 'Run Pipeline again');
    assert.ok((await titles()).some((t) => t.startsWith(`${stepLine('three')}:$(debug-stop) cancelled`)));
  });
});
