import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { CompletionRequest, DocumentSymbolRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ServerStatusRequest } from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';
import { promotedWorkspace } from '../support/promotedWorkspace';

const RUNS = Number(process.env.CELLFLOW_FUZZ_RUNS ?? 10_000);
const ANSWER_WITHIN_MS = 1000;

/** Text that YAML and the pipeline format find interesting. */
const fragment = fc.oneof(
  fc.constantFrom(':', '- ', '  ', '\n', '[', ']', '{', '}', ',', '#', '&a', '*a', '!!str', '"', "'", '|', '>', '---', '...', '?', '\t', '\u00e9', '\ud83d\ude80', '\u0000', '\uFFFD'),
  fc.constantFrom('id: x', 'depends-on: [clean]', 'depends-on: [train]', 'reads: [y]', 'writes: [customers]', 'params: [Q]', 'version: 0', 'code: /abs.py', 'steps:', 'cellflow: 2', 'source: {}'),
  fc.string({ maxLength: 12 }),
);

/** A mutation of the document: insert, delete, replace or duplicate at some place. */
const mutation = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'replace', 'duplicate-line', 'swap-lines', 'dedent'),
  at: fc.nat(),
  length: fc.nat({ max: 40 }),
  text: fragment,
});

type Mutation = { kind: string; at: number; length: number; text: string };

function mutate(text: string, m: Mutation): string {
  const at = text.length ? m.at % text.length : 0;
  const lines = text.split('\n');
  const line = lines.length ? m.at % lines.length : 0;
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + Math.min(m.length, m.text.length + 3));
    case 'duplicate-line':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const other = (line + 1 + (m.length % 5)) % lines.length;
      [lines[line], lines[other]] = [lines[other], lines[line]];
      return lines.join('\n');
    }
    default:
      lines[line] = (lines[line] ?? '').replace(/^ {1,2}/, '');
      return lines.join('\n');
  }
}

/**
 * Property-based robustness: thousands of mutated pipeline documents (each built from the last, so
 * damage accumulates, and reset now and then) sent to the real server as edits. It must answer every
 * one with diagnostics within a second, answer hover, completion and outline anywhere, and never die.
 */
describe(`language server under ${RUNS} mutated pipeline documents (fast-check)`, function () {
  this.timeout(Math.max(120_000, RUNS * 40));
  let lsp: LspClient;
  let ws: Awaited<ReturnType<typeof promotedWorkspace>>;

  before(async () => {
    ws = await promotedWorkspace();
    lsp = new LspClient();
    await lsp.initialize(ws.dir);
  });
  after(() => {
    lsp?.kill();
    ws?.cleanup();
  });

  it('never crashes or hangs, and answers each document within a second', async () => {
    const base = fs.readFileSync(ws.pipeline, 'utf8');
    const uri = URI.file(ws.pipeline).toString();
    await lsp.open(uri, base);
    await lsp.diagnosticsFor(uri, { version: 1 });
    let text = base;
    let slowest = 0;
    let count = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.nat(), async (ms, reset, probe) => {
        text = (count++ % 50 === 0 && reset ? base : ms.reduce(mutate, text)).slice(0, 200_000);
        const t0 = Date.now();
        const version = await lsp.change(uri, [{ text }]);
        await lsp.diagnosticsFor(uri, { version, timeoutMs: ANSWER_WITHIN_MS });
        const lines = text.split('\n');
        const line = probe % lines.length;
        const position = { line, character: probe % (lines[line].length + 1) };
        await Promise.all([
          lsp.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
          lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
          lsp.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }),
        ]);
        const elapsed = Date.now() - t0;
        slowest = Math.max(slowest, elapsed);
        return elapsed < ANSWER_WITHIN_MS && lsp.process.exitCode === null;
      }),
      { numRuns: RUNS, seed: Number(process.env.CELLFLOW_FUZZ_SEED ?? 20261127), endOnFailure: true },
    );
    const status = await lsp.request(ServerStatusRequest, null);
    assert.equal(status.pid, lsp.process.pid, 'the same server process answered throughout');
    assert.equal(lsp.stderr, '', 'the server wrote nothing to stderr (no crash report)');
    console.log(`      ${count} documents; slowest answer ${slowest} ms`);
  });
});
