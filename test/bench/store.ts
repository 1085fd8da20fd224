import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Store, type MetricInput } from '../../server/src/services/store/store';
import { PYTHON, PYTHON_PATH } from '../support/store';
import { median, ms, report, sample } from './stats';

const METRICS = 100_000;
const BATCH = 1_000;
const TARGET_RATIO = 0.5;
const TARGET_BATCH_MS = 5;
const TARGET_SEARCH_MS = 50;
const SEARCH_RUNS = 100_000;
const METRICS_PER_RUN = 10;
/** A long training run: 220,000 steps of 3 metrics (issue 10 saw `runs show` of one block and take 1 GB). */
const LONG_RUN_POINTS = 660_000;
const TARGET_DETAILS_MS = 1000;

const batchOf = (i: number): MetricInput[] => Array.from({ length: BATCH }, (_, j) => ({ key: `m${j % 10}`, value: Math.sin(i * BATCH + j), step: i * BATCH + j }));

/** Metrics per second of the plainest loop better-sqlite3 allows: one prepared INSERT, 1,000 rows per transaction. */
function rawRate(db: BetterSqlite3.Database, runId: string): number {
  const rid = (db.prepare('SELECT rid FROM runs WHERE id = ?').get(runId) as { rid: number }).rid;
  const insert = db.prepare('INSERT INTO metrics (run, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)');
  const batch = db.transaction((rows: MetricInput[], now: number) => {
    for (const m of rows) insert.run(rid, m.key, m.value, m.step, now);
  });
  const batches = Array.from({ length: METRICS / BATCH }, (_, i) => batchOf(i));
  const t0 = performance.now();
  for (const rows of batches) batch.immediate(rows, Date.now());
  return METRICS / ((performance.now() - t0) / 1000);
}

function nodeRate(store: Store, runId: string): number {
  const batches = Array.from({ length: METRICS / BATCH }, (_, i) => batchOf(i));
  const t0 = performance.now();
  for (const rows of batches) store.logMetrics(runId, rows);
  return METRICS / ((performance.now() - t0) / 1000);
}

