import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../../server/src/core/store/schema';
import { Store } from '../../../server/src/services/store/store';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

describe('the Python client (Debian python3)', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  it('logs a run with MLflow-style calls that the Node store reads back', () => {
    fs.writeFileSync(path.join(ws.dir, 'model.pkl'), 'weights');
    const r = python(
      `
import cellflow
with cellflow.start_run(experiment="churn", run_name="baseline") as run:
    cellflow.log_param("lr", 0.01)
    cellflow.log_params({"model": "logreg", "C": 1})
    cellflow.set_tag("team", "growth")
    for step in range(2500):
        cellflow.log_metric("loss", 1 / (step + 1), step=step)
    cellflow.log_metrics({"acc": 0.9, "f1": 0.8})
    import numpy
    cellflow.log_metric("half", numpy.float32(0.5))
    print(cellflow.log_artifact("model.pkl"))
    print(cellflow.register_model("model.pkl", "churn"))
    cellflow.set_alias("churn", 1, "staging")
print(run.info.run_id)
`,
      ws.dir,
    );
    assertExitedOk(r);
    const [artifact, version, runId] = r.stdout.trim().split('\n');
    assert.deepEqual([artifact, version], ['model.pkl', '1']);
    const detail = ws.open().getRun(runId);
    assert.deepEqual([detail.experiment, detail.name, detail.status], ['churn', 'baseline', 'FINISHED']);
    assert.deepEqual(detail.params, { lr: '0.01', model: 'logreg', C: '1' });
    assert.deepEqual(detail.tags, { team: 'growth' });
    assert.deepEqual(detail.metrics, { loss: 1 / 2500, acc: 0.9, f1: 0.8, half: 0.5 });
    assert.equal(detail.metricHistory.loss.length, 2500);
    assert.equal(detail.artifacts[0].size, 7);
    assert.deepEqual(ws.open().listModels()[0].versions.map((v) => [v.version, v.runId, v.aliases]), [[1, runId, ['staging']]]);
  });

  it('marks the run FAILED when the block raises, and lets the error through', () => {
    const r = python('import cellflow\nwith cellflow.start_run(run_name="boom"):\n    cellflow.log_metric("x", 1)\n    raise ValueError("bad data")\n', ws.dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ValueError: bad data/);
    const [run] = ws.open().searchRuns().runs;
    assert.deepEqual([run.name, run.status, run.metrics], ['boom', 'FAILED', { x: 1 }]);
  });

  it('finishes a run left open at exit, with its batched metrics written', () => {
    assertExitedOk(python('import cellflow\ncellflow.start_run(run_name="open")\nfor i in range(10):\n    cellflow.log_metric("m", i, step=i)\n', ws.dir));
    const [run] = ws.open().searchRuns().runs;
    assert.deepEqual([run.status, run.metrics], ['FINISHED', { m: 9 }]);
  });

  it('records the step the run came from, so lineage reaches the cell', () => {
    assertExitedOk(python('import cellflow\nwith cellflow.start_run():\n    pass\n', ws.dir, { CELLFLOW_PIPELINE: 'p.cellflow.yaml', CELLFLOW_STEP: 'train', CELLFLOW_STEP_VERSION: '2', CELLFLOW_CELL_HASH: 'sha256:beef' }));
    const store = ws.open();
    const [run] = store.searchRuns().runs;
    assert.deepEqual([run.pipeline, run.stepId, run.stepVersion], ['p.cellflow.yaml', 'train', 2]);
    assert.deepEqual(store.lineageOf('run', run.id).map((e) => e.fromId), ['p.cellflow.yaml#train@2', 'sha256:beef']);
  });

  it('creates the same schema as the Node store', () => {
    assertExitedOk(python('import cellflow\ncellflow.start_run()\n', ws.dir));
    const schema = (file: string) => {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return { version: db.pragma('user_version', { simple: true }), objects: db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all() };
      } finally {
        db.close();
      }
    };
    const fromPython = schema(ws.db);
    const nodeDb = path.join(ws.dir, 'node.db');
    new Store(nodeDb, ws.dir).close();
    assert.equal(fromPython.version, SCHEMA_VERSION);
    assert.deepEqual(fromPython, schema(nodeDb));
  });

  it('refuses bad calls and paths with a CellflowError that says why', () => {
    const outside = path.join(path.dirname(ws.dir), `${path.basename(ws.dir)}-secret`);
    fs.writeFileSync(outside, 'x');
    try {
      const r = python(
        `
import cellflow
def attempt(f):
    try:
        f()
        print("accepted")
    except cellflow.CellflowError as e:
        print("refused:", e)
with cellflow.start_run():
    attempt(lambda: cellflow.log_artifact(${JSON.stringify(outside)}))
    attempt(lambda: cellflow.log_artifact("../${path.basename(outside)}"))
    attempt(lambda: cellflow.register_model("/etc/passwd", "m"))
    attempt(lambda: cellflow.log_metric("acc", "high"))
    attempt(lambda: cellflow.log_metric("acc", float("nan")))
    attempt(lambda: cellflow.set_alias("nothing", 1, "prod"))
cellflow.end_run()
attempt(lambda: cellflow.log_metric("acc", 1))
`,
        ws.dir,
      );
      assertExitedOk(r);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 7);
      for (const l of lines) assert.match(l, /^refused: /);
      assert.match(lines[0], /is outside the workspace/);
      assert.match(lines[2], /\/etc\/passwd: is outside the workspace/);
      assert.match(lines[3], /metric "acc": value must be a number/);
      assert.match(lines[5], /no version 1 of model 'nothing'/);
      assert.match(lines[6], /no active run/);
      const store = ws.open();
      assert.deepEqual(store.searchRuns().runs[0].metrics, {});
      assert.deepEqual(store.listModels(), []);
    } finally {
      fs.rmSync(outside);
    }
  });

  it('refuses a file that is not a store, or one from a newer Cellflow, and leaves it alone', () => {
    fs.mkdirSync(path.dirname(ws.db), { recursive: true });
    fs.writeFileSync(ws.db, 'not a database at all, just text that is long enough');
    const script = 'import cellflow\ntry:\n    cellflow.start_run()\nexcept cellflow.CellflowError as e:\n    print(e)\n';
    let r = python(script, ws.dir);
    assertExitedOk(r);
    assert.match(r.stdout, new RegExp(`^${ws.db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a Cellflow store`));
    assert.equal(fs.readFileSync(ws.db, 'utf8'), 'not a database at all, just text that is long enough');
    fs.rmSync(ws.db);
    ws.open().close();
    const raw = new BetterSqlite3(ws.db);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    r = python(script, ws.dir);
    assertExitedOk(r);
    assert.match(r.stdout, /was written by a newer Cellflow/);
    const after = new BetterSqlite3(ws.db, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    after.close();
  });

  it('writes where CELLFLOW_STORE says', () => {
    assertExitedOk(python('import cellflow\nwith cellflow.start_run(run_name="elsewhere"):\n    pass\n', ws.dir, { CELLFLOW_STORE: 'runs/custom.db' }));
    assert.ok(fs.existsSync(path.join(ws.dir, 'runs', 'custom.db')));
    assert.ok(!fs.existsSync(ws.db));
  });
});
