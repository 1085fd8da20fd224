import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../support/waitFor';
import { extension, runningServer, writeFile } from './support';
import { SERVER_NODE_FLAGS } from '../../server/src/protocol';

const BROKEN = 'cellflow: 1\nname: churn\nsteps:\n  - id: load\n    code: data/make_customers.py\n    dependson: []\n';

describe('Cellflow in the real editor', () => {
  it('stays inactive until a pipeline file opens, then activates', async () => {
    const ext = extension();
    assert.equal(ext.isActive, false, 'nothing activated Cellflow at startup');
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'churn.cellflow.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'cellflow-pipeline');
    await waitFor(() => ext.isActive, 'the extension to activate on a pipeline file');
  });

  it('loads no native module of its own into the extension host', () => {
    // The editor loads a few native modules of its own (spdlog, watchdog) from its install folder.
    const ours = Object.keys(require.cache).filter((k) => !k.startsWith(vscode.env.appRoot));
    assert.ok(ours.some((k) => k.endsWith('dist/client/extension.js')), 'sanity: the extension bundle is in the module cache');
    assert.deepEqual(ours.filter((k) => /better-sqlite3|onnxruntime|\.node$/.test(k)), []);
  });

  it('gets an answer from its language server over a custom request', async () => {
    const api = await runningServer();
    const status = await api.serverStatus();
    assert.match(status.version, /^\d+\.\d+\.\d+$/);
    assert.ok(status.pid > 0 && status.pid !== process.pid, 'the server is its own process');
    assert.deepEqual(status.nativeModules.map((m) => [m.name, m.ok]), [['better-sqlite3', true]]);
    assert.deepEqual(status.execArgv, [...SERVER_NODE_FLAGS], 'started with the server\'s Node flags');
  });

  it('shows a broken pipeline file\'s diagnostic at the exact range', async () => {
    const uri = await writeFile('broken.cellflow.yaml', BROKEN);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diagnostics = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length ? d : undefined;
    }, 'diagnostics on broken.cellflow.yaml');
    assert.equal(diagnostics.length, 1);
    const [d] = diagnostics;
    assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [5, 4, 5, 13]);
    assert.equal(doc.getText(d.range), 'dependson');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.source, 'cellflow');
    assert.equal(d.code, 'unknown-key');
    assert.equal(d.message, 'Unknown key `dependson` in `steps[0]`; did you mean `depends-on`?');
  });

  it('clears the diagnostic once the user fixes the key', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'broken.cellflow.yaml');
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((e) => e.replace(new vscode.Range(5, 4, 5, 13), 'depends-on'));
    await waitFor(() => vscode.languages.getDiagnostics(uri).length === 0, 'diagnostics to clear after the fix');
  });

  it('tells the user why the server died and restarts it on command', async () => {
    const api = await runningServer();
    const before = await api.serverStatus();
    process.kill(before.pid, 'SIGKILL');
    const stopped = await waitFor(() => {
      const s = api.serverState();
      return s.kind === 'stopped' ? s : undefined;
    }, 'the client to notice the server died');
    assert.match(stopped.reason, /killed by SIGKILL/);
    await vscode.commands.executeCommand('cellflow.restartServer');
    await runningServer();
    const after = await api.serverStatus();
    assert.notEqual(after.pid, before.pid);
  });
});
