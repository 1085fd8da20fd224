import * as assert from 'node:assert/strict';
import { defaultGoal, rankableMetrics, rankBy } from '../../server/src/core/store/ranking';
import { bestTrial, parseValues, planTrials, suggestValues } from '../../server/src/core/sweep/plan';

describe('sweep planning (core/sweep)', () => {
  it('reads lists as JSON where they are, and ranges evenly in linear or log space, ends included', () => {
    assert.deepEqual(parseValues('0.01,0.1,1', '--param lr'), [0.01, 0.1, 1]);
    assert.deepEqual(parseValues('adam,sgd', '--param opt'), ['adam', 'sgd']);
    assert.deepEqual(parseValues('0.001:1:log:4', '--param lr'), [0.001, 0.01, 0.1, 1]);
    assert.deepEqual(parseValues('1:3:lin:3', '--param n'), [1, 2, 3]);
    assert.equal(parseValues('1:2:lin', '--param n').length, 5, 'five points by default');
    assert.throws(() => parseValues('1,,2', '--param n'), /--param n: give values as a list/);
    assert.throws(() => parseValues('-1:1:log', '--param n'), /a log range needs both ends above 0/);
  });

  it('plans a grid with the first param slowest, and random draws without repeats', () => {
    const params = [{ name: 'A', values: [1, 2] }, { name: 'B', values: ['x', 'y', 'z'] }];
    assert.deepEqual(planTrials(params, 'grid').map((t) => `${t.A}${t.B}`), ['1x', '1y', '1z', '2x', '2y', '2z']);
    const drawn = planTrials(params, 'random', 4, 7).map((t) => `${t.A}${t.B}`);
    assert.equal(new Set(drawn).size, 4);
    assert.deepEqual(planTrials(params, 'random', 4, 7).map((t) => `${t.A}${t.B}`), drawn, 'the same seed, the same trials');
    assert.equal(planTrials(params, 'random', 99).length, 6, 'no more trials than combinations');
  });

  it('picks the best trial by its metric, leaving out trials without one', () => {
    const trials = [{ trial: 1, metric: 0.7 }, { trial: 2 }, { trial: 3, metric: 0.9 }, { trial: 4, metric: Number.NaN }];
    assert.equal(bestTrial(trials, 'max')?.trial, 3);
    assert.equal(bestTrial(trials, 'min')?.trial, 1);
    assert.equal(bestTrial<{ trial: number; metric?: number }>([{ trial: 1 }], 'max'), undefined);
  });

  it('offers values to sweep from a param\'s current value, and the offer parses back', () => {
    assert.equal(suggestValues(1), '0.1:10:log:5');
    assert.equal(suggestValues(0.2), '0.02:2:log:5');
    assert.equal(suggestValues(42), '21,42,84');
    assert.equal(suggestValues(true), 'true,false');
    assert.equal(suggestValues('adam'), '"adam"');
    assert.deepEqual(parseValues(suggestValues(1), '--param C'), [0.1, 0.316227766017, 1, 3.16227766017, 10]);
    assert.deepEqual(parseValues(suggestValues(42), '--param SEED'), [21, 42, 84]);
  });

  it('ranks runs by a metric, minimising losses and errors and maximising the rest', () => {
    assert.deepEqual(['val_loss', 'rmse', 'error_rate', 'latency_ms', 'accuracy', 'roc_auc', 'f1'].map(defaultGoal), ['min', 'min', 'min', 'min', 'max', 'max', 'max']);
    const runs: Array<{ id: string; metrics: Record<string, number> }> = [{ id: 'a', metrics: { auc: 0.7, loss: 0.3 } }, { id: 'b', metrics: { auc: 0.9 } }, { id: 'c', metrics: { auc: 0.9, loss: 0.1 } }, { id: 'd', metrics: { seen: 1 } }];
    assert.deepEqual(rankBy(runs, (r) => r.metrics.auc, 'max').map((r) => r.id), ['b', 'c', 'a'], 'ties keep their order; runs without it are left out');
    assert.deepEqual(rankBy(runs, (r) => r.metrics.loss, 'min').map((r) => r.id), ['c', 'a']);
    assert.deepEqual(rankableMetrics(runs), ['auc', 'loss'], 'a metric one run logged cannot rank');
  });
});
