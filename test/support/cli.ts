import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DIST } from './paths';

export const CLI = path.join(DIST, 'cli', 'cellflow.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `cellflow` CLI as a user would, in its own process. With `timeoutMs`, a CLI that hangs
 * is killed (code null) instead of hanging the suite: mocha cannot interrupt a synchronous spawn.
 */
export function cellflow(args: string[], cwd?: string, options: { timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
