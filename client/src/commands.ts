import * as vscode from 'vscode';
import type { ServerStatus } from '../../server/src/protocol';
import type { LanguageServerController } from './languageServer';

export function registerCommands(context: vscode.ExtensionContext, server: Promise<LanguageServerController>, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('cellflow.showServerStatus', async () => showServerStatus(await server, log)),
    vscode.commands.registerCommand('cellflow.restartServer', async () => (await server).restart()),
    vscode.commands.registerCommand('cellflow.showLogs', () => log.show()),
  );
}

async function showServerStatus(server: LanguageServerController, log: vscode.LogOutputChannel): Promise<ServerStatus | undefined> {
  let status: ServerStatus;
  try {
    status = await server.status();
  } catch (err) {
    const choice = await vscode.window.showErrorMessage(`Cellflow: ${err instanceof Error ? err.message : String(err)}`, 'Restart', 'Show Logs');
    if (choice === 'Restart') await server.restart();
    else if (choice === 'Show Logs') log.show();
    return undefined;
  }
  const natives = status.nativeModules.map((m) => (m.ok ? `${m.name} ok (${m.detail ?? 'loaded'})` : `${m.name} failed: ${m.error}`)).join('; ');
  const summary = `Cellflow language server ${status.version} is running on node ${status.node} (ABI ${status.abi}), pid ${status.pid}; ${natives}.`;
  log.info(`${summary} Flags: ${status.execArgv.join(' ') || 'none'}.`);
  const broken = status.nativeModules.filter((m) => !m.ok);
  const show = broken.length
    ? vscode.window.showWarningMessage(`${summary} Set cellflow.server.nodePath to the Node that ran \`npm ci\`.`, 'Show Logs')
    : vscode.window.showInformationMessage(summary, 'Show Logs');
  void show.then((choice) => choice === 'Show Logs' && log.show());
  return status;
}
