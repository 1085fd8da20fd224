import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { writeNotebook, type CellSpec } from '../support/notebookFile';
import { PYTHON } from '../support/store';
import { finalStatuses, runJson, spawnRun as spawnRunIn, waitForNoProcess, type RunEvent } from '../support/runCli';

type Event = RunEvent;

/**
 * load → scale (param C) and other (independent) → result (waits for the file GATE names, so a test
 * can hold it running). Each code cell after the imports and params is a step.
 */
const CELLS: CellSpec[] = [
  'import os\nimport time\nimport numpy as np',
  { source: 'C = 1\nGATE = "."', tags: ['parameters'] },
  'base = np.arange(5)',
  'scaled = base * C',
  'other = base + 100',
  'while not os.path.exists(GATE):\n    time.sleep(0.05)\nresult = int(scaled.sum())\nimport cellflow\ncellflow.log_metric("result", result)',
];
const STEPS: Array<[number, string]> = [[2, 'load'], [3, 'scale'], [4, 'other'], [5, 'result']];

describe('cellflow run: the python executor, the cache and the store', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-run-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
    writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
    for (const [cell, id] of STEPS) promote(cell, id);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function promote(cell: number, id: string): void {
    const r = cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir);
    assert.equal(r.code, 0, r.stderr);
  }
  const run = (...args: string[]) => runJson(dir, 'p.cellflow.yaml', args);
  const final = finalStatuses;
  const spawnRun = (args: string[], step: string) => spawnRunIn(dir, 'p.cellflow.yaml', args, step);
  const runsList = () => JSON.parse(cellflow(['runs', 'list', '--json', '--limit', '1000'], dir).stdout) as Array<{ id: string; name: string; status: string; parentId: string | null; metrics: Record<string, number>; stepId: string | null; tags: Record<string, string> }>;

  it('runs every step, then reuses every step; runs, parents and metrics land in the store', () => {
    const first = run();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(final(first.events), { load: 'ran', scale: 'ran', other: 'ran', result: 'ran' });
    const pipeline = first.events.at(-1)!;
    assert.deepEqual([pipeline.event, pipeline.status], ['pipeline', 'succeeded']);
    const second = run();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(final(second.events), Object.fromEntries(STEPS.map(([, id]) => [id, 'reused'])));
    const runs = runsList();
    const steps = runs.filter((r) => r.tags['cellflow.kind'] === 'step');
    assert.equal(steps.length, 4, 'one run per executed step, none for the reused ones');
    assert.ok(steps.every((r) => r.parentId === pipeline.runId && r.status === 'FINISHED'));
    assert.deepEqual(steps.find((r) => r.stepId === 'result')!.metrics, { result: 10 }, 'log_metric in a step goes to its run');
    const reusedIn = runs.find((r) => r.id === second.events.at(-1)!.runId)!;
    assert.equal(reusedIn.tags['cellflow.reused.result'], steps.find((r) => r.stepId === 'result')!.id, 'the pipeline run names the run a reused step comes from');
  });

  it('a cell changed and re-promoted re-runs that step and what depends on it, nothing else', () => {
    assert.equal(run().code, 0);
    const cells = [...CELLS];
    cells[3] = 'scaled = base * C * 10';
    writeNotebook(path.join(dir, 'nb.ipynb'), cells);
    promote(3, 'scale');
    const again = run();
    assert.deepEqual(final(again.events), { load: 'reused', scale: 'ran', other: 'reused', result: 'ran' });
    assert.equal(again.events.find((e) => e.step === 'scale' && e.status === 'ran')!.reason, 'code changed');
    assert.equal(again.events.find((e) => e.step === 'result' && e.status === 'ran')!.reason, 'input scaled changed');
  });

  it('a changed param re-runs exactly the steps that use it; --dry-run says why without running', () => {
    assert.equal(run().code, 0);
    const dry = run('--param', 'C=2', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      Object.fromEntries(dry.events.filter((e) => e.event === 'step').map((e) => [e.step, [e.status, e.reason]])),
      { load: ['reused', 'unchanged since its last run'], scale: ['would-run', 'param C 1 → 2'], other: ['reused', 'unchanged since its last run'], result: ['would-run', 'upstream `scale` runs first'] },
    );
    const ran = run('--param', 'C=2');
    assert.deepEqual(final(ran.events), { load: 'reused', scale: 'ran', other: 'reused', result: 'ran' });
    assert.equal(runsList().find((r) => r.stepId === 'result' && r.metrics.result === 20)?.status, 'FINISHED');
  });

  it('a step that raises is FAILED with its traceback; --keep-going still runs the independent branch', () => {
    const cells = [...CELLS];
    cells[4] = 'other = base + 100\nraise ValueError("bad data in other")';
    writeNotebook(path.join(dir, 'nb.ipynb'), cells);
    promote(4, 'other');
    const stop = run('--jobs', '1');
    assert.equal(stop.code, 1);
    const failed = stop.events.find((e) => e.status === 'failed')!;
    assert.deepEqual([failed.step, failed.error], ['other', 'ValueError: bad data in other']);
    assert.equal(final(stop.events).result, 'skipped', 'without --keep-going nothing new starts');
    const human = cellflow(['run', 'p.cellflow.yaml', '--python', PYTHON, '--keep-going', '--jobs', '1'], dir, { timeoutMs: 120_000 });
    assert.equal(human.code, 1);
    assert.match(human.stdout, /✘ other v2 failed [\d.]+ s\n {2}ValueError: bad data in other\n(?: {2}\| .*\n)*? {2}\| +raise ValueError\("bad data in other"\)\n/);
    assert.match(human.stdout, /✔ result v1 ran/, 'result does not depend on other');
    assert.equal(runsList().filter((r) => r.stepId === 'other' && r.status === 'FAILED').length, 2);
  });

  it('runs independent steps at once with --jobs 2', () => {
    const r = run('--jobs', '2');
    const order = r.events.filter((e) => e.event === 'step' && (e.step === 'scale' || e.step === 'other')).map((e) => `${e.step}:${e.status}`);
    assert.deepEqual(order.slice(0, 2).sort(), ['other:started', 'scale:started'], `both start before either ends: ${order.join(', ')}`);
  });

  // How fast (the target: within a second) is measured by `npm run bench -- --only cancel`.
  it('stops a running step on Ctrl+C, exits 130 and records it cancelled', async () => {
    const { child, started, exited } = spawnRun(['--param', 'GATE=blocker'], 'result');
    await started;
    child.kill('SIGINT');
    const { code, events } = await exited;
    assert.equal(code, 130);
    assert.deepEqual(events.find((e) => e.step === 'result' && e.status !== 'started')?.status, 'cancelled');
    assert.deepEqual(events.at(-1)?.status, 'cancelled');
    const result = runsList().find((r) => r.stepId === 'result')!;
    assert.equal(result.status, 'KILLED');
  });

  it('a killed runner leaves the store consistent; the next run takes over its lock and redoes only what did not finish', async () => {
    const { child, started, exited } = spawnRun(['--param', 'GATE=blocker', '--jobs', '1'], 'result');
    await started;
    child.kill('SIGKILL');
    await exited;
    await waitForNoProcess(dir, '_harness.py', 'the step processes of the killed runner to end');
    const afterKill = runsList();
    assert.ok(afterKill.every((r) => r.status !== 'RUNNING'), `no run left RUNNING: ${afterKill.map((r) => `${r.name}:${r.status}`).join(', ')}`);
    assert.equal(afterKill.find((r) => r.stepId === 'result')!.status, 'KILLED');
    fs.writeFileSync(path.join(dir, 'blocker'), '');
    const next = run('--param', 'GATE=blocker');
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(final(next.events), { load: 'reused', scale: 'reused', other: 'reused', result: 'ran' });
  });

  it('refuses a concurrent run, an unknown step and a bad --param; a step file that no longer compiles fails its step', async () => {
    const { child, started, exited } = spawnRun(['--param', 'GATE=blocker'], 'result');
    await started;
    const concurrent = run();
    assert.equal(concurrent.code, 2);
    assert.match(concurrent.stderr, /^cellflow: p\.cellflow\.yaml is already running \(pid \d+, since .*\); wait for it, or cancel it first\n$/);
    child.kill('SIGINT');
    await exited;
    const unknown = run('--step', 'scal');
    assert.deepEqual([unknown.code, unknown.stderr], [2, 'cellflow: there is no step `scal` in the pipeline; did you mean `scale`? (steps: load, scale, other, result)\n']);
    const badParam = run('--param', 'D=1');
    assert.deepEqual([badParam.code, badParam.stderr], [2, 'cellflow: --param D: not a param of the pipeline (params: C, GATE)\n']);
    fs.appendFileSync(path.join(dir, 'steps', 'load.py'), '\ndef broken(:\n');
    const broken = run();
    assert.equal(broken.code, 1);
    assert.match(broken.events.find((e) => e.step === 'load' && e.status === 'failed')!.error!, /^SyntaxError: /);
  });

  it('cellflow gc removes artifacts no run refers to, and keeps those the cache uses', () => {
    assert.equal(run().code, 0);
    const artifacts = path.join(dir, '.cellflow', 'artifacts');
    const used = fs.readdirSync(artifacts).sort();
    fs.writeFileSync(path.join(artifacts, `${'0'.repeat(64)}.pkl`), 'left by a run that was never recorded');
    const dry = cellflow(['gc', '--dry-run', '--json'], dir);
    assert.deepEqual(JSON.parse(dry.stdout), { removed: [`${'0'.repeat(64)}.pkl`], kept: used.length, bytes: 37 });
    assert.ok(fs.existsSync(path.join(artifacts, `${'0'.repeat(64)}.pkl`)), 'a dry run removes nothing');
    assert.match(cellflow(['gc'], dir).stdout, /^Removed 1 artifact \(0\.0 MB\); kept \d+ that runs refer to\.\n$/);
    assert.deepEqual(fs.readdirSync(artifacts).sort(), used);
    assert.deepEqual(final(run().events), Object.fromEntries(STEPS.map(([, id]) => [id, 'reused'])), 'the cache still has what it needs');
  });
});

