import * as assert from 'node:assert/strict';
import { lintPipeline } from '../../server/src/core/pipeline/lint';
import { ServerStatusRequest, type ServerStatus } from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';

const GOOD = 'cellflow: 1\nname: churn\nsteps:\n  - id: load\n    code: steps/load.py\n';
const BROKEN = 'cellflow: 1\nname: churn\nsteps:\n  - id: load\n    code: steps/load.py\n    dependson: []\n';

describe('language server over stdio', () => {
  let lsp: LspClient;
  beforeEach(async () => {
    lsp = new LspClient();
    await lsp.initialize();
  });
  afterEach(() => lsp.kill());

  it('introduces itself and syncs documents incrementally', async () => {
    const other = new LspClient();
    try {
      const init = await other.initialize();
      assert.equal(init.serverInfo?.name, 'cellflow-language-server');
      assert.match(init.serverInfo?.version ?? '', /^\d+\.\d+\.\d+$/);
      assert.deepEqual(init.capabilities.textDocumentSync, { openClose: true, change: 2 });
    } finally {
      other.kill();
    }
  });

  it('publishes a broken file\'s diagnostics at exact ranges, identical to the core linter\'s', async () => {
    await lsp.open('untitled:w/broken.cellflow.yaml', BROKEN);
    const published = await lsp.diagnosticsFor('untitled:w/broken.cellflow.yaml', { version: 1 });
    assert.deepEqual(published.diagnostics, [{
      range: { start: { line: 5, character: 4 }, end: { line: 5, character: 13 } },
      severity: 1,
      code: 'unknown-key',
      source: 'cellflow',
      message: 'Unknown key `dependson` in `steps[0]`; did you mean `depends-on`?',
      data: { key: 'dependson', suggestion: 'depends-on' },
    }]);
    const core = lintPipeline(BROKEN);
    assert.deepEqual(published.diagnostics.map((d) => [d.range, d.code, d.message]), core.map((d) => [d.range, d.code, d.message]));
  });

  it('re-lints after an incremental edit and clears fixed problems', async () => {
    const uri = 'untitled:w/edit.cellflow.yaml';
    await lsp.open(uri, BROKEN);
    assert.equal((await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics.length, 1);
    // Replace `dependson` by `depends-on`.
    const version = await lsp.change(uri, [{ range: { start: { line: 5, character: 4 }, end: { line: 5, character: 13 } }, text: 'depends-on' }]);
    assert.deepEqual((await lsp.diagnosticsFor(uri, { version })).diagnostics, []);
    const broken = await lsp.change(uri, [{ range: { start: { line: 0, character: 10 }, end: { line: 0, character: 11 } }, text: '2' }]);
    const d = (await lsp.diagnosticsFor(uri, { version: broken })).diagnostics;
    assert.deepEqual(d.map((x) => [x.code, x.range.start]), [['invalid-value', { line: 0, character: 10 }]]);
  });

  it('clears a document\'s diagnostics when it closes', async () => {
    const uri = 'untitled:w/closed.cellflow.yaml';
    await lsp.open(uri, BROKEN);
    await lsp.diagnosticsFor(uri, { version: 1 });
    await lsp.close(uri);
    await lsp.latestDiagnostics(uri, (p) => p.diagnostics.length === 0, 'diagnostics cleared on close');
  });

  it('answers the custom status request with its runtime and a working better-sqlite3', async () => {
    const status = await lsp.connection.sendRequest<ServerStatus>(ServerStatusRequest.method, null);
    assert.equal(status.pid, lsp.process.pid);
    assert.equal(status.node, process.version);
    assert.equal(status.abi, process.versions.modules);
    assert.deepEqual(status.nativeModules.map((m) => [m.name, m.ok]), [['better-sqlite3', true]]);
    assert.match(status.nativeModules[0].detail ?? '', /^SQLite 3\.\d+/);
  });

  it('survives bad input with a clear diagnostic for each, and keeps answering', async () => {
    const bad: Array<[string, string, string]> = [
      ['binary', 'cellflow: 1\u0000\u0001\u0002\u00ff', 'binary-file'],
      ['empty', '', 'empty-file'],
      ['invalid-utf8', 'cellflow: 1\nname: caf\uFFFD\n', 'invalid-utf8'],
      ['syntax', 'steps: [\n  - {\n', 'yaml-syntax'],
      ['nested', `cellflow: 1\nsteps: ${'['.repeat(20000)}`, 'yaml-syntax'],
      ['five-mb', `cellflow: 1\nname: big\nsteps:\n${Array.from({ length: 150_000 }, (_, i) => `  - id: s${i}\n    code: s${i}.py\n`).join('')}`, 'none'],
    ];
    for (const [name, text] of bad) await lsp.open(`untitled:w/${name}.cellflow.yaml`, text);
    for (const [name, , code] of bad) {
      const d = (await lsp.diagnosticsFor(`untitled:w/${name}.cellflow.yaml`, { timeoutMs: 20000 })).diagnostics;
      if (code === 'none') assert.deepEqual(d, [], name);
      else assert.ok(d.some((x) => x.code === code && x.message.length > 20), `${name}: ${JSON.stringify(d)}`);
    }
    const status = await lsp.connection.sendRequest<ServerStatus>(ServerStatusRequest.method, null);
    assert.equal(status.openDocuments, bad.length);
    assert.equal(lsp.process.exitCode, null);
  });

  it('coalesces a burst of edits into diagnostics for the newest text', async () => {
    const uri = 'untitled:w/burst.cellflow.yaml';
    await lsp.open(uri, GOOD);
    await lsp.diagnosticsFor(uri, { version: 1 });
    let version = 1;
    for (let i = 0; i < 50; i++) version = await lsp.change(uri, [{ range: { start: { line: 1, character: 6 }, end: { line: 1, character: 6 } }, text: 'x' }]);
    const last = await lsp.diagnosticsFor(uri, { version });
    assert.deepEqual(last.diagnostics, []);
  });

  it('shuts down and exits with code 0 when asked', async () => {
    const result = await lsp.shutdown();
    assert.deepEqual(result, { code: 0, signal: null });
  });

  it('exits when its client goes away without a shutdown', async () => {
    lsp.process.stdin.end();
    const result = await lsp.exited;
    assert.deepEqual(result, { code: 0, signal: null }, 'a clean exit, not a crash');
  });

  it('exits non-zero, saying why, when its input stops being LSP messages', async () => {
    lsp.process.stdin.write('Not-A-Header: 1\r\n\r\n{"jsonrpc":"2.0"}');
    const result = await lsp.exited;
    assert.deepEqual(result, { code: 1, signal: null });
    assert.match(lsp.stderr, /Cellflow language server exiting: its input is not the Language Server Protocol \(Header must provide a Content-Length property\.\)/);
  });
});
