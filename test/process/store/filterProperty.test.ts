import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { FilterError, FILTER_LIMITS, parseFilter, parseOrderBy } from '../../../server/src/core/store/filter';
import { scratchWorkspace } from '../../support/store';

/** Filters from the language's grammar, nested at random, with hostile numbers and strings. */
const field = fc.oneof(
  fc.constantFrom('metrics.acc', 'params.lr', 'tags.team', 'status', 'start_time', 'step_version', 'name', 'metrics.`a b`', 'params."x"'),
  fc.string({ maxLength: 12 }).map((k) => `params.\`${k.replace(/[`\\]/g, '')}\``),
);
const number = fc.oneof(fc.double().map(String), fc.integer().map(String), fc.constantFrom('1e999', '-0', '9223372036854775808', '.5', '-1e-400', '0x10', '1e'));
const quoted = fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s));
const value = fc.oneof(number, quoted, fc.constantFrom("'single'", '"unterminated', "'it''s'", '"%_like"'));
const op = fc.constantFrom('=', '!=', '<>', '<', '<=', '>', '>=', '==', 'like', 'ilike', 'not like', 'LIKE', '=>', '!');
const comparison = fc.oneof(
  fc.tuple(field, op, value).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(field, fc.boolean(), fc.array(value, { minLength: 0, maxLength: 5 })).map(([f, not, vs]) => `${f} ${not ? 'not in' : 'in'} (${vs.join(', ')})`),
);
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    tie('expr').map((e) => `(${e})`),
    tie('expr').map((e) => `not ${e}`),
    fc.tuple(tie('expr'), fc.constantFrom(' and ', ' or ', ' AND ', ' ', ' xor '), tie('expr')).map(([a, j, b]) => `${a}${j}${b}`),
  ),
}));
/** Grammar output, or that output cut, padded or spliced with random characters. */
const filter = fc.oneof(
  expr,
  fc.tuple(expr, fc.nat(), fc.string({ maxLength: 4 })).map(([e, at, junk]) => e.slice(0, at % (e.length + 1)) + junk + e.slice(at % (e.length + 1))),
  fc.string({ maxLength: 40 }),
  fc.nat({ max: 5000 }).map((n) => `${'('.repeat(n)}metrics.a > 1${')'.repeat(n)}`),
  fc.nat({ max: 3000 }).map((n) => Array.from({ length: n + 1 }, () => 'metrics.a > 1').join(' or ')),
);

function refusalOnly(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    assert.match(err.message, /^filter, column \d+: /);
  }
}

describe('the filter language under random input (fast-check)', function () {
  this.timeout(120_000);
  let ws: ReturnType<typeof scratchWorkspace>;
  before(() => {
    ws = scratchWorkspace();
    const store = ws.open();
    for (let i = 0; i < 3; i++) {
      const id = store.startRun({ experiment: 'e', name: `r${i}` });
      store.logParams(id, { lr: 10 ** -i, 'a b': i });
      store.logMetric(id, 'acc', i / 3);
      store.setTags(id, { team: i ? 'growth' : 'core' });
      store.endRun(id);
    }
  });
  after(() => ws.cleanup());

  it('parses or refuses with a FilterError naming the column, and the store runs whatever parses', () => {
    const store = ws.open();
    fc.assert(
      fc.property(filter, (f) => {
        refusalOnly(() => parseFilter(f));
        refusalOnly(() => store.searchRuns({ filter: f, limit: 5 }));
      }),
      { numRuns: Number(process.env.CELLFLOW_FUZZ_RUNS ?? 2000) },
    );
  });

  it('refuses nesting, term and order-by counts past its limits with a message, not a stack overflow', () => {
    const deep = `${'('.repeat(3000)}metrics.a > 1${')'.repeat(3000)}`;
    assert.throws(() => parseFilter(deep), new RegExp(`nests deeper than ${FILTER_LIMITS.depth} levels`));
    assert.throws(() => parseFilter('not '.repeat(3000) + 'metrics.a > 1'), /nests deeper/);
    assert.throws(() => parseFilter(Array(1000).fill('metrics.a > 1').join(' and ')), new RegExp(`more than ${FILTER_LIMITS.terms} comparisons`));
    assert.throws(() => parseOrderBy(Array(2000).fill('start_time').join(', ')), /the order has 2000 terms/);
    assert.throws(() => parseFilter(`params.x in (${Array(5000).fill('1').join(',')})`), /at most 1000 values/);
    assert.deepEqual(parseFilter(`${'('.repeat(FILTER_LIMITS.depth)}metrics.a > 1${')'.repeat(FILTER_LIMITS.depth)}`), { kind: 'compare', field: { kind: 'metric', key: 'a' }, op: '>', value: 1 });
    assert.deepEqual(parseFilter('params.C in (-1, 2)'), { kind: 'in', field: { kind: 'param', key: 'C' }, values: [-1, 2], negated: false });
  });
});
