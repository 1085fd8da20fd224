import * as vscode from 'vscode';
import type { CellflowApi } from '../../client/src/extension';
import { waitFor } from '../support/waitFor';

export const EXTENSION_ID = 'cellflow.cellflow';

export function extension(): vscode.Extension<CellflowApi> {
  const ext = vscode.extensions.getExtension<CellflowApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri;
}

export async function writeFile(relative: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), relative);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** Waits until the language server runs and returns the extension's API. */
export async function runningServer(): Promise<CellflowApi> {
  const ext = extension();
  const api = ext.isActive ? ext.exports : await ext.activate();
  await waitFor(() => api.serverState().kind === 'running', 'the language server to be running', 30000, () => JSON.stringify(api.serverState()));
  return api;
}
