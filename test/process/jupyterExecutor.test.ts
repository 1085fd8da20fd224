import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { writeNotebook, type CellSpec } from '../support/notebookFile';
import { finalStatuses, runJson, spawnRun, waitForNoProcess } from '../support/runCli';
import { scratchExamples } from '../support/workspace';

/**
 * first → second (both call a workspace module that remembers its calls, and log the kernel's pid);
 * wait (holds until the file GATE names exists); boom (raises unless OK). On a real Jupyter server
 * that Cellflow starts (jupyter-server 1.23, ipykernel), one kernel for the run.
 */
const CELLS: CellSpec[] = [
  'import os\nimport time\nimport counter\nimport cellflow',
  { source: 'GATE = "."\nDIE = 0\nOK = 1', tags: ['parameters'] },
  'first_calls = counter.record("first")\nfirst_pid = os.getpid()',
  'second_calls = counter.record("second")\nsame_kernel = int(first_pid == os.getpid())\nif DIE:\n    os._exit(3)\ncellflow.log_metric("calls_seen", len(second_calls))\ncellflow.log_metric("same_kernel", same_kernel)',
  'while not os.path.exists(GATE):\n    time.sleep(0.05)\nwaited = 1',
  'if not OK:\n    raise ValueError("boom in the kernel")\nboomed = 0',
];
const STEPS: Array<[number, string]> = [[2, 'first'], [3, 'second'], [4, 'wait'], [5, 'boom']];
const JUPYTER = ['--executor', 'jupyter'];

describe('cellflow run --executor jupyter: a real kernel for the run', function () {
  this.timeout(240_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-jupyter-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
    fs.mkdirSync(path.join(dir, 'steps'));
    fs.writeFileSync(path.join(dir, 'steps', 'counter.py'), 'calls = []\n\n\ndef record(name):\n    calls.append(name)\n    return list(calls)\n');
    writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
    for (const [cell, id] of STEPS) assert.equal(cellflow(['promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml'], dir).code, 0);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => runJson(dir, 'p.cellflow.yaml', [...JUPYTER, ...args]);
  const runs = () => JSON.parse(cellflow(['runs', 'list', '--json', '--limit', '1000'], dir).stdout) as Array<{ id: string; stepId: string | null; status: string; metrics: Record<string, number>; tags: Record<string, string> }>;

  it('runs the steps in one kernel, each in a fresh namespace; the second run reuses every step and starts no server', async () => {
    const first = run();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(finalStatuses(first.events), { first: 'ran', second: 'ran', wait: 'ran', boom: 'ran' });
    assert.equal(first.stderr, '', 'nothing from the Jupyter client on the terminal');
    const second = runs().find((r) => r.stepId === 'second')!;
    assert.deepEqual(second.metrics, { calls_seen: 1, same_kernel: 1 }, 'the same kernel ran both steps, and the workspace module `first` imported was not left to `second`');
    const again = run();
    assert.deepEqual(finalStatuses(again.events), { first: 'reused', second: 'reused', wait: 'reused', boom: 'reused' });
    await waitForNoProcess(dir, '_serve_jupyter.py', 'the Jupyter server of the run to stop');
  });

  it('a step that raises in the kernel is FAILED with its traceback in the log; --keep-going runs the rest', () => {
    const r = run('--param', 'OK=0', '--keep-going', '--jobs', '1');
    assert.equal(r.code, 1);
    const failed = r.events.find((e) => e.status === 'failed')!;
    assert.deepEqual([failed.step, failed.error], ['boom', 'ValueError: boom in the kernel']);
    assert.match(fs.readFileSync(path.join(dir, failed.log!), 'utf8'), /Traceback \(most recent call last\):[\s\S]*raise ValueError\("boom in the kernel"\)\nValueError: boom in the kernel/);
    assert.deepEqual(finalStatuses(r.events), { first: 'ran', second: 'ran', wait: 'ran', boom: 'failed' });
  });

  it('a kernel that dies fails its step with a clear message, and the run goes on to what does not depend on it', () => {
    const r = run('--param', 'DIE=1', '--keep-going');
    assert.equal(r.code, 1, r.stderr);
    const died = r.events.find((e) => e.step === 'second' && e.status === 'failed')!;
    assert.match(died.error!, /^the Jupyter kernel died while the step ran/);
    assert.equal(finalStatuses(r.events).boom, 'ran', 'the restarted kernel runs the next steps');
    assert.equal(runs().find((x) => x.stepId === 'second')!.status, 'FAILED');
  });

  // How fast (the target: within a second) is measured by `npm run bench -- --only cancel`.
  it('Ctrl+C interrupts the kernel: the step is cancelled, the run exits 130, the server stops', async () => {
    const { child, started, exited } = spawnRun(dir, 'p.cellflow.yaml', [...JUPYTER, '--param', 'GATE=blocker'], 'wait');
    await started;
    child.kill('SIGINT');
    const { code, events } = await exited;
    assert.equal(code, 130);
    const cancelled = events.find((e) => e.step === 'wait' && e.status === 'cancelled');
    assert.ok(cancelled, JSON.stringify(events));
    assert.equal(runs().find((r) => r.stepId === 'wait')!.status, 'KILLED');
    await waitForNoProcess(dir, '_serve_jupyter.py', 'the Jupyter server to stop');
  });

  it('a runner killed outright leaves no server or kernel behind', async () => {
    const { child, started, exited } = spawnRun(dir, 'p.cellflow.yaml', [...JUPYTER, '--param', 'GATE=blocker'], 'wait');
    await started;
    child.kill('SIGKILL');
    await exited;
    await waitForNoProcess(dir, '_serve_jupyter.py', 'the orphaned Jupyter server to stop itself');
    await waitForNoProcess(dir, 'ipykernel_launcher', 'its kernel to stop');
  });
});

describe('the example pipeline on the jupyter executor', function () {
  this.timeout(240_000);
  it('runs end to end with its checks passing, then reuses every step', () => {
    const { dir, cleanup } = scratchExamples({ promoted: true });
    try {
      const first = runJson(dir, 'churn.cellflow.yaml', JUPYTER);
      assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
      assert.deepEqual(finalStatuses(first.events), { load: 'ran', clean: 'ran', split: 'ran', train: 'ran', evaluate: 'ran' });
      const second = runJson(dir, 'churn.cellflow.yaml', JUPYTER);
      assert.deepEqual(finalStatuses(second.events), { load: 'reused', clean: 'reused', split: 'reused', train: 'reused', evaluate: 'reused' });
    } finally {
      cleanup();
    }
  });
});
