import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { URI } from 'vscode-uri';
import { BenchProgressNotification, DriftProgressNotification, RunEventNotification, SERVER_NODE_FLAGS, StoreChangedNotification, SweepProgressNotification, type BenchProgress, type DriftProgress, type SweepProgress, type NotificationSpec, type RequestSpec, type RunEvent } from '../../server/src/protocol';
import { DIST } from './paths';
import { waitFor } from './waitFor';

export const SERVER = path.join(DIST, 'server', 'server.js');

/** The built language server in its own process, spoken to over stdio as an editor would. */
export class LspClient {
  readonly process: ChildProcessWithoutNullStreams;
  readonly connection: ProtocolConnection;
  stderr = '';
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  private readonly byVersion = new Map<string, Map<number, PublishDiagnosticsParams>>();
  private readonly waiters: Array<{ uri: string; count: number; resolve: (p: PublishDiagnosticsParams) => void }> = [];
  private readonly versions = new Map<string, number>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** cellflow/runEvent notifications received, oldest first. */
  readonly runEvents: Array<{ runToken: string; uri: string; total: number; event: RunEvent }> = [];
  /** cellflow/benchProgress notifications received, oldest first. */
  readonly benchProgress: Array<{ progressToken: string; progress: BenchProgress }> = [];
  /** cellflow/driftProgress notifications received, oldest first. */
  readonly driftProgress: Array<{ progressToken: string; progress: DriftProgress }> = [];
  /** cellflow/sweepProgress notifications received, oldest first. */
  readonly sweepProgress: Array<{ progressToken: string; progress: SweepProgress }> = [];
  /** workspace/codeLens/refresh requests the server sent. */
  codeLensRefreshes = 0;
  /** cellflow/storeChanged notifications received, oldest first. */
  readonly storeChanges: Array<{ folder: string }> = [];

  /**
   * `server`: another server to speak to (yaml-language-server in the benchmark); `configuration`
   * answers its workspace/configuration requests by section.
   */
  constructor(options: { server?: string; configuration?: (section: string | undefined) => unknown } = {}) {
    // Cellflow's server starts as the extension starts it; another server (yaml-language-server) plainly.
    this.process = spawn(process.execPath, [...(options.server ? [] : SERVER_NODE_FLAGS), options.server ?? SERVER, '--stdio'], { stdio: 'pipe' });
    this.process.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.diagnostics.get(p.uri) ?? [];
      list.push(p);
      this.diagnostics.set(p.uri, list);
      if (p.version !== undefined) {
        const versions = this.byVersion.get(p.uri) ?? new Map<number, PublishDiagnosticsParams>();
        if (!versions.has(p.version)) versions.set(p.version, p);
        this.byVersion.set(p.uri, versions);
      }
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w.uri === p.uri && list.length >= w.count) {
          this.waiters.splice(i, 1);
          w.resolve(list[w.count - 1]);
        }
      }
    });
    const configuration = options.configuration;
    if (configuration) {
      this.connection.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) => p.items.map((i) => configuration(i.section)));
    }
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/codeLens/refresh', () => {
      this.codeLensRefreshes++;
      return null;
    });
    this.connection.onNotification(RunEventNotification.method, (p: unknown) => this.runEvents.push(p as (typeof this.runEvents)[number]));
    this.connection.onNotification(BenchProgressNotification.method, (p: unknown) => this.benchProgress.push(p as (typeof this.benchProgress)[number]));
    this.connection.onNotification(DriftProgressNotification.method, (p: unknown) => this.driftProgress.push(p as (typeof this.driftProgress)[number]));
    this.connection.onNotification(SweepProgressNotification.method, (p: unknown) => this.sweepProgress.push(p as (typeof this.sweepProgress)[number]));
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onNotification('window/logMessage', () => undefined);
    this.connection.onNotification(StoreChangedNotification.method, (p: unknown) => this.storeChanges.push(p as { folder: string }));
    this.connection.listen();
  }

  /**
   * Resolves the moment `uri` has had `count` diagnostics publications: on the notification itself,
   * not by polling, so that the benchmark times the server and not the wait.
   */
  publication(uri: string, count: number, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const list = this.diagnostics.get(uri) ?? [];
    if (list.length >= count) return Promise.resolve(list[count - 1]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for publication ${count} of ${uri}`)), timeoutMs);
      this.waiters.push({ uri, count, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  /** How many diagnostics publications `uri` has had. */
  publications(uri: string): number {
    return this.diagnostics.get(uri)?.length ?? 0;
  }

  /** Resident memory of the server process, from /proc (Linux). */
  rssBytes(): number {
    const status = fs.readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  async initialize(workspaceFolder?: string, initializationOptions?: unknown): Promise<InitializeResult> {
    const uri = workspaceFolder ? URI.file(workspaceFolder).toString() : null;
    const result = await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: uri ? [{ uri, name: 'workspace' }] : null,
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } }, workspace: { configuration: true } },
      initializationOptions,
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  async open(uri: string, text: string, languageId = 'cellflow-pipeline'): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** The first diagnostics published for `uri` at `version` (or any version) after `since` earlier ones. */
  diagnosticsFor(uri: string, opts: { version?: number; timeoutMs?: number } = {}): Promise<PublishDiagnosticsParams> {
    return waitFor(
      () => (opts.version === undefined ? this.diagnostics.get(uri)?.[0] : this.byVersion.get(uri)?.get(opts.version)),
      `diagnostics for ${uri}${opts.version !== undefined ? ` at version ${opts.version}` : ''}`,
      opts.timeoutMs ?? 10000,
      () => JSON.stringify((this.diagnostics.get(uri) ?? []).map((p) => [p.version, p.diagnostics.length])) + this.stderr,
    );
  }

  /** The newest diagnostics published for `uri` once they satisfy `predicate`. */
  latestDiagnostics(uri: string, predicate: (p: PublishDiagnosticsParams) => boolean, what: string): Promise<PublishDiagnosticsParams> {
    return waitFor(() => {
      const list = this.diagnostics.get(uri) ?? [];
      const last = list[list.length - 1];
      return last && predicate(last) ? last : undefined;
    }, what);
  }

  /** What the client's file watcher would say after files changed on disk. */
  async filesChanged(paths: string[]): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: paths.map((p) => ({ uri: URI.file(p).toString(), type: FileChangeType.Changed })) });
  }

  notify<P>(spec: NotificationSpec<P>, params: P): Promise<void> {
    return this.connection.sendNotification(spec.method, params);
  }

  request<P, R>(spec: RequestSpec<P, R>, params: P, token?: CancellationToken): Promise<R> {
    // The connection takes any number of params: an undefined token would be sent as a second one.
    return token ? this.connection.sendRequest<R>(spec.method, params, token) : this.connection.sendRequest<R>(spec.method, params);
  }

  async shutdown(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const result = await this.exited;
    this.connection.dispose();
    return result;
  }

  kill(): void {
    this.connection.dispose();
    if (this.process.exitCode === null) this.process.kill('SIGKILL');
  }
}
