import * as cp from 'node:child_process';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SERVER_NODE_FLAGS, ServerStatusRequest, type InitializationOptions, type NotificationSpec, type RequestSpec, type ServerStatus } from '../../server/src/protocol';
import { resolveNodeRuntime, type NodeRuntime } from './serverRuntime';
import type { ServerState, ServerStatusBar } from './statusBar';

// The run commands ride in this bundle: the activation bundle registers stubs that load them.
export { RunCommands } from './runCommands';

const STDERR_TAIL_LINES = 20;

/**
 * Owns the language server process: picks its runtime, starts it, notices when it dies and tells the
 * user why (the last words it wrote to stderr, or the signal that ended it), and restarts it on request.
 * It never restarts on its own, so a server that crashes on some input cannot crash in a loop.
 */
export class LanguageServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private stopping = false;
  private current: ServerState = { kind: 'starting' };
  private readonly changed = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.changed.event;
  /** Server notifications the UI listens to, registered again on every client a restart makes. */
  private readonly listeners: Array<{ method: string; handler: (params: unknown) => void; live?: { dispose(): void } }> = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly statusBar: ServerStatusBar,
  ) {}

  get state(): ServerState {
    return this.current;
  }

  async start(): Promise<void> {
    this.setState({ kind: 'starting' });
    let runtime: NodeRuntime;
    try {
      runtime = resolveNodeRuntime(nodePathSetting());
    } catch (err) {
      this.stopped(err instanceof Error ? err.message : String(err));
      return;
    }
    this.log.info(`Starting the language server on ${runtime.path} (${runtime.source === 'PATH' ? 'first node on PATH' : runtime.source === 'setting' ? 'cellflow.server.nodePath' : "the editor's own runtime"})`);

    let exited: Promise<string> = Promise.resolve('it did not start');
    // An unexpected end of this client's server is reported once, and only while it is the current
    // client: a crash during start-up would otherwise be reported both by the error handler and by start().
    // Assigned below, once the closures that read it exist.
    // eslint-disable-next-line prefer-const
    let client: LanguageClient | undefined;
    let reported = false;
    const reportExit = (startError?: string) => {
      if (reported || !client || this.client !== client || this.stopping) return;
      reported = true;
      void this.onUnexpectedExit(exited, startError);
    };
    const serverModule = this.context.asAbsolutePath('dist/server/server.js');
    const serverOptions: ServerOptions = async () => {
      const child = cp.spawn(runtime.path, [...SERVER_NODE_FLAGS, serverModule, '--stdio'], {
        env: { ...process.env, ...runtime.env },
        stdio: 'pipe',
      });
      const tail: string[] = [];
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        for (const line of chunk.split(/\r?\n/)) if (line.trim()) tail.push(line);
        tail.splice(0, Math.max(0, tail.length - STDERR_TAIL_LINES));
      });
      exited = new Promise((resolve) => {
        child.on('error', (err) => resolve(`it could not be started with ${runtime.path}: ${err.message}`));
        child.on('exit', (code, signal) => resolve(describeExit(code, signal, tail)));
      });
      return child;
    };
    const clientOptions: LanguageClientOptions = {
      // Pipelines are linted; Python files are synced too because pipelines name them (step code).
      documentSelector: [{ language: 'cellflow-pipeline' }, { language: 'python', scheme: 'file' }],
      synchronize: {
        fileEvents: [
          vscode.workspace.createFileSystemWatcher('**/*.cellflow.{yaml,yml,lock}'),
          vscode.workspace.createFileSystemWatcher('**/*.{ipynb,py}'),
          // Deleting or renaming a folder reports the folder only: the server forgets what was under it.
          vscode.workspace.createFileSystemWatcher('**/*', true, true, false),
        ],
      },
      outputChannel: this.log,
      initializationOptions: {
        inPlaceFunctions: vscode.workspace.getConfiguration('cellflow').get<string[]>('promote.inPlaceFunctions') ?? [],
        trusted: vscode.workspace.isTrusted,
      } satisfies InitializationOptions,
      middleware: {
        // The server names a notebook cell as a location in its .ipynb file whose line is the cell's index.
        provideDefinition: async (document, position, token, next) => toNotebookCells(await next(document, position, token)),
      },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          reportExit();
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      initializationFailedHandler: () => false,
    };
    client = new LanguageClient('cellflow', 'Cellflow Language Server', serverOptions, clientOptions);
    this.client = client;
    for (const l of this.listeners) l.live = client.onNotification(l.method, l.handler);
    try {
      await client.start();
    } catch (err) {
      reportExit(err instanceof Error ? err.message : String(err));
      return;
    }
    // A restart may have replaced this client while it was starting: then its state is not ours to set.
    if (this.client !== client) return;
    const info = client.initializeResult?.serverInfo;
    this.setState({ kind: 'running', detail: `${info?.name ?? 'server'} ${info?.version ?? ''} on ${runtime.path}`.trim() });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.isRunning()) await client.stop();
    } catch (err) {
      this.log.warn(`Stopping the language server: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await client.dispose().catch(() => undefined);
      this.stopping = false;
    }
  }

  async status(): Promise<ServerStatus> {
    return this.request(ServerStatusRequest, null);
  }

  /** A custom request, once the server runs; rejects with the server's message on failure. */
  async request<P, R>(spec: RequestSpec<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
    if (this.current.kind === 'starting') await this.settled();
    if (!this.client || this.current.kind !== 'running') {
      throw new Error(this.current.kind === 'stopped' ? `the language server is stopped: ${this.current.reason}` : 'the language server is still starting');
    }
    return this.client.sendRequest<R>(spec.method, params, token);
  }

  /** A custom notification; dropped while the server is not running (it is re-sent what it needs on start). */
  notify<P>(spec: NotificationSpec<P>, params: P): void {
    if (this.client && this.current.kind === 'running') void this.client.sendNotification(spec.method, params);
  }

  /** Listens to a server notification for as long as the returned disposable lives, across restarts. */
  onNotification<P>(spec: NotificationSpec<P>, handler: (params: P) => void): vscode.Disposable {
    const entry: (typeof this.listeners)[number] = { method: spec.method, handler: handler as (params: unknown) => void };
    this.listeners.push(entry);
    entry.live = this.client?.onNotification(spec.method, entry.handler);
    return new vscode.Disposable(() => {
      entry.live?.dispose();
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    });
  }

  /** Resolves once a start has finished, either way. */
  private settled(): Promise<void> {
    return new Promise((resolve) => {
      const sub = this.onDidChangeState((s) => {
        if (s.kind !== 'starting') {
          sub.dispose();
          resolve();
        }
      });
    });
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private async onUnexpectedExit(exited: Promise<string>, startError?: string): Promise<void> {
    const why = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r(startError ?? 'the connection closed'), 2000))]);
    this.stopped(why);
    const choice = await vscode.window.showErrorMessage(`Cellflow language server stopped: ${why}`, 'Restart', 'Show Logs');
    if (choice === 'Restart') await this.restart();
    else if (choice === 'Show Logs') this.log.show();
  }

  private stopped(reason: string): void {
    this.log.error(`Language server stopped: ${reason}`);
    this.setState({ kind: 'stopped', reason });
  }

  private setState(state: ServerState): void {
    this.current = state;
    this.statusBar.set(state);
    this.changed.fire(state);
  }
}

type DefinitionResult = vscode.Definition | vscode.LocationLink[] | null | undefined;

async function toNotebookCells(result: DefinitionResult): Promise<DefinitionResult> {
  if (!result) return result;
  const list = Array.isArray(result) ? result : [result];
  const out = await Promise.all(
    list.map(async (loc) => {
      if (!('uri' in loc) || !loc.uri.fsPath.endsWith('.ipynb')) return loc;
      try {
        const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.fsPath === loc.uri.fsPath) ?? (await vscode.workspace.openNotebookDocument(loc.uri));
        const index = loc.range.start.line;
        return index < notebook.cellCount ? new vscode.Location(notebook.cellAt(index).document.uri, new vscode.Position(0, 0)) : loc;
      } catch {
        return loc;
      }
    }),
  );
  return out as vscode.Location[];
}

/**
 * The runtime setting, ignoring workspace values in untrusted workspaces: a cloned repository must not
 * be able to choose the executable Cellflow starts.
 */
function nodePathSetting(): string {
  const inspected = vscode.workspace.getConfiguration('cellflow').inspect<string>('server.nodePath');
  if (!vscode.workspace.isTrusted) return inspected?.globalValue ?? '';
  return vscode.workspace.getConfiguration('cellflow').get<string>('server.nodePath') ?? '';
}

function describeExit(code: number | null, signal: NodeJS.Signals | null, stderrTail: string[]): string {
  const how = signal ? `it was killed by ${signal}` : `it exited with code ${code}`;
  const last = [...stderrTail].reverse().find((l) => /exiting:|error/i.test(l)) ?? stderrTail[stderrTail.length - 1];
  return last ? `${how}: ${last.replace(/^Cellflow language server exiting: /, '')}` : how;
}
