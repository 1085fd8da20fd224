import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ExperimentsRequest,
  ExportRunsCsvRequest,
  LineageRequest,
  ModelsRequest,
  RegisterModelRequest,
  RunDetailsRequest,
  RunsRequest,
  ServerStatusRequest,
  SetAliasRequest,
} from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';
import { damageTable, python, scratchWorkspace } from '../support/store';
import { waitFor } from '../support/waitFor';

describe('the experiment store over LSP', () => {
  let lsp: LspClient;
  let ws: ReturnType<typeof scratchWorkspace>;
  let folder: string;

  beforeEach(async () => {
    ws = scratchWorkspace();
    folder = ws.dir;
    lsp = new LspClient();
    await lsp.initialize(ws.dir);
  });
  afterEach(() => {
    lsp.kill();
    ws.cleanup();
  });

  const logRun = (name: string, extra = '') => {
    const r = python(`import cellflow\nwith cellflow.start_run(experiment="churn", run_name=${JSON.stringify(name)}) as run:\n    cellflow.log_params({"lr": 0.01})\n    cellflow.log_metric("acc", 0.9)\n${extra}    print(run.id)\n`, ws.dir, { CELLFLOW_PIPELINE: 'churn.cellflow.yaml', CELLFLOW_STEP: 'train', CELLFLOW_STEP_VERSION: '2', CELLFLOW_CELL_HASH: 'sha256:c0ffee' });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  it('has no store until something is logged, then tells the client of writes by another process', async () => {
    const empty = await lsp.request(ExperimentsRequest, { folder });
    assert.deepEqual(empty, { storePath: ws.db, root: ws.dir, exists: false, experiments: [] });
    assert.ok(!fs.existsSync(ws.db), 'asking does not create a store');
    const runId = logRun('first');
    await waitFor(() => lsp.storeChanges.some((c) => c.folder === folder), 'a storeChanged notification for the folder');
    const after = await lsp.request(ExperimentsRequest, { folder });
    assert.deepEqual(after.experiments.map((e) => [e.name, e.runs]), [['churn', 1]]);
    const { runs } = await lsp.request(RunsRequest, { folder, experiment: 'churn' });
    assert.deepEqual(runs.map((r) => [r.id, r.name, r.status, r.params, r.metrics]), [[runId, 'first', 'FINISHED', { lr: '0.01' }, { acc: 0.9 }]]);
    // A second write is noticed too: the WAL file the first one created is watched as well.
    const seen = lsp.storeChanges.length;
    logRun('second');
    await waitFor(() => lsp.storeChanges.length > seen, 'a second storeChanged notification');
    assert.equal((await lsp.request(RunsRequest, { folder, filter: 'name = "second"' })).runs.length, 1);
  });

  it('reads the store at the repository root when the folder opened is inside a repository, as Python run there writes it', async () => {
    fs.mkdirSync(path.join(ws.dir, '.git'));
    const sub = path.join(ws.dir, 'projects', 'churn');
    fs.mkdirSync(path.join(sub, 'models'), { recursive: true });
    fs.writeFileSync(path.join(sub, 'models', 'm.onnx'), 'bytes');
    const inner = new LspClient();
    try {
      await inner.initialize(sub);
      // No CELLFLOW_WORKSPACE: the client finds the root the way the server must.
      const r = python('import cellflow\nwith cellflow.start_run(experiment="churn") as run:\n    cellflow.log_artifact("models/m.onnx")\n    print(run.id)\n', sub, { CELLFLOW_WORKSPACE: '' });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.existsSync(ws.db), 'Python put the store at the repository root');
      const state = await inner.request(ExperimentsRequest, { folder: sub });
      assert.equal(state.storePath, ws.db);
      assert.equal(state.root, ws.dir);
      assert.deepEqual(state.experiments.map((e) => e.name), ['churn']);
      const version = await inner.request(RegisterModelRequest, { folder: sub, name: 'churn', artifactPath: 'projects/churn/models/m.onnx', runId: r.stdout.trim() });
      assert.equal(version.artifactPath, 'projects/churn/models/m.onnx', 'artifact paths are relative to the root, as the client logged them');
    } finally {
      inner.kill();
    }
  });

  it('sends an infinite metric (a diverged loss) as "Infinity", not null', async () => {
    const runId = logRun('diverged', '    cellflow.log_metric("loss", float("inf"), step=1)\n    cellflow.log_metric("gain", float("-inf"))\n');
    const { runs } = await lsp.request(RunsRequest, { folder, filter: 'name = "diverged"' });
    assert.deepEqual(runs[0].metrics, { acc: 0.9, loss: 'Infinity', gain: '-Infinity' });
    const [detail] = (await lsp.request(RunDetailsRequest, { folder, runIds: [runId] })).runs;
    assert.deepEqual(detail.metricHistory.loss.map((p) => p.value), ['Infinity']);
  });

  it('sends metric histories cut down for drawing, keeping the first, last and extreme points', async () => {
    const runId = logRun('long', '    for i in range(5000):\n        cellflow.log_metric("loss", 100.0 if i == 2500 else 1.0 / (i + 1), step=i)\n');
    const { runs } = await lsp.request(RunDetailsRequest, { folder, runIds: [runId], maxPoints: 500 });
    const loss = runs[0].metricHistory.loss;
    assert.ok(loss.length <= 500 && loss.length > 400, `${loss.length} points`);
    assert.deepEqual([loss[0].step, loss[loss.length - 1].step], [0, 4999]);
    assert.ok(loss.some((p) => p.value === 100), 'the spike survives');
    assert.ok(loss.every((p, i) => i === 0 || p.step > loss[i - 1].step), 'in step order');
  });

  it('registers a version from a run artifact, moves an alias, and traces the version back to its cell', async () => {
    fs.writeFileSync(path.join(ws.dir, 'model.pkl'), 'weights');
    const runId = logRun('trained');
    const v1 = await lsp.request(RegisterModelRequest, { folder, name: 'churn', artifactPath: 'model.pkl', runId });
    assert.deepEqual([v1.version, v1.artifactPath, v1.artifactSha256, v1.runId], [1, 'model.pkl', createHash('sha256').update('weights').digest('hex'), runId]);
    await lsp.request(RegisterModelRequest, { folder, name: 'churn', artifactPath: path.join(ws.dir, 'model.pkl'), runId });
    await lsp.request(SetAliasRequest, { folder, name: 'churn', version: 1, alias: 'production' });
    await lsp.request(SetAliasRequest, { folder, name: 'churn', version: 2, alias: 'production' });
    const { models } = await lsp.request(ModelsRequest, { folder });
    assert.deepEqual(models[0].versions.map((v) => [v.version, v.aliases]), [[2, ['production']], [1, []]]);
    const { edges } = await lsp.request(LineageRequest, { folder, kind: 'model-version', id: 'churn@1' });
    assert.deepEqual(edges.map((e) => `${e.fromKind}:${e.fromId}`), [`run:${runId}`, 'step-version:churn.cellflow.yaml#train@2', 'cell-hash:sha256:c0ffee']);
    await assert.rejects(lsp.request(RegisterModelRequest, { folder, name: 'churn', artifactPath: '/etc/passwd', runId }), /\/etc\/passwd: is outside the workspace/);
    await assert.rejects(lsp.request(SetAliasRequest, { folder, name: 'churn', version: 7, alias: 'staging' }), /churn@7: no such model version/);
  });

  it('exports runs as CSV', async () => {
    const a = logRun('a');
    logRun('b');
    const { csv, count } = await lsp.request(ExportRunsCsvRequest, { folder, experiment: 'churn' });
    assert.equal(count, 2);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'run_id,experiment,name,status,start_time,end_time,pipeline,step_id,step_version,git_commit,params.lr,metrics.acc');
    assert.match(lines.find((l) => l.startsWith(a))!, new RegExp(`^${a},churn,a,FINISHED,\\d{4}-.*Z,\\d{4}-.*Z,churn\\.cellflow\\.yaml,train,2,,0\\.01,0\\.9$`));
    const one = await lsp.request(ExportRunsCsvRequest, { folder, runIds: [a] });
    assert.equal(one.count, 1);
  });

  it('answers bad input with a clear error and stays up', async () => {
    logRun('x');
    await assert.rejects(lsp.request(RunsRequest, { folder, filter: 'metrics.acc >' }), /filter, column 14: expected a number/);
    await assert.rejects(lsp.request(RunDetailsRequest, { folder, runIds: ['nope'] }), /nope: no such run/);
    await assert.rejects(lsp.request(ExperimentsRequest, { folder: path.dirname(folder) }), /is not a folder of this workspace/);
    assert.equal((await lsp.request(ServerStatusRequest, null)).pid, lsp.process.pid);
  });

  it('answers a store with a damaged page with a message that names the file, and stays up', async () => {
    const runId = logRun('long', '    for i in range(3000):\n        cellflow.log_metric("loss", 1 / (i + 1), step=i)\n');
    // Every read of metrics goes through the table's root page: overwrite its header.
    damageTable(ws.db, 'metrics');
    assert.deepEqual((await lsp.request(RunsRequest, { folder })).runs.map((r) => r.id), [runId], 'what does not touch the damaged page still reads');
    await assert.rejects(lsp.request(RunDetailsRequest, { folder, runIds: [runId] }), {
      message: `${ws.db}: is damaged (database disk image is malformed); Cellflow will not write to it. Restore it from a backup or move it away`,
    });
    assert.equal((await lsp.request(ServerStatusRequest, null)).pid, lsp.process.pid);
  });

  it('reports a store that is not SQLite without touching it, and recovers once it is replaced', async () => {
    fs.mkdirSync(path.dirname(ws.db), { recursive: true });
    fs.writeFileSync(ws.db, 'garbage that is not a database');
    const bad = await lsp.request(ExperimentsRequest, { folder });
    assert.equal(bad.exists, true);
    assert.match(bad.problem!, new RegExp(`^${ws.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not a Cellflow store`));
    assert.deepEqual(bad.experiments, []);
    assert.equal(fs.readFileSync(ws.db, 'utf8'), 'garbage that is not a database');
    fs.rmSync(ws.db);
    logRun('fresh');
    const good = await waitFor(async () => {
      const r = await lsp.request(ExperimentsRequest, { folder });
      return !r.problem && r.experiments.length === 1 && r;
    }, 'the replaced store to be read');
    assert.equal(good.experiments[0].runs, 1);
  });
});
