import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import { processAlive } from '../processAlive';

/**
 * `cellflow cluster start|stop`: a Dask scheduler and workers on this machine, for trying the dask
 * executor out (and for the tests). Bound to 127.0.0.1 unless the user names another host; the
 * dashboards on 127.0.0.1 too, never Dask's default 0.0.0.0:8787; a task is never retried on another
 * worker (allowed-failures 0), so a step runs at most once. State in .cellflow/dask/.
 */

export interface ClusterOptions {
  workers: number;
  threads: number;
  python: string;
  host: string;
  tls?: { ca: string; cert: string; key: string };
  timeoutS?: number;
}

export interface ClusterState {
  scheduler: string;
  schedulerFile: string;
  pids: number[];
  /** The machine the pids are on: the workspace may be a folder several machines mount. */
  host: string;
  workers: number;
  tls?: { ca: string; cert: string; key: string };
}

const dirOf = (root: string) => path.join(root, '.cellflow', 'dask');
const stateFile = (root: string) => path.join(dirOf(root), 'cluster.json');

export function clusterSchedulerFile(root: string): string {
  return path.join(dirOf(root), 'scheduler.json');
}

function savedState(root: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(root), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** The cluster `cellflow cluster start` left running for this workspace, if its scheduler still is. */
export function clusterState(root: string): ClusterState | undefined {
  const state = savedState(root);
  return state && state.host === os.hostname() && ours(state.pids[0]) ? state : undefined;
}

export async function startCluster(root: string, o: ClusterOptions): Promise<ClusterState> {
  const running = clusterState(root);
  if (running) throw new InvalidInput(`a cluster is already running for this workspace at ${running.scheduler} (cellflow cluster stop first)`);
  // Workers of a cluster whose scheduler died would wait for it forever, out of any command's reach.
  const left = savedState(root);
  if (left?.host === os.hostname()) await stopPids(left.pids.slice(1).filter(ours));
  const dir = dirOf(root);
  fs.mkdirSync(dir, { recursive: true });
  const schedulerFile = clusterSchedulerFile(root);
  fs.rmSync(schedulerFile, { force: true });
  const tlsArgs = o.tls ? ['--tls-ca-file', o.tls.ca, '--tls-cert', o.tls.cert, '--tls-key', o.tls.key] : [];
  // Allowed failures 0: a task whose worker died is failed, not run again elsewhere.
  const env = { ...process.env, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES: '0' };
  const pids: number[] = [];
  const launch = (args: string[], log: string) => {
    const out = fs.openSync(path.join(dir, log), 'w');
    const child = spawn(o.python, args, { detached: true, stdio: ['ignore', out, out], env, cwd: dir });
    fs.closeSync(out);
    child.on('error', () => undefined); // an interpreter that cannot start has no pid: refused below
    child.unref();
    if (child.pid === undefined) throw new InvalidInput(`${o.python} cannot be started`);
    pids.push(child.pid);
  };
  try {
    launch(['-m', 'distributed.cli.dask_scheduler', '--host', o.host, '--port', '0', '--scheduler-file', schedulerFile, '--dashboard-address', `${o.host}:0`, ...(o.tls ? ['--protocol', 'tls'] : []), ...tlsArgs], 'scheduler.log');
    const deadline = Date.now() + (o.timeoutS ?? 60) * 1000;
    let scheduler: string | undefined;
    while (!scheduler) {
      try {
        scheduler = (JSON.parse(fs.readFileSync(schedulerFile, 'utf8')) as { address: string }).address;
      } catch {
        if (!alive(pids[0])) throw new InvalidInput(`the Dask scheduler did not start: ${tail(path.join(dir, 'scheduler.log'))}`);
        if (Date.now() > deadline) throw new InvalidInput(`the Dask scheduler did not start within ${o.timeoutS ?? 60} s: ${tail(path.join(dir, 'scheduler.log'))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (let i = 0; i < o.workers; i++) {
      launch(['-m', 'distributed.cli.dask_worker', scheduler, '--name', `cellflow-${i + 1}`, '--nthreads', String(o.threads), '--nworkers', '1', '--host', o.host, '--dashboard-address', `${o.host}:0`, '--local-directory', path.join(dir, `worker-${i + 1}`), ...tlsArgs], `worker-${i + 1}.log`);
    }
    waitForWorkers(o, schedulerFile, o.workers, dir);
    const state: ClusterState = { scheduler, schedulerFile, pids, host: os.hostname(), workers: o.workers, ...(o.tls ? { tls: o.tls } : {}) };
    fs.writeFileSync(stateFile(root), `${JSON.stringify(state, null, 2)}\n`);
    return state;
  } catch (err) {
    await stopPids(pids);
    throw err;
  }
}

function waitForWorkers(o: ClusterOptions, schedulerFile: string, n: number, dir: string): void {
  const security = o.tls ? `Security(tls_ca_file=${py(o.tls.ca)}, tls_client_cert=${py(o.tls.cert)}, tls_client_key=${py(o.tls.key)}, require_encryption=True)` : 'None';
  const script = `from distributed import Client, Security\nc = Client(scheduler_file=${py(schedulerFile)}, security=${security}, timeout=30)\nc.wait_for_workers(${n}, timeout=${o.timeoutS ?? 60})\nc.close()\n`;
  const r = spawnSync(o.python, ['-c', script], { encoding: 'utf8', timeout: ((o.timeoutS ?? 60) + 40) * 1000 });
  if (r.status !== 0) throw new InvalidInput(`the ${n} Dask workers did not all start: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''} (logs in ${dir})`);
}

export async function stopCluster(root: string): Promise<ClusterState | undefined> {
  const state = savedState(root);
  if (!state) return undefined;
  if (state.host !== os.hostname()) throw new InvalidInput(`the cluster of this workspace was started on ${state.host}: stop it there`);
  // Workers first, so that none is left waiting for a scheduler that is gone.
  // Only pids that are still our scheduler and workers: one saved before a reboot may be anybody's now.
  await stopPids([...state.pids.slice(1), state.pids[0]].filter(ours));
  fs.rmSync(stateFile(root), { force: true });
  fs.rmSync(state.schedulerFile, { force: true });
  return state;
}

async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
}

/** A running Dask scheduler or worker this command started (where /proc cannot say, any live process). */
function ours(pid: number | undefined): boolean {
  if (!alive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('distributed.cli.dask_');
  } catch {
    return true;
  }
}

/** A whole process group (the worker's nanny and the worker under it), else the process. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid || !processAlive(pid)) return false;
  // A zombie (exited, not yet reaped) is not running.
  try {
    return !/^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}

function py(s: string): string {
  return JSON.stringify(s);
}
