import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { writeNotebook } from '../support/notebookFile';

interface Promoted {
  status: string;
  step: { id: string; reads: string[]; writes: string[]; dependsOn: string[]; params: string[] };
  warnings: string[];
}

describe('promotion rules, through the CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-rules-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const promote = (cells: string, step: string, ...more: string[]) => cellflow(['promote', 'nb.ipynb', '--cells', cells, '--step', step, '--pipeline', 'p.cellflow.yaml', '--json', ...more], dir);
  const promoted = (cells: string, step: string, ...more: string[]): Promoted => {
    const r = promote(cells, step, ...more);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Promoted;
  };

  it('a step that fits an estimator from before reads and writes it, and the next step depends on it', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['from sklearn.linear_model import LinearRegression\nmodel = LinearRegression()', 'model.fit([[0], [1]], [0, 1])', 'coef = model.coef_']);
    promoted('0', 'make');
    const fit = promoted('1', 'fit');
    assert.deepEqual([fit.step.reads, fit.step.writes], [['model'], ['model']]);
    assert.deepEqual(promoted('2', 'use').step.dependsOn, ['fit'], 'the fitted model, not the unfitted one');
  });

  it('refuses a parameters cell value that is not a literal, naming the cell and the name', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), [{ source: 'ROWS = 20\nX = make_data(ROWS)', tags: ['parameters'] }, 'y = X * 2']);
    const r = promote('1', 'double');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cell 0 is the notebook's parameters cell, but it sets `X` to an expression, not a literal/);
    assert.ok(!fs.existsSync(path.join(dir, 'p.cellflow.yaml')), 'nothing written');
  });

  it('refuses cells that already belong to another step unless --move, then says what changed', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['a = 1', 'b = a + 1', 'c = b + 1']);
    promoted('0', 'first');
    promoted('1', 'second');
    promoted('2', 'third');
    const before = fs.readFileSync(path.join(dir, 'p.cellflow.yaml'), 'utf8');
    const refused = promote('1', 'renamed');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cell 1 already belongs to step `second`: promote them as `second` \(its next version\), or move them to `renamed` \(--move/);
    assert.equal(fs.readFileSync(path.join(dir, 'p.cellflow.yaml'), 'utf8'), before, 'nothing changed');
    const moved = promoted('1', 'renamed', '--move');
    assert.ok(moved.warnings.includes('step `second` had no other cells and left the pipeline; its code file steps/second.py stays on disk'), moved.warnings.join('\n'));
    assert.ok(moved.warnings.includes('depends-on of `third` changed: [second] → [renamed]'), moved.warnings.join('\n'));
    const shown = JSON.parse(cellflow(['pipeline', 'show', '--json', 'p.cellflow.yaml'], dir).stdout) as { steps: Array<{ id: string; dependsOn: string[] }> };
    assert.deepEqual(shown.steps.map((s) => [s.id, s.dependsOn]), [['first', []], ['renamed', ['first']], ['third', ['renamed']]]);
  });

  it('carries setup into later steps and warns, naming the line, about setup it cannot carry', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['import numpy as np\nimport pandas as pd\nseed = 3', 'np.random.seed(42)\npd.set_option("display.width", 120)\nnp.random.seed(seed)', 'draws = pd.Series(np.random.rand(2))']);
    const r = promoted('2', 'draw');
    assert.ok(r.warnings.includes('cell 1, line 3: `np.random.seed(seed)` is not carried into the step: it reads `seed`, data from cell 0'), r.warnings.join('\n'));
    const code = fs.readFileSync(path.join(dir, 'steps', 'draw.py'), 'utf8');
    assert.match(code, /# ---- setup carried from cell 1, line 1 ----\n\s+np\.random\.seed\(42\)\n\s+# ---- setup carried from cell 1, line 2 ----\n\s+pd\.set_option/);
    assert.match(code, /^import pandas as pd$/m, 'with the import the setup needs');
  });

  it('a step is stale when a cell it carries setup or definitions from changes, and re-promotes to a new version', () => {
    const nb = path.join(dir, 'nb.ipynb');
    writeNotebook(nb, ['import numpy as np', 'np.random.seed(42)', 'class Box:\n    size = 1', 'draws = np.random.rand(2)\nbox = Box()']);
    promoted('3', 'draw');
    assert.equal(cellflow(['lint', 'p.cellflow.yaml'], dir).code, 0);
    writeNotebook(nb, ['import numpy as np', 'np.random.seed(7)', 'class Box:\n    size = 1', 'draws = np.random.rand(2)\nbox = Box()']);
    const lint = cellflow(['lint', 'p.cellflow.yaml'], dir);
    assert.match(lint.stdout, /warning: `draw` v1 is stale: cell 1, which it carries imports, definitions or setup from, changed since version 1\. Re-promote it to make v2\. \[stale-step\]/);
    const show = JSON.parse(cellflow(['pipeline', 'show', '--json', 'p.cellflow.yaml'], dir).stdout) as { steps: Array<{ stale: boolean; staleReason: string }> };
    assert.deepEqual([show.steps[0].stale, show.steps[0].staleReason], [true, 'cell 1, which it carries imports, definitions or setup from, changed since version 1']);
    const again = promoted('3', 'draw');
    assert.equal(again.status, 'new-version');
    assert.match(fs.readFileSync(path.join(dir, 'steps', 'draw.py'), 'utf8'), /np\.random\.seed\(7\)/);
    assert.equal(cellflow(['lint', 'p.cellflow.yaml'], dir).code, 0, 'current again');
  });

  it('an extra in-place function from --in-place makes its argument written', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['import mylib\nitems = [3, 1, 2]', 'mylib.sort_in_place(items)', 'first = items[0]']);
    promoted('0', 'make');
    assert.deepEqual(promoted('1', 'sort').step.writes, [], 'a call on a module is not an update of its arguments');
    for (const f of ['p.cellflow.yaml', 'p.cellflow.lock']) fs.rmSync(path.join(dir, f));
    promoted('0', 'make');
    const r = promoted('1', 'sort', '--in-place', 'mylib.sort_in_place');
    assert.deepEqual([r.step.reads, r.step.writes], [['items'], ['items']]);
    assert.deepEqual(promoted('2', 'use').step.dependsOn, ['sort']);
  });

  it('tells what becomes of each magic line', () => {
    writeNotebook(path.join(dir, 'nb.ipynb'), ['%time x = sum(range(10))\n%timeit y = sum(range(10))\n%matplotlib inline']);
    const r = promoted('0', 'magics');
    assert.deepEqual(r.warnings, [
      'cell 0, line 1: IPython `%time x = sum(range(10))` runs as `x = sum(range(10))` in the step, without timing',
      'cell 0, line 2: IPython `%timeit y = sum(range(10))` runs nothing and writes nothing in the step: IPython runs a %timeit statement in a namespace of its own and keeps none of its names',
      'cell 0, line 3: IPython `%matplotlib inline` does not run in a step',
    ]);
    assert.deepEqual(r.step.writes, ['x']);
  });
});
