import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../server/src/services/store/store';
import { cellflow } from '../support/cli';
import { writeNotebook, type CellSpec } from '../support/notebookFile';
import { PYTHON } from '../support/store';

/** prep (no params) → fa (uses A) and fb (uses B) → score (logs the metric). */
const CELLS: CellSpec[] = [
  'import cellflow',
  { source: 'A = 1\nB = 1', tags: ['parameters'] },
  'base = 10',
  'fa = base * A',
  'fb = base + B',
  'score = fa - fb\ncellflow.log_metric("score", score)',
];

type SweepTrial = { trial: number; params: Record<string, number>; status: string; steps: Record<string, string>; metric?: number; runId: string };
type SweepJson = { sweep: string; trials: SweepTrial[]; best: { trial: number; params: Record<string, number>; metric: number } | null };

describe('cellflow sweep: the pipeline once per trial, reusing what a trial leaves alone', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-sweep-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
    writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
    for (const [cell, id] of [[2, 'prep'], [3, 'fa'], [4, 'fb'], [5, 'score']] as const) assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a 3 x 3 grid runs 9 trials; only the steps that use a swept param run again; the best by the logged metric', () => {
    const r = cellflow(['sweep', 'p.cellflow.yaml', '--param', 'A=1,2,3', '--param', 'B=1:3:lin:3', '--metric', 'score', '--goal', 'max', '--python', PYTHON, '--json', '--log-progress'], dir, { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.slice(0, -1).map((l) => l.progress as { phase: string; trial: number; of: number; metric?: number });
    assert.deepEqual(progress.map((p) => `${p.phase} ${p.trial}/${p.of}`), Array.from({ length: 9 }, (_, i) => [`trial ${i + 1}/9`, `done ${i + 1}/9`]).flat(), 'a progress line as each trial starts and ends, before the report');
    assert.equal(progress[1].metric, -1);
    const out = lines[lines.length - 1] as unknown as SweepJson;
    assert.equal(out.trials.length, 9);
    assert.deepEqual(out.trials.map((t) => `${t.params.A},${t.params.B}`), ['1,1', '1,2', '1,3', '2,1', '2,2', '2,3', '3,1', '3,2', '3,3']);
    assert.ok(out.trials.every((t) => t.status === 'succeeded'));
    const ran = (step: string) => out.trials.filter((t) => t.steps[step] === 'ran').length;
    assert.deepEqual({ prep: ran('prep'), fa: ran('fa'), fb: ran('fb'), score: ran('score') }, { prep: 1, fa: 3, fb: 3, score: 9 });
    assert.deepEqual(out.trials.map((t) => t.metric), [-1, -2, -3, 9, 8, 7, 19, 18, 17]);
    assert.deepEqual(out.best && [out.best.trial, out.best.params, out.best.metric], [7, { A: 3, B: 1 }, 19]);
    const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
    try {
      const tagged = out.trials.map((t) => store.getRun(t.runId, 1).tags);
      assert.ok(tagged.every((tags, i) => tags['cellflow.sweep'] === out.sweep && tags['cellflow.trial'] === String(i + 1)), 'each trial is a run grouped under the sweep');
      assert.deepEqual(out.trials.map((t) => store.getRun(t.runId, 1).metrics.score), out.trials.map((t) => t.metric), 'each trial run carries the metric its steps logged, for Compare Runs');
      assert.deepEqual(out.trials.map((t) => Object.values(store.getRun(t.runId, 1).params).map(Number)), out.trials.map((t) => [t.params.A, t.params.B]), 'and its params');
    } finally {
      store.close();
    }
  });

  it('refuses a param the pipeline does not have and a malformed range, exiting 2', () => {
    const unknown = cellflow(['sweep', 'p.cellflow.yaml', '--param', 'C=1,2', '--python', PYTHON], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--param C: not a param of the pipeline \(params: A, B\)/);
    const range = cellflow(['sweep', 'p.cellflow.yaml', '--param', 'A=0:1:log', '--python', PYTHON], dir);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /a log range needs both ends above 0/);
  });
});
