import * as path from 'node:path';
import * as vscode from 'vscode';
import { PromoteRequest, SuggestStepRequest, type PromoteResponse, type RequestErrorData } from '../../server/src/protocol';
import type { LanguageServerController } from './languageServer';
import { selectedCellIndices, snapshotNotebook } from './notebookSnapshot';

const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export interface PromoteTarget {
  notebook: vscode.NotebookDocument;
  cells: number[];
  pipelinePath?: string;
  stepId?: string;
}

/**
 * "Promote Cells to Pipeline": asks which pipeline (an existing one or a new file) and which step id
 * (offering the heading above the cells, or the step they already are), then applies the server's
 * result as one workspace edit and saves it.
 */
export async function promoteFromEditor(server: Promise<LanguageServerController>, arg?: unknown): Promise<PromoteResponse | undefined> {
  const editor = vscode.window.activeNotebookEditor;
  const cell = isNotebookCell(arg) ? arg : undefined;
  // Keybindings and scripts can pass { pipelinePath, stepId } to skip the prompts.
  const preset = isPreset(arg) ? arg : {};
  const notebook = cell?.notebook ?? editor?.notebook;
  if (!notebook || notebook.notebookType !== 'jupyter-notebook') {
    void vscode.window.showErrorMessage('Cellflow: open a Jupyter notebook (.ipynb) and select the cells to promote.');
    return undefined;
  }
  const cells = selectedCellIndices(editor?.notebook === notebook ? editor : undefined, cell);
  if (cells.length === 0) {
    void vscode.window.showErrorMessage('Cellflow: no cells selected: select the code cells to promote.');
    return undefined;
  }
  if (!cells.some((i) => notebook.cellAt(i).kind === vscode.NotebookCellKind.Code)) {
    void vscode.window.showErrorMessage('Cellflow: the selection holds no code cells (only markdown): select code cells to promote.');
    return undefined;
  }
  const pipelinePath = preset.pipelinePath ?? (await pickPipeline(notebook));
  if (!pipelinePath) return undefined;
  const controller = await server;
  if (preset.stepId !== undefined) return promoteAndApply(controller, { notebook, cells, pipelinePath, stepId: preset.stepId });
  const snapshot = snapshotNotebook(notebook);
  let suggestion: { stepId: string; existing: boolean };
  try {
    suggestion = await controller.request(SuggestStepRequest, { notebook: snapshot, cells, pipelinePath });
  } catch (err) {
    void vscode.window.showErrorMessage(`Cellflow: ${messageOf(err)}`);
    return undefined;
  }
  const stepId = await vscode.window.showInputBox({
    title: 'Promote Cells to Pipeline: step id',
    prompt: suggestion.existing ? `These cells are step "${suggestion.stepId}": promoting makes its next version if they changed.` : 'Id of the new step (letters, digits, _ and -).',
    value: suggestion.stepId,
    validateInput: (v) => (STEP_ID.test(v) ? undefined : 'A step id starts with a letter or _ and holds only letters, digits, _ and -.'),
  });
  if (!stepId) return undefined;
  return promoteAndApply(controller, { notebook, cells, pipelinePath, stepId });
}

/** Sends the promotion and applies its files; also the re-promote action of a stale step. */
export async function promoteAndApply(controller: LanguageServerController, target: PromoteTarget & { pipelinePath: string }): Promise<PromoteResponse | undefined> {
  let result: PromoteResponse;
  const send = (move?: boolean) => controller.request(PromoteRequest, { notebook: snapshotNotebook(target.notebook), cells: target.cells, stepId: target.stepId, pipelinePath: target.pipelinePath, move });
  try {
    try {
      result = await send();
    } catch (err) {
      // Cells that belong to another step move only when the user says so.
      const taken = errorData(err);
      if (taken?.kind !== 'cells-taken') throw err;
      const owners = taken.holders.map((h) => `"${h.stepId}" (cell${h.cells.length > 1 ? 's' : ''} ${h.cells.join(', ')})`).join(', ');
      const choice = await vscode.window.showWarningMessage(`Cellflow: these cells already belong to ${owners}. Move them to "${target.stepId ?? 'the new step'}"?`, { modal: true, detail: messageOf(err) }, 'Move');
      if (choice !== 'Move') return undefined;
      result = await send(true);
    }
  } catch (err) {
    void vscode.window.showErrorMessage(`Cellflow: ${messageOf(err)}`);
    return undefined;
  }
  try {
    if (result.files.length) await applyFiles(result.files);
  } catch (err) {
    void vscode.window.showErrorMessage(`Cellflow: ${messageOf(err)}`);
    return undefined;
  }
  const where = vscode.workspace.asRelativePath(target.pipelinePath);
  const summary = {
    created: `Created step "${result.step.id}" v${result.step.version} in ${where}`,
    'new-version': `Step "${result.step.id}" is now v${result.step.version} in ${where}`,
    relocated: `Step "${result.step.id}" v${result.step.version} is unchanged; its cells' positions were updated`,
    restored: `Step "${result.step.id}" v${result.step.version}: its code file was written again`,
    unchanged: `Step "${result.step.id}" v${result.step.version} is up to date: nothing changed`,
  }[result.status];
  const details = `reads ${result.step.reads.join(', ') || 'nothing'} · writes ${result.step.writes.join(', ') || 'nothing'}${result.step.dependsOn.length ? ` · depends on ${result.step.dependsOn.join(', ')}` : ''}`;
  const dirty = target.notebook.isDirty ? ' The notebook has unsaved changes: save it so that the CLI sees the same cells.' : '';
  for (const w of result.warnings) void vscode.window.showWarningMessage(`Cellflow: ${w}`);
  void vscode.window.showInformationMessage(`Cellflow: ${summary} (${details}).${dirty}`, 'Open Pipeline', 'Open Step Code').then(async (choice) => {
    if (choice === 'Open Pipeline') await vscode.window.showTextDocument(vscode.Uri.file(target.pipelinePath));
    if (choice === 'Open Step Code') await vscode.window.showTextDocument(vscode.Uri.file(path.resolve(path.dirname(target.pipelinePath), result.step.code)));
  });
  return result;
}

