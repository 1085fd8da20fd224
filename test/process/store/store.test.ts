import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StoreError } from '../../../server/src/services/store/db';
import { SCHEMA_VERSION } from '../../../server/src/core/store/schema';
import { findWorkspaceRoot, storePath } from '../../../server/src/io/storeLocation';
import { exited, python, scratchWorkspace } from '../../support/store';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('experiment store', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  describe('opening', () => {
    it('creates the file with WAL, foreign keys and the latest schema, and reopens it unchanged', () => {
      const store = ws.open();
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
      for (const t of ['experiments', 'runs', 'params', 'metrics', 'latest_metrics', 'tags', 'artifacts', 'datasets', 'run_inputs', 'registered_models', 'model_versions', 'model_aliases', 'lineage']) assert.ok(tables.includes(t), t);
      store.startRun();
      store.close();
      const again = ws.open();
      assert.equal(again.searchRuns().runs.length, 1);
    });

    it('changes its change stamp on a commit by any connection, and not on a checkpoint or a reader closing', () => {
      const store = ws.open();
      store.startRun();
      const first = store.changeStamp();
      // Another process reads, checkpoints the WAL into the file as SQLite's auto-checkpoint does
      // (PASSIVE) and closes: the files change, the runs do not.
      const other = python(`import sqlite3\ndb = sqlite3.connect(${JSON.stringify(ws.db)})\ndb.execute("SELECT count(*) FROM runs").fetchall()\nassert db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[2] > 0\ndb.close()\n`, ws.dir);
      assert.equal(other.code, 0, other.stderr);
      assert.equal(store.changeStamp(), first);
      const writer = python(`import cellflow\nwith cellflow.start_run(experiment="e"):\n    pass\n`, ws.dir);
      assert.equal(writer.code, 0, writer.stderr);
      const afterOther = store.changeStamp();
      assert.notEqual(afterOther, first, 'a commit by another process');
      store.startRun();
      assert.notEqual(store.changeStamp(), afterOther, 'a commit by this connection');
    });

    it('refuses a store written by a newer Cellflow without downgrading it', () => {
      ws.open().close();
      const raw = new BetterSqlite3(ws.db);
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.close();
      const before = sha(ws.db);
      assert.throws(() => ws.open(), (err: Error) => err instanceof StoreError && err.message.includes(ws.db) && /newer Cellflow/.test(err.message) && /will not downgrade/.test(err.message));
      assert.equal(sha(ws.db), before);
    });

    for (const userVersion of [0, 1, 2]) {
      it(`refuses the SQLite database of something else (user_version ${userVersion}) and adds nothing to it`, () => {
        fs.mkdirSync(path.dirname(ws.db), { recursive: true });
        const other = new BetterSqlite3(ws.db);
        other.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (9.5); PRAGMA user_version = ${userVersion};`);
        other.close();
        const files = () => fs.readdirSync(path.dirname(ws.db)).sort().map((f) => [f, sha(path.join(path.dirname(ws.db), f))]);
        const before = files();
        assert.throws(() => ws.open(), (err: Error) => err instanceof StoreError && err.message.includes(ws.db) && /database of something else/.test(err.message));
        assert.deepEqual(files(), before, 'not a byte changed, and no -wal or -shm file left');
        const r = python('import cellflow\ntry:\n    cellflow.start_run()\nexcept cellflow.CellflowError as e:\n    print(e)\n', ws.dir);
        assert.match(r.stdout, /database of something else/);
        assert.deepEqual(files(), before, 'Python did not change it either');
      });
    }

    it('refuses a file that is not SQLite and leaves every byte of it', () => {
      fs.mkdirSync(path.dirname(ws.db), { recursive: true });
      fs.writeFileSync(ws.db, 'run_id,acc\nabc,0.9\n');
      assert.throws(() => ws.open(), (err: Error) => err instanceof StoreError && err.message.startsWith(ws.db) && /not an SQLite database/.test(err.message));
      assert.equal(fs.readFileSync(ws.db, 'utf8'), 'run_id,acc\nabc,0.9\n');
      assert.ok(!fs.existsSync(`${ws.db}-wal`), 'no WAL file was created next to it');
    });

    it('refuses a damaged SQLite file and leaves it as it was', () => {
      const store = ws.open();
      const run = store.startRun();
      store.logMetrics(run, Array.from({ length: 2000 }, (_, i) => ({ key: `m${i % 7}`, value: i, step: i })));
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.close();
      const bytes = fs.readFileSync(ws.db);
      // Keep the header, scribble over the schema page and the pages after it.
      bytes.fill(0xa5, 100, Math.min(bytes.length, 16384));
      fs.writeFileSync(ws.db, bytes);
      const before = sha(ws.db);
      assert.throws(() => ws.open(), (err: Error) => err instanceof StoreError && err.message.startsWith(ws.db) && /damaged|cannot be used/.test(err.message));
      assert.equal(sha(ws.db), before);
    });

    it('finds the workspace and store the way the Python client does', () => {
      const nested = path.join(ws.dir, 'a', 'b');
      fs.mkdirSync(nested, { recursive: true });
      fs.mkdirSync(path.join(ws.dir, '.cellflow'));
      assert.equal(findWorkspaceRoot(nested, {}), ws.dir);
      assert.equal(findWorkspaceRoot(nested, { CELLFLOW_WORKSPACE: nested }), nested);
      assert.equal(storePath(ws.dir, {}), ws.db);
      assert.equal(storePath(ws.dir, { CELLFLOW_STORE: 'elsewhere/x.db' }), path.join(ws.dir, 'elsewhere', 'x.db'));
      assert.equal(storePath(ws.dir, { CELLFLOW_STORE: '/tmp/abs.db' }), '/tmp/abs.db');
    });
  });

  describe('runs, params and metrics', () => {
    it('records a run with params, tags and metrics, and keeps the latest value of each metric', () => {
      const store = ws.open();
      const run = store.startRun({ experiment: 'churn', name: 'baseline' });
      store.logParams(run, { lr: 0.01, model: 'logreg' });
      store.setTags(run, { team: 'growth' });
      store.logMetrics(run, [
        { key: 'loss', value: 0.9, step: 0 },
        { key: 'loss', value: 0.5, step: 2 },
        // An older step logged late does not replace the latest.
        { key: 'loss', value: 0.7, step: 1 },
        { key: 'acc', value: 0.8 },
      ]);
      store.logMetric(run, 'acc', 0.85);
      store.endRun(run);
      const detail = store.getRun(run);
      assert.equal(detail.status, 'FINISHED');
      assert.equal(detail.experiment, 'churn');
      assert.equal(detail.name, 'baseline');
      assert.ok(detail.endTime! >= detail.startTime);
      assert.deepEqual(detail.params, { lr: '0.01', model: 'logreg' });
      assert.deepEqual(detail.tags, { team: 'growth' });
      assert.deepEqual(detail.metrics, { loss: 0.5, acc: 0.85 });
      assert.deepEqual(detail.metricHistory.loss.map((p) => [p.step, p.value]), [[0, 0.9], [1, 0.7], [2, 0.5]]);
      assert.equal(detail.metricHistory.acc.length, 2);
    });

    it('writes no part of a batch that holds a value that is not a number', () => {
      const store = ws.open();
      const run = store.startRun();
      assert.throws(() => store.logMetrics(run, [{ key: 'a', value: 1 }, { key: 'b', value: Number.NaN }]), /metric "b": value must be a number/);
      assert.throws(() => store.logMetrics(run, [{ key: 'c', value: '1' as unknown as number }]), /metric "c"/);
      assert.deepEqual(store.getRun(run).metricHistory, {});
    });

    it('names the run when it does not exist, and ends a run once', () => {
      const store = ws.open();
      assert.throws(() => store.endRun('nope'), (err: Error) => err instanceof StoreError && /nope: no such run/.test(err.message));
      assert.throws(() => store.getRun('nope'), /no such run/);
      const run = store.startRun();
      store.endRun(run, 'FAILED');
      store.endRun(run, 'FINISHED');
      assert.equal(store.getRun(run).status, 'FAILED');
      assert.throws(() => store.logMetrics('missing', [{ key: 'x', value: 1 }]), /missing: no such run/);
    });

    it('shows a run whose process was killed as KILLED once the process is gone', async () => {
      const store = ws.open();
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const gone = exited(child);
      const run = store.startRun({ pid: child.pid });
      assert.equal(store.getRun(run).status, 'RUNNING');
      child.kill('SIGKILL');
      await gone;
      const [seen] = store.searchRuns().runs;
      assert.equal(seen.status, 'KILLED');
      assert.ok(seen.endTime);
      // Written back, so other readers see it too.
      const raw = new BetterSqlite3(ws.db, { readonly: true });
      assert.equal((raw.prepare('SELECT status FROM runs WHERE id = ?').get(run) as { status: string }).status, 'KILLED');
      raw.close();
    });
  });

  describe('artifacts', () => {
    it('records a workspace file by relative path, sha256 and size', () => {
      const store = ws.open();
      fs.mkdirSync(path.join(ws.dir, 'models'));
      fs.writeFileSync(path.join(ws.dir, 'models', 'm.pkl'), 'weights');
      const run = store.startRun();
      const a = store.logArtifact(run, path.join(ws.dir, 'models', 'm.pkl'));
      assert.deepEqual(a, { path: 'models/m.pkl', sha256: createHash('sha256').update('weights').digest('hex'), size: 7 });
      assert.deepEqual(store.getRun(run).artifacts, [a]);
    });

    it('refuses paths outside the workspace, through .., absolute paths or symbolic links', () => {
      const store = ws.open();
      const outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'outside-'));
      try {
        fs.writeFileSync(path.join(outside, 'secret'), 'x');
        fs.symlinkSync(path.join(outside, 'secret'), path.join(ws.dir, 'link'));
        const run = store.startRun();
        for (const p of [path.join(outside, 'secret'), `../${path.basename(outside)}/secret`, 'link', '/etc/passwd', '.']) {
          assert.throws(() => store.logArtifact(run, p), (err: Error) => err instanceof StoreError && /outside the workspace|does not exist/.test(err.message), p);
        }
        assert.throws(() => store.registerModel('m', '/etc/passwd', run), /outside the workspace/);
        assert.deepEqual(store.getRun(run).artifacts, []);
        assert.deepEqual(store.listModels(), []);
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });
  });

  describe('model registry and lineage', () => {
    it('numbers versions, moves aliases, and ties each version back to its cell hash', () => {
      const store = ws.open();
      fs.writeFileSync(path.join(ws.dir, 'model.onnx'), 'v1');
      const run = store.startRun({ pipeline: 'churn.cellflow.yaml', stepId: 'train', stepVersion: 3, cellHash: 'sha256:abc' });
      const v1 = store.registerModel('churn', 'model.onnx', run);
      fs.writeFileSync(path.join(ws.dir, 'model.onnx'), 'v2');
      const v2 = store.registerModel('churn', 'model.onnx', run);
      assert.deepEqual([v1.version, v2.version], [1, 2]);
      assert.notEqual(v1.artifactSha256, v2.artifactSha256);
      store.setAlias('churn', 1, 'production');
      store.setAlias('churn', 2, 'staging');
      store.setAlias('churn', 2, 'production');
      const [model] = store.listModels();
      assert.deepEqual(model.versions.map((v) => [v.version, v.aliases]), [[2, ['production', 'staging']], [1, []]]);
      assert.throws(() => store.setAlias('churn', 9, 'staging'), /churn@9: no such model version/);
      assert.throws(() => store.setAlias('churn', 1, 'bad alias'), /an alias starts with a letter/);
      assert.throws(() => store.registerModel('bad name', 'model.onnx'), /a model name uses/);
      assert.deepEqual(store.getRun(run).modelVersions, [{ model: 'churn', version: 1 }, { model: 'churn', version: 2 }]);
      const chain = store.lineageOf('model-version', 'churn@2').map((e) => `${e.fromKind}:${e.fromId} -${e.relation}-> ${e.toKind}:${e.toId}`);
      assert.deepEqual(chain, [
        `run:${run} -produced-> model-version:churn@2`,
        `step-version:churn.cellflow.yaml#train@3 -ran-> run:${run}`,
        'cell-hash:sha256:abc -promoted-> step-version:churn.cellflow.yaml#train@3',
      ]);
    });
  });
});
