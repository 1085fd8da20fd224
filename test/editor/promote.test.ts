import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PromoteResponse } from '../../server/src/protocol';
import { waitFor } from '../support/waitFor';
import { runningServer, workspaceRoot } from './support';

const notebookUri = () => vscode.Uri.joinPath(workspaceRoot(), 'notebooks', 'churn.ipynb');

async function openNotebook(): Promise<vscode.NotebookEditor> {
  const doc = await vscode.workspace.openNotebookDocument(notebookUri());
  return vscode.window.showNotebookDocument(doc);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

describe('promotion in the real editor', () => {
  const pipelinePath = () => vscode.Uri.joinPath(workspaceRoot(), 'multi.cellflow.yaml').fsPath;
  /** The notebook's bytes before anything in this suite promoted its cells. */
  let notebookBytes: Uint8Array;

  before(async () => {
    notebookBytes = await vscode.workspace.fs.readFile(notebookUri());
    await runningServer();
  });

  it('promotes a multi-cell selection, reading cell ids from the notebook editor', async () => {
    const editor = await openNotebook();
    editor.selections = [new vscode.NotebookRange(8, 9), new vscode.NotebookRange(10, 11)];
    const result = await vscode.commands.executeCommand<PromoteResponse>('cellflow.promoteCells', { pipelinePath: pipelinePath(), stepId: 'train' });
    assert.ok(result, 'the command returns the promotion');
    assert.equal(result.status, 'created');
    assert.deepEqual(result.step.source?.cells.map((c) => [c.index, c.id]), [[8, 'c9d8e1a0'], [10, 'e1b0a3c2']]);
    assert.ok(await exists(vscode.Uri.joinPath(workspaceRoot(), 'steps', 'train.py')));
    const text = (await vscode.workspace.openTextDocument(vscode.Uri.file(pipelinePath()))).getText();
    assert.match(text, /- id: train\n/);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(pipelinePath())), [], 'the written pipeline lints clean');
  });

  it('shows the promoted cells\' step through the status bar provider', async () => {
    const editor = await openNotebook();
    const api = await runningServer();
    const steps = await waitFor(async () => {
      const s = await api.notebookSteps(editor.notebook);
      return s.length ? s : undefined;
    }, 'the steps of churn.ipynb');
    assert.deepEqual(steps.map((s) => [s.stepId, s.version, s.cells, s.stale]), [['train', 1, [8, 10], false]]);
  });

  it('refuses a markdown-only selection and writes nothing', async () => {
    const editor = await openNotebook();
    editor.selections = [new vscode.NotebookRange(0, 1)];
    const before = (await vscode.workspace.fs.readFile(vscode.Uri.file(pipelinePath()))).toString();
    const result = await vscode.commands.executeCommand('cellflow.promoteCells', { pipelinePath: pipelinePath(), stepId: 'intro' });
    assert.equal(result, undefined);
    assert.equal((await vscode.workspace.fs.readFile(vscode.Uri.file(pipelinePath()))).toString(), before);
    assert.equal(await exists(vscode.Uri.joinPath(workspaceRoot(), 'steps', 'intro.py')), false);
  });

  it('never rewrites the notebook: after the promotions above, its file holds the same bytes', async () => {
    const editor = await openNotebook();
    assert.equal(editor.notebook.isDirty, false, 'no unsaved change was made to the notebook either');
    const after = await vscode.workspace.fs.readFile(notebookUri());
    assert.ok(Buffer.from(after).equals(Buffer.from(notebookBytes)), `churn.ipynb changed: ${notebookBytes.length} bytes before, ${after.length} after`);
  });
});
