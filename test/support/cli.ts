import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DIST } from './paths';

export const CLI = path.join(DIST, 'cli', 'cellflow.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `cellflow` CLI as a user would, in its own process. */
export function cellflow(args: string[], cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
