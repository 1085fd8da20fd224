import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { writeNotebook } from '../support/notebookFile';
import { PYTHON } from '../support/store';

/** A notebook written for the test: its code cells, and the names whose final values must agree. */
interface Case {
  name: string;
  cells: string[];
  compare: string[];
}

const cases: Case[] = [
  {
    name: 'an estimator fitted in a later cell (GridSearchCV)',
    cells: [
      'import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import GridSearchCV',
      'rng = np.random.RandomState(0)\nX = rng.rand(60, 3)\ny = (X[:, 0] > 0.5).astype(int)',
      'grid = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3)',
      'grid.fit(X, y)',
      'best = grid.best_params_\nscore = round(float(grid.best_score_), 6)',
    ],
    compare: ['best', 'score'],
  },
  {
    name: 'a list grown by append, a shuffle, and in-place pandas',
    cells: [
      'import random\nimport pandas as pd',
      'words = ["a", "b", "c", "d", "e"]\nmessages = []',
      'messages.append("hello")\nfor w in words:\n    messages.append(w.upper())',
      'random.seed(7)\nrandom.shuffle(words)',
      'df = pd.DataFrame({"a": [1, None, 3, 4], "b": [4, 5, None, 7]})',
      'df.dropna(inplace=True)\ndf["c"] = df["a"] * 2',
      'df.reset_index(drop=True, inplace=True)',
      'summary = {"words": list(words), "messages": list(messages), "rows": len(df), "c": df["c"].tolist()}',
    ],
    compare: ['summary', 'words', 'messages', 'df'],
  },
  {
    name: 'a class whose instances cross steps (micrograd-like)',
    cells: [
      'class Value:\n    def __init__(self, data, children=()):\n        self.data = data\n        self.children = tuple(children)\n\n    def __add__(self, other):\n        return Value(self.data + other.data, (self, other))\n\n    def __mul__(self, other):\n        return Value(self.data * other.data, (self, other))',
      'a = Value(2.0)\nb = Value(-3.0)',
      'c = a + b\nd = c * a',
      'result = d.data\nkinds = [type(v).__name__ for v in d.children]',
    ],
    compare: ['result', 'kinds', 'd'],
  },
  {
    name: 'a scikit-learn pipeline with a custom transformer',
    cells: [
      'import numpy as np\nfrom sklearn.base import BaseEstimator, TransformerMixin\nfrom sklearn.pipeline import make_pipeline\nfrom sklearn.linear_model import LinearRegression',
      'def squares(X):\n    return X ** 2\n\nclass AddSquares(BaseEstimator, TransformerMixin):\n    def fit(self, X, y=None):\n        self.n_features_ = X.shape[1]\n        return self\n\n    def transform(self, X):\n        return np.hstack([X, squares(X)])',
      'X = np.arange(20, dtype=float).reshape(10, 2)\ny = X[:, 0] * 3 + X[:, 1] ** 2',
      'model = make_pipeline(AddSquares(), LinearRegression())',
      'model.fit(X, y)',
      'pred = np.round(model.predict(X[:3]), 6)\nwidth = model[0].n_features_',
    ],
    compare: ['pred', 'width'],
  },
  {
    name: 'seeding, environment and module settings in a setup cell',
    cells: [
      'import os\nimport warnings\nimport numpy as np\nimport pandas as pd',
      'np.random.seed(42)\nos.environ["CELLFLOW_TEST_FLAG"] = "on"\nwarnings.filterwarnings("ignore", category=UserWarning)\npd.options.display.max_rows = 7\nnp.set_printoptions(precision=3)',
      'draws = np.random.rand(3).tolist()',
      'flag = os.environ.get("CELLFLOW_TEST_FLAG")\nrows = pd.get_option("display.max_rows")\nshown = repr(np.array([1.23456]))',
    ],
    compare: ['draws', 'flag', 'rows', 'shown'],
  },
];

