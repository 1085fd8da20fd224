import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { scratchExamples, snapshot } from '../support/workspace';

describe('promotion writes only inside the workspace', () => {
  let ws: ReturnType<typeof scratchExamples>;
  let outside: string;
  beforeEach(() => {
    ws = scratchExamples();
    // The workspace is the example folder: mark it as one, so its parent is outside.
    fs.mkdirSync(path.join(ws.dir, '.cellflow'), { recursive: true });
    outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'cellflow-outside-'));
  });
  afterEach(() => {
    ws.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a steps folder that is a link to a folder outside, writing nothing anywhere', () => {
    fs.rmSync(path.join(ws.dir, 'steps'), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(ws.dir, 'steps'));
    const before = snapshot(ws.dir);
    const r = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '4', '--step', 'clean', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /^cellflow: .*steps\/clean\.py: is outside the workspace \(.*\); Cellflow reads and writes files inside it only\n$/);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside');
    assert.deepEqual(snapshot(ws.dir), before, 'nothing written inside either: all or none');
  });

  it('refuses a step file that is a link to a file outside', () => {
    fs.mkdirSync(path.join(ws.dir, 'steps'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'victim.py'), 'keep me');
    fs.symlinkSync(path.join(outside, 'victim.py'), path.join(ws.dir, 'steps', 'clean.py'));
    const r = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '4', '--step', 'clean', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /is outside the workspace/);
    assert.equal(fs.readFileSync(path.join(outside, 'victim.py'), 'utf8'), 'keep me');
  });

  it('still writes through a link that stays inside the workspace', () => {
    fs.rmSync(path.join(ws.dir, 'steps'), { recursive: true, force: true });
    fs.mkdirSync(path.join(ws.dir, 'generated'));
    fs.symlinkSync(path.join(ws.dir, 'generated'), path.join(ws.dir, 'steps'));
    const r = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '4', '--step', 'clean', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(ws.dir, 'generated', 'clean.py')));
  });
});
