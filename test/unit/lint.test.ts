import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../server/src/core/diagnostic';
import { lintPipeline } from '../../server/src/core/pipeline/lint';

const HASH = `sha256:${'ab'.repeat(32)}`;
const VALID = `# a valid pipeline
cellflow: 1
name: churn
params:
  seed: 42
  features: [a, b]
steps:
  - id: load_data
    version: 2
    code: steps/load_data.py
    source:
      notebook: notebooks/churn.ipynb
      cells:
        - index: 3
          id: e5b4a7c6
          hash: ${HASH}
      hash: ${HASH}
    writes: [customers]
  - id: train
    code: steps/train.py
    depends-on: [load_data]
    reads: [customers]
    params: [seed, features]
`;

/** [line, character, endLine, endCharacter], zero-based as in LSP. */
type Span = [number, number, number, number];

function span(d: Diagnostic): Span {
  return [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];
}

interface Case {
  name: string;
  text: string;
  code: Diagnostic['code'];
  range: Span;
  message: RegExp;
  severity?: Diagnostic['severity'];
}

const cases: Case[] = [
  {
    name: 'a YAML syntax error, at the offending token',
    text: 'cellflow: 1\nname: x\nsteps: [\n',
    code: 'yaml-syntax',
    range: [3, 0, 3, 0],
    message: /^YAML syntax error: /,
  },
  {
    name: 'a bad indentation, at the place it is noticed',
    text: 'cellflow: 1\nname: a: b\nsteps: []\n',
    code: 'yaml-syntax',
    range: [1, 7, 1, 8],
    message: /indentation/,
  },
  {
    name: 'an unknown key, with a suggestion for a near miss',
    text: VALID.replace('    depends-on: [load_data]', '    dependsOn: [load_data]'),
    code: 'unknown-key',
    range: [20, 4, 20, 13],
    message: /^Unknown key `dependsOn` in `steps\[1\]`; did you mean `depends-on`\?$/,
  },
  {
    name: 'an unknown key with nothing close, listing what is allowed',
    text: VALID.replace('name: churn', 'name: churn\nowner: me'),
    code: 'unknown-key',
    range: [3, 0, 3, 5],
    message: /expected one of `cellflow`, `name`, `description`, `params`, `steps`/,
  },
  {
    name: 'a missing required key, on the head of the mapping that lacks it',
    text: VALID.replace('    code: steps/train.py\n', ''),
    code: 'missing-key',
    range: [18, 4, 18, 13],
    message: /^Missing required key `code` in `steps\[1\]` \(the step's Python file/,
  },
  {
    name: 'a wrong type, on the value',
    text: VALID.replace('version: 2', 'version: two'),
    code: 'wrong-type',
    range: [8, 13, 8, 16],
    message: /^`version` in `steps\[0\]` must be an integer, not the string "two"\.$/,
  },
  {
    name: 'a fraction where an integer belongs',
    text: VALID.replace('version: 2', 'version: 2.5'),
    code: 'wrong-type',
    range: [8, 13, 8, 16],
    message: /must be an integer, not the number 2\.5/,
  },
  {
    name: 'an empty value, on its key',
    text: VALID.replace('    code: steps/train.py', '    code:'),
    code: 'wrong-type',
    range: [19, 4, 19, 8],
    message: /^`code` in `steps\[1\]` must be a string, not empty\.$/,
  },
  {
    name: 'an invalid value, with the rule it breaks',
    text: VALID.replace(`      hash: ${HASH}\n    writes`, '      hash: sha256:123\n    writes'),
    code: 'invalid-value',
    range: [16, 12, 16, 22],
    message: /64 lowercase hex digits/,
  },
  {
    name: 'an absolute notebook path',
    text: VALID.replace('notebook: notebooks/churn.ipynb', 'notebook: /home/me/churn.ipynb'),
    code: 'invalid-value',
    range: [11, 16, 11, 36],
    message: /relative to the pipeline file/,
  },
  {
    name: 'a list item of the wrong form, named by its index',
    text: VALID.replace('reads: [customers]', 'reads: [customers, 2x]'),
    code: 'invalid-value',
    range: [21, 23, 21, 25],
    message: /^`steps\[1\]\.reads\[1\]`: a name a step reads or writes must be a Python identifier\.$/,
  },
  {
    name: 'a bad param name, on the key',
    text: VALID.replace('  seed: 42', '  "random seed": 42'),
    code: 'invalid-value',
    range: [4, 2, 4, 15],
    message: /^Invalid key `random seed`: a param name/,
  },
  {
    name: 'a param value of an unsupported shape',
    text: VALID.replace('  seed: 42', '  seed: {value: 42}'),
    code: 'invalid-value',
    range: [4, 8, 4, 19],
    message: /a param value must be a string, number, boolean, null or a list of those/,
  },
  {
    name: 'the wrong format version',
    text: VALID.replace('cellflow: 1', 'cellflow: 2'),
    code: 'invalid-value',
    range: [1, 10, 1, 11],
    message: /format version `cellflow` must be 1/,
  },
  {
    name: 'a duplicate key, pointing back at the first',
    text: VALID.replace('    version: 2\n', '    version: 2\n    version: 3\n'),
    code: 'duplicate-key',
    range: [9, 4, 9, 11],
    message: /^Duplicate key `version`: it is already set on line 9\.$/,
  },
  {
    name: 'a second YAML document',
    text: `${VALID}---\nname: other\n`,
    code: 'multiple-documents',
    range: [23, 0, 23, 3],
    message: /one YAML document/,
  },
  {
    name: 'a list where the pipeline mapping belongs',
    text: '- a\n- b\n',
    code: 'wrong-type',
    range: [0, 0, 1, 3],
    message: /^A pipeline file must be a mapping, not a list\.$/,
  },
  {
    name: 'an empty file',
    text: '',
    code: 'empty-file',
    range: [0, 0, 0, 0],
    message: /empty: it needs `cellflow: 1`/,
  },
  {
    name: 'a file of comments only',
    text: '# nothing yet\n\n',
    code: 'empty-file',
    range: [0, 0, 0, 13],
    message: /empty/,
  },
  {
    name: 'binary content, at the first NUL',
    text: 'cellflow: 1\nna\u0000me',
    code: 'binary-file',
    range: [1, 2, 1, 3],
    message: /not UTF-8 text \(a NUL character at line 2, column 3/,
  },
  {
    name: 'invalid UTF-8, at the first replacement character',
    text: 'cellflow: 1\nname: caf\uFFFD\n',
    code: 'invalid-utf8',
    range: [1, 9, 1, 10],
    message: /not valid UTF-8 \(first invalid byte sequence at line 2, column 10\)/,
  },
];

describe('pipeline linter', () => {
  it('finds nothing wrong in a valid pipeline', () => {
    assert.deepEqual(lintPipeline(VALID), []);
  });

  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const found = lintPipeline(c.text);
      const d = found.find((x) => x.code === c.code);
      assert.ok(d, `expected a ${c.code} diagnostic, got ${JSON.stringify(found.map((x) => [x.code, x.message]))}`);
      assert.deepEqual(span(d), c.range, `range of: ${d.message}`);
      assert.match(d.message, c.message);
      assert.equal(d.severity, c.severity ?? 'error');
    });
  }

  it('reports every problem of a document at once, in position order', () => {
    const text = VALID.replace('version: 2', 'version: 0').replace('dependson', 'x').replace('    reads: [customers]', '    reads: customers\n    wat: 1');
    const found = lintPipeline(text);
    assert.deepEqual(found.map((d) => d.code), ['invalid-value', 'wrong-type', 'unknown-key']);
    const lines = found.map((d) => d.range.start.line);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  });

  it('warns once, without parsing, about a file over the size limit', () => {
    const big = `cellflow: 1\nname: big\nsteps:\n${'  - id: s\n    code: s.py\n'.repeat(300_000)}`;
    assert.ok(big.length > 5_000_000);
    const found = lintPipeline(big, { maxBytes: 4 * 1024 * 1024 });
    assert.equal(found.length, 1);
    assert.equal(found[0].code, 'file-too-large');
    assert.equal(found[0].severity, 'warning');
    assert.match(found[0].message, /is \d\.\d MB; Cellflow lints files up to 4\.0 MB/);
  });

  it('lints a 5 MB pipeline within the default limit', () => {
    const steps = Array.from({ length: 40_000 }, (_, i) => `  - id: s${i}\n    code: steps/s${i}.py\n    depends-on: [${i ? `s${i - 1}` : ''}]\n`).join('');
    const text = `cellflow: 1\nname: big\nsteps:\n${steps}`;
    assert.ok(text.length > 2_500_000);
    assert.deepEqual(lintPipeline(text), []);
  });

  it('keeps working on YAML features it does not expect (anchors, tags, complex keys)', () => {
    const text = 'cellflow: 1\nname: x\nparams:\n  a: &v 3\n  b: *v\n  c: !!str 5\nsteps: []\n';
    assert.deepEqual(lintPipeline(text).filter((d) => d.severity === 'error'), []);
    const bad = 'cellflow: 1\nname: x\nsteps: []\n? [a, b]\n: 1\n';
    const found = lintPipeline(bad);
    assert.deepEqual(found.map((d) => [d.code, span(d)]), [['unsupported-yaml', [3, 2, 3, 8]]]);
    assert.match(found[0].message, /a mapping key must be a plain value, not a list/);
  });

  it('reports deeply nested input as one syntax error at the line that nests too deep, without throwing', () => {
    const text = `cellflow: 1\nname: x\nsteps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const found = lintPipeline(text);
    assert.deepEqual(found.map((d) => [d.code, d.severity, d.range.start.line]), [['yaml-syntax', 'error', 2]]);
    assert.match(found[0].message, /nesting exceeded maxDepth/);
  });
});
