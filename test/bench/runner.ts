import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotebookAnalyzer } from '../../server/src/core/notebook/analysis';
import { loadNotebookFile } from '../../server/src/io/files';
import { promoteOnDisk } from '../../server/src/io/promoteOnDisk';
import { pythonParser } from '../../server/src/io/pythonParser';
import { hashFile } from '../../server/src/services/runner/fileDigests';
import { CLI } from '../support/cli';
import { writeNotebook } from '../support/notebookFile';
import { PYTHON } from '../support/store';
import { median } from './stats';

const RUNS = 5;

/** A scratch workspace whose notebook has `cells`, each promoted as a step of its own. */
export async function workspace(cells: string[], setUp?: (dir: string) => void): Promise<{ dir: string; steps: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-bench-run-'));
  fs.mkdirSync(path.join(dir, '.cellflow'));
  setUp?.(dir);
  writeNotebook(path.join(dir, 'nb.ipynb'), cells);
  const analyzer = new NotebookAnalyzer(await pythonParser());
  const steps: string[] = [];
  for (let i = 0; i < cells.length; i++) {
    const nb = loadNotebookFile(path.join(dir, 'nb.ipynb'));
    const r = promoteOnDisk({ notebook: nb, notebookPath: path.join(dir, 'nb.ipynb'), cells: [i], stepId: `s${i}`, pipelinePath: path.join(dir, 'p.cellflow.yaml'), workspaceRoot: dir }, analyzer);
    steps.push(r.step.code);
  }
  return { dir, steps };
}

function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(args[0], args.slice(1), { cwd, env, encoding: 'utf8' });
  const took = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return took;
}

const cellflowRun = (dir: string, ...extra: string[]) => timed([process.execPath, CLI, 'run', 'p.cellflow.yaml', '--python', PYTHON, ...extra], dir);

/**
 * `npm run bench -- --only run`: the python executor's overhead per step against the same step files
 * run by hand, parallel independent steps, and a no-op re-run over a gigabyte of files beside a full
 * hash of them, and the jupyter executor's warm kernel against a process a step.
 */
