import * as assert from 'node:assert/strict';
import { runsToCsv } from '../../server/src/core/store/csv';
import { downsample } from '../../server/src/core/store/downsample';
import { formatNumber, jsonReplacer, jsonSafe } from '../../server/src/core/store/format';
import type { MetricPoint, RunSummary } from '../../server/src/core/store/types';

const run = (over: Partial<RunSummary>): RunSummary => ({
  id: 'r1',
  experiment: 'churn',
  name: 'baseline',
  status: 'FINISHED',
  startTime: Date.UTC(2026, 10, 27, 12),
  endTime: null,
  pipeline: null,
  stepId: null,
  parentId: null,
  stepVersion: null,
  gitCommit: null,
  params: {},
  metrics: {},
  tags: {},
  ...over,
});

/** A minimal RFC 4180 reader, enough to check that what we write reads back cell for cell. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('run export and chart data', () => {
  it('writes one CSV row per run with a column for every param, metric and tag any run has', () => {
    const csv = runsToCsv([
      run({ id: 'a', params: { lr: '0.1' }, metrics: { acc: 0.9 }, tags: { team: 'x' } }),
      run({ id: 'b', params: { depth: '3' }, metrics: { loss: 0.25 } }),
    ]);
    const [header, a, b] = readCsv(csv);
    assert.deepEqual(header.slice(10), ['params.depth', 'params.lr', 'metrics.acc', 'metrics.loss', 'tags.team']);
    assert.deepEqual(a.slice(10), ['', '0.1', '0.9', '', 'x']);
    assert.deepEqual(b.slice(10), ['3', '', '', '0.25', '']);
    assert.equal(a[4], '2026-11-27T12:00:00.000Z');
    assert.ok(csv.endsWith('\r\n'));
  });

  it('quotes commas, quotes and line breaks, and defuses text a spreadsheet would run as a formula', () => {
    const csv = runsToCsv([run({ name: 'a, "b"\nc', params: { cmd: '=HYPERLINK("x")', neg: '-0.5', at: '@SUM(A1)' }, tags: { note: '+1 idea' } })]);
    const [header, row] = readCsv(csv);
    const cell = (h: string) => row[header.indexOf(h)];
    assert.equal(cell('name'), 'a, "b"\nc');
    assert.equal(cell('params.cmd'), `'=HYPERLINK("x")`);
    assert.equal(cell('params.at'), `'@SUM(A1)`);
    assert.equal(cell('params.neg'), '-0.5', 'a negative number stays a number');
    assert.equal(cell('tags.note'), `'+1 idea`);
  });

  it('keeps the first and last points and every bucket extreme when it thins a long history', () => {
    const points: MetricPoint[] = Array.from({ length: 100_000 }, (_, i) => ({ step: i, value: Math.sin(i / 500), timestamp: i }));
    points[54_321] = { step: 54_321, value: 99, timestamp: 0 };
    points[77_777] = { step: 77_777, value: -99, timestamp: 0 };
    const thin = downsample(points, 500);
    assert.ok(thin.length <= 500, `${thin.length} points`);
    assert.equal(thin[0].step, 0);
    assert.equal(thin.at(-1)!.step, 99_999);
    assert.ok(thin.some((p) => p.value === 99) && thin.some((p) => p.value === -99), 'spikes survive');
    assert.ok(thin.every((p, i) => i === 0 || p.step > thin[i - 1].step), 'in step order');
    assert.equal(downsample(points.slice(0, 10), 500).length, 10, 'short histories are left alone');
  });

  it('carries infinite metrics through JSON as text rather than null, without touching the original', () => {
    const run = { id: 'r', metrics: { loss: Infinity, gain: -Infinity, acc: 0.9 }, history: [[0, Infinity], [1, 2]], when: 5 };
    const safe = jsonSafe(run);
    assert.deepEqual(safe, { id: 'r', metrics: { loss: 'Infinity', gain: '-Infinity', acc: 0.9 }, history: [[0, 'Infinity'], [1, 2]], when: 5 });
    assert.equal(run.metrics.loss, Infinity, 'the input is not changed');
    assert.deepEqual(JSON.parse(JSON.stringify(run, jsonReplacer)), safe);
    assert.equal(JSON.stringify({ x: NaN }, jsonReplacer), '{"x":null}');
    const plain = { a: [1, 2], b: { c: 'd' } };
    assert.equal(jsonSafe(plain), plain, 'nothing to change, nothing copied');
    assert.equal(formatNumber('Infinity' as unknown as number), 'Infinity');
    assert.equal(formatNumber(0.912345), '0.9123');
  });
});
