import * as assert from 'node:assert/strict';
import { terminalSafe } from '../../../server/src/core/text/terminalSafe';
import { cellflow } from '../../support/cli';
import { scratchWorkspace } from '../../support/store';

// What a store that came with a cloned repository may hold in any text field.
const HOSTILE = 'evil\u001b]0;pwned\u0007\u001b[2J\nFAKE 00000000  churn  ok\r\u202egnp.exe';

describe('the CLI prints what comes from the store with its control characters escaped', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  let runId: string;
  before(() => {
    ws = scratchWorkspace();
    const store = ws.open();
    runId = store.startRun({ experiment: 'churn', name: HOSTILE });
    store.logParams(runId, { [HOSTILE]: HOSTILE });
    store.setTags(runId, { note: HOSTILE });
    store.logMetric(runId, HOSTILE, 1);
    store.endRun(runId);
    store.close();
  });
  after(() => ws.cleanup());

  const assertSafe = (out: string, lines: number) => {
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no control character reaches the terminal');
    assert.equal(out.trimEnd().split('\n').length, lines, 'no forged line');
    assert.match(out, /evil\\x1b\]0;pwned\\x07\\x1b\[2J\\x0aFAKE/);
  };

  it('in runs list', () => {
    const r = cellflow(['runs', 'list'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r.stdout, 2);
  });

  it('in runs show', () => {
    const r = cellflow(['runs', 'show', runId], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r.stdout, 6);
  });

  it('and --json output keeps the exact text', () => {
    const r = cellflow(['runs', 'show', runId, '--json'], ws.dir);
    assert.equal(JSON.parse(r.stdout).name, HOSTILE);
  });

  it('escapes C0 and C1 controls, DEL, line separators and bidirectional overrides, and leaves other text alone', () => {
    assert.equal(terminalSafe('a\u0000b\u001bc\u007fd\u0085e\u2028f\u202eg'), 'a\\x00b\\x1bc\\x7fd\\x85e\\u2028f\\u202eg');
    assert.equal(terminalSafe('plain: é 漢字 🙂 tab-free'), 'plain: é 漢字 🙂 tab-free');
  });
});
