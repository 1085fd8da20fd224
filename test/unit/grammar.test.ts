import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { objectKeysAt } from '../../server/src/core/pipeline/schemaDiagnostics';
import { ROOT } from '../support/paths';

const GRAMMAR = path.join(ROOT, 'syntaxes', 'cellflow-pipeline.tmLanguage.json');

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => (scope === 'source.cellflow-pipeline' ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR) : null),
  });
  const grammar = await registry.loadGrammar('source.cellflow-pipeline');
  assert.ok(grammar, 'grammar loads');
  return grammar;
}

/** Each token's text with its innermost scope, line by line. */
function tokenize(grammar: vsctm.IGrammar, text: string): Array<Array<[string, string]>> {
  let state = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]] as [string, string]);
  });
}

function scopeOf(lines: Array<Array<[string, string]>>, line: number, text: string): string | undefined {
  return lines[line].find(([t]) => t === text)?.[1];
}

describe('TextMate grammar for pipeline files', () => {
  let grammar: vsctm.IGrammar;
  before(async () => {
    grammar = await loadGrammar();
  });

  const sample = [
    '# churn pipeline',
    'cellflow: 1',
    'name: churn',
    'params:',
    '  seed: 42',
    '  model: "logreg"',
    'steps:',
    '  - id: load_data',
    '    code: steps/load_data.py',
    `    depends-on: [split, train-model]`,
    '    dependson: [x]  # typo',
    '    source:',
    `      hash: sha256:${'0a'.repeat(32)}`,
    '    description: |',
    '      Loads the CSV',
    '      id: not a key here',
    '    reads: []',
    '  - {id: b, code: x.py}',
  ].join('\n');

  it('scopes known keys as Cellflow keywords and unknown keys as plain tags', () => {
    const t = tokenize(grammar, sample);
    for (const [line, key] of [[1, 'cellflow'], [2, 'name'], [3, 'params'], [6, 'steps'], [7, 'id'], [8, 'code'], [9, 'depends-on'], [11, 'source'], [12, 'hash'], [16, 'reads']] as const) {
      assert.equal(scopeOf(t, line, key), 'keyword.other.key.cellflow', `line ${line} key ${key}`);
    }
    assert.equal(scopeOf(t, 10, 'dependson'), 'entity.name.tag.yaml');
    assert.equal(scopeOf(t, 4, 'seed'), 'entity.name.tag.yaml');
  });

  it('scopes step ids, code paths, hashes, numbers, strings and comments', () => {
    const t = tokenize(grammar, sample);
    assert.equal(scopeOf(t, 7, 'load_data'), 'entity.name.function.step.cellflow');
    assert.equal(scopeOf(t, 9, 'split'), 'entity.name.function.step.cellflow');
    assert.equal(scopeOf(t, 9, 'train-model'), 'entity.name.function.step.cellflow');
    assert.equal(scopeOf(t, 8, 'steps/load_data.py'), 'string.unquoted.path.cellflow');
    assert.equal(scopeOf(t, 12, `sha256:${'0a'.repeat(32)}`), 'constant.other.hash.cellflow');
    assert.equal(scopeOf(t, 1, '1'), 'constant.numeric.yaml');
    assert.equal(scopeOf(t, 5, 'logreg'), 'string.quoted.double.yaml');
    assert.equal(scopeOf(t, 0, ' churn pipeline'), 'comment.line.number-sign.yaml');
    assert.equal(scopeOf(t, 10, ' typo'), 'comment.line.number-sign.yaml');
  });

  it('treats block scalar lines as text, even when they look like keys', () => {
    const t = tokenize(grammar, sample);
    assert.equal(scopeOf(t, 15, '      id: not a key here'), 'string.unquoted.block.yaml');
    assert.equal(scopeOf(t, 16, 'reads'), 'keyword.other.key.cellflow', 'the block ends at the dedent');
  });

  it('scopes step ids in a block-style depends-on list, and param names in a step\'s params', () => {
    const t = tokenize(grammar, ['steps:', '  - id: train', '    depends-on:', '      - load_data', '      - clean  # why', '    params: [SEED, C]', '    reads: [x]'].join('\n'));
    assert.equal(scopeOf(t, 3, 'load_data'), 'entity.name.function.step.cellflow');
    assert.equal(scopeOf(t, 4, 'clean'), 'entity.name.function.step.cellflow');
    assert.equal(scopeOf(t, 5, 'SEED'), 'variable.other.constant.param.cellflow');
    assert.equal(scopeOf(t, 6, 'reads'), 'keyword.other.key.cellflow', 'the list ends at the dedent');
  });

  it('scopes keys inside flow mappings', () => {
    const t = tokenize(grammar, sample);
    assert.equal(scopeOf(t, 17, 'id'), 'keyword.other.key.cellflow');
    assert.equal(scopeOf(t, 17, 'code'), 'keyword.other.key.cellflow');
  });

  it('knows every key the pipeline schema defines', () => {
    const raw = fs.readFileSync(GRAMMAR, 'utf8');
    const keyRegex = /\(\?:\(-\)\\\\s\+\)\?\(\?:\(([a-z|-]+)\)\|/.exec(raw);
    assert.ok(keyRegex, 'the block-scalar rule lists the known keys');
    const grammarKeys = new Set(keyRegex[1].split('|'));
    const schemaKeys = new Set([
      ...objectKeysAt([]),
      ...objectKeysAt(['steps', 0]),
      ...objectKeysAt(['steps', 0, 'source']),
      ...objectKeysAt(['steps', 0, 'source', 'cells', 0]),
    ]);
    assert.deepEqual([...schemaKeys].filter((k) => !grammarKeys.has(k)), [], 'schema keys missing from the grammar');
    assert.deepEqual([...grammarKeys].filter((k) => !schemaKeys.has(k)), [], 'grammar keys the schema does not have');
  });
});
