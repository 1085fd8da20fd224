import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelManager, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import WebSocket from 'ws';
import { OutcomeBuilder, type StepContext, type StepExecutor, type StepOutcome, type StepRequest } from './executor';
import { startJupyterServer, userServer, type JupyterServer } from './jupyterServer';

// @jupyterlab/services reports its connection on console.debug, which Node writes to stdout: the CLI's
// stdout is its output (one JSON object per line with --json), so those go to stderr, and only on request.
// eslint-disable-next-line no-console -- the one place the library's console output is redirected
console.debug = (...args: unknown[]) => {
  if (process.env.CELLFLOW_DEBUG) process.stderr.write(`${args.map(String).join(' ')}\n`);
};

/** Display data of this type on IOPub carries the harness's events (python/cellflow/_harness.py). */
const EVENT_MIME = 'application/vnd.cellflow.event+json';
/** How long an interrupted step may take to stop before the kernel is shut down: cancel must take under 1 s. */
const INTERRUPT_GRACE_MS = 600;

export interface JupyterOptions {
  python: string;
  pythonPackages: string;
  workspace: string;
  /** The user's server; absent, Cellflow starts one for the run. */
  server?: { url: string; token: string };
  kernelName?: string;
}

interface Connection {
  server: JupyterServer;
  manager: KernelManager;
  kernel: Kernel.IKernelConnection;
}

/**
 * The `jupyter` executor: one kernel for the whole pipeline run, started when the first step runs
 * (a run whose steps are all reused starts none), so imports stay warm from step to step. Each step
 * runs through the harness's run_in_kernel(), in a fresh module with its own environment; the kernel
 * runs one step at a time. Cancel interrupts the kernel; a kernel that dies fails its step.
 */
export class JupyterExecutor implements StepExecutor {
  readonly concurrency = 1;
  private connection: Promise<Connection> | undefined;

  constructor(private readonly o: JupyterOptions) {}

  async execute(request: StepRequest, context: StepContext): Promise<StepOutcome> {
    let c: Connection;
    try {
      c = await (this.connection ??= this.connect(context.signal));
    } catch (err) {
      this.connection = undefined;
      if (context.signal.aborted) return { kind: 'cancelled' };
      return { kind: 'failed', error: (err as Error).message, checks: [] };
    }
    return runInKernel(c.kernel, this.code(request, context), context);
  }

