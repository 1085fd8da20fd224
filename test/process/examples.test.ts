import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI } from '../support/cli';
import { Store } from '../../server/src/services/store/store';
import { DIST, EXAMPLES } from '../support/paths';
import { scratchExamples } from '../support/workspace';

const PYTHON = '/usr/bin/python3';

describe('examples workspace', () => {
  it('ships a notebook whose code runs end to end on Debian python3 and scores better than chance', function () {
    this.timeout(120000);
    const nb = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'notebooks', 'churn.ipynb'), 'utf8'));
    assert.equal(nb.nbformat, 4);
    const code = (nb.cells as Array<{ cell_type: string; source: string[] }>)
      .filter((c) => c.cell_type === 'code')
      .map((c) => c.source.join(''))
      .join('\n\n');
    // Run as one script from the notebook's folder, as a kernel started there would, in a scratch copy:
    // the notebook registers its model in the workspace's store.
    const { dir, cleanup } = scratchExamples({ promoted: true });
    try {
      const env = { ...process.env, PYTHONPATH: path.join(DIST, 'python'), CELLFLOW_WORKSPACE: dir, CELLFLOW_STORE: '' };
      const out = execFileSync(PYTHON, ['-'], { input: code, cwd: path.join(dir, 'notebooks'), encoding: 'utf8', env });
      const m = /accuracy=([\d.]+) roc_auc=([\d.]+)/.exec(out);
      assert.ok(m, `the notebook prints its scores: ${out}`);
      assert.ok(Number(m[2]) > 0.7, `ROC AUC ${m[2]} is well above chance`);
      assert.ok(fs.existsSync(path.join(dir, 'models', 'churn-model.pkl')), 'the notebook keeps its model');
    } finally {
      cleanup();
    }
  });

  it('ships the CSVs its generator makes, byte for byte', function () {
    this.timeout(60000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-data-'));
    try {
      fs.copyFileSync(path.join(EXAMPLES, 'data', 'make_customers.py'), path.join(scratch, 'make_customers.py'));
      execFileSync(PYTHON, [path.join(scratch, 'make_customers.py')], { encoding: 'utf8' });
      for (const csv of ['customers.csv', 'customers_recent.csv']) assert.equal(fs.readFileSync(path.join(scratch, csv), 'utf8'), fs.readFileSync(path.join(EXAMPLES, 'data', csv), 'utf8'), csv);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('ships a promoted pipeline that runs end to end, its checks passing, and is reused the second time', function () {
    this.timeout(180_000);
    const { dir: scratch, cleanup } = scratchExamples({ promoted: true });
    try {
      const run = () => {
        const r = spawnSync(process.execPath, [CLI, 'run', 'churn.cellflow.yaml', '--python', PYTHON, '--json'], { cwd: scratch, encoding: 'utf8', timeout: 150_000 });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        return JSON.parse(r.stdout.trim().split('\n').pop()!) as { status: string; steps: Record<string, string> };
      };
      const first = run();
      assert.deepEqual([first.status, first.steps], ['succeeded', { load: 'ran', clean: 'ran', split: 'ran', train: 'ran', evaluate: 'ran' }]);
      // The train step registers a model version, which leads back through its step run and step version to the cells.
      const store = new Store(path.join(scratch, '.cellflow', 'cellflow.db'), scratch);
      try {
        const [model] = store.listModels();
        assert.deepEqual([model.name, model.versions.map((v) => v.version)], ['churn-model', [1]]);
        const [train] = store.runSummaries([model.versions[0].runId!]);
        assert.deepEqual([train.stepId, train.stepVersion, train.parentId !== null], ['train', 2, true]);
        const edges = store.lineageOf('model-version', 'churn-model@1').map((e) => `${e.fromKind}→${e.toKind}`);
        for (const hop of ['run→model-version', 'step-version→run', 'cell-hash→step-version']) assert.ok(edges.includes(hop), `${hop} in ${edges.join(', ')}`);
      } finally {
        store.close();
      }
      // This month's customers against what the model version was trained on (the train step's inputs).
      const drift = spawnSync(process.execPath, [CLI, 'drift', '--reference', 'churn-model@1', '--current', 'data/customers_recent.csv', '--python', PYTHON, '--save', '--json'], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
      assert.equal(drift.status, 0, drift.stderr);
      const report = JSON.parse(drift.stdout) as { dataset: { drifted: boolean; driftedColumns: string[] }; findings: Array<{ kind: string; column: string }>; saved: { id: string; model: string; pipeline: string } };
      // The version's lineage leads to the pipeline that trained it: the editor offers to re-run that.
      assert.deepEqual([report.dataset.drifted, report.saved.model, report.saved.pipeline], [true, 'churn-model@1', 'churn.cellflow.yaml']);
      assert.ok(report.dataset.driftedColumns.includes('tenure_months'), report.dataset.driftedColumns.join(', '));
      assert.ok(report.findings.some((f) => f.kind === 'unseen-categories' && f.column === 'contract'));
      const again = new Store(path.join(scratch, '.cellflow', 'cellflow.db'), scratch);
      try {
        assert.equal(again.listModels()[0].versions[0].drift?.reportId, report.saved.id);
        assert.equal(again.driftReports({ name: 'churn-model', version: 1 })[0].reference, 'churn-model@1 (X_train, y_train)');
      } finally {
        again.close();
      }
      const second = run();
      assert.deepEqual([second.status, second.steps], ['succeeded', { load: 'reused', clean: 'reused', split: 'reused', train: 'reused', evaluate: 'reused' }]);
    } finally {
      cleanup();
    }
  });
});
