import * as assert from 'node:assert/strict';
import { alignSeries, chartedMetrics, comparableMetrics, metricRows, numericVariedParams, paramMetricPoints, paramRows } from '../../media/compare/model';
import type { CompareRun } from '../../server/src/protocol';

const run = (id: string, over: Partial<CompareRun>): CompareRun => ({ id, label: id, status: 'FINISHED', experiment: 'churn', params: {}, metrics: {}, history: {}, ...over });

describe('the Compare Runs page model', () => {
  const runs = [
    run('a', { params: { lr: '0.1', depth: '3' }, metrics: { acc: 0.8, loss: 0.5 }, history: { loss: [[0, 1], [1, 0.7], [2, 0.5]] } }),
    run('b', { params: { lr: '0.1', depth: '5' }, metrics: { acc: 0.9, loss: 0.5 }, history: { loss: [[0, 1], [2, 0.5], [3, 0.45]] } }),
    run('c', { params: { lr: '0.1' }, metrics: { acc: 0.85 }, history: { acc: [[9, 0.85]] } }),
  ];

  it('marks a param row as differing when any run has another value or none', () => {
    const rows = Object.fromEntries(paramRows(runs).map((r) => [r.key, r]));
    assert.deepEqual(rows.depth.values, ['3', '5', undefined]);
    assert.equal(rows.depth.differs, true);
    assert.equal(rows.lr.differs, false);
  });

  it('marks differing metrics and which run is lowest and highest', () => {
    const rows = Object.fromEntries(metricRows(runs).map((r) => [r.key, r]));
    assert.equal(rows.acc.differs, true);
    assert.deepEqual([rows.acc.lowest, rows.acc.highest], [0, 1]);
    assert.equal(rows.loss.differs, true, 'run c logged no loss');
    assert.equal(rows.loss.lowest, undefined, 'equal values have no extremes');
  });

  it('charts only metrics with a history, aligned on the union of steps with gaps as null', () => {
    assert.deepEqual(chartedMetrics(runs), ['loss']);
    const { xs, ys, binned } = alignSeries(runs, 'loss');
    assert.deepEqual(xs, [0, 1, 2, 3]);
    assert.deepEqual(ys, [[1, 0.7, 0.5, null], [1, null, 0.5, 0.45], [null, null, null, null]]);
    assert.equal(binned, false);
  });

  it('bins the steps of runs logged on unrelated grids instead of growing without bound', () => {
    const many = Array.from({ length: 200 }, (_, i) => run(`r${i}`, { history: { loss: Array.from({ length: 500 }, (_, s): [number, number] => [s * 200 + i, 1 / (s + 1)]) } }));
    const { xs, ys, binned } = alignSeries(many, 'loss', 200_000);
    assert.equal(binned, true);
    assert.ok(xs.length * many.length <= 200_000, `${xs.length} x values`);
    assert.ok(ys.every((y) => y.length === xs.length));
    assert.ok(ys.every((y) => y.filter((v) => v !== null).length > 400), 'each run keeps most of its line');
  });

  it('charts each numeric param that differs against a metric, a point per run sorted by the param, log-scaled across decades', () => {
    const trials = [
      run('t1', { params: { C: '1', kernel: 'rbf', seed: '42' }, metrics: { auc: 0.8 } }),
      run('t2', { params: { C: '0.01', kernel: 'linear', seed: '42' }, metrics: { auc: 0.6 } }),
      run('t3', { params: { C: '100', kernel: 'rbf', seed: '42' }, metrics: { auc: 0.7, note: 1 } }),
      run('t4', { params: { C: '10', kernel: 'rbf', seed: '42' } }),
    ];
    assert.deepEqual(numericVariedParams(trials), ['C'], 'text params and ones every run shares are left out');
    assert.deepEqual(comparableMetrics(trials), ['auc'], 'a metric one run logged has nothing to compare');
    assert.deepEqual(paramMetricPoints(trials, 'C', 'auc'), { xs: [0.01, 1, 100], ys: [0.6, 0.8, 0.7], runIds: ['t2', 't1', 't3'], log: true });
    assert.equal(paramMetricPoints(trials.slice(0, 1).concat(run('t5', { params: { C: '2' }, metrics: { auc: 1 } })), 'C', 'auc').log, false);
  });
});
