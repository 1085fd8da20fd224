import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { exited, scratchWorkspace, spawnPython } from '../../support/store';
import { waitFor } from '../../support/waitFor';

const NODE_WRITER = path.join(__dirname, '..', '..', 'support', 'storeWriter.js');

/** A Python writer: one run, `count` metrics (0: until killed), flushed every `flush` metrics. */
const pythonWriter = (count: number, flush: number) => `
import itertools, cellflow
with cellflow.start_run(experiment="load", run_name="python") as run:
    print(run.id, flush=True)
    steps = itertools.count() if ${count} == 0 else range(${count})
    for step in steps:
        cellflow.log_metric("loss", 1 / (step + 1), step=step)
        if (step + 1) % ${flush} == 0:
            run.flush()
`;

const nodeWriter = (dir: string, count: number, batch: number) => spawn(process.execPath, [NODE_WRITER, dir, String(count), String(batch), 'load'], { stdio: ['ignore', 'pipe', 'pipe'] });

describe('the store under concurrent writers', function () {
  this.timeout(300_000);
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  it('loses nothing when 4 Python and 4 Node processes each log 10,000 metrics at once', async () => {
    // Created first, so that the eight race on writes rather than on who migrates.
    ws.open().close();
    const writers = [
      ...Array.from({ length: 4 }, () => spawnPython(pythonWriter(10_000, 100), ws.dir)),
      ...Array.from({ length: 4 }, () => nodeWriter(ws.dir, 10_000, 100)),
    ];
    const results = await Promise.all(writers.map(exited));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const db = new BetterSqlite3(ws.db, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const runs = db.prepare("SELECT r.id, r.name, r.status, (SELECT count(*) FROM metrics m WHERE m.run = r.rid) AS n, l.step FROM runs r JOIN latest_metrics l ON l.run = r.rid AND l.key = 'loss'").all() as Array<{ name: string; status: string; n: number; step: number }>;
      assert.equal(runs.length, 8);
      assert.equal(runs.filter((r) => r.name === 'python').length, 4);
      for (const r of runs) assert.deepEqual([r.status, r.n, r.step], ['FINISHED', 10_000, 9_999], r.name);
      assert.equal((db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n, 80_000);
    } finally {
      db.close();
    }
  });

  for (const kind of ['Python', 'Node'] as const) {
    it(`stays consistent when a ${kind} writer is killed mid-run, and shows that run as KILLED`, async () => {
      ws.open().close();
      const child = kind === 'Python' ? spawnPython(pythonWriter(0, 100), ws.dir) : nodeWriter(ws.dir, 0, 100);
      const gone = exited(child);
      const reader = new BetterSqlite3(ws.db, { readonly: true });
      const count = () => (reader.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n;
      try {
        await waitFor(() => count() >= 2_000, `the ${kind} writer to log 2,000 metrics`, 60_000);
      } finally {
        child.kill('SIGKILL');
        await gone;
        reader.close();
      }
      const store = ws.open();
      assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
      const [run] = store.searchRuns().runs;
      assert.equal(run.status, 'KILLED');
      const n = (store.db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n;
      assert.equal(n % 100, 0, `every batch is all or nothing (${n} metrics)`);
      assert.equal(run.metrics.loss, 1 / n, 'the latest value is the last one committed');
    });
  }
});
