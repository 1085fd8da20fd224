import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { scratchExamples, snapshot } from '../support/workspace';

describe('cellflow promote and pipeline show', () => {
  let ws: { dir: string; cleanup: () => void };
  beforeEach(() => {
    ws = scratchExamples();
  });
  afterEach(() => ws.cleanup());

  it('promotes by index, range or cell id and reports the step', () => {
    const r = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '8,10', '--step', 'train', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Created step `train` v1 in churn\.cellflow\.yaml$/m);
    assert.match(r.stdout, /reads: customers/);
    assert.match(r.stderr, /no earlier cell defines `customers`|^$/);
    const byId = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', 'e5b4a7c6', '--pipeline', 'churn.cellflow.yaml', '--json'], ws.dir);
    assert.equal(JSON.parse(byId.stdout).step.id, 'load_data');
    const range = cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '11-12', '--step', 'evaluate', '--pipeline', 'churn.cellflow.yaml', '--json'], ws.dir);
    assert.deepEqual(JSON.parse(range.stdout).step.source.cells.map((c: { index: number }) => c.index), [12], 'the markdown cell in the range is left out');
  });

  it('prints the pipeline-show contract as JSON', () => {
    cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '4', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    cellflow(['promote', 'notebooks/churn.ipynb', '--cells', '6', '--pipeline', 'churn.cellflow.yaml'], ws.dir);
    const r = cellflow(['pipeline', 'show', 'churn.cellflow.yaml', '--json'], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.name, 'churn');
    const [load, clean] = out.steps;
    for (const key of ['id', 'version', 'dependsOn', 'reads', 'writes', 'source', 'stale']) assert.ok(key in load, key);
    assert.deepEqual(Object.keys(load.source).sort(), ['cells', 'hash', 'notebook']);
    assert.deepEqual([clean.id, clean.version, clean.dependsOn, clean.reads, clean.writes, clean.stale], ['clean', 1, ['load_data'], ['customers'], ['customers'], false]);
  });

  it('exits 2 with one clear line for bad input, writing nothing', () => {
    fs.writeFileSync(path.join(ws.dir, 'bad.ipynb'), '{"cells": [}');
    const before = snapshot(ws.dir);
    const cases: Array<[string[], RegExp]> = [
      [['promote', 'bad.ipynb', '--cells', '0', '--pipeline', 'churn.cellflow.yaml'], /^cellflow: bad\.ipynb:1:12: not valid notebook JSON/],
      [['promote', 'missing.ipynb', '--cells', '0', '--pipeline', 'churn.cellflow.yaml'], /^cellflow: missing\.ipynb: no such file/],
      [['promote', 'notebooks/churn.ipynb', '--cells', '0', '--pipeline', 'churn.cellflow.yaml'], /holds no code cells/],
      [['promote', 'notebooks/churn.ipynb', '--cells', '5-3', '--pipeline', 'churn.cellflow.yaml'], /the range 5-3 runs backwards/],
      // Checked against the cell count before the range is expanded (a billion indices crashed V8).
      [['promote', 'notebooks/churn.ipynb', '--cells', '0-999999999', '--pipeline', 'churn.cellflow.yaml'], /--cells: the range 0-999999999 runs past the last cell \(the notebook has \d+ cells, 0 to \d+\)/],
      [['promote', 'notebooks/churn.ipynb', '--cells', '99999999999999999999', '--pipeline', 'churn.cellflow.yaml'], /--cells: there is no cell 99999999999999999999/],
      [['promote', 'notebooks/churn.ipynb', '--pipeline', 'churn.cellflow.yaml'], /^usage: cellflow promote/],
      [['pipeline', 'show', 'nope.cellflow.yaml'], /nope\.cellflow\.yaml: no such file/],
    ];
    for (const [args, message] of cases) {
      const r = cellflow(args, ws.dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, 'one line, no stack trace');
    }
    assert.deepEqual(snapshot(ws.dir), before);
  });
});
