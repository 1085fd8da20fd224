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
    let v = 0;
    for (let i = 1; i <= RUNS; i++) {
      const id = i.toString(16).padStart(32, '0');
      const step = `s${i % 20}`;
      const stepVersion = 1 + Math.floor(i / 5000);
      const cell = `sha256:${(i % 2000).toString(16).padStart(64, '0')}`;
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
      }
    }
  }).immediate();
  return { store, probe: `m@${VERSIONS / 2}` };
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
    let nodes = 0;
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      nodes = lineageOfRef(store, dir, probe).nodes.length;
      times.push(performance.now() - t);
    }
    store.close();
    const lineageMs = median(times);
    console.log(`  lineage of ${probe} (${nodes} nodes, both ways, from a store built in ${(built / 1000).toFixed(1)} s): median of 21 ${lineageMs.toFixed(2)} ms   target < ${TARGET_LINEAGE_MS} ms ${lineageMs < TARGET_LINEAGE_MS ? 'PASS' : 'FAIL'}`);
    // The example as npm start leaves it: the pipeline run, a drift report.
    spawnSync(process.execPath, [CLI, 'run', 'churn.cellflow.yaml', '--python', '/usr/bin/python3'], { cwd: examples.dir });
    const m: number[] = [];
    let level = -1;
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      level = assessWorkspace(examples.dir).level;
      m.push(performance.now() - t);
    }
    const maturityMs = median(m);
    console.log(`  maturity of the example workspace (level ${level}): median of 11 ${maturityMs.toFixed(1)} ms   target < ${TARGET_MATURITY_MS} ms ${maturityMs < TARGET_MATURITY_MS ? 'PASS' : 'FAIL'}`);
    return { lineageMs, lineageNodes: nodes, maturityMs, level, lineageSamplesMs: times, maturitySamplesMs: m };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    examples.cleanup();
  }
}
