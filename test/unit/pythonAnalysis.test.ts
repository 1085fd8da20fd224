import * as assert from 'node:assert/strict';
import type { Parser } from 'web-tree-sitter';
import { analyzeCell } from '../../server/src/core/python/analyze';
import type { CellAnalysis } from '../../server/src/core/python/cellAnalysis';
import { loadParser } from '../support/python';

interface Expect {
  reads?: string[];
  writes?: string[];
  updates?: string[];
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
  ['subscript assignment changes an object from before', 'df["x"] = df["y"] * k', { reads: ['df', 'k'], writes: [], updates: ['df'] }],
  ['attribute assignment changes an object from before', 'model.coef_ = w', { reads: ['w', 'model'], writes: [], updates: ['model'] }],
  ['augmented assignment through an attribute', 'stats.count += 1', { reads: ['stats'], writes: [], updates: ['stats'] }],
  ['changing an object the cell made is part of writing it', 'df = load()\ndf["x"] = 1\ndf.fit(X)', { reads: ['load', 'X'], writes: ['df'], updates: [] }],
  ['del of an upstream name', 'del big_frame', { reads: ['big_frame'], writes: [], deletes: ['big_frame'] }],
  ['del of a name the cell made', 'tmp = load()\ndel tmp', { reads: ['load'], writes: [], deletes: [] }],
  ['del through a subscript changes the object', 'del cache["k"]', { reads: ['cache'], writes: [], updates: ['cache'] }],
  // Updates by method calls (./updates.ts): a call on an object from before changes it unless the method is a known query.
  ['a method call on an object from before updates it', 'grid.fit(X, y)', { reads: ['grid', 'X', 'y'], writes: [], updates: ['grid'] }],
  ['a list grown by append is updated', 'for m in new:\n    messages.append(m)', { reads: ['new', 'messages'], writes: ['m'], updates: ['messages'] }],
  ['a known query does not update', 'df.head()\nprint(df.describe())\nn = len(df)', { reads: ['df'], writes: ['n'], updates: [] }],
  ['a query whose result is used does not update', 'y_pred = model.predict(X_test)', { reads: ['model', 'X_test'], writes: ['y_pred'], updates: [] }],
  ['a fitting call whose result is used still updates', 'X_t = scaler.fit_transform(X)', { reads: ['scaler', 'X'], writes: ['X_t'], updates: ['scaler'] }],
  ['inplace=True makes a query an update', 'df.dropna(inplace=True)\nclean = other.dropna()', { reads: ['df', 'other'], writes: ['clean'], updates: ['df'] }],
  ['a chained call updates the root object', 'learn.model.fine_tune(2)', { reads: ['learn'], updates: ['learn'] }],
  ['a call on a new object does not update its source', 'means = df.groupby("k").mean()', { reads: ['df'], writes: ['means'], updates: [] }],
  ["an item's method updates the container", 'frames["a"].fillna(0, inplace=True)', { reads: ['frames'], updates: ['frames'] }],
  ['a known in-place function updates its first argument', 'random.shuffle(words)\nnp.random.shuffle(idx)', { reads: ['random', 'words', 'np', 'idx'], updates: ['random', 'words', 'np', 'idx'] }],
  ['a module imported in the cell is not data when called', 'import random\nrandom.seed(0)', { reads: [], writes: [], updates: [] }],
  ["self inside a method is the method's", 'class Bag:\n    def add(self, x):\n        self.items.append(x)', { reads: [], writes: [], updates: [], definitions: ['Bag'] }],
  ['a call inside a function body runs later, in the caller', 'def train():\n    model.fit(X)', { reads: ['model', 'X'], writes: [], updates: [] }],
  ['a comprehension that appends updates the list', '[out.append(v * 2) for v in values]', { reads: ['values', 'out'], updates: ['out'] }],
  ['calling an object or a builtin with a name does not update it', 'preds = net(batch)\nprint(batch)\nsorted(batch)', { reads: ['net', 'batch'], writes: ['preds'], updates: [] }],
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
  ['for targets are written; a with target is the block\'s resource, not data', 'for i, row in enumerate(rows):\n    last = row\nwith open(path) as fh:\n    text = fh.read()', { reads: ['rows', 'path'], writes: ['i', 'row', 'last', 'text'] }],
  ['an except alias is not data', 'try:\n    r = risky()\nexcept ValueError as err:\n    log(err)', { reads: ['risky', 'log'], writes: ['r'] }],
  ['a bare annotation binds nothing', 'x: int\ny: float = 1.0', { reads: [], writes: ['y'] }],
  ['match captures bind; classes and dotted values are read', 'match event:\n    case Click(x=px):\n        pos = px\n    case [first, *rest]:\n        pos = first\n    case Color.RED:\n        pos = None', { reads: ['event', 'Click', 'Color'], writes: ['px', 'pos', 'first', 'rest'] }],
  ['f-strings read their expressions', 'msg = f"{name!r:>{width}} {total / n:.2f}"', { reads: ['name', 'width', 'total', 'n'], writes: ['msg'] }],
  ['keyword argument names are not reads', 'fit(X, y, sample_weight=w)', { reads: ['fit', 'X', 'y', 'w'], writes: [] }],
  ['builtins are never inputs', 'n = len(list(range(10))) + max(1, 2)\nprint(n, display)', { reads: [], writes: ['n'] }],
  ['line magics, shell escapes and help are left out', '%matplotlib inline\n!pip install foo\nfiles = !ls data\n%time result = compute(data)\nnp.mean?', { reads: ['compute', 'data'], writes: ['files', 'result'], magics: ['line-magic', 'shell', 'shell', 'line-magic', 'help'] }],
  ['%timeit runs nothing and keeps no name', '%timeit x = slow(data)\ny = 1', { reads: [], writes: ['y'], magics: ['line-magic'] }],
  ['a %%timeit cell runs nothing and writes nothing', '%%timeit\nfor i in range(10):\n    total = work(i)', { reads: [], writes: [], magics: ['cell-magic'] }],
  ['a %%time cell is Python', '%%time\nmodel.fit(X)', { reads: ['model', 'X'], magics: ['cell-magic'] }],
  ['%%capture binds its variable', '%%capture output\ntrain(model)', { reads: ['train', 'model'], writes: ['output'] }],
  ['magic-looking text inside a string stays text', 's = """\n%not a magic\n!nor this\n"""', { reads: [], writes: ['s'], magics: [] }],
];

