import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineageOfRef } from '../../server/src/cli/lineageCommand';
import { assessWorkspace } from '../../server/src/cli/maturityCommand';
import { Store } from '../../server/src/services/store/store';
import { CLI } from '../support/cli';
import { scratchExamples } from '../support/workspace';
import { median } from './stats';

const RUNS = 100_000;
const VERSIONS = 10_000;
const TARGET_LINEAGE_MS = 20;
const TARGET_MATURITY_MS = 200;

/**
 * A store as a busy team's would be after a year: 100,000 step runs (pipeline runs of 20 steps) with their
 * lineage (cell → step version → run, artifacts between steps), every tenth run registering one
 * of 10,000 model versions, with drift reports and benchmarks on some.
 */
function bigStore(dir: string): { store: Store; probe: string } {
  const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
  const db = store.db;
  db.transaction(() => {
    db.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'pipeline', 0)").run();
    db.prepare("INSERT INTO registered_models (name, created_at) VALUES ('m', 0)").run();
    const run = db.prepare("INSERT INTO runs (rid, id, experiment_id, name, status, start_time, end_time, pipeline, step_id, step_version, cell_hash) VALUES (?, ?, 1, ?, 'FINISHED', ?, ?, 'p.cellflow.yaml', ?, ?, ?)");
    const link = db.prepare('INSERT OR IGNORE INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, 0)');
    const version = db.prepare("INSERT INTO model_versions (model_name, version, run, artifact_path, created_at) VALUES ('m', ?, ?, 'models/m.pkl', ?)");
    const drift = db.prepare("INSERT INTO drift_reports (id, created_at, model_name, model_version, reference, reference_sha256, current, current_sha256, drifted, share, report) VALUES (?, ?, 'm', ?, 'r', 'sha256:r', 'c', 'sha256:c', ?, 0.1, '{}')");
    const bench = db.prepare("INSERT INTO benchmarks (id, created_at, model_name, model_version, model_path, model_sha256, environment_key, report) VALUES (?, ?, 'm', ?, 'models/m.onnx', 'sha256:m', 'cpu', ?)");
    // What benchmarkNode reads of a report: its first result and its regressions.
    const report = (p50Ms: number, regressed: boolean) => JSON.stringify({ results: [{ ep: 'cpu', batch: 1, p50Ms }], regressions: regressed ? [{ ep: 'cpu', batch: 1, metric: 'p50Ms' }] : [] });
    let v = 0;
    for (let i = 1; i <= RUNS; i++) {
      const id = i.toString(16).padStart(32, '0');
      const step = `s${i % 20}`;
      const stepVersion = 1 + Math.floor(i / 5000);
      // A step version is promoted from one cell: its hash follows the step and the version.
      const cell = `sha256:${((i % 20) * 1000 + stepVersion).toString(16).padStart(64, '0')}`;
      run.run(i, id, step, i, i + 1, step, stepVersion, cell);
      const sv = `p.cellflow.yaml#${step}@${stepVersion}`;
      link.run('cell-hash', cell, 'step-version', sv, 'promoted');
      link.run('step-version', sv, 'run', id, 'ran');
      // Pipeline runs of 20 steps, each step reading the one before's output.
      if (i % 20 !== 1) link.run('artifact', `sha256:out${i - 1}`, 'run', id, 'input:x');
      link.run('run', id, 'artifact', `sha256:out${i}`, 'output:x');
      if (i % 10 === 0 && v < VERSIONS) {
        v++;
        version.run(v, i, i);
        link.run('run', id, 'model-version', `m@${v}`, 'produced');
        if (v % 3 === 0) {
          drift.run(`d${v}`, i, v, v % 2);
          link.run('model-version', `m@${v}`, 'drift-report', `d${v}`, 'checked-by');
        }
        if (v % 2 === 1) {
          // Two benchmarks on every other version, the second slower.
          for (const [k, p50] of [[0, 0.5], [1, 0.6]] as const) {
            bench.run(`b${v}-${k}`, i + k, v, report(p50, k === 1));
            link.run('model-version', `m@${v}`, 'benchmark', `b${v}-${k}`, 'benchmarked-by');
          }
        }
      }
    }
  }).immediate();
  // A version with a drift report and benchmarks (a multiple of 3, odd).
  return { store, probe: `m@${VERSIONS / 2 + 1}` };
}

