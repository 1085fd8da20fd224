import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { CLI, cellflow } from './cli';
import { PYTHON } from './store';
import { waitFor } from './waitFor';

/** A line of `cellflow run --json`. */
export type RunEvent = { event: string;
  /** When spawnRun read the line (Date.now()). */
  at?: number;
  step?: string; status: string; reason?: string; runId?: string; error?: string; log?: string; steps?: Record<string, string> };

/** `cellflow run <pipeline> --python /usr/bin/python3 --json ...args` to its end, its lines parsed. */
export function runJson(dir: string, pipeline: string, args: string[]): { code: number | null; events: RunEvent[]; stdout: string; stderr: string } {
  const r = cellflow(['run', pipeline, '--python', PYTHON, '--json', ...args], dir, { timeoutMs: 150_000 });
  const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
  return { ...r, events };
}

/** Each step's last status, by step: independent steps end in any order. */
export const finalStatuses = (events: RunEvent[]) => Object.fromEntries(events.filter((e) => e.event === 'step' && e.status !== 'started').map((e) => [e.step, e.status]));

/**
 * `cellflow run --json` in the background, resolving `started` once `step` starts. `group`: in a
 * process group of its own, as a terminal runs it, so that a test can send Ctrl+C to the whole group.
 */
export function spawnRun(dir: string, pipeline: string, args: string[], step: string, o: { group?: boolean } = {}): { child: ChildProcess; started: Promise<void>; exited: Promise<{ code: number | null; events: RunEvent[] }> } {
  const child = spawn(process.execPath, [CLI, 'run', pipeline, '--python', PYTHON, '--json', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: o.group === true });
  const events: RunEvent[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const e = { ...(JSON.parse(line) as RunEvent), at: Date.now() };
    events.push(e);
    if (e.step === step && e.status === 'started') onStarted();
  });
  const exited = new Promise<{ code: number | null; events: RunEvent[] }>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : null), events })));
  void exited.then(() => onStarted());
  return { child, started, exited: exited.then((r) => (r.code === null ? assert.fail(stderr) : r)) };
}

/** Waits until no process whose command line has `marker` runs in `dir` (a killed runner's steps, servers and kernels end by themselves). */
export async function waitForNoProcess(dir: string, marker: string, what: string): Promise<void> {
  const runsHere = (p: string) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker) && fs.readlinkSync(`/proc/${p}/cwd`) === dir;
    } catch {
      return false;
    }
  };
  await waitFor(() => !fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && runsHere(p)), what, 15_000);
}