function check(a: CellAnalysis, e: Expect, name: string): void {
  if (e.reads) assert.deepEqual(a.reads, e.reads, `${name}: reads`);
  if (e.writes) assert.deepEqual(a.writes, e.writes, `${name}: writes`);
  if (e.updates) assert.deepEqual(a.updates, e.updates, `${name}: updates`);
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

  it('finds setup statements: seeding, configuration and environment, on names that may be imports', () => {
    const a = analyzeCell(parser, [
      'import random',
      'random.seed(0)',
      'np.random.seed(SEED)',
      'openai.api_key = os.environ["OPENAI_API_KEY"]',
      'pd.set_option("display.max_rows", 20)',
      'os.environ["TOKENIZERS_PARALLELISM"] = "false"',
      'load_dotenv()',
      'plt.show()',
      'df = load()',
      'df.attrs = {}',
    ].join('\n'));
    assert.deepEqual(
      a.setup.map((st) => [st.line, st.root, st.importedHere, st.reads, st.processWide]),
      [
        [1, 'random', true, [], true],
        [2, 'np', false, ['SEED'], true],
        [3, 'openai', false, ['os'], false],
        [4, 'pd', false, [], false],
        [5, 'os', false, [], true],
        [6, 'load_dotenv', false, [], true],
      ],
      'plt.show() is display, not setup; an attribute of data the cell made is not setup',
    );
  });

  it('finds the literal paths of files a cell reads, not those it writes or builds at run time', () => {
    const a = analyzeCell(parser, [
      'df = pd.read_csv("data/customers.csv", sep=";")',
      'cfg = json.load(open("config.json"))',
      'arr = np.load(path="ignored.npy")',
      'x = np.load("x.npy")',
      'with open("out.txt", "w") as f:\n    f.write("1")',
      'remote = pd.read_csv("https://example.com/a.csv")',
      'built = pd.read_csv(f"data/{name}.csv")',
      'again = pd.read_csv("data/customers.csv")',
    ].join('\n'));
    assert.deepEqual(a.fileReads, ['data/customers.csv', 'config.json', 'x.npy']);
  });

  it('says what becomes of each magic in a step', () => {
    const effects = (src: string) => analyzeCell(parser, src).magics.map((m) => m.effect);
    assert.deepEqual(effects('%time x = f()'), ['runs as `x = f()` in the step, without timing']);
    assert.deepEqual(effects('%prun -s cumulative fit(model)'), ['runs as `fit(model)` in the step, without profiling']);
    assert.match(effects('%timeit x = f()')[0], /^runs nothing and writes nothing in the step: IPython runs a %timeit statement in a namespace of its own/);
    assert.match(effects('%%timeit\nx = f()')[0], /^runs nothing and writes nothing in the step/);
    assert.deepEqual(effects('%%time\nx = f()'), ["the cell's code runs in the step as usual, without timing"]);
    assert.deepEqual(effects('%matplotlib inline'), ['does not run in a step']);
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