/** `npm run bench -- --only lineage`: lineage of a version in a big store; maturity of the example workspace. */
export function benchLineage(): Record<string, unknown> {
  console.log(`\nLineage and maturity (a store of ${RUNS.toLocaleString('en-US')} runs and ${VERSIONS.toLocaleString('en-US')} versions; the example workspace)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-bench-lineage-'));
  const examples = scratchExamples({ promoted: true });
  try {
    const t0 = performance.now();
    const { store, probe } = bigStore(dir);
    const built = performance.now() - t0;
    const times: number[] = [];
    let kinds: Record<string, number> = {};
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const graph = lineageOfRef(store, dir, probe);
      times.push(performance.now() - t);
      kinds = {};
      for (const n of graph.nodes) kinds[n.kind] = (kinds[n.kind] ?? 0) + 1;
    }
    const nodes = Object.values(kinds).reduce((a, b) => a + b, 0);
    // m@5001 came from run 50,010, the tenth step of the pipeline run that began at run 50,001: all ten
    // runs and their cells, its two benchmarks and its drift report.
    const want = { run: 10, 'cell-hash': 10, benchmark: 2, 'drift-report': 1 };
    if (Object.entries(want).some(([k, n]) => kinds[k] !== n)) throw new Error(`the lineage of ${probe} is not the whole chain: ${JSON.stringify(kinds)}, want ${JSON.stringify(want)}`);
    // Not a target: downstream from a busy cell (the first step's, version 6: 250 pipeline runs start
    // from it), everything those runs led to.
    const cellRef = `sha256:${(1000 + 6).toString(16).padStart(64, '0')}`;
    const cellTimes: number[] = [];
    let cellNodes = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      cellNodes = lineageOfRef(store, dir, cellRef).nodes.length;
      cellTimes.push(performance.now() - t);
    }
    store.close();
    const lineageMs = median(times);
    console.log(`  lineage of ${probe} (${nodes} nodes: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}; both ways, from a store built in ${(built / 1000).toFixed(1)} s): median of 21 ${lineageMs.toFixed(2)} ms   target < ${TARGET_LINEAGE_MS} ms ${lineageMs < TARGET_LINEAGE_MS ? 'PASS' : 'FAIL'}`);
    console.log(`  (downstream of a busy cell: ${cellNodes.toLocaleString('en-US')} nodes, median of 5 ${median(cellTimes).toFixed(0)} ms; not a target)`);
    // The example as npm start leaves it: the pipeline run, a drift report.
    for (const args of [['run', 'churn.cellflow.yaml'], ['drift', '--reference', 'churn-model@1', '--current', 'data/customers_recent.csv', '--save']]) {
      const r = spawnSync(process.execPath, [CLI, ...args, '--python', '/usr/bin/python3'], { cwd: examples.dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cellflow ${args.join(' ')} failed in the example (${r.status}):\n${r.stderr}`);
    }
    const m: number[] = [];
    let level = -1;
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      level = assessWorkspace(examples.dir).level;
      m.push(performance.now() - t);
    }
    const maturityMs = median(m);
    console.log(`  maturity of the example workspace (level ${level}): median of 11 ${maturityMs.toFixed(1)} ms   target < ${TARGET_MATURITY_MS} ms ${maturityMs < TARGET_MATURITY_MS ? 'PASS' : 'FAIL'}`);
    return { lineageMs, lineageNodes: nodes, lineageKinds: kinds, busyCellMs: median(cellTimes), busyCellNodes: cellNodes, maturityMs, level, lineageSamplesMs: times, maturitySamplesMs: m };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    examples.cleanup();
  }
}