export async function benchRunner(): Promise<Record<string, unknown>> {
  console.log('\nRunning pipelines (/usr/bin/python3), median of runs');
  const out: Record<string, unknown> = {};

  // 1. Per-step overhead: 10 chained steps, each a small computation on the last one's output.
  const chain = await workspace(['import numpy as np\nx0 = np.zeros(10)', ...Array.from({ length: 9 }, (_, i) => `x${i + 1} = x${i} + 1`)]);
  const data = path.join(chain.dir, 'by-hand');
  const byHand = median(Array.from({ length: RUNS }, () => chain.steps.reduce((t, code) => t + timed([PYTHON, code], chain.dir, { ...process.env, CELLFLOW_DATA_DIR: data }), 0)));
  const fixed = median(Array.from({ length: RUNS }, () => cellflowRun(chain.dir, '--dry-run')));
  const forced = median(Array.from({ length: RUNS }, () => cellflowRun(chain.dir, '--force', '--jobs', '1')));
  const perStep = (forced - fixed) / chain.steps.length;
  const perStepHand = byHand / chain.steps.length;
  console.log(`  10 steps by hand (python3 steps/<id>.py)  ${byHand.toFixed(0).padStart(7)} ms   ${perStepHand.toFixed(0)} ms a step (baseline)`);
  console.log(`  cellflow run --force --jobs 1              ${forced.toFixed(0).padStart(7)} ms   of which ${fixed.toFixed(0)} ms start-up (lint, parser, interpreter probe, store; as --dry-run)`);
  console.log(`  per step, start-up aside                   ${perStep.toFixed(0).padStart(7)} ms   ${(perStep / perStepHand).toFixed(2)}x by hand   target <= 1.2x ${perStep / perStepHand <= 1.2 ? 'PASS' : 'FAIL'}`);
  out.perStep = { byHandMs: byHand, runMs: forced, startupMs: fixed, perStepMs: perStep, perStepByHandMs: perStepHand, ratio: perStep / perStepHand };
  fs.rmSync(chain.dir, { recursive: true, force: true });

  // 2. Four independent 1-s steps on two jobs: two rounds of one second, plus start-up.
  const wide = await workspace(['import time', ...Array.from({ length: 4 }, (_, i) => `time.sleep(1)\nw${i} = ${i}`)]);
  cellflowRun(wide.dir);
  const parallel = median(Array.from({ length: 3 }, () => cellflowRun(wide.dir, '--force', '--jobs', '2')));
  console.log(`  4 independent 1-s steps, --jobs 2          ${parallel.toFixed(0).padStart(7)} ms   target < 2500 ms ${parallel < 2500 ? 'PASS' : 'FAIL'}   (4,000 ms one at a time)`);
  out.parallel = { ms: parallel, targetMs: 2500 };
  fs.rmSync(wide.dir, { recursive: true, force: true });

  // 3. A no-op re-run of 50 steps whose `files:` hold 1 GB: stat, not read.
  const FILES = 50;
  const SIZE = 20 * 1024 * 1024;
  const big = await workspace(
    Array.from({ length: FILES }, (_, i) => `with open("data/f${i}.bin", "rb") as fh:\n    v${i} = fh.read(1)`),
    (dir) => {
      fs.mkdirSync(path.join(dir, 'data'));
      const block = Buffer.alloc(SIZE);
      for (let i = 0; i < FILES; i++) {
        block.writeUInt32LE(i, 0);
        fs.writeFileSync(path.join(dir, 'data', `f${i}.bin`), block);
      }
    },
  );
  const firstRun = cellflowRun(big.dir);
  const noop = median(Array.from({ length: RUNS }, () => cellflowRun(big.dir)));
  const t0 = performance.now();
  for (let i = 0; i < FILES; i++) hashFile(path.join(big.dir, 'data', `f${i}.bin`));
  const fullHash = performance.now() - t0;
  console.log(`  50 steps over 1 GB of files: first run     ${firstRun.toFixed(0).padStart(7)} ms   (runs all, hashes the files once)`);
  console.log(`  no-op re-run                               ${noop.toFixed(0).padStart(7)} ms   target < 1000 ms ${noop < 1000 ? 'PASS' : 'FAIL'}   ${(noop / fullHash).toFixed(2)}x a full hash of the files (${fullHash.toFixed(0)} ms)`);
  out.noop = { firstRunMs: firstRun, noopMs: noop, fullHashMs: fullHash, targetMs: 1000, bytes: FILES * SIZE };
  fs.rmSync(big.dir, { recursive: true, force: true });

  // 4. Ten chained steps that import pandas and scikit-learn: a process each, against one warm kernel
  // (the kernel's start-up and the Jupyter server's are inside its time).
  const fit = (i: number) => `s${i} = ${i === 0 ? '0' : `s${i - 1} + 1`}\nm${i} = LogisticRegression().fit(pd.DataFrame({"a": range(100)}), [j % 2 for j in range(100)])`;
  const heavy = await workspace(['import pandas as pd\nfrom sklearn.linear_model import LogisticRegression', ...Array.from({ length: 10 }, (_, i) => fit(i))]);
  cellflowRun(heavy.dir);
  const onPython = median(Array.from({ length: 3 }, () => cellflowRun(heavy.dir, '--force')));
  const onJupyter = median(Array.from({ length: 3 }, () => cellflowRun(heavy.dir, '--force', '--executor', 'jupyter')));
  const speedup = onPython / onJupyter;
  console.log(`  10 pandas + scikit-learn steps, python     ${onPython.toFixed(0).padStart(7)} ms   (a process each, importing both)`);
  console.log(`  the same on the jupyter executor           ${onJupyter.toFixed(0).padStart(7)} ms   ${speedup.toFixed(2)}x faster   target >= 2x ${speedup >= 2 ? 'PASS' : 'FAIL'}   (server and kernel start-up included)`);
  out.jupyter = { pythonMs: onPython, jupyterMs: onJupyter, speedup, target: 2 };
  fs.rmSync(heavy.dir, { recursive: true, force: true });
  return out;
}
