import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import { processAlive } from '../processAlive';

/**
 * One run of a pipeline at a time: a lock file created exclusively, holding the runner's pid and host.
 * A second run is refused, naming the first; a lock whose process is gone (a runner that was killed)
 * is taken over.
 */
export class RunLock {
  private constructor(private readonly file: string) {}

  static acquire(file: string, pipeline: string): RunLock {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }), { flag: 'wx' });
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(file);
      if (holder && holder.host === os.hostname() && processAlive(holder.pid)) {
        throw new InvalidInput(`${pipeline} is already running (pid ${holder.pid}, since ${holder.startedAt}); wait for it, or cancel it first`);
      }
      takeOver(file, holder);
    }
    throw new InvalidInput(`${pipeline}: could not take the run lock ${file}`);
  }

  /** Removes the lock if it is still this process's (a runner that took over a lock it thought stale must not lose it to us). */
  release(): void {
    if (readHolder(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

/** A takeover left by a runner that died within it is ignored after this long. */
const TAKEOVER_STALE_MS = 5_000;

/**
 * Removes a lock left by a runner that is gone, if it still is that one: two runners that both find
 * it stale take turns through an exclusive takeover file, so the second cannot remove the lock the
 * first has just written.
 */
function takeOver(file: string, stale: { pid: number } | undefined): void {
  const turn = `${file}.takeover`;
  try {
    fs.writeFileSync(turn, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - (fs.statSync(turn, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > TAKEOVER_STALE_MS) fs.rmSync(turn, { force: true });
    return; // another runner is taking it over: try again
  }
  try {
    if (readHolder(file)?.pid === stale?.pid) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(turn, { force: true });
  }
}

/** The pipelines whose run lock in `dir` is held by a live process, as `name (pid N)`. */
export function liveRunLocks(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.lock'))
    .flatMap((f) => {
      const holder = readHolder(path.join(dir, f));
      return holder && holder.host === os.hostname() && processAlive(holder.pid) ? [`${f.replace(/\.lock$/, '')} (pid ${holder.pid})`] : [];
    });
}

function readHolder(file: string): { pid: number; host: string; startedAt: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; host: string; startedAt: string };
  } catch {
    return undefined;
  }
}