/** A stable, comparable form of a value: data as JSON-like structures, objects by their attributes. */
const FINGERPRINT = String.raw`
import json, math
import numpy as np
import pandas as pd

def fp(v, depth=0):
    if depth > 20:
        return "..."
    if isinstance(v, pd.DataFrame):
        return ["DataFrame", v.to_json(orient="split")]
    if isinstance(v, pd.Series):
        return ["Series", v.to_json(orient="split")]
    if isinstance(v, np.ndarray):
        return ["ndarray", v.tolist()]
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [fp(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): fp(x, depth + 1) for k, x in v.items()}
    if hasattr(v, "__dict__"):
        return [type(v).__name__, {k: fp(x, depth + 1) for k, x in sorted(vars(v).items())}]
    return repr(v)
`;

/** The notebook's cells run top to bottom in one Python process: the reference. */
function runAsNotebook(dir: string, c: Case): Record<string, unknown> {
  const script = `${FINGERPRINT}
ns = {"__name__": "__main__"}
cells = json.loads(${JSON.stringify(JSON.stringify(c.cells))})
for src in cells:
    exec(compile(src, "<cell>", "exec"), ns)
print(json.dumps({n: fp(ns[n]) for n in ${JSON.stringify(c.compare)}}))
`;
  return python(script, dir, {});
}

/** The promoted steps run one by one, each in its own process, as `python steps/<id>.py`. */
function runAsSteps(dir: string, c: Case, data: string): Record<string, unknown> {
  const shown = cellflow(['pipeline', 'show', '--json', 'p.cellflow.yaml'], dir);
  assert.equal(shown.code, 0, shown.stderr);
  const steps = (JSON.parse(shown.stdout) as { steps: Array<{ id: string; code: string }> }).steps;
  for (const s of steps) {
    const r = spawnSync(PYTHON, [s.code], { cwd: dir, encoding: 'utf8', env: { ...cleanEnv(), CELLFLOW_DATA_DIR: data }, timeout: 120_000 });
    assert.equal(r.status, 0, `step ${s.id} of "${c.name}" failed:\n${r.stderr}\n--- ${s.code}:\n${fs.readFileSync(path.join(dir, s.code), 'utf8')}`);
  }
  const script = `${FINGERPRINT}
import pickle, os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "steps"))
out = {}
for n in ${JSON.stringify(c.compare)}:
    with open(os.path.join(${JSON.stringify(data)}, n + ".pkl"), "rb") as f:
        out[n] = fp(pickle.load(f))
print(json.dumps(out))
`;
  return python(script, dir, {});
}

/** The environment without what the cells set, so a step must carry its setup to see it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CELLFLOW_TEST_FLAG;
  return env;
}

function python(script: string, cwd: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const r = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', env: { ...cleanEnv(), ...env }, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** Promotes `groups` of cells (indices), each a step, in order. */
function promoteGroups(dir: string, groups: number[][]): void {
  groups.forEach((g, i) => {
    const r = cellflow(['promote', 'nb.ipynb', '--cells', g.join(','), '--step', `s${i}`, '--pipeline', 'p.cellflow.yaml'], dir);
    assert.equal(r.code, 0, `promote cells ${g.join(',')}: ${r.stderr}`);
  });
}

describe('promoted steps compute what the notebook computed (run in order, each in its own process)', function () {
  this.timeout(300_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-diff-'));
    fs.mkdirSync(path.join(dir, '.cellflow'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of cases) {
    it(`one step per cell: ${c.name}`, () => {
      writeNotebook(path.join(dir, 'nb.ipynb'), c.cells);
      const expected = runAsNotebook(dir, c);
      promoteGroups(dir, c.cells.map((_, i) => [i]));
      assert.deepEqual(runAsSteps(dir, c, path.join(dir, 'data')), expected);
    });

    it(`multi-cell steps: ${c.name}`, () => {
      writeNotebook(path.join(dir, 'nb.ipynb'), c.cells);
      const expected = runAsNotebook(dir, c);
      const groups: number[][] = [];
      for (let i = 0; i < c.cells.length; i += 2) groups.push(c.cells.slice(i, i + 2).map((_, k) => i + k));
      promoteGroups(dir, groups);
      assert.deepEqual(runAsSteps(dir, c, path.join(dir, 'data')), expected);
    });
  }
});
