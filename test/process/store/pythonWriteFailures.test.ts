import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { cellflow } from '../../support/cli';
import { assertExitedOk, PYTHON, PYTHON_PATH, python, scratchWorkspace } from '../../support/store';

/**
 * Writes of the Python client that fail (a lock held past the busy timeout, a full disk, a file over
 * the size limit) keep their metrics for the next flush, and a run that ends with metrics unwritten
 * never ends FINISHED. Real processes and files throughout: the lock is held by another process, and
 * the disk is a real tmpfs that fills up.
 */
/** Python: flush the active run, keeping what the flush said and how many metrics are still unwritten. */
const FLUSH_AND_REPORT = `out = {"id": run.id}
try:
    run.flush()
except cellflow.CellflowError as e:
    out["flush"] = str(e)
out["pending"] = run.unwritten
`;

describe('the Python client when a write fails', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  /** The script's last line of stdout, as JSON. */
  function outcome(r: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
    assertExitedOk(r);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  }

  function metricCount(file = ws.db): number {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      return db.prepare("SELECT count(*) FROM metrics WHERE key <> 'warm'").pluck().get() as number;
    } finally {
      db.close();
    }
  }

  /** A script that holds the store's write lock from another process (BEGIN IMMEDIATE) while it logs 500 metrics. */
  const lockedScript = (release: 'before the end' | 'after the end') => `
import json, subprocess, sys
import cellflow, cellflow._connection as connection
connection._BUSY_SECONDS = 0.3
run = cellflow.start_run(run_name="locked")
holder = subprocess.Popen([sys.executable, "-c", """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
c.execute("COMMIT")
""", connection.get_store().path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
assert holder.stdout.readline() == "locked\\n"
for i in range(500):
    cellflow.log_metric("loss", 1 / (i + 1), step=i)
${FLUSH_AND_REPORT}${release === 'before the end' ? 'holder.stdin.close(); holder.wait()' : ''}
try:
    cellflow.end_run()
except cellflow.CellflowError as e:
    out["end"] = str(e)
${release === 'after the end' ? 'holder.stdin.close(); holder.wait()' : ''}
print(json.dumps(out))
`;

  it('keeps a batch that a lock held past the busy timeout refused, and writes it once the lock is gone', () => {
    const out = outcome(python(lockedScript('before the end'), ws.dir));
    assert.equal(out.flush, `${ws.db} stayed locked by another writer for 0.3 s`);
    assert.equal(out.pending, 500, 'the batch stays in memory');
    assert.equal(out.end, undefined, 'the run ended without an error');
    assert.equal(metricCount(), 500);
    assert.equal(ws.open().getRun(out.id as string).status, 'FINISHED');
  });

  it('never ends a run FINISHED whose metrics a held lock kept out: it says how many, and the run shows as KILLED', () => {
    const out = outcome(python(lockedScript('after the end'), ws.dir));
    assert.equal(out.pending, 500);
    assert.equal(
      out.end,
      `run ${String(out.id)}: 500 metrics could not be written (${ws.db} stayed locked by another writer for 0.3 s); nor could the run be marked FAILED (${ws.db} stayed locked by another writer for 0.3 s): it shows as KILLED once this process is gone`,
    );
    assert.equal(metricCount(), 0);
    const r = cellflow(['runs', 'list', '--json'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).map((run: { status: string }) => run.status), ['KILLED']);
  });

  it('ends a run FAILED, tagged with the count, when its metrics cannot be written but its end can (a file size limit)', () => {
    // RLIMIT_FSIZE lets the write-ahead log grow by 32 KB: enough for the run's end, not for 999 long metrics.
    const out = outcome(
      python(
        `
import json, os, resource, signal
import cellflow, cellflow._connection as connection
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
run = cellflow.start_run(run_name="limited")
cellflow.log_metric("warm", 1.0)
run.flush()
store = connection.get_store()
store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
limit = os.path.getsize(store.path + "-wal") + 32768
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
for i in range(999):
    cellflow.log_metric("loss " + "x" * 200, 1.0 / (i + 1), step=i)
${FLUSH_AND_REPORT}try:
    with run:
        pass
except cellflow.CellflowError as e:
    out["end"] = str(e)
print(json.dumps(out))
`,
        ws.dir,
      ),
    );
    const failed = `${ws.db}: cannot be written: disk I/O error (the disk may be full, or the file over a size limit)`;
    assert.equal(out.flush, failed);
    assert.equal(out.pending, 999);
    assert.equal(out.end, `run ${String(out.id)}: 999 metrics could not be written (${failed}); the run ended FAILED, tagged cellflow.unwritten_metrics=999`);
    const run = ws.open().getRun(out.id as string);
    assert.deepEqual([run.status, run.tags, run.metrics], ['FAILED', { 'cellflow.unwritten_metrics': '999' }, { warm: 1 }]);
    assert.equal(metricCount(), 0);
  });

  it('says the disk is full when it is, keeps the batch, and writes it once there is room (a real tmpfs)', function (this: Mocha.Context) {
    // A tmpfs of 1 MB in a mount namespace of its own: it vanishes with the process, so the test copies
    // the store out before it goes. Needs root, or a system that lets users make mount namespaces.
    const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${JSON.stringify(ws.dir)}`], { encoding: 'utf8' });
    if (probe.status !== 0) this.skip();
    const disk = path.join(ws.dir, 'disk');
    const out = path.join(ws.dir, 'copied');
    fs.mkdirSync(disk);
    fs.mkdirSync(out);
    const script = `
import json, os
import cellflow
run = cellflow.start_run(run_name="full disk")
cellflow.log_metric("warm", 1.0)
run.flush()
# Fill the disk to the last block.
fd = os.open("filler", os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"\\0" * 4096)
except OSError:
    os.close(fd)
for i in range(999):
    cellflow.log_metric("loss", 1.0 / (i + 1), step=i)
${FLUSH_AND_REPORT}os.remove("filler")
cellflow.end_run()
out["after"] = run.unwritten
print(json.dumps(out))
`;
    const shell = `mount -t tmpfs -o size=1m tmpfs "$DISK" && cd "$DISK" && mkdir .git && "$PY" -c "$SCRIPT"; code=$?; cp -a .cellflow "$OUT"/; exit $code`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', shell], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DISK: disk, OUT: out, PY: PYTHON, SCRIPT: script, PYTHONPATH: PYTHON_PATH, PYTHONDONTWRITEBYTECODE: '1', CELLFLOW_WORKSPACE: disk },
    });
    const result = outcome({ code: r.status, stdout: r.stdout, stderr: r.stderr });
    const store = path.join(disk, '.cellflow', 'cellflow.db');
    // Before, a failed ROLLBACK replaced this with "cannot rollback - no transaction is active".
    assert.equal(result.flush, `${store}: cannot be written: the disk is full (database or disk is full). Free some space`);
    assert.deepEqual([result.pending, result.after], [999, 0]);
    const copy = path.join(out, '.cellflow', 'cellflow.db');
    assert.equal(metricCount(copy), 999);
    const db = new BetterSqlite3(copy, { readonly: true });
    try {
      assert.equal(db.prepare('SELECT status FROM runs').pluck().get(), 'FINISHED');
    } finally {
      db.close();
    }
  });

  it('refuses, at the call that passes it, a value SQLite cannot store, and the run goes on', () => {
    const out = outcome(
      python(
        `
import json
import cellflow
refused = []
with cellflow.start_run() as run:
    for call in (
        lambda: cellflow.log_metric("loss", 10 ** 400),
        lambda: cellflow.log_metrics({"loss": -10 ** 400}),
        lambda: cellflow.log_metric("loss", 1.0, step=2 ** 63),
        lambda: cellflow.log_metric("loss", 1.0, step=float("nan")),
        lambda: cellflow.log_metric("loss", 1.0, step=float("inf")),
        lambda: cellflow.log_metric("lo\\ud800ss", 1.0),
    ):
        try:
            call()
            refused.append(None)
        except cellflow.CellflowError as e:
            refused.append(str(e))
    for i in range(1500):
        cellflow.log_metric("loss", 1.0 / (i + 1), step=i)
print(json.dumps({"id": run.id, "refused": refused}))
`,
        ws.dir,
      ),
    );
    assert.deepEqual(out.refused, [
      'metric "loss": value must fit a 64-bit float, not an integer of 401 digits',
      'metric "loss": value must fit a 64-bit float, not an integer of 401 digits',
      'metric "loss": step must be a whole number from -2^63 to 2^63 - 1, not 9223372036854775808',
      'metric "loss": step must be a whole number from -2^63 to 2^63 - 1, not NaN',
      'metric "loss": step must be a whole number from -2^63 to 2^63 - 1, not Infinity',
      'a metric key must be valid Unicode text (no lone surrogates), not "lo\\ud800ss"',
    ]);
    assert.equal(metricCount(), 1500, 'nothing refused reached a batch, so every batch was written');
    assert.equal(ws.open().getRun(out.id as string).status, 'FINISHED');
  });
});
