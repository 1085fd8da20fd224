import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';

/** What the harness (python/cellflow/_harness.py) needs to run one step. */
export interface StepRequest {
  code: string;
  step: string;
  inputs: Record<string, { path: string; format: string }>;
  params: Record<string, unknown>;
  outputs: string[];
  artifacts: string;
  /** Validation gates by output name, as the pipeline declares them. */
  checks: Record<string, unknown>;
}

export interface CheckResult {
  output: string;
  check: string;
  ok: boolean;
  message: string;
}

/** An output as the harness wrote it; a table also says its columns and their types. */
export type OutputRecord = { digest: string; format: string; size: number; file: string; columns?: Array<[string, string]> };

export type StepOutcome =
  | { kind: 'finished'; outputs: Record<string, OutputRecord>; checks: CheckResult[] }
  | { kind: 'failed'; error: string; traceback?: string; checks: CheckResult[] }
  | { kind: 'cancelled' };

export interface ExecuteOptions {
  python: string;
  /** python/cellflow/_harness.py as built (dist/python/cellflow). */
  harness: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The step's stdout and stderr, as they come. */
  onLog(stream: 'stdout' | 'stderr', text: string): void;
  /** Written with everything the step printed. */
  logFile: string;
  signal: AbortSignal;
}

/** How long a cancelled step gets to end on SIGTERM before SIGKILL: cancel must take under 1 s. */
const TERM_GRACE_MS = 300;
/** How long a finished step's leftover processes may hold its output pipes. */
const LINGER_MS = 500;

/**
 * The `python` executor: each step in a Python process of its own, in its own process group (so
 * cancel stops whatever the step started too), through the harness, which reports on fd 3.
 */
export function executePythonStep(request: StepRequest, options: ExecuteOptions): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const log = fs.openSync(options.logFile, 'w');
    const child = spawn(options.python, [options.harness], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let outcome: StepOutcome | undefined;
    let checks: CheckResult[] = [];
    let cancelled = false;
    const events = child.stdio[3] as NodeJS.ReadableStream | null;
    if (events) {
      readline.createInterface({ input: events }).on('line', (line) => {
        try {
          const e = JSON.parse(line) as { event: string; outputs?: Record<string, OutputRecord>; error?: string; traceback?: string; results?: CheckResult[] };
          if (e.event === 'checks') checks = e.results ?? [];
          else if (e.event === 'finished') outcome = { kind: 'finished', outputs: e.outputs ?? {}, checks };
          else if (e.event === 'failed') outcome = { kind: 'failed', error: e.error ?? 'the step failed', traceback: e.traceback, checks };
        } catch {
          // not an event: the harness writes only JSON lines on fd 3
        }
      });
    }
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      options.onLog(stream, chunk.toString('utf8'));
    };
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));
    const kill = () => {
      cancelled = true;
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), TERM_GRACE_MS).unref();
    };
    if (options.signal.aborted) kill();
    else options.signal.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      outcome = { kind: 'failed', error: `could not start ${options.python}: ${err.message}`, checks: [] };
    });
    // A step may leave a process behind (a server it started) holding the pipes: once the harness has
    // exited, its group gets a moment, then is killed, so the step ends instead of waiting on them.
    let closed = false;
    child.on('exit', () => {
      setTimeout(() => {
        if (closed) return; // everything ended with it; the group id may belong to someone else by now
        signalGroup(child.pid, 'SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
        (child.stdio[3] as NodeJS.ReadableStream & { destroy?: () => void } | null)?.destroy?.();
      }, LINGER_MS).unref();
    });
    child.stdin?.on('error', () => undefined); // a harness that exits before reading its request: reported on close
    child.on('close', (code, sig) => {
      closed = true;
      options.signal.removeEventListener('abort', kill);
      fs.closeSync(log);
      if (cancelled) return resolve({ kind: 'cancelled' });
      if (outcome?.kind === 'finished' && code === 0) return resolve(outcome);
      if (outcome) return resolve(outcome);
      resolve({ kind: 'failed', error: sig ? `the step's Python process was killed by ${sig}` : `the step's Python process exited with code ${code} before reporting`, checks });
    });
    child.stdin?.end(`${JSON.stringify(request)}\n`);
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
