import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../support/cli';
import { PYTHON } from '../support/store';

const PRELOAD = path.join(__dirname, 'rssOnExit.js');

/** numpy writes `rows` × `cols` normal values per side, the current side shifted a little. */
function makeCsvs(dir: string, rows: number, cols: number): void {
  const r = spawnSync(PYTHON, ['-c', `
import numpy as np
rng = np.random.default_rng(3)
header = ",".join(f"c{i}" for i in range(${cols}))
for name, shift in (("ref", 0.0), ("cur", 0.05)):
    np.savetxt("${dir}/" + name + ".csv", rng.normal(shift, 1, (${rows}, ${cols})), delimiter=",", fmt="%.6f", header=header, comments="")
`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

function cellflowDrift(dir: string, current = 'cur.csv'): { ms: number; rssMb: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', PRELOAD, CLI, 'drift', '--reference', 'ref.csv', '--current', current, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(r.stderr);
  return { ms, rssMb: Number(/cellflow-bench-maxrss-kb (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024 };
}

/** pandas read_csv of both files, then scipy's test per column as Evidently picks it (normed Wasserstein here). */
function pandasScipy(dir: string): { ms: number; readMs: number; testsMs: number; rssMb: number } {
  const t0 = performance.now();
  const r = spawnSync(PYTHON, ['-c', `
import json, resource, time
import numpy as np, pandas as pd
from scipy import stats
t0 = time.perf_counter()
ref, cur = pd.read_csv("${dir}/ref.csv"), pd.read_csv("${dir}/cur.csv")
t1 = time.perf_counter()
out = {c: stats.wasserstein_distance(ref[c].dropna(), cur[c].dropna()) / max(np.std(ref[c].dropna()), 0.001) for c in ref.columns}
t2 = time.perf_counter()
print(json.dumps({"read": (t1 - t0) * 1000, "tests": (t2 - t1) * 1000, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(r.stderr);
  const p = JSON.parse(r.stdout) as { read: number; tests: number; rss: number };
  return { ms, readMs: p.read, testsMs: p.tests, rssMb: p.rss / 1024 };
}

/**
 * `npm run bench -- --only drift`: cellflow drift end to end (read, test, report) beside pandas
 * read_csv plus scipy's tests on the same files, on a tall case and a wide one.
 */
export function benchDrift(): Record<string, unknown> {
  console.log('\nData drift (cellflow drift vs pandas read_csv + scipy, same CSV files, one run each)');
  const out: Record<string, unknown> = {};
  for (const [label, rows, cols, absTarget] of [['20 numeric columns, 1M rows each side', 1_000_000, 20, 3000], ['500 columns, 50k rows each side', 50_000, 500, undefined]] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-bench-drift-'));
    try {
      makeCsvs(dir, rows, cols);
      const ours = cellflowDrift(dir);
      // With a workspace store folder, the first report keeps the reference's profile; the second,
      // on new current data, reads only that.
      fs.mkdirSync(path.join(dir, '.cellflow'));
      const first = cellflowDrift(dir);
      fs.copyFileSync(path.join(dir, 'cur.csv'), path.join(dir, 'cur2.csv'));
      const recheck = cellflowDrift(dir, 'cur2.csv');
      const theirs = pandasScipy(dir);
      const speedup = theirs.ms / ours.ms;
      console.log(`  ${label}`);
      console.log(`    cellflow drift          ${ours.ms.toFixed(0).padStart(7)} ms   peak RSS ${ours.rssMb.toFixed(0)} MB${absTarget ? `   target < ${absTarget} ms ${ours.ms < absTarget ? 'PASS' : 'FAIL'}` : ''}`);
      console.log(`    pandas + scipy          ${theirs.ms.toFixed(0).padStart(7)} ms   (read ${theirs.readMs.toFixed(0)} ms, tests ${theirs.testsMs.toFixed(0)} ms)   peak RSS ${theirs.rssMb.toFixed(0)} MB`);
      console.log(`    speed-up                ${speedup.toFixed(2).padStart(7)}x    target >= 10x ${speedup >= 10 ? 'PASS' : 'FAIL'}`);
      const faster = first.ms / recheck.ms;
      console.log(`    first report, keeping the reference profile ${first.ms.toFixed(0)} ms; re-check on new data ${recheck.ms.toFixed(0)} ms (peak RSS ${recheck.rssMb.toFixed(0)} MB): ${faster.toFixed(2)}x   target >= 2x ${faster >= 2 ? 'PASS' : 'FAIL'}`);
      out[`${rows}x${cols}`] = { firstKeepingProfileMs: first.ms, recheckMs: recheck.ms, recheckRssMb: recheck.rssMb, recheckSpeedup: faster, cellflowMs: ours.ms, cellflowRssMb: ours.rssMb, pandasScipyMs: theirs.ms, pandasReadMs: theirs.readMs, scipyTestsMs: theirs.testsMs, pandasRssMb: theirs.rssMb, speedup };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
