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
    for (let attempt = 0; attempt < 3; attempt++) {
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
      fs.rmSync(file, { force: true }); // left by a runner that is gone: take it over
    }
    throw new InvalidInput(`${pipeline}: could not take the run lock ${file}`);
  }

  release(): void {
    fs.rmSync(this.file, { force: true });
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
