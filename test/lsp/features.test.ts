import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type Location,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { lintPipeline } from '../../server/src/core/pipeline/lint';
import { type LspClient } from '../support/lspClient';
import { usePromotedServer, type PromotedServer } from '../support/promotedServer';
import { applyEdits } from '../support/textEdits';

describe('editing features over LSP', () => {
  const ctx = usePromotedServer();
  let text: string;

  /** The position of the n-th occurrence of `needle`, `into` characters into it. */
  function at(needle: string, n = 0, into = 1) {
    let o = -1;
    for (let i = 0; i <= n; i++) o = text.indexOf(needle, o + 1);
    assert.ok(o >= 0, needle);
    const before = text.slice(0, o + into).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  }

  async function openText(t: string): Promise<Diagnostic[]> {
    text = t;
    await lsp.open(uri, t);
    return (await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics;
  }

  let lsp: LspClient;
  let ws: PromotedServer['ws'];
  let uri: string;
  beforeEach(() => ({ lsp, ws, uri } = ctx));

  it('completes the keys a step may still have, at a new line in the step', async () => {
    const base = fs.readFileSync(ws.pipeline, 'utf8');
    await openText(base.replace('    reads: [customers]\n', '    reads: [customers]\n    \n'));
    const items = (await lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: at('    \n').line, character: 4 } })) as CompletionItem[];
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('description') && labels.includes('params'), labels.join());
    assert.ok(!labels.includes('id') && !labels.includes('reads'), 'keys the step already has are not offered');
    assert.equal(items.find((i) => i.label === 'description')?.insertText, 'description: ');
  });

  it('completes step ids in depends-on and params in a step\'s params', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8').replace('depends-on: [clean]', 'depends-on: [clean, ]').replace('params: [TEST_SIZE, SEED, C]', 'params: [TEST_SIZE, ]'));
    const deps = (await lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at('clean, ]', 0, 7) })) as CompletionItem[];
    assert.deepEqual(deps.map((i) => i.label).sort(), ['clean', 'load_data']);
    const params = (await lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at('TEST_SIZE, ]', 0, 11) })) as CompletionItem[];
    assert.deepEqual(params.map((i) => i.label).sort(), ['C', 'SEED', 'TEST_SIZE']);
  });

  it('hovers a step with its version, data and a preview of its source cell', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const h = await lsp.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 5) });
    const md = (h?.contents as MarkupContent).value;
    assert.match(md, /\*\*step `clean`\*\* · v1/);
    assert.match(md, /promoted from `notebooks\/churn\.ipynb`, cell 6 \(a7f6c9e8\)/);
    assert.match(md, /reads: `customers` · writes: `customers`/);
    assert.match(md, /```python\ncustomers\["monthly_charges"\] = customers\.groupby/);
    const key = await lsp.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at('version: 1', 1, 2) });
    assert.match((key?.contents as MarkupContent).value, /Version of the step; re-promoting changed cells makes the next one/);
  });

  it('goes from a depends-on entry to the step, and from a step to its code file and notebook cell', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const toStep = (await lsp.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at('[load_data]', 0, 3) })) as Location[];
    assert.deepEqual(toStep, [{ uri, range: { start: at('id: load_data', 0, 4), end: at('id: load_data', 0, 13) } }]);
    const fromStep = (await lsp.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 5) })) as Location[];
    assert.deepEqual(fromStep.map((l) => [URI.parse(l.uri).fsPath, l.range.start.line]), [[path.join(ws.dir, 'steps', 'clean.py'), 0], [ws.notebook, 6]]);
    const param = (await lsp.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at('SEED, C]', 0, 1) })) as Location[];
    assert.equal(param[0].range.start.line, at('SEED: 42').line);
  });

  it('finds every reference to a step', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const refs = (await lsp.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at('id: load_data', 0, 5), context: { includeDeclaration: true } })) as Location[];
    assert.deepEqual(refs.map((r) => r.range.start), [at('id: load_data', 0, 4), at('[load_data]', 0, 1)]);
  });

  it('renames a step id everywhere, its history in the lock file included', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const prep = await lsp.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 6) });
    assert.deepEqual(prep, { range: { start: at('id: clean', 0, 4), end: at('id: clean', 0, 9) }, placeholder: 'clean' });
    const edit = await lsp.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 6), newName: 'tidy' });
    const renamed = applyEdits(text, edit!.changes![uri]);
    assert.match(renamed, /- id: tidy\n/);
    assert.match(renamed, /depends-on: \[tidy\]/);
    assert.doesNotMatch(renamed, /\bclean\b(?!\.py)/);
    const lockUri = URI.file(ws.pipeline.replace(/\.yaml$/, '.lock')).toString();
    const lock = JSON.parse(edit!.changes![lockUri][0].newText);
    assert.ok(lock.steps.tidy && !lock.steps.clean);
    await assert.rejects(lsp.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 6), newName: 'train' }), /There already is a step `train`/);
    await assert.rejects(lsp.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at('id: clean', 0, 6), newName: '9x' }), /not a valid step id/);
  });

  it('outlines params and steps', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const symbols = (await lsp.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => s.name), ['cellflow', 'name', 'description', 'params', 'steps']);
    assert.deepEqual(symbols[3].children?.map((c) => c.name), ['TEST_SIZE', 'SEED', 'C']);
    const steps = symbols[4].children!;
    assert.deepEqual(steps.map((c) => c.name), ['load_data', 'clean', 'train']);
    assert.match(steps[1].detail ?? '', /^v1 · reads customers · writes customers$/);
  });

  async function actionsFor(code: string): Promise<{ diagnostic: Diagnostic; actions: CodeAction[] }> {
    const diagnostics = (await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics;
    const diagnostic = diagnostics.find((d) => d.code === code);
    assert.ok(diagnostic, `${code} in ${JSON.stringify(diagnostics.map((d) => d.code))}`);
    const actions = (await lsp.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    return { diagnostic, actions };
  }

  it('quick-fixes a mistyped step id and an unknown param, by suggestion or by adding the param', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8').replace('depends-on: [load_data]', 'depends-on: [load_dat]').replace('params: [TEST_SIZE, SEED, C]', 'params: [TEST_SIZE, SEED, C, LR]'));
    const typo = await actionsFor('unknown-step');
    assert.equal(typo.actions[0].title, 'Change to `load_data`');
    assert.equal(typo.actions[0].isPreferred, true);
    const param = await actionsFor('unknown-param');
    const add = param.actions.find((a) => a.title === 'Add param `LR` to `params:`');
    assert.ok(add);
    const fixed = applyEdits(applyEdits(text, typo.actions[0].edit!.changes![uri]), add.edit!.changes![uri]);
    assert.match(fixed, /\n {2}C: 1\n {2}LR: null\n/);
    assert.deepEqual(lintPipeline(fixed).filter((d) => d.severity === 'error'), []);
  });

  it('quick-fixes an unknown key by renaming it to the near key, or removing it', async () => {
    await openText(fs.readFileSync(ws.pipeline, 'utf8').replace('    reads: [customers]\n    writes: [customers]', '    raeds: [customers]\n    writes: [customers]'));
    const { actions } = await actionsFor('unknown-key');
    assert.deepEqual(actions.map((a) => a.title), ['Rename to `reads`', 'Remove `raeds`']);
    assert.match(applyEdits(text, actions[0].edit!.changes![uri]), /    reads: \[customers\]\n    writes: \[customers\]/);
    const removed = applyEdits(text, actions[1].edit!.changes![uri]);
    assert.doesNotMatch(removed, /raeds/);
    assert.equal(removed.split('\n').length, text.split('\n').length - 1, 'exactly the key\'s line goes');
  });

  it('offers to re-promote a stale step, through the editor command', async () => {
    const nb = JSON.parse(fs.readFileSync(ws.notebook, 'utf8'));
    nb.cells[6].source = ['customers = customers.dropna()'];
    fs.writeFileSync(ws.notebook, JSON.stringify(nb));
    await openText(fs.readFileSync(ws.pipeline, 'utf8'));
    const { actions } = await actionsFor('stale-step');
    assert.equal(actions[0].title, 'Re-promote `clean` from its changed cells');
    assert.deepEqual(actions[0].command, { command: 'cellflow.repromoteFromPipeline', title: actions[0].title, arguments: [{ pipelinePath: ws.pipeline, stepId: 'clean', notebook: 'notebooks/churn.ipynb' }] });
  });
});
