import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

/**
 * Inputs far larger than usual read in bounded memory: a CSV with one enormous line. Peak memory is
 * the child's own (getrusage).
 */
describe('large inputs, in bounded memory', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  before(() => (ws = scratchWorkspace()));
  after(() => ws.cleanup());

  const MB = 1024 * 1024;

  it('refuses a CSV line longer than the cap, naming the file and line, without reading the line whole', () => {
    // 200 MB on one line: the client used to hold it twice over before refusing.
    const file = path.join(ws.dir, 'one-line.csv');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'id,text\n1,');
    const chunk = Buffer.alloc(4 * MB, 'x');
    for (let i = 0; i < 50; i++) fs.writeSync(fd, chunk);
    fs.writeSync(fd, '\n');
    fs.closeSync(fd);
    const r = python(
      'import json, resource, cellflow\nwith cellflow.start_run():\n    try:\n        cellflow.log_input("one-line.csv")\n        said = "accepted"\n    except cellflow.CellflowError as e:\n        said = str(e)\nprint(json.dumps({"said": said, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n',
      ws.dir,
    );
    assertExitedOk(r);
    const { said, peak_kb } = JSON.parse(r.stdout) as { said: string; peak_kb: number };
    assert.equal(said, 'one-line.csv: line 2 is longer than 16,777,216 characters; Cellflow reads CSV lines up to that length');
    assert.ok(peak_kb * 1024 < 100 * MB, `peak memory ${Math.round(peak_kb / 1024)} MB for a 200 MB line`);
    fs.rmSync(file);
    const store = ws.open();
    assert.deepEqual(store.runOutputs(store.searchRuns().runs[0].id).inputs, [], 'nothing recorded');
  });

  it('names the line that is too long under a lower cap, and takes the lines within it', () => {
    fs.writeFileSync(path.join(ws.dir, 'short.csv'), `a,b\n1,2\n${'3'.repeat(200)},4\n`);
    const r = python(
      'import cellflow, cellflow._datasets as datasets\ndatasets.MAX_LINE_CHARS = 100\nwith cellflow.start_run():\n    try:\n        cellflow.log_input("short.csv")\n    except cellflow.CellflowError as e:\n        print(e)\n    datasets.MAX_LINE_CHARS = 1000\n    print(cellflow.log_input("short.csv"))\n',
      ws.dir,
    );
    assertExitedOk(r);
    const [refused, digest] = r.stdout.trim().split('\n');
    assert.equal(refused, 'short.csv: line 3 is longer than 100 characters; Cellflow reads CSV lines up to that length');
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  });

});
