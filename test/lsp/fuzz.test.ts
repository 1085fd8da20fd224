import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { CompletionRequest, DocumentSymbolRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { ServerStatusRequest } from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';
import { promotedWorkspace } from '../support/promotedWorkspace';

const RUNS = Number(process.env.CELLFLOW_FUZZ_RUNS ?? 10_000);
const HOSTILE_RUNS = Number(process.env.CELLFLOW_FUZZ_HOSTILE_RUNS ?? 1000);
/**
 * Longer than this is a hang, not slowness: how fast the server answers is `npm run bench -- --only
 * lint`'s to measure (a timed bound in a test fails on a loaded machine). The slowest answer is printed.
 */
const HANG_MS = 10_000;

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

  it('never crashes or hangs on any document', async () => {
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
        await lsp.diagnosticsFor(uri, { version, timeoutMs: HANG_MS });
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
        return elapsed < HANG_MS && lsp.process.exitCode === null;
      }),
      { numRuns: RUNS, seed: Number(process.env.CELLFLOW_FUZZ_SEED ?? 20261127), endOnFailure: true },
    );
    const status = await lsp.request(ServerStatusRequest, null);
    assert.equal(status.pid, lsp.process.pid, 'the same server process answered throughout');
    assert.equal(lsp.stderr, '', 'the server wrote nothing to stderr (no crash report)');
    console.log(`      ${count} documents; slowest answer ${slowest} ms`);
  });
});

/** Paths a cloned repository's pipeline may name to hang, exhaust or spy on the server. */
const HOSTILE_PATHS = [
  '../../../../../../../dev/zero',
  '/dev/zero',
  '/dev/stdin',
  '/proc/self/fd/0',
  '/proc/self/environ',
  '/etc/passwd',
  'fifo.ipynb',
  'linked-out.ipynb',
  'notebooks',
  '"steps/\\0.py"',
  '../outside-of-it.py',
];

/** An alias bomb: each level repeats the one before nine times (9^levels leaves) in a few hundred bytes. */
function aliasBomb(levels: number, indent = '  '): string {
  const out = [`${indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < levels; i++) out.push(`${indent}l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return out.join('\n');
}

/** Where an alias bomb can go in a pipeline document, and what a step may reference from it. */
const BOMBS: Array<(text: string) => string> = [
  (t) => t.replace('params:\n', `params:\n${aliasBomb(9)}\n`),
  (t) => t.replace('params:\n', `params:\n${aliasBomb(9)}\n`).replace('params: [TEST_SIZE, SEED, C]', 'params: [TEST_SIZE, SEED, C, l8]'),
  (t) => t.replace('params:\n', `params:\n${aliasBomb(9)}\n`).replace('reads: [customers]', 'reads: *l8'),
  (t) => t.replace('params:\n', `params:\n${aliasBomb(9)}\n`).replace('depends-on: [clean]', 'depends-on: *l7'),
  (t) => t.replace('params:\n', `params:\n${aliasBomb(9)}\n`).replace('params: [TEST_SIZE, SEED, C]', 'params: *l8'),
  (t) => `${t}x-bomb:\n${aliasBomb(9)}\n`,
];

describe(`language server under ${HOSTILE_RUNS} pipelines naming hostile paths and alias bombs (fast-check)`, function () {
  this.timeout(Math.max(120_000, HOSTILE_RUNS * 400));
  let lsp: LspClient;
  let ws: Awaited<ReturnType<typeof promotedWorkspace>>;
  let outside: string;

  before(async () => {
    ws = await promotedWorkspace();
    outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'cellflow-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.ipynb'), 'root:x:0:0 SECRET_TOKEN=abc');
    fs.symlinkSync(path.join(outside, 'secret.ipynb'), path.join(ws.dir, 'linked-out.ipynb'));
    execFileSync('mkfifo', [path.join(ws.dir, 'fifo.ipynb')]);
    lsp = new LspClient();
    await lsp.initialize(ws.dir);
  });
  after(() => {
    lsp?.kill();
    ws?.cleanup();
    if (outside) fs.rmSync(outside, { recursive: true, force: true });
  });

  it('answers diagnostics, hover, completion and outline without hanging, refusing each path by its rule and never quoting a file', async () => {
    const base = fs.readFileSync(ws.pipeline, 'utf8');
    const uri = URI.file(ws.pipeline).toString();
    await lsp.open(uri, base);
    await lsp.diagnosticsFor(uri, { version: 1 });
    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...HOSTILE_PATHS), { nil: undefined }),
        fc.option(fc.constantFrom(...HOSTILE_PATHS), { nil: undefined }),
        fc.option(fc.nat({ max: BOMBS.length - 1 }), { nil: undefined }),
        fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        async (notebook, code, bomb, probes) => {
          let text = base;
          if (notebook) text = text.replace('notebook: notebooks/churn.ipynb\n      cells:\n        - {index: 6', `notebook: ${notebook}\n      cells:\n        - {index: 6`);
          if (code) text = text.replace('code: steps/train.py', `code: ${code}`);
          if (bomb !== undefined) text = BOMBS[bomb](text);
          const t0 = Date.now();
          const version = await lsp.change(uri, [{ text }]);
          const { diagnostics } = await lsp.diagnosticsFor(uri, { version, timeoutMs: HANG_MS });
          const lines = text.split('\n');
          const positions = probes.map((p) => {
            const line = p % lines.length;
            return { line, character: p % (lines[line].length + 1) };
          });
          // The hostile values themselves, where hover and go-to-definition look at the file they name.
          for (const needle of [notebook, code, 'l8', '*l8']) {
            const at = needle ? text.indexOf(needle) : -1;
            if (at >= 0) positions.push({ line: text.slice(0, at).split('\n').length - 1, character: at - text.lastIndexOf('\n', at - 1) });
          }
          const answers = await Promise.all(
            positions
              .flatMap((position): Array<Promise<unknown>> => [
                lsp.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
                lsp.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
              ])
              .concat([lsp.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })]),
          );
          const elapsed = Date.now() - t0;
          slowest = Math.max(slowest, elapsed);
          const shown = JSON.stringify([diagnostics, answers]);
          assert.doesNotMatch(shown, /root:x|SECRET_TOKEN/, 'no content of a file outside the workspace');
          const refused = diagnostics.filter((d) => d.code === 'refused-path');
          if (notebook) assert.ok(refused.some((d) => /^The source notebook of `clean`, /.test(d.message)), `notebook: ${notebook} is refused: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
          if (code) assert.ok(refused.some((d) => /^The code file of `train`, /.test(d.message)), `code: ${code} is refused: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
          for (const d of refused) assert.match(d.message, /is outside the workspace|not a regular file|is not a path: it holds a NUL byte/);
          return elapsed < HANG_MS && lsp.process.exitCode === null;
        },
      ),
      { numRuns: HOSTILE_RUNS, seed: Number(process.env.CELLFLOW_FUZZ_SEED ?? 20261202), endOnFailure: true },
    );
    const status = await lsp.request(ServerStatusRequest, null);
    assert.equal(status.pid, lsp.process.pid, 'the same server process answered throughout');
    assert.equal(lsp.stderr, '', 'the server wrote nothing to stderr (no crash report)');
    console.log(`      ${HOSTILE_RUNS} documents; slowest answer ${slowest} ms`);
  });
});