describe('cellflow run: files a step reads', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-files-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
    fs.writeFileSync(path.join(dir, 'data.csv'), 'a,b\n1,2\n3,4\n');
    writeNotebook(path.join(dir, 'nb.ipynb'), ['import pandas as pd', 'df = pd.read_csv("data.csv")\nwith open("out.txt", "w") as fh:\n    fh.write("x")', 'n = len(df)']);
    for (const [cell, id] of [[1, 'read'], [2, 'count']] as const) assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = () => {
    const r = cellflow(['run', 'p.cellflow.yaml', '--python', PYTHON, '--json'], dir, { timeoutMs: 60_000 });
    return { ...r, steps: Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event).filter((e) => e.event === 'step' && e.status !== 'started').map((e) => [e.step, [e.status, e.reason]])) };
  };

  it('promotion lists the literal paths a step reads; a changed file re-runs it and what depends on it', () => {
    assert.match(fs.readFileSync(path.join(dir, 'p.cellflow.yaml'), 'utf8'), /^ {4}files: \[data\.csv\]$/m, 'data.csv, not out.txt, which it writes');
    assert.deepEqual(run().steps, { read: ['ran', 'never ran'], count: ['ran', 'never ran'] });
    assert.deepEqual(run().steps, { read: ['reused', 'unchanged since its last run'], count: ['reused', 'unchanged since its last run'] });
    fs.appendFileSync(path.join(dir, 'data.csv'), '5,6\n');
    assert.deepEqual(run().steps, { read: ['ran', 'file data.csv changed'], count: ['ran', 'input df changed'] });
  });

  it('a workspace module a step imports inside its cells is part of its key', () => {
    // Beside the step files, where a step finds it (one beside the notebook is not on a step's path yet).
    fs.mkdirSync(path.join(dir, 'steps'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'steps', 'helpers.py'), 'def double(x):\n    return 2 * x\n');
    writeNotebook(path.join(dir, 'nb.ipynb'), ['import pandas as pd', 'df = pd.read_csv("data.csv")', 'from helpers import double\nn = double(len(df))']);
    assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', '2', '--step', 'count', '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
    assert.equal(run().code, 0);
    fs.writeFileSync(path.join(dir, 'steps', 'helpers.py'), 'def double(x):\n    return x + x\n');
    assert.deepEqual(run().steps, { read: ['reused', 'unchanged since its last run'], count: ['ran', 'module steps/helpers.py changed'] });
  });

  it('a file that is gone is a lint error, and the run refuses before starting anything', () => {
    fs.rmSync(path.join(dir, 'data.csv'));
    const lint = cellflow(['lint', 'p.cellflow.yaml'], dir);
    assert.match(lint.stdout, /error: `read` reads data\.csv, which does not exist; the step would fail when it runs\. \[missing-file\]/);
    const r = run();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the pipeline has 1 error; fix it first \(cellflow lint\): p\.cellflow\.yaml:\d+:\d+: `read` reads data\.csv, which does not exist/);
  });
});

