import * as assert from 'node:assert/strict';
import type { Parser } from 'web-tree-sitter';
import { analyzeCell } from '../../server/src/core/python/analyze';
import type { CellAnalysis } from '../../server/src/core/python/cellAnalysis';
import { loadParser } from '../support/python';

interface Expect {
  reads?: string[];
  writes?: string[];
  deletes?: string[];
  imports?: string[];
  definitions?: string[];
  starImports?: string[];
  magics?: string[];
}

const cases: Array<[string, string, Expect]> = [
  ['augmented assignment reads and writes', 'total += step', { reads: ['total', 'step'], writes: ['total'] }],
  ['assignment after a read of the same name reads it first', 'x = x + 1', { reads: ['x'], writes: ['x'] }],
  ['a name bound earlier in the cell is not read from outside', 'a = 1\nb = a * 2', { reads: [], writes: ['a', 'b'] }],
  ['tuple, list and starred unpacking', 'a, (b, *c), [d] = f()', { reads: ['f'], writes: ['a', 'b', 'c', 'd'] }],
  ['chained assignment', 'a = b = c', { reads: ['c'], writes: ['b', 'a'] }],
  ['subscript assignment changes the object', 'df["x"] = df["y"] * k', { reads: ['df', 'k'], writes: ['df'] }],
  ['attribute assignment changes the object', 'model.coef_ = w', { reads: ['w', 'model'], writes: ['model'] }],
  ['augmented assignment through an attribute', 'stats.count += 1', { reads: ['stats'], writes: ['stats'] }],
  ['del of an upstream name', 'del big_frame', { reads: ['big_frame'], writes: [], deletes: ['big_frame'] }],
  ['del of a name the cell made', 'tmp = load()\ndel tmp', { reads: ['load'], writes: [], deletes: [] }],
  ['del through a subscript changes the object', 'del cache["k"]', { reads: ['cache'], writes: ['cache'] }],
  ['global in a function writes the module name', 'def reset():\n    global counter\n    counter = 0', { reads: [], writes: ['counter'], definitions: ['reset'] }],
  ['global read in a function is an input', 'def show():\n    global counter\n    print(counter)', { reads: ['counter'], writes: [], definitions: ['show'] }],
  ['walrus binds in the cell', 'if (n := len(rows)) > 10:\n    print(n)', { reads: ['rows'], writes: ['n'] }],
  ['walrus inside a comprehension binds in the cell', 'hits = [m for r in rows if (m := match(r))]', { reads: ['rows', 'match'], writes: ['m', 'hits'] }],
  ['comprehension variables are local', 'squares = [v * v for v in values if v > limit]', { reads: ['values', 'limit'], writes: ['squares'] }],
  ['nested comprehensions see earlier targets', 'flat = [x for row in grid for x in row]', { reads: ['grid'], writes: ['flat'] }],
  ['dict and set comprehensions and generators', 'd = {k: v for k, v in pairs}\ns = {w for w in words}\ng = sum(i for i in items)', { reads: ['pairs', 'words', 'items'], writes: ['d', 's', 'g'] }],
  ['function locals and parameters are not the cell\'s', 'def score(y_true, y_pred, w=weights):\n    err = y_true - y_pred\n    return (err ** 2 * w).mean() + penalty', { reads: ['weights', 'penalty'], writes: [], definitions: ['score'] }],
  ['a function reads a global the cell defines later', 'def f():\n    return later\nlater = 1\nf()', { reads: [], writes: ['later'], definitions: ['f'] }],
  ['decorators and defaults run in the cell', '@register(registry)\ndef handler(x=default_x):\n    return x', { reads: ['register', 'registry', 'default_x'], definitions: ['handler'] }],
  ['lambda parameters are local; its free names are read', 'key = lambda row: row[column]', { reads: ['column'], writes: ['key'] }],
  ['class body names are the class\'s', 'class Model(Base):\n    size = default_size\n    double = size * 2\n    def fit(self):\n        return self.size + offset', { reads: ['Base', 'default_size', 'offset'], writes: [], definitions: ['Model'] }],
  ['imports are bindings, not data', 'import numpy as np, os.path\nfrom sklearn.metrics import accuracy_score as acc, f1_score', { reads: [], writes: [], imports: ['import numpy as np', 'import os.path', 'from sklearn.metrics import accuracy_score as acc', 'from sklearn.metrics import f1_score'] }],
  ['star imports are noted', 'from pylab import *\nplot(x)', { reads: ['plot', 'x'], starImports: ['pylab'] }],
  ['for and with targets are written', 'for i, row in enumerate(rows):\n    last = row\nwith open(path) as fh:\n    text = fh.read()', { reads: ['rows', 'path'], writes: ['i', 'row', 'last', 'fh', 'text'] }],
  ['an except alias is not data', 'try:\n    r = risky()\nexcept ValueError as err:\n    log(err)', { reads: ['risky', 'log'], writes: ['r'] }],
  ['a bare annotation binds nothing', 'x: int\ny: float = 1.0', { reads: [], writes: ['y'] }],
  ['match captures bind; classes and dotted values are read', 'match event:\n    case Click(x=px):\n        pos = px\n    case [first, *rest]:\n        pos = first\n    case Color.RED:\n        pos = None', { reads: ['event', 'Click', 'Color'], writes: ['px', 'pos', 'first', 'rest'] }],
  ['f-strings read their expressions', 'msg = f"{name!r:>{width}} {total / n:.2f}"', { reads: ['name', 'width', 'total', 'n'], writes: ['msg'] }],
  ['keyword argument names are not reads', 'fit(X, y, sample_weight=w)', { reads: ['fit', 'X', 'y', 'w'], writes: [] }],
  ['builtins are never inputs', 'n = len(list(range(10))) + max(1, 2)\nprint(n, display)', { reads: [], writes: ['n'] }],
  ['line magics, shell escapes and help are left out', '%matplotlib inline\n!pip install foo\nfiles = !ls data\n%time result = compute(data)\nnp.mean?', { reads: ['compute', 'data'], writes: ['files', 'result'], magics: ['line-magic', 'shell', 'shell', 'line-magic', 'help'] }],
  ['a %%time cell is Python', '%%time\nmodel.fit(X)', { reads: ['model', 'X'], magics: ['cell-magic'] }],
  ['%%capture binds its variable', '%%capture output\ntrain(model)', { reads: ['train', 'model'], writes: ['output'] }],
  ['magic-looking text inside a string stays text', 's = """\n%not a magic\n!nor this\n"""', { reads: [], writes: ['s'], magics: [] }],
];

