import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver-protocol';
import { NotebookChangedNotification, NotebookClosedNotification, type NotebookSnapshot } from '../../server/src/protocol';
import { type LspClient } from '../support/lspClient';
import { usePromotedServer, type PromotedServer } from '../support/promotedServer';

interface Case {
  code: string;
  /** Changes the pipeline text, or the workspace (returning the files it changed). */
  edit?: (text: string) => string;
  files?: (ws: { dir: string; notebook: string }) => string[];
  /** The text the diagnostic covers: its n-th occurrence (0-based) in the final pipeline text, or a pattern's first match. */
  at: [string, number?] | RegExp;
  message: RegExp;
  severity: 1 | 2;
}

/**
 * One fixture per diagnostic code of the pipeline-level checks, on a real promoted workspace. Its
 * load_data step also lists `files: [data/customers.csv]`: the n-th `customers` counts that one too.
 */
const cases: Case[] = [
  { code: 'yaml-syntax', edit: (t) => t.replace('writes: [customers]', 'writes: [customers'), at: ['files: [data/customers.csv]', 0], message: /^YAML syntax error: /, severity: 1 },
  { code: 'unknown-key', edit: (t) => t.replace('    reads: [customers]', '    raeds: [customers]'), at: ['raeds', 0], message: /did you mean `reads`\?/, severity: 1 },
  { code: 'wrong-type', edit: (t) => t.replace('version: 1\n    code: steps/clean.py', 'version: one\n    code: steps/clean.py'), at: ['one', 0], message: /must be an integer, not the string "one"/, severity: 1 },
  { code: 'duplicate-step-id', edit: (t) => t.replace('- id: clean', '- id: load_data'), at: ['load_data', 2], message: /^Step id `load_data` is already used by the step on line \d+/, severity: 1 },
  { code: 'unknown-step', edit: (t) => t.replace('depends-on: [load_data]', 'depends-on: [load_dta]'), at: ['load_dta', 0], message: /names `load_dta`, which is not a step of this pipeline; did you mean `load_data`\?/, severity: 1 },
  { code: 'dependency-cycle', edit: (t) => t.replace('depends-on: []', 'depends-on: [train]'), at: ['train', 0], message: /^Dependency cycle: load_data → train → clean → load_data\./, severity: 1 },
  { code: 'unresolved-read', edit: (t) => t.replace('depends-on: [load_data]', 'depends-on: []'), at: ['customers', 3], message: /`clean` reads `customers`, but no step it depends on writes it/, severity: 2 },
  { code: 'conflicting-writes', edit: (t) => t.replace('depends-on: [load_data]', 'depends-on: []'), at: ['customers', 4], message: /`clean` and `load_data` both write `customers` and neither depends on the other/, severity: 2 },
  { code: 'unknown-param', edit: (t) => t.replace('params: [TEST_SIZE, SEED, C]', 'params: [TEST_SIZE, SEEDS, C]'), at: ['SEEDS', 0], message: /`SEEDS` is not a param of this pipeline; did you mean `SEED`\?/, severity: 1 },
  { code: 'unused-param', edit: (t) => t.replace('  C: 1\n', '  C: 1\n  unused: 3\n'), at: ['unused', 0], message: /Param `unused` is defined but no step uses it/, severity: 2 },
  { code: 'missing-code-file', files: ({ dir }) => rm(path.join(dir, 'steps', 'clean.py')), at: ['steps/clean.py', 0], message: /The code file of `clean`, steps\/clean\.py, does not exist; re-promote/, severity: 1 },
  { code: 'code-edited', files: ({ dir }) => append(path.join(dir, 'steps', 'clean.py'), '\n# tweak\n'), at: ['steps/clean.py', 0], message: /steps\/clean\.py was edited by hand since `clean` v1 was promoted/, severity: 2 },
  { code: 'missing-notebook', edit: (t) => t.replace('notebook: notebooks/churn.ipynb\n      cells:\n        - {index: 6', 'notebook: notebooks/gone.ipynb\n      cells:\n        - {index: 6'), at: ['notebooks/gone.ipynb', 0], message: /The source notebook of `clean`, notebooks\/gone\.ipynb, does not exist/, severity: 1 },
  { code: 'unreadable-notebook', files: ({ notebook }) => write(notebook, '{"cells": ['), at: ['notebooks/churn.ipynb', 1], message: /cannot be read: churn\.ipynb:1:12: not valid notebook JSON/, severity: 1 },
  { code: 'refused-path', edit: (t) => t.replace('notebook: notebooks/churn.ipynb\n      cells:\n        - {index: 6', 'notebook: ../../../../../../dev/zero\n      cells:\n        - {index: 6'), at: ['../../../../../../dev/zero', 0], message: /^The source notebook of `clean`, \.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero, is outside the workspace \(.*\); Cellflow reads and writes files inside it only\.$/, severity: 1 },
  { code: 'missing-cell', edit: (t) => t.replace(/\{index: 6, id: a7f6c9e8, hash: sha256:[0-9a-f]+\}/, '{index: 99, hash: sha256:0000000000000000000000000000000000000000000000000000000000000000}'), at: /\{index: 99, hash: sha256:0+\}/, message: /Cell 99 of `clean` is no longer in notebooks\/churn\.ipynb/, severity: 1 },
  { code: 'stale-step', files: ({ notebook }) => editCell(notebook, 6, 'customers = customers.dropna()'), at: ['clean', 0], message: /`clean` v1 is stale: its cells in notebooks\/churn\.ipynb changed since it was promoted\. Re-promote it to make v2\./, severity: 2 },
];

