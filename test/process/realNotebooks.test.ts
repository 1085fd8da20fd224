import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { SHARED_NOTEBOOKS } from '../support/paths';

interface ShownStep {
  id: string;
  version: number;
  dependsOn: string[];
  reads: string[];
  writes: string[];
  source: { notebook: string; cells: Array<{ index: number; id?: string; hash: string }>; hash: string };
  stale: boolean;
}

/**
 * The real public notebooks (nbformat 4.4: no cell ids, hundreds of cells), promoted through the CLI
 * contract the way CI would, checked through `cellflow pipeline show --json`.
 */
describe('promoting cells of real notebooks (handson-ml3)', () => {
  let dir: string;
  before(function () {
    if (!fs.existsSync(SHARED_NOTEBOOKS)) {
      console.log(`    skipped: ${SHARED_NOTEBOOKS} is not here (a clone without the shared fixtures)`);
      this.skip();
    }
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-real-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function promoteAll(notebook: string, steps: Array<[string, string]>): ShownStep[] {
    fs.copyFileSync(path.join(SHARED_NOTEBOOKS, notebook), path.join(dir, 'nb.ipynb'));
    for (const [cells, step] of steps) {
      const r = cellflow(['promote', 'nb.ipynb', '--cells', cells, '--step', step, '--pipeline', 'p.cellflow.yaml', '--json'], dir);
      assert.equal(r.code, 0, `promote ${step}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).status, 'created');
    }
    const shown = cellflow(['pipeline', 'show', 'p.cellflow.yaml', '--json'], dir);
    assert.equal(shown.code, 0, shown.stderr);
    const out = JSON.parse(shown.stdout) as { name: string; steps: ShownStep[] };
    assert.equal(out.name, 'p');
    return out.steps;
  }

  const chain = (steps: ShownStep[]) => steps.map((s) => [s.id, s.dependsOn, s.reads, s.writes]);

  it('chapter 2 (286 cells): load → income_cat → split → prepare, preprocessing → train', () => {
    const steps = promoteAll('handson-ml3_02_end_to_end_machine_learning_project.ipynb', [
      ['11', 'load'],
      ['37', 'income_cat'],
      ['42', 'split'],
      ['66', 'prepare'],
      ['159', 'preprocessing'],
      ['164', 'train'],
    ]);
    assert.deepEqual(chain(steps), [
      ['load', [], [], ['housing']],
      ['income_cat', ['load'], ['housing'], ['housing']],
      ['split', ['income_cat'], ['housing'], ['strat_train_set', 'strat_test_set']],
      ['prepare', ['split'], ['strat_train_set'], ['housing', 'housing_labels']],
      ['preprocessing', [], ['cat_pipeline'], ['log_pipeline', 'cluster_simil', 'default_num_pipeline', 'preprocessing']],
      ['train', ['preprocessing', 'prepare'], ['preprocessing', 'housing', 'housing_labels'], ['lin_reg']],
    ]);
    for (const s of steps) {
      assert.equal(s.stale, false);
      assert.equal(s.source.cells[0].id, undefined, 'nbformat 4.4 cells have no id');
      assert.match(s.source.cells[0].hash, /^sha256:/, 'found again by content hash instead');
    }
    const preprocessing = fs.readFileSync(path.join(dir, 'steps', 'preprocessing.py'), 'utf8');
    const shared = /^from (cellflow_defs\.ClusterSimilarity_[0-9a-f]{8}) import ClusterSimilarity$/m.exec(preprocessing);
    assert.ok(shared, 'the class it uses is carried along, in a module steps share');
    const module = fs.readFileSync(path.join(dir, 'steps', ...shared[1].split('.')) + '.py', 'utf8');
    assert.match(module, /^class ClusterSimilarity\(BaseEstimator, TransformerMixin\):$/m);
    assert.match(module, /^from sklearn\.base import BaseEstimator, TransformerMixin$/m, 'with the imports it needs');
    assert.match(preprocessing, /^from sklearn\.pipeline import make_pipeline$/m, 'and the imports it needs');
  });

  it('chapter 3 (263 cells): load → features → split → labels → train → cross-validated predictions', () => {
    const steps = promoteAll('handson-ml3_03_classification.ipynb', [
      ['13', 'load'],
      ['16', 'features'],
      ['24', 'split'],
      ['26', 'labels'],
      ['27', 'train'],
      ['36', 'cv_predict'],
    ]);
    assert.deepEqual(steps.map((s) => [s.id, s.dependsOn]), [
      ['load', []],
      ['features', ['load']],
      ['split', ['features']],
      ['labels', ['split']],
      ['train', ['split', 'labels']],
      ['cv_predict', ['train', 'split', 'labels']],
    ]);
  });

  it('marks a step stale once its cell changes, even without cell ids', () => {
    promoteAll('handson-ml3_02_end_to_end_machine_learning_project.ipynb', [['42', 'split']]);
    const nb = JSON.parse(fs.readFileSync(path.join(dir, 'nb.ipynb'), 'utf8'));
    nb.cells[42].source = ['strat_train_set, strat_test_set = train_test_split(housing, test_size=0.25)'];
    // And a cell inserted above moves every index by one.
    nb.cells.splice(10, 0, { cell_type: 'markdown', metadata: {}, source: ['new note'] });
    fs.writeFileSync(path.join(dir, 'nb.ipynb'), JSON.stringify(nb));
    const shown = JSON.parse(cellflow(['pipeline', 'show', 'p.cellflow.yaml', '--json'], dir).stdout) as { steps: Array<ShownStep & { staleReason: string }> };
    assert.equal(shown.steps[0].stale, true);
    assert.match(shown.steps[0].staleReason, /cells changed since version 1/);
  });
});
