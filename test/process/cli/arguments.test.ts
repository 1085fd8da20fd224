import * as assert from 'node:assert/strict';
import { cellflow } from '../../support/cli';
import { scratchWorkspace } from '../../support/store';

describe('cellflow runs list refuses page arguments it cannot honour', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  before(() => {
    ws = scratchWorkspace();
    const store = ws.open();
    for (const name of ['a', 'b']) store.endRun(store.startRun({ name }));
    store.close();
  });
  after(() => ws.cleanup());

  for (const [flag, value, range] of [
    ['--limit', '0', '1 to 10000'],
    ['--limit', '10001', '1 to 10000'],
    ['--limit', '-1', '1 to 10000'],
    ['--offset', '99999999999999999999', '0 to 9007199254740991'],
    ['--offset', '1e3', '0 to 9007199254740991'],
  ]) {
    it(`${flag} ${value}: exit 2 with the range it takes, no stack trace`, () => {
      const r = cellflow(['runs', 'list', `${flag}=${value}`], ws.dir);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stderr, `cellflow: ${flag} takes a whole number from ${range}, not "${value}"\n`);
    });
  }

  it('takes --limit 1 as one run, with the offset of the next page', () => {
    const r = cellflow(['runs', 'list', '--limit', '1', '--order-by', 'name'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^RUN .*\n\S+ +Default +a .*\nMore runs: --offset 1\n$/);
  });
});
