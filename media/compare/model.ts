import { formatNumber } from '../../server/src/protocol';
import type { CompareRun } from '../../server/src/protocol';

/** One row of the params or metrics table: a key and each run's value (undefined: not logged). */
export interface CompareRow {
  key: string;
  values: Array<string | number | undefined>;
  /** Not every run has the same value (a run without the key differs from one with it). */
  differs: boolean;
  /** For metrics: the runs holding the lowest and the highest value, when the values logged differ. */
  lowest?: number;
  highest?: number;
}

export function paramRows(runs: CompareRun[]): CompareRow[] {
  return keysOf(runs, (r) => r.params).map((key) => {
    const values = runs.map((r) => r.params[key]);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function metricRows(runs: CompareRun[]): CompareRow[] {
  return keysOf(runs, (r) => r.metrics).map((key) => {
    const values = runs.map((r) => r.metrics[key]);
    const row: CompareRow = { key, values, differs: new Set(values.map((v) => (v === undefined ? 'none' : String(v)))).size > 1 };
    const present = values.map((v, i) => [v, i] as const).filter((p): p is readonly [number, number] => p[0] !== undefined && Number.isFinite(p[0]));
    if (new Set(present.map((p) => p[0])).size > 1) {
      row.lowest = present.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
      row.highest = present.reduce((a, b) => (b[0] > a[0] ? b : a))[1];
    }
    return row;
  });
}

function keysOf(runs: CompareRun[], pick: (r: CompareRun) => Record<string, unknown>): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort((a, b) => a.localeCompare(b));
}

/** Metric keys with a history to draw (at least one run logged two or more points of it). */
export function chartedMetrics(runs: CompareRun[]): string[] {
  return keysOf(runs, (r) => r.history).filter((k) => runs.some((r) => (r.history[k]?.length ?? 0) > 1));
}

/** Most x values × series one chart is given; past it, steps are binned. */
export const MAX_CELLS = 1_000_000;

/**
 * Runs' histories of one metric as uPlot's aligned data: the sorted union of their steps as x, and
 * per run its value at each x (null where it logged none, drawn across with spanGaps). When runs log
 * at unrelated steps the union can outgrow what a chart should hold; then steps are binned and each
 * run keeps its last value per bin.
 */
export function alignSeries(runs: CompareRun[], key: string, maxCells = MAX_CELLS): { xs: number[]; ys: Array<Array<number | null>>; binned: boolean } {
  const histories = runs.map((r) => r.history[key] ?? []);
  let steps = new Set<number>();
  for (const h of histories) for (const [step] of h) steps.add(step);
  let bin = (step: number) => step;
  let binned = false;
  if (steps.size * Math.max(1, runs.length) > maxCells) {
    const all = [...steps];
    // A loop, not Math.min(...all): spreading 100,000 arguments can overflow the stack.
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of all) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const bins = Math.max(2, Math.floor(maxCells / Math.max(1, runs.length)));
    const width = (hi - lo) / (bins - 1) || 1;
    bin = (step: number) => lo + Math.round((step - lo) / width) * width;
    steps = new Set(all.map(bin));
    binned = true;
  }
  const xs = [...steps].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = histories.map((h) => {
    const row: Array<number | null> = new Array(xs.length).fill(null);
    for (const [step, value] of h) row[index.get(bin(step))!] = Number.isFinite(value) ? value : null;
    return row;
  });
  return { xs, ys, binned };
}

/** A table cell: a param as written, a metric shortened, a missing value as a dash. */
export function formatValue(value: string | number | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : formatNumber(value);
}

const asNumber = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v));

/** Params that differ between the runs and read as numbers in every run that logged them: the x axes of the params-against-metric charts. */
export function numericVariedParams(runs: CompareRun[]): string[] {
  return paramRows(runs)
    .filter((row) => row.differs)
    .map((row) => row.key)
    .filter((key) => {
      const values = runs.map((r) => asNumber(r.params[key])).filter((v) => v !== undefined);
      return values.length >= 2 && values.every((v) => Number.isFinite(v)) && new Set(values).size > 1;
    });
}

/** Metrics with a finite latest value in at least two runs: what the params can be charted against. */
export function comparableMetrics(runs: CompareRun[]): string[] {
  return keysOf(runs, (r) => r.metrics).filter((k) => runs.filter((r) => Number.isFinite(r.metrics[k])).length >= 2);
}

/**
 * A scatter of one metric against one param: each run that logged both is a point, sorted by the
 * param (uPlot's x must ascend); a log x scale when the param spans two decades or more above 0, as a
 * swept learning rate does.
 */
export function paramMetricPoints(runs: CompareRun[], param: string, metric: string): { xs: number[]; ys: number[]; runIds: string[]; log: boolean } {
  const points = runs
    .map((r) => ({ x: asNumber(r.params[param]), y: r.metrics[metric], id: r.id }))
    .filter((p): p is { x: number; y: number; id: string } => p.x !== undefined && Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
  const xs = points.map((p) => p.x);
  const log = xs.length > 1 && xs[0] > 0 && xs[xs.length - 1] / xs[0] >= 100;
  return { xs, ys: points.map((p) => p.y), runIds: points.map((p) => p.id), log };
}
