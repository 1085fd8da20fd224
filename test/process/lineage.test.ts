import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { LineageGraph } from '../../server/src/core/lineage/graph';
import { Store } from '../../server/src/services/store/store';
import { CLI } from '../support/cli';
import { writeExampleModel } from '../support/exampleModel';
import { scratchExamples } from '../support/workspace';

const PYTHON = '/usr/bin/python3';

describe('cellflow lineage: the chain from a cell to the reports on what it trained', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => void;
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 150_000 });
  const graph = (ref: string): LineageGraph => {
    const r = cli('lineage', ref, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as LineageGraph;
  };
  before(() => {
    ({ dir, cleanup } = scratchExamples({ promoted: true }));
    assert.equal(cli('run', 'churn.cellflow.yaml', '--python', PYTHON).status, 0);
    // The production version is the train step's model as ONNX, so it can be benchmarked: the example's
    // scorer, registered against the train step's run as a user registers an export of it (this machine
    // has no skl2onnx to export the pickle itself).
    writeExampleModel(path.join(dir, 'models', 'churn-model.onnx'));
    const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
    const train = store.lastPipelineRun('churn.cellflow.yaml')!.steps.find((s) => s.stepId === 'train')!;
    const exported = store.registerModel('churn-model', 'models/churn-model.onnx', train.id);
    store.setAlias('churn-model', exported.version, 'production');
    store.close();
    const bench = cli('bench', 'churn-model@production', '--batch', '1', '--warmup', '0', '--max-seconds', '2', '--save');
    assert.equal(bench.status, 0, bench.stderr);
    const drift = cli('drift', '--reference', 'churn-model@production', '--current', 'data/customers_recent.csv', '--python', PYTHON, '--save');
    assert.equal(drift.status, 0, drift.stderr);
  });
  after(() => cleanup());

  it('from the production version: upstream every step that made its data back to their cells, the data read, downstream its benchmark and drift report, marked drifted', () => {
    const g = graph('churn-model@production');
    assert.equal(g.root, 'model-version:churn-model@2');
    const labels = (kind: string) => g.nodes.filter((n) => n.kind === kind).map((n) => n.label).sort();
    assert.deepEqual(labels('step-version'), ['step clean v1', 'step load v1', 'step split v1', 'step train v2']);
    assert.equal(labels('cell-hash').length, 4, 'one cell behind each step');
    assert.deepEqual(labels('run').map((l) => l.split(' ')[1]), ['clean', 'load', 'split', 'train']);
    assert.ok(g.nodes.some((n) => n.kind === 'artifact' && n.label.startsWith('X_train ')), 'the data the train step read');
    assert.ok(g.nodes.some((n) => n.kind === 'dataset' && n.label === 'data/customers.csv'), `the file the load step read: ${labels('dataset').join(', ')}`);
    const report = g.nodes.find((n) => n.kind === 'drift-report')!;
    assert.deepEqual([report.depth, report.marks], [1, ['drifted']]);
    const benchmark = g.nodes.filter((n) => n.kind === 'benchmark');
    assert.deepEqual(benchmark.map((n) => [n.depth, n.marks ?? []]), [[1, []]], 'the one benchmark, not regressed');
    const root = g.nodes.find((n) => n.id === g.root)!;
    assert.deepEqual([root.label, root.marks, root.depth], ['churn-model v2 @production', ['drifted'], 0]);
    const train = g.nodes.find((n) => n.label === 'step train v2')!;
    assert.deepEqual(train.location?.file, 'churn.cellflow.yaml');
    assert.match(train.detail ?? '', /^current, from notebooks\/churn\.ipynb cells \d+(, \d+)*$/);
    for (const e of g.edges) assert.ok(g.nodes.some((n) => n.id === e.from) && g.nodes.some((n) => n.id === e.to), `${e.from} -> ${e.to}`);
  });

  it('the same chain read downstream from a cell, and from a step and a run', () => {
    const up = graph('churn-model@1');
    const trainCell = up.nodes.find((n) => n.kind === 'cell-hash' && up.edges.some((e) => e.from === n.id && e.to.includes('#train@2')))!;
    const down = graph(trainCell.key);
    assert.deepEqual([...new Set(down.nodes.filter((n) => n.depth > 0).map((n) => n.kind))].sort(), ['artifact', 'benchmark', 'drift-report', 'model-version', 'run', 'step-version']);
    assert.ok(['churn-model@1', 'churn-model@2'].every((v) => down.nodes.some((n) => n.id === `model-version:${v}`)), 'the pickle and its export');
    const step = graph('churn.cellflow.yaml#split');
    assert.ok(step.nodes.some((n) => n.id === 'model-version:churn-model@1'), 'split made the data train used');
    const run = up.nodes.find((n) => n.kind === 'run' && n.label.startsWith('run train'))!;
    assert.equal(graph(run.key.slice(0, 8)).root, run.id, 'a run by its id prefix');
  });

  it('names what it cannot find, exiting 2', () => {
    for (const [ref, said] of [['nosuch@1', /nosuch@1: no such model version/], ['churn.cellflow.yaml#nope', /no run of that step is in the store yet/], ['what?', /lineage takes a run id/]] as const) {
      const r = cli('lineage', ref);
      assert.equal(r.status, 2, ref);
      assert.match(r.stderr, said);
    }
  });
});
