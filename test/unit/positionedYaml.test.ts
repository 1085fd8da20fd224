import * as assert from 'node:assert/strict';
import type { YNode } from '../../server/src/core/yaml/nodes';
import { keyNodeAtPath, nodeAtPath, parseYaml } from '../../server/src/core/yaml/positionedYaml';

function parse(text: string) {
  const r = parseYaml(text);
  assert.ok(r.ok, `parses: ${r.ok ? '' : r.error.message}`);
  return r;
}

const slice = (text: string, n: YNode) => text.slice(n.start, n.end);

describe('positioned YAML', () => {
  const text = [
    'plain: hello world  # comment',
    'double: "a \\"b\\""',
    "single: 'it''s'",
    'number: 0x1F',
    'empty:',
    'block: |',
    '  line one',
    '  line two',
    '',
    'flow: [1, {k: v}, []]',
    'nested:',
    '  - a: 1',
    '    b: true',
    '',
  ].join('\n');

  it('gives each scalar the exact range of its source text, quotes included', () => {
    const { documents } = parse(text);
    const root = documents[0].root!;
    assert.equal(slice(text, nodeAtPath(root, ['plain']).node), 'hello world');
    assert.equal(slice(text, nodeAtPath(root, ['double']).node), '"a \\"b\\""');
    assert.equal(slice(text, nodeAtPath(root, ['single']).node), "'it''s'");
    assert.equal(slice(text, nodeAtPath(root, ['block']).node), '  line one\n  line two');
    assert.equal(slice(text, keyNodeAtPath(root, [], 'nested')!), 'nested');
  });

  it('builds the same values js-yaml would, typed by the YAML 1.2 core schema', () => {
    const { documents } = parse(text);
    assert.deepEqual(documents[0].value, {
      plain: 'hello world',
      double: 'a "b"',
      single: "it's",
      number: 31,
      empty: null,
      block: 'line one\nline two\n',
      flow: [1, { k: 'v' }, []],
      nested: [{ a: 1, b: true }],
    });
  });

  it('ends flow collections at their closing bracket and block ones at their last item', () => {
    const { documents } = parse(text);
    const root = documents[0].root!;
    assert.equal(slice(text, nodeAtPath(root, ['flow']).node), '[1, {k: v}, []]');
    assert.equal(slice(text, nodeAtPath(root, ['flow', 1]).node), '{k: v}');
    assert.equal(slice(text, nodeAtPath(root, ['flow', 2]).node), '[]');
    assert.equal(slice(text, nodeAtPath(root, ['nested', 0]).node), 'a: 1\n    b: true');
  });

  it('places an empty value right after its key', () => {
    const { documents } = parse(text);
    const empty = nodeAtPath(documents[0].root!, ['empty']).node;
    assert.equal(empty.start, empty.end);
    assert.equal(empty.start, text.indexOf('empty:') + 'empty'.length);
  });

  it('reports how far a path got when it leaves the document', () => {
    const { documents } = parse(text);
    const r = nodeAtPath(documents[0].root!, ['nested', 0, 'missing', 'deeper']);
    assert.equal(r.depth, 2);
    assert.equal(r.node.kind, 'map');
  });

  it('reports duplicate keys with the first occurrence', () => {
    const t = 'a: 1\nb: 2\na: 3\n';
    const r = parse(t);
    assert.equal(r.duplicates.length, 1);
    assert.equal(r.duplicates[0].key.start, 10);
    assert.equal(r.duplicates[0].first.start, 0);
    assert.deepEqual(r.documents[0].value, { a: 3, b: 2 }, 'the last value wins, as in JSON');
  });

  it('resolves anchors and explicit tags through js-yaml', () => {
    const r = parse('a: &x [1, 2]\nb: *x\nc: !!str 12\n');
    assert.deepEqual(r.documents[0].value, { a: [1, 2], b: [1, 2], c: '12' });
  });

  it('keeps a __proto__ key as data', () => {
    const r = parse('__proto__: {polluted: true}\n');
    const value = r.documents[0].value as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('splits documents and returns a syntax error with its offset', () => {
    const r = parse('a: 1\n---\nb: 2\n');
    assert.equal(r.documents.length, 2);
    assert.equal(r.documents[1].start, 5);
    const bad = parseYaml('a: [1,\nb: 2\n');
    assert.ok(!bad.ok);
    assert.equal(bad.error.offset, 7);
  });
});
