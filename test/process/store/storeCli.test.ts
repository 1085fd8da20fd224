import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellflow } from '../../support/cli';
import { PYTHON, python, scratchWorkspace } from '../../support/store';

describe('cellflow runs and models', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  let ids: string[];
  before(() => {
    ws = scratchWorkspace();
    fs.writeFileSync(path.join(ws.dir, 'model.pkl'), 'w');
    const r = python(
      `
import cellflow
for lr, acc in [("0.01", 0.93), ("0.1", 0.81), ("0.001", 0.88)]:
    with cellflow.start_run(experiment="churn", run_name="lr-" + lr) as run:
        cellflow.log_params({"lr": lr, "model": "logreg"})
        for step in range(3):
            cellflow.log_metric("acc", acc - (2 - step) * 0.1, step=step)
        print(run.id)
cellflow.register_model("model.pkl", "churn")
cellflow.register_model("model.pkl", "churn")
`,
      ws.dir,
    );
    assert.equal(r.code, 0, r.stderr);
    ids = r.stdout.trim().split('\n');
  });
  after(() => ws.cleanup());

  it('lists runs with their params and latest metrics, filtered and ordered', () => {
    const r = cellflow(['runs', 'list', '--filter', 'metrics.acc > 0.85 and params.model = "logreg"', '--order-by', 'metrics.acc desc', '--json'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout);
    assert.deepEqual(runs.map((x: { name: string }) => x.name), ['lr-0.01', 'lr-0.001']);
    assert.deepEqual(Object.keys(runs[0]).sort(), ['endTime', 'experiment', 'gitCommit', 'id', 'metrics', 'name', 'params', 'parentId', 'pipeline', 'startTime', 'status', 'stepId', 'stepVersion', 'tags']);
    assert.deepEqual([runs[0].id, runs[0].experiment, runs[0].status, runs[0].params, runs[0].metrics], [ids[0], 'churn', 'FINISHED', { lr: '0.01', model: 'logreg' }, { acc: 0.93 }]);
    const text = cellflow(['runs', 'list', '--limit', '2', '--order-by', 'name'], ws.dir);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^RUN\s+EXPERIMENT\s+NAME\s+STATUS/);
    assert.match(text.stdout, new RegExp(`^${ids[2].slice(0, 8)}\\s+churn\\s+lr-0\\.001\\s+FINISHED .* acc=0\\.88\\s+lr=0\\.001 model=logreg$`, 'm'));
    assert.match(text.stdout, /More runs: --offset 2/);
  });

  it('shows one run by a prefix of its id, with its metric history', () => {
    const r = cellflow(['runs', 'show', ids[1].slice(0, 6), '--json'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout);
    assert.equal(run.id, ids[1]);
    assert.deepEqual(run.metricHistory.acc.map((p: { step: number }) => p.step), [0, 1, 2]);
    assert.equal(run.metricHistory.acc[2].value, 0.81);
    assert.match(cellflow(['runs', 'show', ids[1]], ws.dir).stdout, /acc=0\.81 \(3 points\)/);
    const missing = cellflow(['runs', 'show', 'ffffffff'], ws.dir);
    assert.deepEqual([missing.code, missing.stderr], [2, 'cellflow: ffffffff: no such run\n']);
  });

  it('lists models and moves an alias', () => {
    assert.equal(cellflow(['models', 'alias', 'churn', '1', 'production'], ws.dir).stdout, 'churn v1 is now "production"\n');
    assert.equal(cellflow(['models', 'alias', 'churn', 'v2', 'production'], ws.dir).code, 0);
    const models = JSON.parse(cellflow(['models', 'list', '--json'], ws.dir).stdout);
    assert.deepEqual(models.map((m: { name: string; versions: Array<{ version: number; aliases: string[] }> }) => [m.name, m.versions.map((v) => [v.version, v.aliases])]), [['churn', [[2, ['production']], [1, []]]]]);
    assert.equal(models[0].versions[0].runId, null, 'registered after the runs ended, so from no run');
    const bad = cellflow(['models', 'alias', 'churn', '7', 'production'], ws.dir);
    assert.deepEqual([bad.code, bad.stderr], [2, 'cellflow: churn@7: no such model version\n']);
    assert.match(cellflow(['models', 'list'], ws.dir).stdout, /^churn\n {2}v2 \[production\] {2}model\.pkl\n {2}v1 {2}model\.pkl\n$/);
  });

  it('prints an infinite metric as "Infinity" in --json, not null', () => {
    const w = scratchWorkspace();
    try {
      assert.equal(python('import cellflow\nwith cellflow.start_run(run_name="diverged"):\n    cellflow.log_metric("loss", float("inf"))\n', w.dir).code, 0);
      const r = cellflow(['runs', 'list', '--json'], w.dir);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout)[0].metrics, { loss: 'Infinity' });
    } finally {
      w.cleanup();
    }
  });

  it('says what is wrong with a filter, and where, exiting 2', () => {
    const r = cellflow(['runs', 'list', '--filter', 'metrics.acc > 0.9 and'], ws.dir);
    assert.deepEqual([r.code, r.stdout], [2, '']);
    assert.equal(r.stderr, 'cellflow: filter, column 22: expected a field such as metrics.acc, params.lr, tags.team or status, found the end\n');
    assert.equal(cellflow(['runs', 'list', '--limit', 'ten'], ws.dir).code, 2);
  });

  it('reads the store that --store or CELLFLOW_STORE names, and an empty workspace has no runs', () => {
    const empty = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'empty-'));
    try {
      fs.mkdirSync(path.join(empty, '.git'));
      assert.deepEqual(cellflow(['runs', 'list', '--json'], empty), { code: 0, stdout: '[]\n', stderr: '' });
      assert.match(cellflow(['runs', 'list'], empty).stdout, /No runs yet/);
      assert.ok(!fs.existsSync(path.join(empty, '.cellflow')), 'listing does not create a store');
      assert.equal(JSON.parse(cellflow(['runs', 'list', '--json', '--store', ws.db], empty).stdout).length, 3);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('prints the folder that makes `import cellflow` work', () => {
    const r = cellflow(['python-path']);
    assert.equal(r.code, 0);
    const dir = r.stdout.trim();
    const py = spawnSync(PYTHON, ['-c', 'import cellflow; print(cellflow.__file__)'], { env: { PATH: process.env.PATH, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    assert.equal(py.stdout.trim(), path.join(dir, 'cellflow', '__init__.py'));
  });
});
