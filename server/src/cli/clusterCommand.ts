import { InvalidInput } from '../core/errors';
import { findWorkspaceRoot } from '../io/storeLocation';
import { startCluster, stopCluster } from '../services/runner/cluster';
import { tlsFlags } from './tlsFlags';

export interface ClusterStartArgs {
  workers?: string;
  threads?: string;
  python?: string;
  host?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  json: boolean;
}

/** `cellflow cluster start --workers N`: a scheduler and N workers on 127.0.0.1 for this workspace. */
export async function runClusterStart(args: ClusterStartArgs): Promise<number> {
  const whole = (text: string) => (/^\d+$/.test(text) ? Number(text) : NaN);
  const workers = whole(args.workers ?? '2');
  const threads = whole(args.threads ?? '1');
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new InvalidInput(`--workers takes a whole number from 1 to 64, not ${JSON.stringify(args.workers)}`);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new InvalidInput(`--threads takes a whole number from 1 to 64, not ${JSON.stringify(args.threads)}`);
  const tls = tlsFlags(args);
  const root = findWorkspaceRoot(process.cwd());
  const state = await startCluster(root, { workers, threads, python: args.python ?? process.env.CELLFLOW_PYTHON ?? 'python3', host: args.host ?? '127.0.0.1', tls });
  if (args.json) process.stdout.write(`${JSON.stringify(state)}\n`);
  else process.stdout.write(`Dask scheduler at ${state.scheduler} with ${workers} worker${workers === 1 ? '' : 's'} (${threads} thread${threads === 1 ? '' : 's'} each); run with --executor dask. Stop it with cellflow cluster stop.\n`);
  return 0;
}

/** `cellflow cluster stop`: the workspace's scheduler and workers, stopped. */
export async function runClusterStop(json: boolean): Promise<number> {
  const state = await stopCluster(findWorkspaceRoot(process.cwd()));
  if (json) process.stdout.write(`${JSON.stringify({ stopped: state ? state.scheduler : null })}\n`);
  else process.stdout.write(state ? `Stopped the Dask cluster at ${state.scheduler}.\n` : 'No Dask cluster is running for this workspace.\n');
  return 0;
}