function check(a: CellAnalysis, e: Expect, name: string): void {
  if (e.reads) assert.deepEqual(a.reads, e.reads, `${name}: reads`);
  if (e.writes) assert.deepEqual(a.writes, e.writes, `${name}: writes`);
  if (e.deletes) assert.deepEqual(a.deletes, e.deletes, `${name}: deletes`);
  if (e.imports) assert.deepEqual(a.imports.map((i) => i.statement), e.imports, `${name}: imports`);
  if (e.definitions) assert.deepEqual(a.definitions.map((d) => d.name), e.definitions, `${name}: definitions`);
  if (e.starImports) assert.deepEqual(a.starImports, e.starImports, `${name}: star imports`);
  if (e.magics) assert.deepEqual(a.magics.map((m) => m.kind), e.magics, `${name}: magics`);
  assert.deepEqual(a.syntaxErrors, [], `${name}: no syntax errors`);
}

describe('Python cell analysis (tree-sitter-python)', () => {
  let parser: Parser;
  before(async () => {
    parser = await loadParser();
  });

  for (const [name, source, expect] of cases) {
    it(name, () => check(analyzeCell(parser, source), expect, name));
  }

  it('records what a carried definition needs from the module', () => {
    const a = analyzeCell(parser, '@cache\ndef load(path=DEFAULT):\n    return pd.read_csv(path, sep=SEP)');
    assert.deepEqual(new Set(a.definitions[0].freeNames), new Set(['pd', 'SEP', 'cache', 'DEFAULT']));
    assert.equal(a.definitions[0].source.split('\n')[0], '@cache');
  });

  it('reports a syntax error with its place, and does not throw', () => {
    const a = analyzeCell(parser, 'x = 1\ndef broken(:\n    pass');
    assert.equal(a.syntaxErrors.length > 0, true);
    assert.equal(a.syntaxErrors[0].line, 1);
  });

  it('marks a non-Python cell magic instead of parsing it', () => {
    const a = analyzeCell(parser, '%%bash\nls -la\nrm -rf build');
    assert.equal(a.foreignCellMagic, 'bash');
    assert.deepEqual(a.reads, []);
  });

  it('finds literal assignments for parameter defaults', () => {
    const a = analyzeCell(parser, 'SEED = 42\nRATE = -0.5\nNAME = "run"\nLAYERS = [64, 32]\nFLAG = True\nNOTHING = None\nCOMPUTED = 2 * 3');
    assert.deepEqual(a.literals, { SEED: 42, RATE: -0.5, NAME: 'run', LAYERS: [64, 32], FLAG: true, NOTHING: null });
  });

  it('lists lines inside multi-line strings, which must not be re-indented', () => {
    const a = analyzeCell(parser, 'q = """\nselect *\nfrom t\n"""\nx = 1');
    assert.deepEqual(a.stringLines, [1, 2, 3]);
  });

  it('survives every code cell of a real 286-cell notebook', async function () {
    const { SHARED_NOTEBOOKS } = await import('../support/paths');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.join(SHARED_NOTEBOOKS, 'handson-ml3_02_end_to_end_machine_learning_project.ipynb');
    if (!fs.existsSync(file)) this.skip();
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code');
    for (const c of code) {
      const a = analyzeCell(parser, c.source.join(''));
      assert.deepEqual(a.syntaxErrors, [], c.source.join('').slice(0, 80));
    }
  });
});