/** One undoable edit for all files, then saved, so the CLI and the linter see them on disk. */
async function applyFiles(files: Array<{ path: string; content: string }>): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  const uris: vscode.Uri[] = [];
  for (const f of files) {
    const uri = vscode.Uri.file(f.path);
    // The server only writes next to the pipeline; refuse anything outside the workspace all the same.
    if (!vscode.workspace.getWorkspaceFolder(uri)) throw new Error(`refusing to write ${f.path}: it is outside the workspace`);
    uris.push(uri);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const exists = open !== undefined || (await vscode.workspace.fs.stat(uri).then(() => true, () => false));
    if (exists) {
      const doc = open ?? (await vscode.workspace.openTextDocument(uri));
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), f.content);
    } else {
      edit.createFile(uri, { ignoreIfExists: false, contents: Buffer.from(f.content, 'utf8') });
    }
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the workspace edit');
  for (const uri of uris) await vscode.workspace.save(uri);
}

async function pickPipeline(notebook: vscode.NotebookDocument): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles('**/*.cellflow.{yaml,yml}', '**/node_modules/**', 200);
  const newItem: vscode.QuickPickItem = { label: '$(new-file) New pipeline file…', alwaysShow: true };
  const items: vscode.QuickPickItem[] = [
    ...found.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((u) => ({ label: vscode.workspace.asRelativePath(u), description: u.fsPath === notebook.uri.fsPath ? '' : undefined, detail: u.fsPath })),
    newItem,
  ];
  const picked = found.length
    ? await vscode.window.showQuickPick(items, { title: 'Promote Cells to Pipeline: which pipeline?', placeHolder: 'Pick a pipeline file or make a new one' })
    : newItem;
  if (!picked) return undefined;
  if (picked !== newItem) return picked.detail;
  const folder = vscode.workspace.getWorkspaceFolder(notebook.uri)?.uri.fsPath ?? path.dirname(notebook.uri.fsPath);
  const base = path.basename(notebook.uri.fsPath, '.ipynb').replace(/[^A-Za-z0-9_-]+/g, '_');
  const name = await vscode.window.showInputBox({
    title: 'Promote Cells to Pipeline: new pipeline file',
    prompt: 'Path of the new pipeline file, relative to the workspace folder',
    value: `${base}.cellflow.yaml`,
    validateInput: (v) => (/\.cellflow\.ya?ml$/.test(v) ? undefined : 'Pipeline files are named *.cellflow.yaml'),
  });
  return name ? path.resolve(folder, name) : undefined;
}

function isPreset(x: unknown): x is { pipelinePath?: string; stepId?: string } {
  return typeof x === 'object' && x !== null && ('pipelinePath' in x || 'stepId' in x) && !('notebook' in x);
}

function isNotebookCell(x: unknown): x is vscode.NotebookCell {
  return typeof x === 'object' && x !== null && 'notebook' in x && 'index' in x && 'document' in x;
}

/** What the server attached to a refusal (protocol RequestErrorData), when it did. */
function errorData(err: unknown): RequestErrorData | undefined {
  const data = (err as { data?: unknown } | undefined)?.data;
  return data && typeof data === 'object' && 'kind' in data ? (data as RequestErrorData) : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