/** The Python client as a training loop calls it: log_metric per value, batched by the client; timed in Python. */
function pythonRate(dir: string): number {
  const script = `
import time, math, cellflow
run = cellflow.start_run(run_name="bench")
t0 = time.perf_counter()
for i in range(${METRICS}):
    cellflow.log_metric("m%d" % (i % 10), math.sin(i), step=i)
run.flush()
print(${METRICS} / (time.perf_counter() - t0))
cellflow.end_run()
`;
  const r = spawnSync(PYTHON, ['-c', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, PYTHONPATH: PYTHON_PATH, CELLFLOW_WORKSPACE: dir, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`python bench failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** 100,000 runs with 3 params, a tag and 10 metric points each (1,000,000 metrics), written raw. */
export function seedSearch(store: Store): void {
  const db = store.db;
  const exp = store.experimentId('search');
  const run = db.prepare('INSERT INTO runs (rid, id, experiment_id, name, status, start_time, end_time) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const param = db.prepare('INSERT INTO params (run, key, value) VALUES (?, ?, ?)');
  const tag = db.prepare('INSERT INTO tags (run, key, value) VALUES (?, ?, ?)');
  const metric = db.prepare('INSERT INTO metrics (run, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)');
  const latest = db.prepare('INSERT INTO latest_metrics (run, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)');
  const lrs = ['0.1', '0.01', '0.001'];
  const models = ['logreg', 'forest', 'svm', 'boosting'];
  const teams = ['growth', 'risk', 'fraud', 'search', 'ads'];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  db.transaction(() => {
    for (let i = 0; i < SEARCH_RUNS; i++) {
      const rid = i + 1;
      run.run(rid, i.toString(16).padStart(32, '0'), exp, `run-${i}`, i % 50 === 0 ? 'FAILED' : 'FINISHED', 1_700_000_000_000 + i * 1000, 1_700_000_000_000 + i * 1000 + 500);
      param.run(rid, 'lr', lrs[i % 3]);
      param.run(rid, 'model', models[i % 4]);
      param.run(rid, 'depth', String(i % 12));
      tag.run(rid, 'team', teams[i % 5]);
      const acc = rand();
      const steps = METRICS_PER_RUN / 2;
      for (let s = 0; s < steps; s++) {
        metric.run(rid, 'acc', acc * (0.6 + 0.1 * s), s, 0);
        metric.run(rid, 'loss', (1 - acc) * (1.4 - 0.1 * s), s, 0);
      }
      latest.run(rid, 'acc', acc * (0.6 + 0.1 * (steps - 1)), steps - 1, 0);
      latest.run(rid, 'loss', (1 - acc) * (1.4 - 0.1 * (steps - 1)), steps - 1, 0);
    }
  }).immediate();
}

const SEARCHES: Array<{ label: string; filter: string; orderBy?: string; baseline: string }> = [
  {
    label: 'metric and param, by metric desc',
    filter: 'metrics.acc > 0.9 and params.lr = "0.01"',
    orderBy: 'metrics.acc desc',
    baseline: `SELECT r.id FROM runs r JOIN latest_metrics m ON m.run = r.rid AND m.key = 'acc' JOIN params p ON p.run = r.rid AND p.key = 'lr'
               WHERE m.value > 0.9 AND p.value = '0.01' ORDER BY m.value DESC LIMIT 100`,
  },
  {
    label: 'or, parentheses, in, status',
    filter: '(metrics.acc > 0.95 or metrics.loss < 0.05) and params.model in ("forest", "svm") and status = "FINISHED"',
    baseline: `SELECT r.id FROM runs r JOIN params p ON p.run = r.rid AND p.key = 'model'
               WHERE (EXISTS (SELECT 1 FROM latest_metrics WHERE run = r.rid AND key = 'acc' AND value > 0.95) OR EXISTS (SELECT 1 FROM latest_metrics WHERE run = r.rid AND key = 'loss' AND value < 0.05))
               AND p.value IN ('forest', 'svm') AND r.status = 'FINISHED' ORDER BY r.start_time DESC LIMIT 100`,
  },
  {
    label: 'tag like, numeric param, by param',
    filter: 'tags.team like "gr%" and params.depth >= 10 and metrics.loss < 0.2',
    orderBy: 'params.depth desc, metrics.loss',
    baseline: `SELECT r.id FROM runs r JOIN tags t ON t.run = r.rid AND t.key = 'team' JOIN params p ON p.run = r.rid AND p.key = 'depth' JOIN latest_metrics l ON l.run = r.rid AND l.key = 'loss'
               WHERE t.value GLOB 'gr*' AND CAST(p.value AS REAL) >= 10 AND l.value < 0.2 ORDER BY p.value DESC, l.value LIMIT 100`,
  },
];

/**
 * The details of one run with 660,000 metric points, as the Compare view asks for them (1,000 points
 * per metric), beside reading its whole history in SQL, which is what runDetails did before it thinned
 * the history as SQLite streams it.
 */
function benchLongRun(store: Store): Record<string, unknown> {
  const keys = ['loss', 'acc', 'lr'];
  const runId = store.startRun({ name: 'long' });
  for (let i = 0; i < LONG_RUN_POINTS; i += BATCH) {
    store.logMetrics(runId, Array.from({ length: BATCH }, (_, j) => ({ key: keys[(i + j) % 3], value: Math.sin(i + j), step: Math.floor((i + j) / 3) })));
  }
  const rid = (store.db.prepare('SELECT rid FROM runs WHERE id = ?').get(runId) as { rid: number }).rid;
  console.log(`
One run with ${LONG_RUN_POINTS.toLocaleString('en')} metric points (3 metrics), median of 5`);
  const detailsMs = median(sample(() => store.runDetails([runId], 1000), 5, 1));
  const whole = store.db.prepare('SELECT key, value, step, timestamp FROM metrics WHERE run = ? ORDER BY key, step, timestamp').raw(true);
  const wholeMs = median(sample(() => whole.all(rid), 3, 1));
  console.log(report('run details, 1,000 points per metric', detailsMs, { target: TARGET_DETAILS_MS, baseline: { label: 'whole history in SQL', value: wholeMs } }));
  store.close();
  return { points: LONG_RUN_POINTS, medianMs: detailsMs, wholeHistoryMs: wholeMs, targetMs: TARGET_DETAILS_MS };
}

/**
 * Metric logging throughput of the Node API and the Python client against a raw better-sqlite3 loop
 * into the same schema, the latency of one 1,000-metric batch, and filtered searches over 100,000 runs
 * with 1,000,000 metrics beside hand-written SQL for the same question.
 */
export function benchStore(): Record<string, unknown> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-bench-store-')));
  const out: Record<string, unknown> = {};
  try {
    console.log(`\nExperiment store: logging ${METRICS.toLocaleString('en')} metrics (batches of ${BATCH}), each writer into a fresh store file`);
    const fresh = (name: string) => new Store(path.join(dir, `${name}.db`), dir);
    // Interleaved rounds, so that drift in the machine's speed hits every writer alike.
    const rates: Record<'raw' | 'node' | 'python', number[]> = { raw: [], node: [], python: [] };
    for (let round = 0; round < 3; round++) {
      const raw = fresh(`raw${round}`);
      rates.raw.push(rawRate(raw.db, raw.startRun()));
      raw.close();
      const node = fresh(`node${round}`);
      rates.node.push(nodeRate(node, node.startRun()));
      node.close();
      const pyDir = path.join(dir, `py${round}`);
      fs.mkdirSync(pyDir);
      rates.python.push(pythonRate(pyDir));
    }
    const raw = median(rates.raw);
    const rate = (label: string, value: number) => {
      const ratio = value / raw;
      console.log(`  ${label.padEnd(44)}${Math.round(value).toLocaleString('en').padStart(9)} metrics/s   ${ratio.toFixed(2)}x raw   target >= ${TARGET_RATIO}x ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`);
      return ratio;
    };
    console.log(`  ${'raw better-sqlite3 insert loop (baseline)'.padEnd(44)}${Math.round(raw).toLocaleString('en').padStart(9)} metrics/s`);
    const nodeRatio = rate('Node API Store.logMetrics', median(rates.node));
    const pythonRatio = rate('Python client log_metric (stdlib sqlite3)', median(rates.python));
    out.throughput = { metrics: METRICS, batch: BATCH, rawPerSec: raw, nodePerSec: median(rates.node), pythonPerSec: median(rates.python), nodeRatio, pythonRatio, targetRatio: TARGET_RATIO, samples: rates };

    const store = fresh('batch');
    const runId = store.startRun();
    let i = 0;
    const batchMs = median(sample(() => store.logMetrics(runId, batchOf(i++)), 50, 5));
    const rid = (store.db.prepare('SELECT rid FROM runs WHERE id = ?').get(runId) as { rid: number }).rid;
    const insert = store.db.prepare('INSERT INTO metrics (run, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)');
    const rawBatch = store.db.transaction((rows: MetricInput[]) => {
      const now = Date.now();
      for (const m of rows) insert.run(rid, m.key, m.value, m.step, now);
    });
    const rawBatchMs = median(sample(() => rawBatch.immediate(batchOf(i++)), 50, 5));
    console.log(report('one batch of 1,000 metrics (Node API)', batchMs, { target: TARGET_BATCH_MS, baseline: { label: 'raw batch', value: rawBatchMs } }));
    store.close();
    out.batch = { medianMs: batchMs, rawMedianMs: rawBatchMs, targetMs: TARGET_BATCH_MS };

    let search = fresh('search');
    const t0 = performance.now();
    seedSearch(search);
    // Searched in a later session, as a user would: a fresh connection with a cold statement cache.
    search.close();
    search = fresh('search');
    const counts = search.db.prepare('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM metrics) AS metrics').get() as { runs: number; metrics: number };
    console.log(`\nRun search over ${counts.runs.toLocaleString('en')} runs with ${counts.metrics.toLocaleString('en')} metrics (seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s); first page of 100, median of 15`);
    const searches: unknown[] = [];
    for (const q of SEARCHES) {
      let found = 0;
      const oursMs = median(sample(() => (found = search.searchRuns({ filter: q.filter, orderBy: q.orderBy, limit: 100 }).runs.length)));
      const baseline = search.db.prepare(q.baseline);
      const baseMs = median(sample(() => baseline.all()));
      console.log(report(q.label, oursMs, { target: TARGET_SEARCH_MS, baseline: { label: 'hand-written SQL', value: baseMs } }));
      console.log(`    ${q.filter}${q.orderBy ? `  order by ${q.orderBy}` : ''}  (${found} on the page; SQL alone ${ms(baseMs).trim()})`);
      searches.push({ ...q, medianMs: oursMs, baselineMs: baseMs, targetMs: TARGET_SEARCH_MS, page: found });
    }
    search.close();
    out.search = { runs: counts.runs, metrics: counts.metrics, queries: searches };
    out.longRun = benchLongRun(fresh('long'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
