import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadNotebookFile, readInside, writeAll } from '../../server/src/io/files';
import { promoteOnDisk } from '../../server/src/io/promoteOnDisk';
import type { NotebookAnalyzer } from '../../server/src/core/notebook/analysis';
import { NotebookError } from '../../server/src/core/notebook/notebook';
import { lockPathFor, parseLock } from '../../server/src/core/pipeline/lockFile';
import { PipelineFileError } from '../../server/src/core/errors';
import { promote, type PromoteResult } from '../../server/src/core/promote/promote';
import { pipelineStatus } from '../../server/src/core/promote/status';
import { lintPipeline } from '../../server/src/core/pipeline/lint';
import { DIST } from '../support/paths';
import { newAnalyzer } from '../support/python';
import { scratchExamples, snapshot } from '../support/workspace';

const PYTHON = '/usr/bin/python3';

describe('promoting cells to pipeline steps', () => {
  let analyzer: NotebookAnalyzer;
  let ws: { dir: string; cleanup: () => void };
  let nbPath: string;
  let pipelinePath: string;

  before(async () => {
    analyzer = await newAnalyzer();
  });
  beforeEach(() => {
    ws = scratchExamples();
    nbPath = path.join(ws.dir, 'notebooks', 'churn.ipynb');
    pipelinePath = path.join(ws.dir, 'churn.cellflow.yaml');
  });
  afterEach(() => ws.cleanup());

  function run(cells: Array<number | string>, stepId?: string, pipeline = pipelinePath): PromoteResult {
    const result = promote(
      {
        notebook: loadNotebookFile(nbPath),
        notebookPath: nbPath,
        cells,
        stepId,
        pipelinePath: pipeline,
        pipelineText: readInside(pipeline, ws.dir),
        lockText: readInside(lockPathFor(pipeline), ws.dir),
        now: new Date('2026-11-27T12:00:00Z'),
      },
      analyzer,
    );
    writeAll(result.files, ws.dir);
    return result;
  }

  function run2(cells: Array<number | string>, stepId?: string): PromoteResult {
    return promoteOnDisk({ notebook: loadNotebookFile(nbPath), notebookPath: nbPath, cells, stepId, pipelinePath }, analyzer);
  }

  function editCell(index: number, source: string): void {
    const nb = JSON.parse(fs.readFileSync(nbPath, 'utf8'));
    nb.cells[index].source = source.split(/(?<=\n)/);
    fs.writeFileSync(nbPath, JSON.stringify(nb, null, 1));
  }

  it('creates a step with its hash, version 1, reads, writes and a code file, and keeps the file\'s comments', () => {
    const r = run([4]);
    assert.equal(r.status, 'created');
    assert.equal(r.step.id, 'load_data', 'named after the heading above the cell');
    assert.deepEqual([r.step.version, r.step.reads, r.step.writes, r.step.dependsOn], [1, [], ['customers'], []]);
    assert.deepEqual(r.step.source?.cells.map((c) => [c.index, c.id]), [[4, 'e5b4a7c6']]);
    assert.match(r.step.source!.hash, /^sha256:[0-9a-f]{64}$/);
    const yaml = fs.readFileSync(pipelinePath, 'utf8');
    assert.match(yaml, /^# The churn pipeline: steps are promoted/m, 'the leading comment survives');
    assert.match(yaml, /^description: Predict which customers/m);
    assert.ok(fs.existsSync(path.join(ws.dir, 'steps', 'load_data.py')));
    assert.deepEqual(lintPipeline(yaml), [], 'the result lints clean');
  });

  it('infers depends-on from data and carries imports, params and parameter values', () => {
    run([4]);
    run([6]);
    const r = run([8, 10], 'train');
    assert.deepEqual(r.step.dependsOn, ['clean']);
    assert.deepEqual(r.step.reads, ['customers']);
    assert.deepEqual(r.step.params, ['TEST_SIZE', 'SEED', 'C']);
    assert.ok(r.step.writes.includes('model') && r.step.writes.includes('X_test'));
    const code = fs.readFileSync(path.join(ws.dir, 'steps', 'train.py'), 'utf8');
    assert.match(code, /^from sklearn\.model_selection import train_test_split$/m);
    assert.match(code, /^from sklearn\.preprocessing import StandardScaler, OneHotEncoder$/m);
    assert.match(code, /^def run\(customers, \*, TEST_SIZE=0\.2, SEED=42, C=1\):$/m);
  });

  it('writes step files that run on their own, in order, and reproduce the notebook', function () {
    this.timeout(120000);
    run([4]);
    run([6]);
    run([8, 10], 'train');
    run([12], 'evaluate');
    // The train cell registers its model with the Cellflow client, in this workspace's store.
    const env = { ...process.env, CELLFLOW_DATA_DIR: path.join(ws.dir, 'data-out'), PYTHONPATH: path.join(DIST, 'python'), CELLFLOW_WORKSPACE: ws.dir, CELLFLOW_STORE: '' };
    let last = '';
    for (const step of ['load_data', 'clean', 'train', 'evaluate']) {
      last = execFileSync(PYTHON, [path.join(ws.dir, 'steps', `${step}.py`)], { env, encoding: 'utf8', cwd: '/' });
    }
    assert.match(last, /accuracy=0\.\d+ roc_auc=0\.\d+/, 'the evaluate step prints what the notebook prints');
    assert.ok(fs.existsSync(path.join(ws.dir, 'data-out', 'model.pkl')));
    // Importable too: run() takes inputs and params and returns outputs.
    const out = execFileSync(PYTHON, ['-c', 'import sys; sys.path.insert(0, "steps"); import load_data; print(sorted(load_data.run()))'], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(out.trim(), "['customers']");
  });

  it('changes nothing when unchanged cells are promoted again', () => {
    run([4]);
    const before = snapshot(ws.dir);
    const r = run([4]);
    assert.equal(r.status, 'unchanged');
    assert.deepEqual(r.files, []);
    assert.deepEqual(snapshot(ws.dir), before);
    assert.equal(run(['e5b4a7c6']).status, 'unchanged', 'by cell id too');
  });

  it('makes version 2 for changed cells and keeps version 1 in the history', () => {
    run([4]);
    editCell(4, 'customers = pd.read_csv("../data/customers.csv")\ncustomers = customers.dropna()');
    const status = pipelineStatus(pipelinePath, fs.readFileSync(pipelinePath, 'utf8'), (p) => loadNotebookFile(p));
    assert.deepEqual(status.steps.map((s) => [s.id, s.stale]), [['load_data', true]]);
    const r = run([4]);
    assert.equal(r.status, 'new-version');
    assert.equal(r.step.version, 2);
    const lock = parseLock(fs.readFileSync(lockPathFor(pipelinePath), 'utf8'), 'lock');
    assert.deepEqual(lock.steps.load_data.versions.map((v) => v.version), [1, 2]);
    assert.match(lock.steps.load_data.versions[0].source[0], /customers\.head\(\)/, 'version 1\'s source is kept');
    assert.match(fs.readFileSync(path.join(ws.dir, 'steps', 'load_data.py'), 'utf8'), /version 2\./);
    const after = pipelineStatus(pipelinePath, fs.readFileSync(pipelinePath, 'utf8'), (p) => loadNotebookFile(p));
    assert.equal(after.steps[0].stale, false);
  });

  it('keeps depends-on the user added by hand across versions', () => {
    run([4]);
    run([6]);
    const yaml = fs.readFileSync(pipelinePath, 'utf8').replace('depends-on: [load_data]', 'depends-on: [load_data, extra_check]');
    fs.writeFileSync(pipelinePath, yaml.replace('steps:\n', 'steps:\n  - id: extra_check\n    code: checks.py\n'));
    editCell(6, 'customers["monthly_charges"] = customers["monthly_charges"].fillna(0)');
    const r = run([6]);
    assert.deepEqual(r.step.dependsOn, ['load_data', 'extra_check']);
  });

  it('orders steps as the notebook does and re-points later steps at a new writer', () => {
    run([4]);
    run([8, 10], 'train');
    assert.deepEqual(readSteps(), [['load_data', []], ['train', ['load_data']]]);
    run([6]);
    assert.deepEqual(readSteps(), [['load_data', []], ['clean', ['load_data']], ['train', ['clean']]]);
  });

  it('updates where cells are when they moved without changing, keeping the version', () => {
    run([4]);
    const nb = JSON.parse(fs.readFileSync(nbPath, 'utf8'));
    nb.cells.splice(1, 0, { cell_type: 'markdown', id: 'new1', metadata: {}, source: ['inserted'] });
    fs.writeFileSync(nbPath, JSON.stringify(nb));
    const r = run([5]);
    assert.equal(r.status, 'relocated');
    assert.equal(r.step.version, 1);
    assert.equal(r.step.source?.cells[0].index, 5);
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['an empty selection', () => run([]), /no cells selected/],
    ['a markdown-only selection', () => run([0, 3]), /holds no code cells \(only markdown or raw\)/],
    ['a cell that does not exist', () => run([99]), /there is no cell 99 \(the notebook has 13 cells\)/],
    ['an unknown cell id', () => run(['nope']), /there is no cell with id `nope`/],
    ['an invalid step id', () => run([4], '9 lives'), /invalid step id `9 lives`/],
    ['invalid notebook JSON', () => {
      fs.writeFileSync(nbPath, '{"cells": [');
      return run([4]);
    }, /churn\.ipynb:1:12: not valid notebook JSON/],
    ['an nbformat 3 notebook', () => {
      fs.writeFileSync(nbPath, JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }));
      return run([4]);
    }, /nbformat 3 notebooks are not supported/],
    ['a non-Python kernel', () => {
      const nb = JSON.parse(fs.readFileSync(nbPath, 'utf8'));
      nb.metadata.kernelspec = { name: 'ir', language: 'R', display_name: 'R' };
      fs.writeFileSync(nbPath, JSON.stringify(nb));
      return run([4]);
    }, /kernel language is r; Cellflow promotes Python cells only/],
  ];
  for (const [what, act, message] of refusals) {
    it(`refuses ${what} with a clear message and writes nothing`, () => {
      const before = snapshot(ws.dir);
      assert.throws(act, (e: unknown) => (e instanceof NotebookError || e instanceof PipelineFileError) && message.test(e.message));
      const after = snapshot(ws.dir);
      after.delete('notebooks/churn.ipynb');
      before.delete('notebooks/churn.ipynb');
      assert.deepEqual(after, before);
    });
  }

  it('refuses a cell with a Python syntax error, naming the cell and place', () => {
    editCell(4, 'customers = pd.read_csv(\n');
    assert.throws(() => run([4]), /cell 4 has a Python syntax error at line \d+, column \d+/);
  });

  it('refuses to edit a pipeline file that does not parse, or a damaged lock file', () => {
    fs.writeFileSync(pipelinePath, 'cellflow: 1\nsteps: [\n');
    assert.throws(() => run([4]), (e: unknown) => e instanceof PipelineFileError && /YAML error/.test(e.message));
    fs.writeFileSync(pipelinePath, 'cellflow: 1\nname: churn\nsteps: []\n');
    fs.writeFileSync(lockPathFor(pipelinePath), '{"cellflow": 1, "steps": {"x": 3}}');
    assert.throws(() => run([4]), (e: unknown) => e instanceof PipelineFileError && /lock file is damaged at steps\.x/.test(e.message));
  });

  it('writes the code file again, same version, when it is missing or was edited by hand', () => {
    run2([4]);
    const code = path.join(ws.dir, 'steps', 'load_data.py');
    const original = fs.readFileSync(code, 'utf8');
    fs.rmSync(code);
    const restored = run2([4]);
    assert.equal(restored.status, 'restored');
    assert.equal(restored.step.version, 1);
    assert.equal(fs.readFileSync(code, 'utf8'), original);
    fs.appendFileSync(code, '\n# tweak\n');
    assert.equal(run2([4]).status, 'restored');
    assert.equal(fs.readFileSync(code, 'utf8'), original);
    fs.writeFileSync(code, original.replace(/\n/g, '\r\n'));
    assert.equal(run2([4]).status, 'unchanged', 'CRLF line endings are not a hand edit');
  });

  it('refuses a code path outside the pipeline folder, and writes nothing', () => {
    run([4]);
    const text = fs.readFileSync(pipelinePath, 'utf8').replace('code: steps/load_data.py', 'code: ../../outside.py');
    fs.writeFileSync(pipelinePath, text);
    editCell(4, 'customers = pd.read_csv("../data/customers.csv").head(10)');
    const before = snapshot(ws.dir);
    assert.throws(() => run([4]), (e: unknown) => e instanceof PipelineFileError && /must be a \.py file inside the pipeline's folder/.test(e.message));
    assert.deepEqual(snapshot(ws.dir), before);
    for (const bad of ['/etc/cron.d/x.py', 'steps/notes.txt']) {
      fs.writeFileSync(pipelinePath, text.replace('code: ../../outside.py', `code: ${bad}`));
      assert.throws(() => run([4]), PipelineFileError, bad);
    }
  });

  it('moves __future__ imports to the top of the step file, which compiles', () => {
    editCell(4, 'from __future__ import annotations\ncustomers = pd.read_csv("../data/customers.csv")');
    run([4]);
    const code = path.join(ws.dir, 'steps', 'load_data.py');
    const text = fs.readFileSync(code, 'utf8');
    assert.match(text, /^"""[\s\S]*?"""\nfrom __future__ import annotations\nimport json as _cellflow_json/);
    execFileSync(PYTHON, ['-m', 'py_compile', code]);
  });

  it('refuses a cell that awaits outside a function', () => {
    editCell(4, 'customers = await load()');
    assert.throws(() => run([4]), /cell 4 uses `await` outside a function/);
  });

  it('starts a new pipeline file when none exists', () => {
    const fresh = path.join(ws.dir, 'fresh.cellflow.yaml');
    const r = run([4], undefined, fresh);
    assert.equal(r.status, 'created');
    const text = fs.readFileSync(fresh, 'utf8');
    assert.match(text, /^name: fresh$/m);
    assert.deepEqual(lintPipeline(text), []);
  });

  function readSteps(): Array<[string, string[]]> {
    const status = pipelineStatus(pipelinePath, fs.readFileSync(pipelinePath, 'utf8'), (p) => loadNotebookFile(p));
    return status.steps.map((s) => [s.id, s.dependsOn]);
  }
});
