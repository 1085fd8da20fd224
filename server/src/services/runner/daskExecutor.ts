import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { InvalidInput } from '../../core/errors';
import { clusterPython, parseDriverLine, parseStoreRequest, type DaskWorker, type DriverEvent } from '../../core/runner/daskProtocol';
import type { Store } from '../store/store';
import { OutcomeBuilder, type StepContext, type StepExecutor, type StepOutcome, type StepRequest } from './executor';
import { applyStoreRequest } from './relayedWrites';

/** Each step's attempt mark (at most once), in the workspace every node shares; a run's own folder, removed as it ends. */
const attemptMarks = (root: string) => path.join(root, '.cellflow', 'dask', 'attempts');

/** Where the cluster is: a scheduler address or a scheduler file, and certificates for a TLS-only one. */
export interface DaskTarget {
  scheduler?: string;
  schedulerFile?: string;
  tls?: { ca: string; cert: string; key: string };
}

interface Running {
  result: OutcomeBuilder;
  log: number;
  context: StepContext;
  worker?: string;
  resolve(outcome: StepOutcome): void;
}

/**
 * The `dask` executor: steps as tasks on a Dask cluster, through python/cellflow/_dask_driver.py
 * (Node cannot speak the scheduler's protocol). One driver a run; each step is a task whose upstream
 * steps' tasks are its Dask dependencies. The store stays here: what a step logs on its worker comes
 * back as requests, made by this store (relayedWrites) and answered.
 */
export class DaskExecutor implements StepExecutor {
  readonly concurrency: number;
  private readonly running = new Map<string, Running>();
  private ended: string | undefined;

  private constructor(
    private readonly driver: ChildProcessWithoutNullStreams,
    private readonly store: Store,
    readonly workers: DaskWorker[],
    readonly scheduler: string,
    /** The workers' interpreter, for the cache key. */
    readonly python: { path: string; version: string },
    /** Adds to the driver's stderr tail: a line the driver wrote that is not a protocol line. */
    private readonly keepStderr: (text: string) => void,
  ) {
    this.concurrency = workers.reduce((n, w) => n + w.nthreads, 0);
  }

