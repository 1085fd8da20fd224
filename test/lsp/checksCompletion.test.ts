import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompletionRequest, type CompletionItem } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { CLI } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { EXAMPLES } from '../support/paths';
import { PYTHON } from '../support/store';

describe('completion of column names under checks:, from the last run', function () {
  this.timeout(180_000);
  let dir: string;
  let lsp: LspClient;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-columns-'));
    fs.cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => path.basename(src) !== '.cellflow' && path.basename(src) !== 'models' });
    fs.mkdirSync(path.join(dir, '.cellflow'));
    const r = spawnSync(process.execPath, [CLI, 'run', 'churn.cellflow.yaml', '--python', PYTHON], { cwd: dir, encoding: 'utf8', timeout: 150_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    lsp = new LspClient();
    await lsp.initialize(dir);
  });
  after(() => {
    lsp?.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('offers the columns the last run recorded for the output, with their types, except those already checked', async () => {
    const file = path.join(dir, 'churn.cellflow.yaml');
    const anchor = '          monthly_charges: {type: float, nulls: 2%, min: 0}\n';
    const original = fs.readFileSync(file, 'utf8');
    assert.ok(original.includes(anchor), 'the example checks the customers table of load');
    const text = original.replace(anchor, `${anchor}          \n`);
    const uri = URI.file(file).toString();
    await lsp.open(uri, text);
    await lsp.diagnosticsFor(uri, { version: 1 });
    const line = text.slice(0, text.indexOf(anchor) + anchor.length).split('\n').length - 1;
    const items = (await lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line, character: 10 } })) as CompletionItem[];
    assert.deepEqual(items.map((i) => i.label).sort(), ['churned', 'internet_service', 'paperless_billing', 'senior_citizen', 'support_calls']);
    assert.equal(items.find((i) => i.label === 'support_calls')?.detail, 'column of customers (int64), as the last run recorded it');
  });
});
