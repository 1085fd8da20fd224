import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../server/src/core/store/schema';
import { CLI, cellflow } from '../../support/cli';
import { assertExitedOk, exited, fileHashes, python, scratchWorkspace, spawnPython } from '../../support/store';
import { canRunAsNobody, readableByOthers, runAsNobody } from '../../support/users';

/**
 * `cellflow runs list`, `runs show` and `models list` open the store read-only: no WAL switch, no
 * migration, no KILLED written back. The folder is root's and the CLI runs as nobody, so the test
 * meets the permission check a user would (root ignores file modes).
 */
describe('a store in a folder the user cannot write (the CLI run as nobody)', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  before(function (this: Mocha.Context) {
    if (!canRunAsNobody()) this.skip();
  });
  beforeEach(() => {
    ws = scratchWorkspace();
    fs.mkdirSync(path.join(ws.dir, '.git'));
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
  });
  afterEach(() => ws?.cleanup());

  const asNobody = (args: string[]) => runAsNobody(process.execPath, [CLI, ...args], ws.dir);

  /** A run with 3 metric points and a registered model, logged by root; the store's folder then made read-only to others. */
  function loggedStore(): string {
    const r = python('import cellflow\nwith cellflow.start_run(run_name="trained") as run:\n    for i in range(3):\n        cellflow.log_metric("acc", i / 10, step=i)\n    cellflow.register_model("model.bin", "churn")\nprint(run.id)\n', ws.dir);
    assertExitedOk(r);
    readableByOthers(path.dirname(ws.db), ws.dir);
    return r.stdout.trim();
  }

  it('lists runs, shows one and lists models when the last writer has closed it (no -wal, no -shm), writing nothing', () => {
    const id = loggedStore();
    // The last connection to close checkpoints and removes them: SQLite, reading a WAL store, would
    // need to create -shm, which this folder does not allow. The CLI reads a copy of the file instead.
    assert.deepEqual(fs.readdirSync(path.dirname(ws.db)), ['cellflow.db']);
    const before = fileHashes(ws.dir);
    const list = asNobody(['runs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).map((r: { id: string; status: string }) => [r.id, r.status]), [[id, 'FINISHED']]);
    const show = asNobody(['runs', 'show', id.slice(0, 8), '--json']);
    assert.equal(show.code, 0, show.stderr);
    const run = JSON.parse(show.stdout);
    assert.deepEqual([run.metricHistory.acc.map((p: { step: number }) => p.step), run.metricCounts, run.modelVersions], [[0, 1, 2], { acc: 3 }, [{ model: 'churn', version: 1 }]]);
    const models = asNobody(['models', 'list']);
    assert.deepEqual([models.code, models.stdout], [0, 'churn\n  v1  model.bin  run ' + id.slice(0, 8) + '\n']);
    assert.deepEqual(fileHashes(ws.dir), before, 'no file was created or changed');
  });

  it('reads what a writer that is still open has logged, through its -wal and -shm, read-only', async () => {
    loggedStore();
    // The writer keeps its connection (and so -wal and -shm) open until the test creates `release`.
    const release = path.join(path.dirname(ws.dir), `${path.basename(ws.dir)}-release`);
    const writer = spawnPython(
      `import cellflow, os, time\nrun = cellflow.start_run(run_name="live")\ncellflow.log_metric("loss", 0.5)\nrun.flush()\nprint(run.id, flush=True)\nwhile not os.path.exists(${JSON.stringify(release)}):\n    time.sleep(0.02)\n`,
      ws.dir,
    );
    const gone = exited(writer);
    try {
      const id = await new Promise<string>((resolve) => writer.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      assert.ok(fs.statSync(`${ws.db}-wal`).size > 0, 'the run is in the write-ahead log');
      const list = asNobody(['runs', 'list', '--json']);
      assert.equal(list.code, 0, list.stderr);
      const live = JSON.parse(list.stdout).find((r: { id: string }) => r.id === id);
      assert.deepEqual([live.status, live.metrics], ['RUNNING', { loss: 0.5 }]);
    } finally {
      fs.writeFileSync(release, '');
      assert.equal((await gone).code, 0);
      fs.rmSync(release);
    }
  });

  it('shows a run whose process is gone as KILLED without writing it back', () => {
    loggedStore();
    const raw = new BetterSqlite3(ws.db);
    raw.prepare("UPDATE runs SET status = 'RUNNING', end_time = NULL, pid = 999999999").run();
    raw.close();
    for (const extra of fs.readdirSync(path.dirname(ws.db)).filter((f) => f !== 'cellflow.db')) fs.rmSync(path.join(path.dirname(ws.db), extra));
    const before = fileHashes(ws.dir);
    const list = asNobody(['runs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).map((r: { status: string }) => r.status), ['KILLED']);
    assert.deepEqual(fileHashes(ws.dir), before);
  });

  it('says why when the last changes are in a -wal that SQLite cannot read here', () => {
    loggedStore();
    // A writer killed with its changes in the log, and no -shm beside it (removed, as a copy would lose it).
    const db = new BetterSqlite3(ws.db);
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, 0)').run('late');
    const wal = fs.readFileSync(`${ws.db}-wal`);
    db.close();
    fs.writeFileSync(`${ws.db}-wal`, wal);
    fs.rmSync(`${ws.db}-shm`, { force: true });
    const r = asNobody(['runs', 'list']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^cellflow: .*cellflow\.db: cannot be read from a folder this process cannot write \(.*\): its last changes are in cellflow\.db-wal, which SQLite reads only with cellflow\.db-shm beside it/);
  });

  it('upgrades an older store when the user can write it, as a listing always did', () => {
    fs.mkdirSync(path.dirname(ws.db), { recursive: true });
    const raw = new BetterSqlite3(ws.db);
    raw.exec(MIGRATIONS[0].sql);
    raw.pragma('user_version = 1');
    raw.close();
    const r = cellflow(['runs', 'list', '--json'], ws.dir);
    assert.deepEqual([r.code, r.stdout], [0, '[]\n']);
    const after = new BetterSqlite3(ws.db, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    after.close();
  });
});
