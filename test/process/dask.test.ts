import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../server/src/services/store/store';
import { cellflow } from '../support/cli';
import { writeNotebook, type CellSpec } from '../support/notebookFile';
import { finalStatuses, runJson, spawnRun } from '../support/runCli';
import { PYTHON } from '../support/store';
import { waitFor } from '../support/waitFor';
import { scratchExamples } from '../support/workspace';

/**
 * load → left and right (independent, a second each) → total (waits for the file GATE names, so a
 * test can hold it running). Each step appends its pid to pids-<step>.txt when it starts: how many
 * times it ran, and which process to find.
 */
const started = (step: string) => `with open("pids-${step}.txt", "a") as _f:\n    _f.write(f"{os.getpid()}\\n")\n`;
const CELLS: CellSpec[] = [
  'import os\nimport time',
  { source: 'GATE = "."', tags: ['parameters'] },
  'base = list(range(5))',
  `${started('left')}time.sleep(1)\nleft = sum(base)`,
  `${started('right')}time.sleep(1)\nright = sum(base) * 2`,
  `${started('total')}while not os.path.exists(GATE):\n    time.sleep(0.05)\ntotal = left + right\nimport cellflow\ncellflow.log_metric("total", total)`,
];
const STEPS: Array<[number, string]> = [[2, 'load'], [3, 'left'], [4, 'right'], [5, 'total']];

const cli = (dir: string, ...args: string[]) => cellflow(args, dir, { timeoutMs: 150_000 });

function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-dask-'));
  fs.mkdirSync(path.join(dir, '.cellflow'));
  writeNotebook(path.join(dir, 'nb.ipynb'), CELLS);
  for (const [cell, id] of STEPS) assert.equal(cli(dir, 'promote', 'nb.ipynb', '--cells', String(cell), '--step', id, '--pipeline', 'p.cellflow.yaml').code, 0);
  return dir;
}

function startCluster(dir: string, ...args: string[]): { scheduler: string; pids: number[] } {
  const r = cellflow(['cluster', 'start', '--python', PYTHON, '--json', ...args], dir, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { scheduler: string; pids: number[] };
}

function stepRuns(dir: string): Array<{ id: string; stepId: string | null; status: string; tags: Record<string, string>; metrics: Record<string, number> }> {
  return JSON.parse(cli(dir, 'runs', 'list', '--json', '--limit', '1000').stdout) as ReturnType<typeof stepRuns>;
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** Every listening TCP socket of these processes (and their children), as host:port. */
function listening(pids: number[]): string[] {
  const all = new Set<number>(pids);
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (all.has(ppid)) all.add(Number(p));
    } catch {
      // gone
    }
  }
  const inodes = new Set<string>();
  for (const pid of all) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      }
    } catch {
      // gone
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of fs.readFileSync(table, 'utf8').split('\n').slice(1).filter(Boolean)) {
      const f = row.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9])) continue; // 0A: LISTEN
      const [hex, port] = f[1].split(':');
      const host = hex.length === 8 ? hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : hex === '0'.repeat(32) ? '::' : hex === '00000000000000000000000001000000' ? '::1' : hex;
      out.push(`${host}:${parseInt(port, 16)}`);
    }
  }
  return out;
}

