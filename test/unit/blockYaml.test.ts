import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseBlockYaml } from '../../server/src/core/yaml/blockYaml';
import { parseYaml, parseYamlEvents } from '../../server/src/core/yaml/positionedYaml';
import { ROOT } from '../support/paths';

/**
 * The fast path against js-yaml: wherever it answers, it must answer exactly what the js-yaml path
 * does (tree, offsets, values, duplicate keys); where the text is not valid YAML, it must not answer.
 */
function agrees(text: string): 'fast' | 'fallback' {
  const fast = parseBlockYaml(text);
  if (!fast) return 'fallback';
  const reference = parseYamlEvents(text);
  assert.ok(reference.ok, `the fast path took text js-yaml rejects (${reference.ok ? '' : reference.error.message}):\n${text}`);
  assert.equal(reference.documents.length, 1, `one document:\n${text}`);
  assert.equal(reference.anchors, false);
  assert.deepEqual(reference.unsupported, []);
  assert.deepStrictEqual(fast.root, reference.documents[0].root, `same tree:\n${text}`);
  assert.deepStrictEqual(fast.value, reference.documents[0].value, `same value:\n${text}`);
  assert.deepStrictEqual(fast.duplicates, reference.duplicates, `same duplicates:\n${text}`);
  return 'fast';
}

/** A YAML document described by its structure and the style of each part, printed by `emit`. */
type Doc =
  | { kind: 'scalar'; text: string }
  | { kind: 'map'; flow: boolean; pairs: Array<[string, Doc]> }
  | { kind: 'seq'; flow: boolean; compact: boolean; items: Doc[] };

const tricky = fc.constantFrom(
  'a', 'id', 'x1', 's-3', 'a b', 'ü', 'sha256:0f0f', 'http://x.y/z', 'a#b', 'a # c', '1', '-1', '0x1F', '1e3', '.5', 'true', 'False',
  'null', '~', '', 'NaN', '.inf', '-.inf', '0o17', 'yes', '"q"', '"a\\"b"', "'it''s'", "'x'", '-', '- a', ':', 'a:', 'a: b', '?', '? x', '&x', '*x',
  '!t', '|', '>', '%', '@', '`', '[x]', '{k: v}', 'a,b', 'a]', 'x{', '#', '---', '...', ' lead', 'trail ', '__proto__', 'constructor', 'é:é',
);
const safe = fc.constantFrom('a', 'id', 'step_1', 's-3', 'a b', 'x.py', 'steps/s1.py', 'sha256:0f0f', '1', '2.5', '-1', 'true', 'null', '~', 'ü', 'a#b');
const word = fc.oneof({ weight: 8, arbitrary: safe }, { weight: 2, arbitrary: tricky }, { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'ab_-:#. /[]{},\'"?&*!|>%@`~09é'.split('')), maxLength: 6 }) });
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('id', 'code', 'a', 'b', 'depends-on', 'x y', '1', 'true', '__proto__', 'a:b') }, { weight: 1, arbitrary: word });

const doc: fc.Arbitrary<Doc> = fc.letrec<{ node: Doc }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: word.map((text): Doc => ({ kind: 'scalar', text })) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('map' as const), flow: fc.boolean(), pairs: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('seq' as const), flow: fc.boolean(), compact: fc.boolean(), items: fc.array(tie('node'), { maxLength: 4 }) }) },
  ),
})).node;

/** Layout choices that do not change the meaning: indentation, spaces after dashes, comments, blank lines. */
interface Style {
  width: number;
  dashSpaces: number;
  comments: boolean;
  blank: boolean;
  crlf: boolean;
}

function emit(d: Doc, style: Style): string {
  const pad = (n: number) => ' '.repeat(n);
  const flow = (n: Doc): string => {
    if (n.kind === 'scalar') return n.text;
    if (n.kind === 'seq') return `[${n.items.map(flow).join(', ')}]`;
    return `{${n.pairs.map(([k, v]) => `${k}: ${flow(v)}`).join(', ')}}`;
  };
  const extra = (indent: number) => (style.comments ? `${pad(indent)}# note\n` : '') + (style.blank ? '\n' : '');
  // Lines of a block node at `indent`; `first` is what the first line starts with (a key or a dash).
  const block = (n: Doc, indent: number): string => {
    if (n.kind === 'map' && !n.flow && n.pairs.length) {
      return n.pairs.map(([k, v]) => `${pad(indent)}${k}:${valueAfterKey(v, indent)}`).join(extra(indent));
    }
    if (n.kind === 'seq' && !n.flow && n.items.length) {
      return n.items
        .map((item) => {
          const dash = `${pad(indent)}-${pad(style.dashSpaces)}`;
          if (item.kind === 'map' && !item.flow && item.pairs.length) {
            // `- key: value` with the other keys lined up under the first.
            return dash + block(item, indent + 1 + style.dashSpaces).trimStart();
          }
          if ((item.kind === 'map' || item.kind === 'seq') && !item.flow && (item.kind === 'map' ? item.pairs.length : item.items.length)) {
            return `${pad(indent)}-\n${block(item, indent + style.width)}`;
          }
          return dash + flow(item) + (style.comments ? ' # c' : '') + '\n';
        })
        .join(extra(indent));
    }
    return `${pad(indent)}${flow(n)}\n`;
  };
  const valueAfterKey = (v: Doc, indent: number): string => {
    if (v.kind === 'scalar' || v.flow || (v.kind === 'map' ? v.pairs.length === 0 : v.items.length === 0)) return ` ${flow(v)}${style.comments ? ' # c' : ''}\n`;
    const inner = v.kind === 'seq' && v.compact ? indent : indent + style.width;
    return `\n${block(v, inner)}`;
  };
  const text = (style.comments ? '# head\n' : '') + block(d, 0);
  return style.crlf ? text.replace(/\n/g, '\r\n') : text;
}

