import { distribution, type Distribution } from './distribution';
import { DEFAULT_THRESHOLDS, defaultTest, runStatTest, type ColumnSample, type StatTestName } from './stattests';

/** One column of one dataset, as the reader found it. */
export interface ColumnData {
  name: string;
  /** The type the reader inferred (BIGINT, DOUBLE, VARCHAR, …), shown as it is. */
  type: string;
  kind: 'num' | 'cat' | 'other';
  rows: number;
  /** Empty cells, NaN and ±inf. */
  nulls: number;
  distinct: number;
  /** The non-null values; absent when there are too many distinct values to count. */
  sample?: ColumnSample;
}

export interface DriftOptions {
  /** One test for every column, instead of the default choice. */
  stattest?: StatTestName;
  /** Per column, over `stattest`. */
  perColumn?: Record<string, StatTestName>;
  /** Over the test's default threshold. */
  threshold?: number;
  /** Only these columns. */
  columns?: string[];
  /** The dataset drifted when at least this share of the tested columns did. */
  driftShare?: number;
  /** Called before each column is compared (progress for wide data). */
  onColumn?(column: string, done: number, total: number): void;
}

export interface ColumnResult {
  name: string;
  type: string;
  test: StatTestName;
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  nullShare: { reference: number; current: number };
  /** Both sets' shares over common bins or categories, for the Drift panel's chart. */
  distribution?: Distribution;
}

export type FindingKind = 'missing-column' | 'type-change' | 'null-share-jump' | 'unseen-categories' | 'constant' | 'all-null' | 'not-tested';

export interface Finding {
  column: string;
  kind: FindingKind;
  message: string;
}

export interface DriftReport {
  dataset: { drifted: boolean; share: number; threshold: number; driftedColumns: string[] };
  columns: ColumnResult[];
  findings: Finding[];
  reference: { rows: number };
  current: { rows: number };
}

export const DEFAULT_DRIFT_SHARE = 0.5;
/** A null share that moves by this much (absolute) between the datasets is a finding of its own. */
export const NULL_JUMP = 0.05;
/** Most distinct values a text column may have to be tested; more is an id or free text. */
export const MAX_CATEGORIES = 1000;

const NUMERIC_ONLY = new Set<StatTestName>(['ks', 'wasserstein']);

const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

/**
 * Compares every column both datasets have: data quality first (what cannot be tested, and why, is a
 * finding, never a silent drop), then the drift test, on the non-null values. Drifted columns first.
 */
export function driftReport(reference: { rows: number; columns: ColumnData[] }, current: { rows: number; columns: ColumnData[] }, o: DriftOptions = {}): DriftReport {
  const findings: Finding[] = [];
  const cur = new Map(current.columns.map((c) => [c.name, c]));
  const ref = new Map(reference.columns.map((c) => [c.name, c]));
  const names = o.columns ?? reference.columns.map((c) => c.name);
  for (const c of current.columns) if (!ref.has(c.name) && (!o.columns || o.columns.includes(c.name))) findings.push({ column: c.name, kind: 'missing-column', message: `${c.name} is in the current data only` });
  const results: ColumnResult[] = [];
  for (const [i, name] of names.entries()) {
    o.onColumn?.(name, i, names.length);
    const r = ref.get(name);
    const c = cur.get(name);
    if (!r || !c) {
      findings.push({ column: name, kind: 'missing-column', message: `${name} is ${r ? 'missing from the current data' : 'missing from the reference'}` });
      continue;
    }
    const result = compareColumn(r, c, o, findings);
    if (result) results.push(result);
  }
  results.sort((a, b) => Number(b.drifted) - Number(a.drifted));
  const drifted = results.filter((r) => r.drifted).map((r) => r.name);
  const share = results.length ? drifted.length / results.length : 0;
  const threshold = o.driftShare ?? DEFAULT_DRIFT_SHARE;
  return { dataset: { drifted: results.length > 0 && share >= threshold, share, threshold, driftedColumns: drifted }, columns: results, findings, reference: { rows: reference.rows }, current: { rows: current.rows } };
}

function compareColumn(r: ColumnData, c: ColumnData, o: DriftOptions, findings: Finding[]): ColumnResult | undefined {
  const name = r.name;
  const nullShare = { reference: r.rows ? r.nulls / r.rows : 0, current: c.rows ? c.nulls / c.rows : 0 };
  if (Math.abs(nullShare.current - nullShare.reference) >= NULL_JUMP) {
    findings.push({ column: name, kind: 'null-share-jump', message: `${name}: missing values ${pct(nullShare.reference)} → ${pct(nullShare.current)}` });
  }
  const skip = (kind: FindingKind, message: string) => {
    findings.push({ column: name, kind, message });
    return undefined;
  };
  if (r.kind !== c.kind) return skip('type-change', `${name} is ${r.type} in the reference and ${c.type} in the current data: not tested`);
  if (r.kind === 'other') return skip('not-tested', `${name} (${r.type}) is neither numbers nor categories: not tested`);
  if (r.rows - r.nulls === 0 || c.rows - c.nulls === 0) return skip('all-null', `${name} has no values in the ${r.rows - r.nulls === 0 ? 'reference' : 'current data'}: not tested`);
  if (!r.sample || !c.sample) {
    const most = Math.max(r.distinct, c.distinct);
    return skip('not-tested', `${name} has ${most > MAX_CATEGORIES ? `more than ${MAX_CATEGORIES.toLocaleString('en-US')}` : most.toLocaleString('en-US')} distinct values (an id or free text?): not tested`);
  }
  if (r.distinct === 1) findings.push({ column: name, kind: 'constant', message: `${name} is constant in the reference` });
  if (r.sample.kind === 'cat' && c.sample.kind === 'cat') {
    const refCounts = r.sample.counts;
    const unseen = [...c.sample.counts.keys()].filter((k) => !refCounts.has(k));
    if (unseen.length) {
      const rows = unseen.reduce((n, k) => n + ((c.sample as { counts: Map<string, number> }).counts.get(k) ?? 0), 0);
      findings.push({ column: name, kind: 'unseen-categories', message: `${name}: ${unseen.length} categor${unseen.length === 1 ? 'y' : 'ies'} the reference lacks (${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', …' : ''}), ${rows.toLocaleString('en-US')} rows` });
    }
  }
  const test = o.perColumn?.[name] ?? o.stattest ?? defaultTest(r.sample, c.sample);
  if (NUMERIC_ONLY.has(test) && r.sample.kind !== 'num') return skip('not-tested', `${name}: ${test} needs numbers, and ${name} is ${r.type}`);
  const threshold = o.threshold ?? DEFAULT_THRESHOLDS[test];
  const t = runStatTest(test, r.sample, c.sample, threshold);
  return { name, type: r.type, test, statistic: t.statistic, pValue: t.pValue, threshold, drifted: t.drifted, nullShare, distribution: distribution(r.sample, c.sample) };
}

/** Builds a column's data from what the reader returned; too many distinct text values leave no sample. */
export function categoricalColumn(name: string, type: string, rows: number, counts: Map<string, number>, nulls: number, distinct: number): ColumnData {
  const nonNull = rows - nulls;
  const tooMany = distinct > MAX_CATEGORIES || (distinct > 50 && distinct > 0.5 * nonNull);
  return { name, type, kind: 'cat', rows, nulls, distinct, ...(tooMany ? {} : { sample: { kind: 'cat', counts, n: nonNull } }) };
}