  /** Starts the driver and connects; refuses with the driver's own words when it cannot. */
  static async connect(o: { python: string; pythonPackages: string; target: DaskTarget; store: Store; timeoutS?: number }): Promise<DaskExecutor> {
    const driver = spawn(o.python, [path.join(o.pythonPackages, 'cellflow', '_dask_driver.py')], { stdio: 'pipe', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    // The driver's last words, for the messages of a connect or a run that fails: one buffer, bounded.
    const tail = { text: '' };
    const keep = (text: string) => (tail.text = (tail.text + text).slice(-4000));
    driver.stderr.on('data', (c: Buffer) => keep(c.toString('utf8')));
    const lines = readline.createInterface({ input: driver.stdout });
    const where = o.target.scheduler ?? o.target.schedulerFile ?? '';
    const first = await new Promise<DriverEvent>((resolve, reject) => {
      const fail = (why: string) => reject(new InvalidInput(`cannot use the Dask scheduler at ${where}: ${why}`));
      // The driver bounds its own connect and its wait for workers; this bounds the rest (a worker
      // that never answers describe_worker, say).
      const limitS = (o.timeoutS ?? 10) * 3 + 30;
      const timer = setTimeout(() => fail(`the driver did not connect within ${limitS} s`), limitS * 1000);
      lines.once('line', () => clearTimeout(timer));
      driver.once('exit', () => clearTimeout(timer));
      driver.on('error', (err) => fail(`${o.python} cannot be started (${err.message})`));
      driver.on('exit', () => setImmediate(() => fail(`the driver exited${tail.text.trim() ? `: ${lastLines(tail.text)}` : ''}`)));
      lines.once('line', (line) => {
        const parsed = parseDriverLine(line);
        if (!parsed.ok) fail(parsed.error);
        else resolve(parsed.event);
      });
      driver.stdin.on('error', () => undefined);
      driver.stdin.write(`${JSON.stringify({ op: 'connect', scheduler: o.target.scheduler, schedulerFile: o.target.schedulerFile, tls: o.target.tls ?? null, package: o.pythonPackages, marks: attemptMarks(o.store.workspaceRoot), timeout: o.timeoutS ?? 10 })}\n`);
    }).catch((err: unknown) => {
      driver.kill('SIGKILL');
      throw err;
    });
    if (first.event === 'fatal') {
      driver.kill('SIGKILL');
      throw new InvalidInput(first.message);
    }
    if (first.event !== 'connected') {
      driver.kill('SIGKILL');
      throw new InvalidInput(`the Dask driver said ${first.event} before it connected`);
    }
    const python = clusterPython(first.workers);
    if (!python.ok) {
      driver.kill('SIGKILL');
      throw new InvalidInput(python.error);
    }
    const executor = new DaskExecutor(driver, o.store, first.workers, first.scheduler, python, keep);
    lines.on('line', (line) => executor.takeLine(line));
    driver.removeAllListeners('exit');
    // 'close', not 'exit': the driver's last lines (a step's done) are read before its steps are failed.
    driver.on('close', (code, signal) => executor.driverEnded(`the Dask driver exited (${signal ?? `code ${code}`})${tail.text.trim() ? `: ${lastLines(tail.text)}` : ''}`));
    return executor;
  }

  execute(request: StepRequest, context: StepContext): Promise<StepOutcome> {
    const id = context.env.CELLFLOW_RUN_ID;
    if (this.ended) return Promise.resolve(new OutcomeBuilder().failed(this.ended));
    return new Promise((resolve) => {
      const log = fs.openSync(context.logFile, 'w');
      const cancel = () => this.send({ op: 'cancel', id });
      const entry: Running = {
        result: new OutcomeBuilder(),
        log,
        context,
        resolve: (outcome) => {
          context.signal.removeEventListener('abort', cancel);
          fs.closeSync(log);
          this.running.delete(id);
          resolve(outcome);
        },
      };
      this.running.set(id, entry);
      // Only this step's CELLFLOW_* variables travel: the worker's environment is its own.
      this.send({ op: 'step', id, request, env: context.env, cwd: context.cwd, dependsOn: context.dependsOn ?? [] });
      if (context.signal.aborted) cancel();
      else context.signal.addEventListener('abort', cancel, { once: true });
    });
  }

  async dispose(): Promise<void> {
    if (this.driver.exitCode !== null || this.driver.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.driver.once('exit', () => resolve()));
    this.driver.stdin.end();
    const timer = setTimeout(() => this.driver.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private send(op: object): void {
    if (!this.ended) this.driver.stdin.write(`${JSON.stringify(op)}\n`);
  }

  /** One line of the driver; a store or log file that fails here fails the step, never the run. */
  private takeLine(line: string): void {
    const parsed = parseDriverLine(line);
    if (!parsed.ok) {
      this.keepStderr(`\n${parsed.error}`);
      return;
    }
    const e = parsed.event;
    if (!('id' in e)) return;
    const r = this.running.get(e.id);
    if (!r) return;
    try {
      this.take(e, r);
    } catch (err) {
      this.send({ op: 'cancel', id: e.id });
      r.resolve(r.result.failed(`Cellflow could not record what the step sent: ${(err as Error).message}`));
    }
  }

  private take(e: Extract<DriverEvent, { id: string }>, r: Running): void {
    switch (e.event) {
      case 'started':
        r.worker = e.worker;
        // Where it ran, with the run: the Runs view and `cellflow runs show` name the worker.
        this.store.setTags(e.id, { 'cellflow.worker': e.worker });
        return;
      case 'log':
        fs.writeSync(r.log, e.text);
        r.context.onLog(e.stream, e.text);
        return;
      case 'harness':
        r.result.take(e.data as Parameters<OutcomeBuilder['take']>[0]);
        return;
      case 'store':
        this.send({ op: 'reply', id: e.id, reply: this.apply(e.id, e.request) });
        return;
      case 'done':
        if (e.cancelled) return r.resolve({ kind: 'cancelled' });
        if (e.error) return r.resolve(r.result.failed(e.error));
        if (r.result.outcome) return r.resolve(r.result.outcome);
        return r.resolve(r.result.failed(e.signal ? `the step's Python process on ${r.worker} was killed by ${e.signal}` : `the step's Python process on ${r.worker} exited with code ${e.exit} before reporting`));
    }
  }

  /** A relayed write, made; the step sees a refusal as the CellflowError a local write raises. */
  private apply(stepRunId: string, request: unknown): { value: unknown } | { error: string } {
    const parsed = parseStoreRequest(request);
    if (!parsed.ok) return { error: parsed.error };
    try {
      return { value: applyStoreRequest(this.store, stepRunId, parsed.request) ?? null };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private driverEnded(why: string): void {
    this.ended = why;
    for (const r of [...this.running.values()]) r.resolve(r.result.failed(why));
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ');
}
