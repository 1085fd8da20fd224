import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { OutcomeBuilder, type StepContext, type StepExecutor, type StepOutcome, type StepRequest } from './executor';

/** How long a cancelled step gets to end on SIGTERM before SIGKILL: cancel must take under 1 s. */
const TERM_GRACE_MS = 300;
/** How long a finished step's leftover processes may hold its output pipes. */
const LINGER_MS = 500;

/**
 * The `python` executor: each step in a Python process of its own, in its own process group (so
 * cancel stops whatever the step started too), through the harness, which reports on fd 3.
 */
export class PythonExecutor implements StepExecutor {
  readonly concurrency = Number.POSITIVE_INFINITY;

  /** `pythonPackages`: the folder holding the `cellflow` package (the harness, the client), put on PYTHONPATH. */
  constructor(private readonly python: string, private readonly pythonPackages: string) {}

  execute(request: StepRequest, context: StepContext): Promise<StepOutcome> {
    const pythonPath = [this.pythonPackages, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    return executePythonStep(request, {
      python: this.python,
      harness: path.join(this.pythonPackages, 'cellflow', '_harness.py'),
      env: { ...process.env, PYTHONPATH: pythonPath, ...context.env },
      context,
    });
  }

  async dispose(): Promise<void> {
    // nothing outlives a step
  }
}

function executePythonStep(request: StepRequest, o: { python: string; harness: string; env: NodeJS.ProcessEnv; context: StepContext }): Promise<StepOutcome> {
  const { context } = o;
  return new Promise((resolve) => {
    const log = fs.openSync(context.logFile, 'w');
    const child = spawn(o.python, [o.harness], { cwd: context.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    const result = new OutcomeBuilder();
    let cancelled = false;
    const events = child.stdio[3] as NodeJS.ReadableStream | null;
    if (events) {
      readline.createInterface({ input: events }).on('line', (line) => {
        try {
          result.take(JSON.parse(line) as Parameters<OutcomeBuilder['take']>[0]);
        } catch {
          // not an event: the harness writes only JSON lines on fd 3
        }
      });
    }
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      context.onLog(stream, chunk.toString('utf8'));
    };
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));
    const kill = () => {
      cancelled = true;
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), TERM_GRACE_MS).unref();
    };
    if (context.signal.aborted) kill();
    else context.signal.addEventListener('abort', kill, { once: true });
    let startError: string | undefined;
    child.on('error', (err) => {
      startError = `could not start ${o.python}: ${err.message}`;
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
      context.signal.removeEventListener('abort', kill);
      fs.closeSync(log);
      if (cancelled) return resolve({ kind: 'cancelled' });
      if (startError) return resolve(result.failed(startError));
      if (result.outcome) return resolve(result.outcome);
      resolve(result.failed(sig ? `the step's Python process was killed by ${sig}` : `the step's Python process exited with code ${code} before reporting`));
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