/** Pipeline files are block mappings; a flow or scalar root is left to js-yaml. */
const isBlockRoot = (d: Doc) => (d.kind === 'map' ? !d.flow && d.pairs.length > 0 : d.kind === 'seq' && !d.flow && d.items.length > 0);

const style = fc.record({ width: fc.integer({ min: 1, max: 4 }), dashSpaces: fc.integer({ min: 1, max: 3 }), comments: fc.boolean(), blank: fc.boolean(), crlf: fc.boolean() });

function pipelineText(n: number): string {
  let yaml = '# generated\ncellflow: 1\nname: big\nparams:\n  seed: 42\n  rate: 0.5\nsteps:\n';
  for (let i = 0; i < n; i++) {
    yaml += `  - id: s${i}\n    version: 1\n    code: steps/s${i}.py\n    source:\n      notebook: notebooks/big.ipynb\n      cells:\n        - {index: ${i}, id: c${i}, hash: sha256:${'ab'.repeat(32)}}\n      hash: sha256:${'cd'.repeat(32)}\n    depends-on: [${i ? `s${i - 1}` : ''}]\n    reads: [${i ? `x${i - 1}` : ''}]\n    writes: [x${i}]\n    params: [seed]\n`;
  }
  return yaml;
}

describe('fast block YAML path', () => {
  it('parses a generated pipeline exactly as js-yaml does', () => {
    assert.equal(agrees(pipelineText(50)), 'fast');
    assert.equal(parseYaml(pipelineText(5)).ok, true);
  });

  it('parses the bundled example pipeline and every pipeline file in the tests exactly as js-yaml does', () => {
    const files = [path.join(ROOT, 'examples', 'churn.cellflow.yaml'), ...findYaml(path.join(ROOT, 'test'))];
    let fast = 0;
    for (const f of files) if (agrees(fs.readFileSync(f, 'utf8')) === 'fast') fast++;
    assert.ok(fast >= 1, `the example takes the fast path (${fast} of ${files.length} files did)`);
  });

  it('answers exactly as js-yaml for random documents in block and flow styles, or leaves them to it', () => {
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(doc.filter(isBlockRoot), style, (d, s) => {
        runs++;
        if (agrees(emit(d, s)) === 'fast') fast++;
      }),
      { numRuns: 4000, seed: 7 },
    );
    // The property must not hold by the fast path declining everything.
    assert.ok(fast > runs / 2, `the fast path answered ${fast} of ${runs}`);
  });

  it('answers exactly as js-yaml for mutated pipelines (LF and CRLF), and never for one js-yaml rejects', () => {
    const bases = [pipelineText(6), pipelineText(6).replace(/\n/g, '\r\n')];
    const edit = fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 8 }),
      text: fc.oneof(fc.constantFrom('x', ':', ': ', '- ', '-', '\n', '  ', ' ', '[', ']', '{', '}', ',', '#', ' #', '"', "'", "''", '&a ', '*a', '!t ', '|', '>', '?', '---\n', '--- ', '\n--- ', '\n... ', '%', '\t', '\r\n', '\\', 'a: b', '\n  ', '\n-'), fc.string({ maxLength: 4 })),
    });
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
        let text = bases[which];
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.text + text.slice(at + e.del);
        }
        runs++;
        if (agrees(text) === 'fast') fast++;
      }),
      { numRuns: 4000, seed: 11 },
    );
    assert.ok(fast > runs / 10, `the fast path answered ${fast} of ${runs}`);
  });

  it('leaves what it does not handle to js-yaml, which still parses it', () => {
    const others = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: "esc\\n"\n',
      'a: 1\rb: 2\n',
      'a: b\n  c\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      '? a\n: b\n',
      '"q": 1\n',
      'a: [1,\n  2]\n',
      '\uFEFFa: 1\n',
      'just a scalar\n',
      '',
    ];
    // Errors js-yaml reports (tab indentation, a document marker inside a mapping, on any line and at
    // any indentation) and later documents: the fast path leaves them all to it.
    const markers = ['a:\n\tb: 1\n', 'a: b\n--- c: d\n', 'a:\n--- c: d\n', 'a: b\n... c: d\n', 'a:\n- b\n--- c: d\n', 'a: b\n--- {x: y}\n', 'a: b\n--- "x: y"\n', ' --- a: b\n', '  --- a: b\n  c: d\n', 'a: b\n---\n', 'a: b\n...\n'];
    for (const text of markers) assert.equal(parseBlockYaml(text), undefined, JSON.stringify(text));
    // A dash run that is not a marker is an ordinary scalar, on both paths.
    for (const text of ['---a: b\n', 'a: ---x\n', '- ---\n']) assert.equal(agrees(text), 'fast', JSON.stringify(text));
    // CRLF line breaks, as Windows editors write them, are the fast path's; a dash before one is not a scalar.
    for (const text of ['a: 1\r\nb:\r\n  - x # c\r\n  - [y, z]\r\n', 'k: v\r\n\r\n   \r\n# c\r\n']) assert.equal(agrees(text), 'fast', JSON.stringify(text));
    for (const text of ['a: -\r\n', 'a:\r\n-\r\n']) {
      const fast = parseBlockYaml(text);
      if (fast) agrees(text);
    }
    for (const text of others) {
      assert.equal(parseBlockYaml(text), undefined, JSON.stringify(text));
      assert.equal(parseYaml(text).ok, true, JSON.stringify(text));
    }
  });
});

function findYaml(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findYaml(p));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}
