import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PromoteResponse } from '../../server/src/protocol';
import { waitFor } from '../support/waitFor';
import { runningServer, workspaceRoot, writeFile } from './support';

const CYCLE = [
  'cellflow: 1',
  'name: loop',
  'steps:',
  '  - id: a',
  '    code: a.py',
  '    depends-on: [b]',
  '  - id: b',
  '    code: b.py',
  '    depends-on: [a]',
  '',
].join('\n');

function diagnosticsWith(uri: vscode.Uri, code: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.code === code);
}

describe('pipeline diagnostics and quick fixes in the real editor', () => {
  before(async () => {
    await runningServer();
  });

  it('marks each edge of a dependency cycle as an error, naming the whole cycle', async () => {
    const uri = await writeFile('loop.cellflow.yaml', CYCLE);
    await vscode.window.showTextDocument(uri);
    const cycle = await waitFor(() => {
      const d = diagnosticsWith(uri, 'dependency-cycle');
      return d.length === 2 ? d : undefined;
    }, 'two dependency-cycle diagnostics');
    assert.deepEqual(cycle.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]), [[5, 17, 18], [8, 17, 18]]);
    assert.ok(cycle.every((d) => d.severity === vscode.DiagnosticSeverity.Error && d.message.startsWith('Dependency cycle: a → b → a.')));
  });

  it('applies the quick fix for a stale step: the step is re-promoted as version 2', async () => {
    const root = workspaceRoot();
    const notebookUri = vscode.Uri.joinPath(root, 'notebooks', 'quickfix.ipynb');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(root, 'notebooks', 'churn.ipynb'), notebookUri, { overwrite: true });
    const pipeline = vscode.Uri.joinPath(root, 'quickfix.cellflow.yaml');
    const notebook = await vscode.workspace.openNotebookDocument(notebookUri);
    const editor = await vscode.window.showNotebookDocument(notebook);
    editor.selections = [new vscode.NotebookRange(4, 5)];
    const promoted = await vscode.commands.executeCommand<PromoteResponse>('cellflow.promoteCells', { pipelinePath: pipeline.fsPath, stepId: 'load_data' });
    assert.equal(promoted?.status, 'created');

    // Change the promoted cell in the editor, without saving: the open pipeline notices.
    const cell = notebook.cellAt(4);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(cell.document.uri, new vscode.Position(cell.document.lineCount, 0), '\ncustomers = customers.dropna()');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const doc = await vscode.workspace.openTextDocument(pipeline);
    await vscode.window.showTextDocument(doc, { preview: false });
    const [stale] = await waitFor(() => {
      const d = diagnosticsWith(pipeline, 'stale-step');
      return d.length ? d : undefined;
    }, 'a stale-step diagnostic on the pipeline', 20000, () => JSON.stringify(vscode.languages.getDiagnostics(pipeline).map((d) => d.code)));

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', pipeline, stale.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Re-promote `load_data` from its changed cells');
    assert.ok(fix?.command, `the re-promote fix is offered: ${actions.map((a) => a.title).join('; ')}`);
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));

    await waitFor(() => /- id: load_data\n\s+version: 2\n/.test(doc.getText()), 'version 2 in the pipeline', 20000, () => doc.getText());
    await waitFor(() => diagnosticsWith(pipeline, 'stale-step').length === 0, 'the stale marker to go');
    await vscode.commands.executeCommand('workbench.action.files.revert', notebookUri);
  });
});
