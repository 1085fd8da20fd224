import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { waitFor } from './waitFor';

/**
 * Root hooks for every suite (each .mocharc.json requires this file). Every process a test starts
 * inherits CELLFLOW_TEST_RUN, so after the last test the ones still running are found by it, whatever
 * became of their parents. A leaked language server, cluster or kernel keeps mocha waiting on its
 * pipes for ever (a CI run that never ends) or takes the next suite's CPUs, so each is named, killed,
 * and fails the run.
 */
const MARK = 'CELLFLOW_TEST_RUN';
const token = randomUUID();
process.env[MARK] = token;

interface Leak {
  pid: number;
  command: string;
  cwd: string;
}

/** Live processes carrying this run's mark (a zombie is only waiting to be reaped, and is not counted). */
export function leakedProcesses(): Leak[] {
  const found: Leak[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${MARK}=${token}`)) continue;
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let cwd = '?';
      try {
        cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // exiting
      }
      found.push({ pid, command, cwd });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    // Processes told to stop in a test's own after hook may take a moment to go.
    const gone = await waitFor(() => leakedProcesses().length === 0, 'the processes the tests started to end', 15_000).then(() => true, () => false);
    if (gone) return;
    const left = leakedProcesses();
    for (const l of left) {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    throw new Error(`${left.length} process(es) the tests started were still running after the last test (killed now):\n${left.map((l) => `  pid ${l.pid} in ${l.cwd}: ${l.command.slice(0, 300)}`).join('\n')}`);
  },
};
