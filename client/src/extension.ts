import * as vscode from 'vscode';
import type { ServerStatus } from '../../server/src/protocol';
import { registerCommands } from './commands';
import { LanguageServerController } from './languageServer';
import { ServerStatusBar, type ServerState } from './statusBar';

/** What the extension exports: used by other extensions and by Cellflow's own editor tests. */
export interface CellflowApi {
  serverState(): ServerState;
  onDidChangeServerState: vscode.Event<ServerState>;
  serverStatus(): Promise<ServerStatus>;
}

let server: LanguageServerController | undefined;

export function activate(context: vscode.ExtensionContext): CellflowApi {
  const log = vscode.window.createOutputChannel('Cellflow', { log: true });
  const statusBar = new ServerStatusBar();
  server = new LanguageServerController(context, log, statusBar);
  const controller = server;
  context.subscriptions.push(log, statusBar, controller);
  registerCommands(context, controller, log);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cellflow.server.nodePath')) void controller.restart();
    }),
  );
  // Not awaited: activation returns at once and the status bar shows the server coming up.
  void controller.start();
  return {
    serverState: () => controller.state,
    onDidChangeServerState: controller.onDidChangeState,
    serverStatus: () => controller.status(),
  };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