describe('cellflow run: validation checks on outputs', function () {
  this.timeout(120_000);
  let dir: string;
  const CHECKS = ['    checks:', '      customers:', '        rows: {min: 2}', '        columns:', '          tenure: {type: float, nulls: 0, min: 0}', '          plan: {values: [basic, pro, max]}', '          id: {unique: true}'].join('\n');
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-checks-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function setUp(data: string, checks = CHECKS): void {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['import pandas as pd', `customers = pd.DataFrame(${data})`, 'n = len(customers)']);
    for (const [cell, id] of [[1, 'load'], [2, 'count']] as const) assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
    const file = path.join(dir, 'p.cellflow.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    writes: [customers]\n', `    writes: [customers]\n${checks}\n`));
  }
  const run = () => {
    const r = cellflow(['run', 'p.cellflow.yaml', '--python', PYTHON, '--json'], dir, { timeoutMs: 60_000 });
    return { ...r, events: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event) };
  };

  it('a failing check fails its step with the output, column and numbers, stops what depends on it, and is stored', () => {
    setUp('{"tenure": [1.0, None, 3.0], "plan": ["basic", "pro", "gold"], "id": [1, 2, 2]}');
    assert.equal(cellflow(['lint', 'p.cellflow.yaml'], dir).code, 0, 'the checks are valid pipeline YAML');
    const r = run();
    assert.equal(r.code, 1);
    const failed = r.events.find((e) => e.step === 'load' && e.status === 'failed')!;
    assert.equal(failed.error, "check failed: customers: tenure: 1 nulls (33.3%), allowed 0; customers: plan: values outside ['basic', 'max', 'pro']: gold; customers: id: 1 repeated values, none allowed");
    assert.equal(r.events.find((e) => e.step === 'count' && e.status !== 'started')!.status, 'skipped');
    const runs = JSON.parse(cellflow(['runs', 'list', '--json'], dir).stdout) as Array<{ stepId: string; status: string; tags: Record<string, string>; metrics: Record<string, number> }>;
    const load = runs.find((x) => x.stepId === 'load')!;
    assert.equal(load.status, 'FAILED');
    assert.deepEqual(load.metrics, { 'checks.passed': 3, 'checks.failed': 3 });
    const stored = JSON.parse(load.tags['cellflow.checks']) as Array<{ check: string; ok: boolean }>;
    assert.deepEqual(stored.filter((c) => !c.ok).map((c) => c.check), ['customers.tenure.nulls', 'customers.plan.values', 'customers.id.unique']);
  });

  it('passing checks let the step and what depends on it run; changed checks run it again', () => {
    setUp('{"tenure": [1.0, 2.0, 3.0], "plan": ["basic", "pro", "max"], "id": [1, 2, 3]}');
    const r = run();
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(r.events.filter((e) => e.event === 'step' && e.status !== 'started').map((e) => [e.step, e.status]), [['load', 'ran'], ['count', 'ran']]);
    const file = path.join(dir, 'p.cellflow.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('rows: {min: 2}', 'rows: {min: 5}'));
    const again = run();
    assert.equal(again.code, 1, 'the tighter check is evaluated, not skipped by the cache');
    assert.deepEqual([again.events.find((e) => e.step === 'load' && e.status === 'started')?.reason, again.events.find((e) => e.status === 'failed')?.error], ['checks changed', 'check failed: customers: 3 rows, at least 5 expected']);
  });

  it('lint reports checks of an output the step does not write, and a malformed check', () => {
    setUp('{"tenure": [1.0]}', ['    checks:', '      custmers:', '        rows: {min: two}'].join('\n'));
    const lint = cellflow(['lint', '--json', 'p.cellflow.yaml'], dir);
    const found = (JSON.parse(lint.stdout) as { files: Array<{ diagnostics: Array<{ code: string; message: string }> }> }).files[0].diagnostics.map((d) => [d.code, d.message]);
    assert.ok(found.some(([c, m]) => c === 'unknown-output' && m === '`checks` names `custmers`, which `load` does not write; did you mean `customers`?'), JSON.stringify(found));
    assert.ok(found.some(([c]) => c === 'wrong-type'), JSON.stringify(found));
  });
});
