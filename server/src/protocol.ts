/**
 * The one typed contract between Cellflow's processes: custom LSP messages (client <-> language server)
 * and webview messages (extension host <-> webview). Client, server and webview scripts all import it;
 * the webview part is types only, so webview bundles pull in no LSP code.
 */
import { RequestType0 } from 'vscode-languageserver-protocol';

// ---- Language server custom messages ----

export interface NativeModuleStatus {
  name: string;
  ok: boolean;
  /** What the module reported when it loaded (e.g. the SQLite version). */
  detail?: string;
  /** Why it did not load, e.g. an ABI mismatch between the runtime and the build. */
  error?: string;
}

export interface ServerStatus {
  version: string;
  pid: number;
  /** process.version of the runtime the server runs on. */
  node: string;
  /** process.versions.modules: the ABI native modules must be built for. */
  abi: string;
  execPath: string;
  uptimeMs: number;
  openDocuments: number;
  nativeModules: NativeModuleStatus[];
}

/** client -> server: the server's identity, runtime and whether its native modules load. */
export namespace ServerStatusRequest {
  export const method = 'cellflow/serverStatus';
  export const type = new RequestType0<ServerStatus, void>(method);
}

// ---- Settings (the one source; a test checks package.json's contributes.configuration against it) ----

export const SETTINGS = {
  'cellflow.server.nodePath': { type: 'string', default: '', scope: 'machine-overridable' },
  'cellflow.trace.server': { type: 'string', default: 'off', scope: 'window', enum: ['off', 'messages', 'verbose'] },
} as const;

export type SettingKey = keyof typeof SETTINGS;