  async dispose(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    if (!pending) return;
    const c = await pending.catch(() => undefined);
    if (!c) return;
    try {
      await Promise.race([c.kernel.shutdown(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    } catch {
      // already dead; the server's stop takes what is left
    }
    c.kernel.dispose();
    c.manager.dispose();
    await c.server.stop();
  }

  private async connect(signal: AbortSignal): Promise<Connection> {
    const pythonPath = [this.o.pythonPackages, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    const server = this.o.server
      ? userServer(this.o.server.url, this.o.server.token)
      : await startJupyterServer({ python: this.o.python, pythonPackages: this.o.pythonPackages, root: this.o.workspace, env: { ...process.env, PYTHONPATH: pythonPath }, signal });
    try {
      const serverSettings = ServerConnection.makeSettings({
        baseUrl: server.baseUrl,
        wsUrl: server.baseUrl.replace(/^http/, 'ws'),
        token: server.token,
        appendToken: true,
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        fetch,
      });
      const manager = new KernelManager({ serverSettings });
      const kernel = await manager.startNew({ name: this.o.kernelName ?? 'python3' });
      await kernel.info;
      return { server, manager, kernel };
    } catch (err) {
      await server.stop();
      const why = (err as Error).message;
      throw new Error(`no Jupyter kernel at ${server.baseUrl}: ${why}`);
    }
  }

  /** The cell the kernel runs: loads the harness once per kernel, then runs the step in it. */
  private code(request: StepRequest, context: StepContext): string {
    const harness = path.join(this.o.pythonPackages, 'cellflow', '_harness.py');
    const full = { ...request, env: context.env, cwd: context.cwd, workspace: context.workspace, pythonPath: this.o.pythonPackages };
    // A JSON text is a valid Python string literal once quoted by JSON.stringify again.
    return [
      'def __cellflow_run(request, harness):',
      '    import importlib.util, json, sys',
      '    h = sys.modules.get("cellflow_kernel_harness")',
      '    if h is None:',
      '        spec = importlib.util.spec_from_file_location("cellflow_kernel_harness", harness)',
      '        h = importlib.util.module_from_spec(spec)',
      '        spec.loader.exec_module(h)',
      '        sys.modules[spec.name] = h',
      '    h.run_in_kernel(json.loads(request))',
      `__cellflow_run(${JSON.stringify(JSON.stringify(full))}, ${JSON.stringify(harness)})`,
      'del __cellflow_run',
    ].join('\n');
  }
}

function runInKernel(kernel: Kernel.IKernelConnection, code: string, context: StepContext): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const log = fs.openSync(context.logFile, 'w');
    const result = new OutcomeBuilder();
    let settled = false;
    const settle = (outcome: StepOutcome) => {
      if (settled) return;
      settled = true;
      kernel.statusChanged.disconnect(onStatus);
      context.signal.removeEventListener('abort', cancel);
      fs.closeSync(log);
      resolve(outcome);
    };
    const write = (stream: 'stdout' | 'stderr', text: string) => {
      if (settled) return;
      fs.writeSync(log, text);
      context.onLog(stream, text);
    };
    const onStatus = (_: unknown, status: Kernel.Status) => {
      if (status === 'dead' || status === 'autorestarting' || status === 'restarting') {
        settle(result.outcome ?? result.failed(`the Jupyter kernel died while the step ran (${status}): it ran out of memory, crashed in native code or called os._exit; the log has what it printed`));
      }
    };
    kernel.statusChanged.connect(onStatus);
    const future = kernel.requestExecute({ code, silent: false, store_history: false, allow_stdin: false, stop_on_error: false });
    future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
      const type = msg.header.msg_type;
      if (type === 'stream') {
        const c = msg.content as KernelMessage.IStreamMsg['content'];
        write(c.name, c.text);
      } else if (type === 'display_data') {
        const data = (msg.content as KernelMessage.IDisplayDataMsg['content']).data;
        if (EVENT_MIME in data) result.take(data[EVENT_MIME] as Parameters<OutcomeBuilder['take']>[0]);
      } else if (type === 'error') {
        // Only when the harness itself could not run: everything a step raises it reports as an event.
        const c = msg.content as KernelMessage.IErrorMsg['content'];
        write('stderr', `${c.traceback.join('\n').replace(/\x1b\[[0-9;]*m/g, '')}\n`);
      }
    };
    const cancel = () => {
      void kernel.interrupt().catch(() => undefined);
      // An interrupt reaches Python code at once; a step stuck in native code gets the kernel shut down.
      setTimeout(() => {
        if (!settled) void kernel.shutdown().catch(() => undefined);
        settle({ kind: 'cancelled' });
      }, INTERRUPT_GRACE_MS).unref();
    };
    if (context.signal.aborted) cancel();
    else context.signal.addEventListener('abort', cancel, { once: true });
    future.done.then(
      (reply) => {
        if (context.signal.aborted) return settle({ kind: 'cancelled' });
        if (result.outcome) return settle(result.outcome);
        const c = reply.content as { status: string; ename?: string; evalue?: string };
        settle(result.failed(c.status === 'error' ? `the kernel could not run the step: ${c.ename}: ${c.evalue}` : 'the kernel ran the step without a result from the harness'));
      },
      () => {
        if (context.signal.aborted) return settle({ kind: 'cancelled' });
        settle(result.outcome ?? result.failed('the Jupyter kernel died while the step ran: the log has what it printed'));
      },
    );
  });
}