function rm(file: string): string[] {
  fs.rmSync(file);
  return [file];
}
function append(file: string, text: string): string[] {
  fs.appendFileSync(file, text);
  return [file];
}
function write(file: string, text: string): string[] {
  fs.writeFileSync(file, text);
  return [file];
}
function editCell(notebook: string, index: number, source: string): string[] {
  const nb = JSON.parse(fs.readFileSync(notebook, 'utf8'));
  nb.cells[index].source = [source];
  fs.writeFileSync(notebook, JSON.stringify(nb));
  return [notebook];
}

/** The LSP range of the n-th occurrence of `needle` in `text`. */
function rangeOf(text: string, needle: string, n = 0) {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `occurrence ${n} of ${JSON.stringify(needle)}`);
  }
  const pos = (o: number) => {
    const before = text.slice(0, o).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  };
  return { start: pos(at), end: pos(at + needle.length) };
}

describe('pipeline diagnostics over LSP, one fixture per code', () => {
  const ctx = usePromotedServer();

  let lsp: LspClient;
  let ws: PromotedServer['ws'];
  let uri: string;
  beforeEach(() => ({ lsp, ws, uri } = ctx));

  it('finds nothing wrong in a freshly promoted pipeline', async () => {
    await lsp.open(uri, fs.readFileSync(ws.pipeline, 'utf8'));
    assert.deepEqual((await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics, []);
  });

  for (const c of cases) {
    it(`reports ${c.code} at its range with its message`, async () => {
      const original = fs.readFileSync(ws.pipeline, 'utf8');
      const text = c.edit ? c.edit(original) : original;
      assert.ok(!c.edit || text !== original, 'the fixture edit applies');
      c.files?.(ws);
      await lsp.open(uri, text);
      const found = (await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics;
      const d = found.find((x: LspDiagnostic) => x.code === c.code);
      assert.ok(d, `expected ${c.code}; got ${JSON.stringify(found.map((x) => [x.code, x.message]))}`);
      const want = c.at instanceof RegExp ? rangeOf(text, c.at.exec(text)![0]) : rangeOf(text, c.at[0], c.at[1]);
      assert.deepEqual(d.range.start, want.start, `start of ${c.code}: ${d.message}`);
      if (c.code !== 'yaml-syntax') assert.deepEqual(d.range.end, want.end, `end of ${c.code}`);
      assert.match(d.message, c.message);
      assert.equal(d.severity, c.severity);
      assert.equal(d.source, 'cellflow');
    });
  }

  it('refreshes when a step file changes on disk, as the file watcher reports it', async () => {
    await lsp.open(uri, fs.readFileSync(ws.pipeline, 'utf8'));
    assert.deepEqual((await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics, []);
    const changed = append(path.join(ws.dir, 'steps', 'train.py'), '\n# tweak\n');
    await lsp.filesChanged(changed);
    const after = await lsp.latestDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'code-edited'), 'code-edited after the watcher event');
    assert.equal(after.diagnostics.length, 1);
  });

  it('notices a deleted folder of step files, from the one event the watcher sends for it', async () => {
    await lsp.open(uri, fs.readFileSync(ws.pipeline, 'utf8'));
    assert.deepEqual((await lsp.diagnosticsFor(uri, { version: 1 })).diagnostics, []);
    const steps = path.join(ws.dir, 'steps');
    fs.rmSync(steps, { recursive: true });
    await lsp.filesChanged([steps]);
    const after = await lsp.latestDiagnostics(uri, (p) => p.diagnostics.filter((d) => d.code === 'missing-code-file').length === 3, 'a missing-code-file for each of the three steps');
    assert.equal(after.diagnostics.length, 3);
  });

  it('marks a step stale as soon as its cell is edited in an open notebook, and not once it is closed', async () => {
    await lsp.open(uri, fs.readFileSync(ws.pipeline, 'utf8'));
    await lsp.diagnosticsFor(uri, { version: 1 });
    const nb = JSON.parse(fs.readFileSync(ws.notebook, 'utf8'));
    const snapshot: NotebookSnapshot = {
      path: ws.notebook,
      language: 'python',
      cells: nb.cells.map((c: { cell_type: 'code' | 'markdown'; source: string[]; id: string }) => ({ kind: c.cell_type, source: c.source.join(''), id: c.id, tags: [] })),
    };
    snapshot.cells[4].source += '\ncustomers = customers.sample(frac=1.0)';
    await lsp.notify(NotebookChangedNotification, { notebook: snapshot });
    const stale = await lsp.latestDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'stale-step'), 'stale-step from the unsaved notebook');
    assert.match(stale.diagnostics[0].message, /`load_data` v1 is stale/);
    await lsp.notify(NotebookClosedNotification, { path: ws.notebook });
    await lsp.latestDiagnostics(uri, (p) => p.diagnostics.length === 0, 'back to the saved notebook: not stale');
  });
});
