import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../../support/cli';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

/**
 * Inputs far larger than usual read in bounded memory: a CSV with one enormous line, and a run with
 * 660,000 metric points shown by the CLI and sent to the Compare view. Peak memory is the child's own
 * (getrusage); speed is the bench's to measure, not a timed assertion here.
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

  describe('a run with 660,000 metric points', () => {
    let id: string;
    const keys = ['loss', 'acc', 'lr'];
    before(() => {
      const store = ws.open();
      id = store.startRun({ name: 'long' });
      for (let i = 0; i < 660_000; i += 1000) {
        store.logMetrics(
          id,
          Array.from({ length: 1000 }, (_, j) => {
            const n = i + j;
            const step = Math.floor(n / 3);
            // One spike in the middle of the loss, which thinning must keep.
            return { key: keys[n % 3], value: keys[n % 3] === 'loss' && step === 123_457 ? 1e6 : Math.sin(step / 1000), step, timestamp: 1_000 + n };
          }),
        );
      }
      store.endRun(id);
    });

    /** The CLI as a child process, with its peak memory (a preload reports it on exit). */
    function cliWithPeak(args: string[]): { code: number | null; stdout: string; stderr: string; peakMb: number } {
      const preload = path.join(ws.dir, 'peak.js');
      fs.writeFileSync(preload, "process.on('exit', () => require('fs').writeSync(2, `\\npeak ${process.resourceUsage().maxRSS}\\n`));\n");
      const r = spawnSync(process.execPath, ['-r', preload, CLI, ...args], { cwd: ws.dir, encoding: 'utf8', maxBuffer: 64 * MB });
      const peak = /\npeak (\d+)\n$/.exec(r.stderr);
      assert.ok(peak, r.stderr);
      return { code: r.status, stdout: r.stdout, stderr: r.stderr.slice(0, peak.index), peakMb: Number(peak[1]) / 1024 };
    }

    it('is shown by `cellflow runs show` with every metric counted, in bounded memory', () => {
      const text = cliWithPeak(['runs', 'show', id]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^ {2}metrics: acc=.* \(220000 points\), loss=.* \(220000 points\), lr=.* \(220000 points\)$/m);
      assert.ok(text.peakMb < 200, `peak memory ${Math.round(text.peakMb)} MB`);
      const json = cliWithPeak(['runs', 'show', id, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const run = JSON.parse(json.stdout);
      assert.deepEqual(run.metricCounts, { acc: 220_000, loss: 220_000, lr: 220_000 });
      for (const key of keys) assert.ok(run.metricHistory[key].length <= 1000 && run.metricHistory[key].length > 900, `${key}: ${run.metricHistory[key].length} points`);
      assert.ok(json.peakMb < 200, `peak memory ${Math.round(json.peakMb)} MB`);
      const more = JSON.parse(cliWithPeak(['runs', 'show', id, '--json', '--max-points', '5000']).stdout);
      assert.ok(more.metricHistory.loss.length > 4500 && more.metricHistory.loss.length <= 5000);
    });

    it('keeps, for the Compare view, the first and last points and the spike, in step order, within maxPoints', () => {
      const [detail] = ws.open().runDetails([id], 500);
      assert.deepEqual(detail.metricCounts, { acc: 220_000, loss: 220_000, lr: 220_000 });
      for (const key of keys) {
        const points = detail.metricHistory[key];
        assert.ok(points.length <= 500 && points.length > 450, `${key}: ${points.length} points`);
        assert.deepEqual([points[0].step, points[points.length - 1].step], [0, 219_999]);
        assert.ok(points.every((p, i) => i === 0 || p.step > points[i - 1].step), `${key} in step order`);
      }
      assert.ok(detail.metricHistory.loss.some((p) => p.value === 1e6 && p.step === 123_457), 'the spike survives');
      assert.equal(ws.open().getRun(id).metricHistory.lr.length, 220_000, 'the Node API still gives the whole history when asked');
    });
  });
});
