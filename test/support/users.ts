import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Runs commands as the unprivileged user `nobody`, for tests about files a user cannot write: root
 * ignores file modes, so a test run as root would pass a permission check it never met. Needs root (to
 * drop to nobody) and util-linux's setpriv; canRunAsNobody says whether this machine has both.
 */
export const NOBODY_UID = 65534;
const SETPRIV = '/usr/bin/setpriv';

export function canRunAsNobody(): boolean {
  return process.getuid?.() === 0 && fs.existsSync(SETPRIV);
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `command args` as nobody, in `cwd`, with exactly `env` (plus PATH). */
export function runAsNobody(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(SETPRIV, [`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_UID}`, '--clear-groups', command, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Makes a root-owned folder and every folder above it up to `top` readable and enterable by others, not writable. */
export function readableByOthers(dir: string, top: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    fs.chmodSync(d, 0o755);
    if (d === top || path.dirname(d) === d) break;
  }
}