describe('cellflow run --executor dask: a scheduler and two workers on 127.0.0.1', function () {
  this.timeout(240_000);
  let dir: string;
  let cluster: { scheduler: string; pids: number[] };
  before(() => {
    dir = workspace();
    cluster = startCluster(dir, '--workers', '2');
  });
  after(() => {
    if (dir) {
      cli(dir, 'cluster', 'stop');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds the scheduler, the workers and their dashboards to 127.0.0.1 only', () => {
    assert.match(cluster.scheduler, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const sockets = listening(cluster.pids);
    assert.ok(sockets.length >= 3, `the scheduler and two workers listen: ${sockets.join(', ')}`);
    assert.deepEqual(sockets.filter((s) => !s.startsWith('127.0.0.1:')), [], 'nothing on another address');
    assert.ok(!sockets.includes('127.0.0.1:8787'), 'not the default dashboard port');
  });

  it('runs independent steps on different workers, then reuses every step', () => {
    const first = runJson(dir, 'p.cellflow.yaml', ['--executor', 'dask']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(finalStatuses(first.events), { load: 'ran', left: 'ran', right: 'ran', total: 'ran' });
    const runs = stepRuns(dir);
    const worker = (step: string) => runs.find((r) => r.stepId === step)!.tags['cellflow.worker'];
    assert.match(worker('left'), /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(worker('left'), worker('right'), 'left and right can run at once: they land on different workers');
    assert.deepEqual(runs.find((r) => r.stepId === 'total')!.metrics, { total: 30 }, 'a metric logged on a worker reaches the store here');
    const second = runJson(dir, 'p.cellflow.yaml', ['--executor', 'dask']);
    assert.deepEqual(finalStatuses(second.events), { load: 'reused', left: 'reused', right: 'reused', total: 'reused' });
  });

  it('relays a step\'s large metric batch and its input to the store here, and refuses a write from a subprocess of the step', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-dask-relay-'));
    try {
      fs.mkdirSync(path.join(ws, '.cellflow'));
      writeNotebook(path.join(ws, 'nb.ipynb'), [
        [
          'import subprocess, sys',
          'import pandas as pd',
          'import cellflow',
          // 3,000 points: one relayed request of about 240 kB, far over a pipe's atomic write.
          'for i in range(3000):',
          '    cellflow.log_metric("loss", 1 / (i + 1), step=i)',
          'cellflow.log_input(pd.DataFrame({"a": [1, 2, 3]}), name="tiny")',
          'sub = subprocess.run([sys.executable, "-c", "import cellflow; cellflow.set_tag(\'x\', \'1\')"], capture_output=True, text=True)',
          'cellflow.set_tag("sub", sub.stderr.strip().splitlines()[-1][:300])',
          'done = 1',
        ].join('\n'),
      ]);
      assert.equal(cli(ws, 'promote', 'nb.ipynb', '--cells', '0', '--step', 'logs', '--pipeline', 'p.cellflow.yaml').code, 0);
      const r = runJson(ws, 'p.cellflow.yaml', ['--executor', 'dask', '--scheduler', cluster.scheduler]);
      assert.equal(r.code, 0, r.stderr);
      const runId = r.events.find((e) => e.step === 'logs' && e.status === 'ran')!.runId!;
      const shown = JSON.parse(cli(ws, 'runs', 'show', runId, '--json', '--max-points', '5000').stdout) as {
        tags: Record<string, string>; metrics: Record<string, number>; metricCounts: Record<string, number>; inputs: Array<{ name: string; rowCount: number; schema: string }>;
      };
      assert.equal(shown.metrics.loss, 1 / 3000);
      assert.equal(shown.metricCounts.loss, 3000, 'every point of the batch');
      assert.deepEqual(shown.inputs.map((i) => [i.name, i.rowCount, i.schema]), [['tiny', 3, '[["a","int64"]]']]);
      assert.match(shown.tags.sub, /a subprocess of a step running on a Dask worker cannot reach Cellflow's store/);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('reports a killed worker once, runs nothing twice, and the next run redoes only the unfinished step', async () => {
    const { exited } = spawnRun(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--param', 'GATE=gate'], 'total');
    const pids = path.join(dir, 'pids-total.txt');
    const before = lines(pids).length;
    const step = Number(await waitFor(() => lines(pids)[before], 'the total step to start on a worker', 60_000));
    // The step is a subprocess of the worker process: kill the worker outright.
    const worker = Number(fs.readFileSync(`/proc/${step}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    process.kill(worker, 'SIGKILL');
    const { code, events } = await exited;
    assert.equal(code, 1);
    const ends = events.filter((e) => e.step === 'total' && e.status !== 'started');
    assert.equal(ends.length, 1, 'reported once');
    assert.equal(ends[0].status, 'failed');
    assert.match(ends[0].error ?? '', /^worker tcp:\/\/127\.0\.0\.1:\d+ was lost while it ran the step; not retried/);
    await waitFor(() => !fs.existsSync(`/proc/${step}`), "the step's process to end with its worker", 30_000);
    // Its nanny restarts the worker: the scheduler had the chance to run the step again, and did not.
    await waitFor(() => JSON.parse(execFileSync(PYTHON, ['-c', `from distributed import Client; c = Client(${JSON.stringify(cluster.scheduler)}, timeout=20); print(len(c.scheduler_info()["workers"])); c.close()`], { encoding: 'utf8' })) === 2, 'the worker back', 60_000);
    assert.equal(lines(pids).length, before + 1, 'the step started once');
    fs.writeFileSync(path.join(dir, 'gate'), '');
    const again = runJson(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--param', 'GATE=gate']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(finalStatuses(again.events), { load: 'reused', left: 'reused', right: 'reused', total: 'ran' });
    fs.rmSync(path.join(dir, 'gate'));
  });

  // How fast (the target: within a second) is measured by `npm run bench -- --only cancel`.
  it('stops a running step on Ctrl+C and records it cancelled', async () => {
    // Ctrl+C as a terminal sends it: to the whole process group, the driver's Python included.
    const { child, exited } = spawnRun(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--param', 'GATE=never'], 'total', { group: true });
    const pids = path.join(dir, 'pids-total.txt');
    const before = lines(pids).length;
    const step = Number(await waitFor(() => lines(pids)[before], 'the total step to start on a worker', 60_000));
    process.kill(-child.pid!, 'SIGINT');
    await waitFor(() => !fs.existsSync(`/proc/${step}`) || /^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${step}/stat`, 'utf8')), 'the step process to stop', 30_000);
    const { code, events } = await exited;
    assert.equal(code, 130);
    assert.equal(events.find((e) => e.step === 'total' && e.status !== 'started')?.status, 'cancelled');
    const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
    try {
      assert.equal(store.getRun(events.find((e) => e.step === 'total' && e.status === 'cancelled')!.runId!).status, 'KILLED');
    } finally {
      store.close();
    }
  });

  it('runs the example pipeline with the outputs, digests, runs and lineage of a local run, and shares its cache', () => {
    const local = scratchExamples({ promoted: true });
    const remote = scratchExamples({ promoted: true });
    try {
      const a = runJson(local.dir, 'churn.cellflow.yaml', []);
      assert.equal(a.code, 0, a.stderr);
      const b = runJson(remote.dir, 'churn.cellflow.yaml', ['--executor', 'dask', '--scheduler', cluster.scheduler]);
      assert.equal(b.code, 0, b.stderr);
      assert.deepEqual(finalStatuses(b.events), finalStatuses(a.events));
      assert.deepEqual(recorded(remote.dir), recorded(local.dir));
      assert.deepEqual(lineage(remote.dir), lineage(local.dir));
      // One cache: what ran locally is reused on the cluster, and the other way round.
      const onCluster = runJson(local.dir, 'churn.cellflow.yaml', ['--executor', 'dask', '--scheduler', cluster.scheduler]);
      assert.ok(Object.values(finalStatuses(onCluster.events)).every((s) => s === 'reused'), JSON.stringify(finalStatuses(onCluster.events)));
      const locally = runJson(remote.dir, 'churn.cellflow.yaml', []);
      assert.ok(Object.values(finalStatuses(locally.events)).every((s) => s === 'reused'), JSON.stringify(finalStatuses(locally.events)));
    } finally {
      local.cleanup();
      remote.cleanup();
    }
  });

  it('refuses, naming what to set, a cluster it cannot reach or a scheduler flag without the executor', () => {
    const r = cli(dir, 'run', 'p.cellflow.yaml', '--python', PYTHON, '--executor', 'dask', '--scheduler', 'tcp://127.0.0.1:1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^cellflow: cannot connect to the Dask scheduler at tcp:\/\/127\.0\.0\.1:1: /);
    const flag = cli(dir, 'run', 'p.cellflow.yaml', '--scheduler', cluster.scheduler);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--scheduler, --scheduler-file and --tls-\* go with --executor dask/);
  });
});

/** What the store holds of the last pipeline run, without ids and times: each step run's status, params, metrics, artifacts and outputs; the model versions. */
function recorded(dir: string): unknown {
  const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
  try {
    const last = store.lastPipelineRun('churn.cellflow.yaml')!;
    const steps = Object.fromEntries(
      last.steps.map((s) => {
        const d = store.getRun(s.id);
        const tags = Object.fromEntries(Object.entries(d.tags).filter(([k]) => !['cellflow.log', 'cellflow.worker'].includes(k)));
        return [d.stepId, { status: d.status, params: d.params, metrics: d.metrics, tags, artifacts: d.artifacts, inputs: d.inputs, models: d.modelVersions }];
      }),
    );
    const models = store.listModels().map((m) => ({ name: m.name, versions: m.versions.map((v) => ({ version: v.version, path: v.artifactPath, sha: v.artifactSha256, step: v.runId && store.getRun(v.runId).stepId })) }));
    return { status: last.run.status, steps, models };
  } finally {
    store.close();
  }
}

/** The lineage of the model version, run ids named by their steps. */
function lineage(dir: string): unknown {
  const r = cellflow(['lineage', 'churn-model@1', '--json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
  let text = r.stdout;
  try {
    for (const s of store.lastPipelineRun('churn.cellflow.yaml')!.steps) text = text.split(s.id).join(`<${s.stepId}>`).split(s.id.slice(0, 8)).join(`<${s.stepId}>`);
  } finally {
    store.close();
  }
  return JSON.parse(text.replace(/"(createdAt|startTime|endTime|at|time)":\d+/g, '"$1":0'));
}

/** A CA, and one certificate it signed for 127.0.0.1 that the scheduler, the workers and the client all use. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=cellflow test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('key.pem'), '-out', f('cert.csr'));
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl('x509', '-req', '-in', f('cert.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('san.ext'), '-out', f('cert.pem'));
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') };
}

describe('cellflow run --executor dask: a TLS-only scheduler', function () {
  this.timeout(240_000);
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  let scheduler: string;
  before(() => {
    dir = workspace();
    certs = makeCertificates(fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-certs-')));
    scheduler = startCluster(dir, '--workers', '1', '--tls-ca', certs.ca, '--tls-cert', certs.cert, '--tls-key', certs.key).scheduler;
  });
  after(() => {
    if (dir) {
      cli(dir, 'cluster', 'stop');
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (certs) fs.rmSync(path.dirname(certs.ca), { recursive: true, force: true });
  });

  it('runs the pipeline with the certificates given, and refuses a tls:// scheduler without them', () => {
    assert.match(scheduler, /^tls:\/\/127\.0\.0\.1:\d+$/);
    const r = runJson(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--scheduler', scheduler, '--tls-ca', certs.ca, '--tls-cert', certs.cert, '--tls-key', certs.key]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(finalStatuses(r.events), { load: 'ran', left: 'ran', right: 'ran', total: 'ran' });
    const bare = cli(dir, 'run', 'p.cellflow.yaml', '--python', PYTHON, '--executor', 'dask', '--scheduler', scheduler);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /needs --tls-ca, --tls-cert and --tls-key/);
  });

  it('refuses an unencrypted connection to it', () => {
    const plain = cli(dir, 'run', 'p.cellflow.yaml', '--python', PYTHON, '--executor', 'dask', '--scheduler', scheduler.replace('tls://', 'tcp://'), '--force');
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /^cellflow: cannot connect to the Dask scheduler at tcp:\/\/127\.0\.0\.1:\d+: /);
  });

  it('the workspace cluster, started with certificates, is used with them by default', () => {
    const r = runJson(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(finalStatuses(r.events), { load: 'ran', left: 'ran', right: 'ran', total: 'ran' });
  });
});

describe('cellflow run --executor dask: a scheduler that retries lost tasks (Dask\'s default, allowed-failures 3)', function () {
  this.timeout(240_000);
  let dir: string;
  let group: ChildProcess[] = [];
  let schedulerFile: string;
  before(async () => {
    dir = workspace();
    schedulerFile = path.join(dir, 'scheduler.json');
    // Started as a user's own cluster is, without `cellflow cluster start` and its allowed-failures 0.
    const env = { ...process.env };
    delete env.DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES;
    const launch = (...args: string[]) => group.push(spawn(PYTHON, ['-m', ...args], { cwd: dir, env, stdio: 'ignore', detached: true }));
    launch('distributed.cli.dask_scheduler', '--host', '127.0.0.1', '--port', '0', '--dashboard-address', '127.0.0.1:0', '--scheduler-file', schedulerFile);
    await waitFor(() => fs.existsSync(schedulerFile) && fs.statSync(schedulerFile).size > 0, 'the scheduler file', 60_000);
    launch('distributed.cli.dask_worker', '--scheduler-file', schedulerFile, '--host', '127.0.0.1', '--dashboard-address', '127.0.0.1:0', '--nthreads', '1');
  });
  after(() => {
    for (const child of group) if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    group = [];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the retry of a step whose worker was killed: reported once, started once', async () => {
    const { exited } = spawnRun(dir, 'p.cellflow.yaml', ['--executor', 'dask', '--scheduler-file', schedulerFile, '--param', 'GATE=gate'], 'total');
    const pids = path.join(dir, 'pids-total.txt');
    const step = Number(await waitFor(() => lines(pids)[0], 'the total step to start on the worker', 120_000));
    const worker = Number(fs.readFileSync(`/proc/${step}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    process.kill(worker, 'SIGKILL');
    // The gate is open from now on: a retry on the restarted worker that ran the step would finish it.
    fs.writeFileSync(path.join(dir, 'gate'), '');
    const { code, events } = await exited;
    assert.equal(code, 1);
    const ends = events.filter((e) => e.step === 'total' && e.status !== 'started');
    assert.equal(ends.length, 1, 'reported once');
    assert.equal(ends[0].status, 'failed');
    assert.match(ends[0].error ?? '', /not run again: it started on worker tcp:\/\/127\.0\.0\.1:\d+, which was lost while it ran/);
    assert.equal(lines(pids).length, 1, 'the step started once');
    // The upstream steps' results were lost with the worker too, and the retry needed them: their
    // tasks were recomputed, and found their steps finished rather than running them again.
    for (const up of ['left', 'right']) assert.equal(lines(path.join(dir, `pids-${up}.txt`)).length, 1, `${up} started once`);
    assert.deepEqual(fs.readdirSync(path.join(dir, '.cellflow', 'dask', 'attempts')), [], "the run's attempt marks are removed as it ends");
  });
});

describe('cellflow cluster stop: a saved cluster whose pids are no longer its own', () => {
  let dir: string;
  let other: ChildProcess | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-cluster-state-'));
    fs.mkdirSync(path.join(dir, '.cellflow', 'dask'), { recursive: true });
  });
  afterEach(() => {
    other?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const save = (state: Record<string, unknown>) =>
    fs.writeFileSync(path.join(dir, '.cellflow', 'dask', 'cluster.json'), JSON.stringify({ scheduler: 'tcp://127.0.0.1:1', schedulerFile: path.join(dir, '.cellflow', 'dask', 'scheduler.json'), workers: 1, ...state }));

  it('leaves alone a live process that is not a Dask scheduler or worker (a pid reused after a reboot)', () => {
    other = spawn(PYTHON, ['-c', 'import time; time.sleep(600)'], { detached: true, stdio: 'ignore' });
    save({ pids: [other.pid, other.pid], host: os.hostname() });
    const r = cellflow(['cluster', 'stop', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(`/proc/${other.pid}`) && !/^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${other.pid}/stat`, 'utf8')), 'the other process still runs');
  });

  it('refuses to stop a cluster another machine started, naming it', () => {
    save({ pids: [process.pid], host: 'elsewhere.example' });
    const r = cellflow(['cluster', 'stop'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the cluster of this workspace was started on elsewhere\.example: stop it there/);
  });
});
