import * as assert from 'node:assert/strict';
import { FilterError, parseFilter, parseOrderBy } from '../../../server/src/core/store/filter';
import { filterSql } from '../../../server/src/core/store/search';
import type { Store } from '../../../server/src/services/store/store';
import { scratchWorkspace } from '../../support/store';

describe('run search', () => {
  describe('the filter language', () => {
    const show = (source: string): string => {
      const walk = (f: NonNullable<ReturnType<typeof parseFilter>>): string => {
        switch (f.kind) {
          case 'and':
          case 'or':
            return `(${walk(f.left)} ${f.kind} ${walk(f.right)})`;
          case 'not':
            return `(not ${walk(f.expr)})`;
          case 'compare':
            return `${f.field.kind === 'attribute' ? f.field.name : `${f.field.kind}:${f.field.key}`} ${f.op} ${JSON.stringify(f.value)}`;
          case 'in':
            return `${f.field.kind === 'attribute' ? f.field.name : `${f.field.kind}:${f.field.key}`} ${f.negated ? 'not in' : 'in'} ${JSON.stringify(f.values)}`;
        }
      };
      return walk(parseFilter(source)!);
    };

    it('binds and tighter than or, and honours parentheses and not', () => {
      assert.equal(show('metrics.acc > 0.9 or params.lr = "0.01" and tags.team = \'a\''), '(metric:acc > 0.9 or (param:lr = "0.01" and tag:team = "a"))');
      assert.equal(show('(metrics.acc > 0.9 OR params.lr = "0.01") AND not status = "FAILED"'), '((metric:acc > 0.9 or param:lr = "0.01") and (not status = "FAILED"))');
      assert.equal(show('params.model in ("a", "b") and params.x not in (1) and run_name not like "base%"'), '((param:model in ["a","b"] and param:x not in [1]) and name not like "base%")');
      assert.equal(show('metrics.`val loss` <= -1e-3 and attributes.start_time >= 5'), '(metric:val loss <= -0.001 and start_time >= 5)');
      assert.equal(show('metric.val-loss == 1 and experiment <> "x"'), '(metric:val-loss = 1 and experiment != "x")');
    });

    it('says where a filter goes wrong', () => {
      const cases: Array<[string, RegExp]> = [
        ['metrics.acc >', /column 14: expected a number or a quoted string, found the end/],
        ['params.lr = "0.01', /column 13: the quoted text is not closed/],
        ['foo.bar = 1', /column 1: unknown field kind `foo`/],
        ['colour = "red"', /unknown attribute `colour`/],
        ['metrics.acc > 0.9 params.lr = 1', /column 19: expected `and`, `or` or the end/],
        ['(metrics.acc > 1', /expected `\)`/],
        ['metrics.acc ~ 1', /unexpected `~`/],
        ['metrics.acc like "a%"', /metrics compare with numbers/],
      ];
      for (const [source, message] of cases) {
        assert.throws(
          () => {
            // Some mistakes are only seen when the tree is turned into SQL.
            filterSql(parseFilter(source)!);
          },
          (err: Error) => err instanceof FilterError && message.test(err.message),
          source,
        );
      }
      assert.throws(() => parseOrderBy('metrics.acc sideways'), /expected `asc`, `desc` or `,`/);
    });
  });

  describe('over a store', () => {
    let ws: ReturnType<typeof scratchWorkspace>;
    let store: Store;
    const ids: Record<string, string> = {};
    before(() => {
      ws = scratchWorkspace();
      store = ws.open();
      const runs: Array<[string, string, Record<string, unknown>, Record<string, number>, Record<string, string>]> = [
        ['a', 'churn', { lr: '0.01', model: 'logreg' }, { acc: 0.95, loss: 0.1 }, { team: 'growth' }],
        ['b', 'churn', { lr: '0.1', model: 'logreg' }, { acc: 0.85, loss: 0.3 }, { team: 'growth' }],
        ['c', 'churn', { lr: '0.01', model: 'forest' }, { acc: 0.91 }, { team: 'Risk' }],
        ['d', 'fraud', { lr: '0.001', model: 'forest' }, { acc: 0.7, loss: 0.9 }, {}],
        ['baseline', 'fraud', {}, {}, {}],
      ];
      for (const [name, experiment, params, metrics, tags] of runs) {
        const id = store.startRun({ experiment, name });
        ids[name] = id;
        store.logParams(id, params);
        store.setTags(id, tags);
        store.logMetrics(id, Object.entries(metrics).map(([key, value]) => ({ key, value })));
        if (name !== 'baseline') store.endRun(id, name === 'd' ? 'FAILED' : 'FINISHED');
      }
    });
    after(() => ws.cleanup());
    /** Names of the matching runs: in search order when ordered, else sorted. */
    const names = (filter: string, orderBy?: string) => {
      const found = store.searchRuns({ filter, orderBy }).runs.map((r) => r.name!);
      return orderBy ? found : found.sort();
    };

    it('filters on metrics, params, tags and attributes, with and, or and parentheses', () => {
      assert.deepEqual(names('metrics.acc > 0.9 and params.lr = "0.01"'), ['a', 'c']);
      assert.deepEqual(names('metrics.acc > 0.9 and (params.model = "forest" or tags.team = "growth")'), ['a', 'c']);
      assert.deepEqual(names('metrics.acc > 0.9 and params.model = "forest" or tags.team = "growth"'), ['a', 'b', 'c']);
      assert.deepEqual(names('not params.model = "logreg"'), ['baseline', 'c', 'd']);
      assert.deepEqual(names('params.lr < 0.05'), ['a', 'c', 'd'], 'a number compares params as numbers');
      assert.deepEqual(names('params.lr < "0.05"'), ['a', 'c', 'd']);
      assert.deepEqual(names('status = "FAILED" or status = "RUNNING"'), ['baseline', 'd']);
      assert.deepEqual(names('experiment = "fraud" and metrics.loss >= 0.9'), ['d']);
      assert.deepEqual(names('params.model in ("forest", "svm") and experiment != "fraud"'), ['c']);
      assert.deepEqual(names('tags.team like "gr%"'), ['a', 'b']);
      assert.deepEqual(names('tags.team like "r%"'), [], 'like is case-sensitive');
      assert.deepEqual(names('tags.team ilike "r%"'), ['c']);
      assert.deepEqual(names('name like "b_"'), []);
      assert.deepEqual(names('name like "base%"'), ['baseline']);
      assert.deepEqual(names(`id = "${ids.b}"`), ['b']);
    });

    it('orders by a metric, a param or an attribute, runs without the key last', () => {
      assert.deepEqual(names('', 'metrics.acc desc'), ['a', 'c', 'b', 'd', 'baseline']);
      const byLoss = names('', 'metrics.loss');
      assert.deepEqual(byLoss.slice(0, 3), ['a', 'b', 'd']);
      assert.deepEqual(byLoss.slice(3).sort(), ['baseline', 'c']);
      assert.deepEqual(names('experiment = "churn"', 'params.model desc, metrics.acc'), ['b', 'a', 'c']);
      assert.deepEqual(names('', 'name'), ['a', 'b', 'baseline', 'c', 'd']);
    });

    it('pages through every run exactly once', () => {
      const seen: string[] = [];
      let offset: number | undefined = 0;
      let pages = 0;
      while (offset !== undefined) {
        const page: ReturnType<Store['searchRuns']> = store.searchRuns({ orderBy: 'metrics.acc desc', limit: 2, offset });
        seen.push(...page.runs.map((r) => r.name!));
        offset = page.nextOffset;
        pages++;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['a', 'c', 'b', 'd', 'baseline']);
    });

    it('returns each run with its params, latest metrics and tags', () => {
      const [a] = store.searchRuns({ filter: 'name = "a"' }).runs;
      assert.deepEqual([a.experiment, a.status, a.params, a.metrics, a.tags], ['churn', 'FINISHED', { lr: '0.01', model: 'logreg' }, { acc: 0.95, loss: 0.1 }, { team: 'growth' }]);
    });

    it('never runs text from a filter or an order as SQL', () => {
      const schema = () => JSON.stringify(store.db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all());
      const before = schema();
      const all = store.searchRuns().runs.length;
      // Quotes, comments and statements inside values and keys are just text to compare with.
      const literal = [
        `params.lr = "0.01' OR '1'='1"`,
        `params.lr = '0.01" OR 1=1 --'`,
        "params.`lr = lr OR 1=1 --` = 'x'",
        "params.`lr'); DROP TABLE runs; --` = 'x'",
        'tags.team like "%\' OR 1=1 --"',
        `name = "x'; DELETE FROM runs; --"`,
        `name in ("a') OR (1=1", "zz")`,
      ];
      for (const f of literal) assert.deepEqual(store.searchRuns({ filter: f }).runs, [], f);
      // Anything that is not the language is refused before it gets near SQL.
      const refused = [
        'metrics.acc > 0 or 1=1',
        'metrics.acc > 0; DROP TABLE runs',
        'metrics.acc > 0 -- comment',
        'status = FAILED',
        'params.lr = 0.01 UNION SELECT * FROM runs',
        'sqlite_master.name = "x"',
        'metrics.acc > (SELECT 1)',
        'id = "a" /* */',
      ];
      for (const f of refused) assert.throws(() => store.searchRuns({ filter: f }), FilterError, f);
      for (const o of ['metrics.acc; DROP TABLE runs', 'start_time desc, (SELECT 1)', 'random()', 'name desc limit 1']) assert.throws(() => store.searchRuns({ orderBy: o }), FilterError, o);
      assert.equal(schema(), before);
      assert.equal(store.searchRuns().runs.length, all);
    });
  });
});
