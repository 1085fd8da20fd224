import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { InvalidInput } from '../../../server/src/core/errors';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../server/src/core/store/schema';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

describe('run inputs (datasets) and schema upgrades', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  it('records a CSV a Python run read: digest, column types, rows (quoted line breaks included) and lineage', () => {
    fs.mkdirSync(path.join(ws.dir, 'data'));
    // Excel's byte order mark, a quoted line break, a repeated column name, a column always empty.
    const csv = '\ufeffid,age,score,note,age,blank\n1,34,0.5,"two\nlines",1,\n2,,1.25,plain,2,\n3,51,2,x,3,\n';
    fs.writeFileSync(path.join(ws.dir, 'data', 'train.csv'), csv);
    fs.writeFileSync(path.join(ws.dir, 'data', 'copy.csv'), csv);
    const r = python(
      `
import cellflow
with cellflow.start_run(run_name="reads") as run:
    print(cellflow.log_input("data/train.csv"))
    print(cellflow.log_input("data/train.csv", context="evaluation"))
    print(cellflow.log_input("data/copy.csv"))
print(run.id)
`,
      ws.dir,
    );
    assertExitedOk(r);
    const [digest, again, copy, runId] = r.stdout.trim().split('\n');
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(digest, 'sha256:' + createHash('sha256').update(csv).digest('hex'), 'the digest is of the bytes on disk');
    assert.equal(again, digest);
    assert.equal(copy, digest, 'the same content under another name is the same dataset');
    const { inputs } = ws.open().runOutputs(runId);
    assert.deepEqual(inputs, [
      {
        digest,
        name: 'data/train.csv',
        schema: '[["id", "integer"], ["age", "integer"], ["score", "number"], ["note", "string"], ["age", "integer"], ["blank", "empty"]]',
        rowCount: 3,
        source: 'data/train.csv',
        context: 'training,evaluation',
      },
    ]);
    assert.deepEqual(
      ws.open().lineageOf('run', runId).map((e) => [e.fromKind, e.fromId, e.relation]),
      [['dataset', digest, 'input']],
    );
  });

  it('records a pandas DataFrame by a digest of its rows, with its dtypes', () => {
    const r = python(
      `
import cellflow, pandas as pd
df = pd.DataFrame({"age": [34, 51], "churned": [True, False]})
with cellflow.start_run() as run:
    a = cellflow.log_input(df, name="customers")
    b = cellflow.log_input(df.assign(age=[35, 51]), name="customers-edited")
print(a != b, run.id)
`,
      ws.dir,
    );
    assertExitedOk(r);
    const [differ, runId] = r.stdout.trim().split(' ');
    assert.equal(differ, 'True', 'changed data has another digest');
    const { inputs } = ws.open().runOutputs(runId);
    assert.deepEqual(inputs.map((i) => [i.name, i.rowCount, i.schema, i.context]), [
      ['customers', 2, '[["age", "int64"], ["churned", "bool"]]', 'training'],
      ['customers-edited', 2, '[["age", "int64"], ["churned", "bool"]]', 'training'],
    ]);
  });

  it('tells equal values of other dtypes apart, and digests cells pandas cannot hash (embeddings)', () => {
    const r = python(
      `
import cellflow, numpy as np, pandas as pd
with cellflow.start_run():
    ints = cellflow.log_input(pd.DataFrame({"x": np.array([1, 0], dtype="int8")}))
    bools = cellflow.log_input(pd.DataFrame({"x": [True, False]}))
    a = cellflow.log_input(pd.DataFrame({"emb": [np.arange(2000) / 7, np.zeros(2000)]}))
    b = cellflow.log_input(pd.DataFrame({"emb": [np.arange(2000) / 7, np.zeros(2000)]}))
    emb = np.arange(2000) / 7
    emb[1500] += 1e-12
    c = cellflow.log_input(pd.DataFrame({"emb": [emb, np.zeros(2000)]}))
print(ints != bools, a == b, a != c)
`,
      ws.dir,
    );
    assertExitedOk(r);
    assert.equal(r.stdout.trim(), 'True True True');
  });

  it('says which CSV and line it could not read, and records nothing of it', () => {
    fs.writeFileSync(path.join(ws.dir, 'broken.csv'), `a,b\n1,"${'x'.repeat(200_000)}\n`);
    const r = python('import cellflow\nwith cellflow.start_run() as run:\n    try:\n        cellflow.log_input("broken.csv")\n    except cellflow.CellflowError as e:\n        print(e)\nprint(run.id)\n', ws.dir);
    assertExitedOk(r);
    const [message, runId] = r.stdout.trim().split('\n');
    assert.match(message, /^broken\.csv: not a CSV file Cellflow can read \(line \d+: field larger than field limit/);
    assert.deepEqual(ws.open().runOutputs(runId).inputs, []);
  });

  it('refuses what is not a dataset, and files outside the workspace', () => {
    const r = python(
      `
import cellflow
with cellflow.start_run():
    for bad in (42, "/etc/hostname", "missing.csv"):
        try:
            cellflow.log_input(bad)
        except cellflow.CellflowError as e:
            print(e)
`,
      ws.dir,
    );
    assertExitedOk(r);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /log_input takes a file path or a pandas DataFrame, not int/);
    assert.match(lines[1], /\/etc\/hostname: is outside the workspace/);
    assert.match(lines[2], /missing\.csv: does not exist/);
  });

  it('records an input through the Node API and refuses one without a digest', () => {
    const store = ws.open();
    const run = store.startRun({ name: 'node' });
    store.logInput(run, { digest: 'sha256:abc', name: 'features', schema: [['x', 'number']], rowCount: 10, context: 'training' });
    store.logInput(run, { digest: 'sha256:abc', context: 'training' });
    assert.deepEqual(store.runOutputs(run).inputs, [{ digest: 'sha256:abc', name: 'features', schema: '[["x","number"]]', rowCount: 10, source: null, context: 'training' }]);
    assert.throws(() => store.logInput(run, { digest: '' }), InvalidInput);
    assert.throws(() => store.logInput(run, { digest: 'sha256:def', rowCount: -1 }), InvalidInput);
  });

  /** A store as the first Cellflow release wrote it: migration 1 only, with a run in it. */
  function versionOneStore(): void {
    fs.mkdirSync(path.dirname(ws.db), { recursive: true });
    const raw = new BetterSqlite3(ws.db);
    raw.exec(MIGRATIONS[0].sql);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
    raw.prepare("INSERT INTO runs (id, experiment_id, name, status, start_time) VALUES ('r-old', 1, 'before', 'FINISHED', 0)").run();
    raw.close();
  }

  it('upgrades a store from an older schema when Node opens it, keeping its runs', () => {
    assert.ok(SCHEMA_VERSION >= 2, 'there is an upgrade to test');
    versionOneStore();
    const store = ws.open();
    assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(store.searchRuns().runs.map((r) => r.name), ['before']);
    store.logInput('r-old', { digest: 'sha256:1', context: 'training' });
    assert.equal(store.runOutputs('r-old').inputs[0].context, 'training');
  });

  it('upgrades a store from an older schema when Python opens it, keeping its runs', () => {
    versionOneStore();
    assertExitedOk(python('import cellflow\nwith cellflow.start_run(experiment="old", run_name="after"):\n    pass\n', ws.dir));
    const raw = new BetterSqlite3(ws.db, { readonly: true });
    try {
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.deepEqual(raw.prepare('SELECT name FROM runs ORDER BY rid').pluck().all(), ['before', 'after']);
      assert.ok((raw.prepare('PRAGMA table_info(run_inputs)').all() as Array<{ name: string }>).some((c) => c.name === 'context'));
    } finally {
      raw.close();
    }
  });
});
