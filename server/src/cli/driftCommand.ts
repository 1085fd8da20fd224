import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../core/errors';
import { describeProgress, type DriftProgress } from '../core/drift/progress';
import { driftReport, type DriftReport } from '../core/drift/report';
import { STAT_TESTS, type StatTestName } from '../core/drift/stattests';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { isInside } from '../core/workspacePath';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { modelReference, type ReferenceData } from '../services/data/modelReference';
import { Profiles, type Table } from '../services/data/profiles';
import { SortPool } from '../services/data/sortPool';
import { readTable } from '../services/data/tableFile';
import { hashFile } from '../services/runner/fileDigests';
import { refuseLinkedOut } from '../services/store/db';
import { Store } from '../services/store/store';

export interface DriftArgs {
  reference?: string;
  current?: string;
  stattest?: string;
  threshold?: string;
  columns?: string;
  driftShare?: string;
  failOnDrift: boolean;
  json: boolean;
  /** Store the report in the workspace store (against --model's version, when given). */
  save: boolean;
  /** NAME@VERSION or NAME@ALIAS: the model version the report checks. */
  model?: string;
  store?: string;
  /** The interpreter that reads a pipeline step's pickled inputs (a model version as the reference). */
  python?: string;
  /** With --json: progress as JSON lines (`{"progress": …}`) before the report, for the editor. */
  logProgress?: boolean;
}

/** `cellflow drift`: exit 0, 1 with --fail-on-drift when the dataset drifted, 2 for bad usage or unreadable input. */
export async function runDrift(args: DriftArgs): Promise<number> {
  if (!args.reference || !args.current) throw new InvalidInput('cellflow drift needs --reference <file> and --current <file>');
  const stattest = args.stattest === undefined ? undefined : oneOf(args.stattest);
  const threshold = args.threshold === undefined ? undefined : share('--threshold', args.threshold, false);
  const driftShare = args.driftShare === undefined ? undefined : share('--drift-share', args.driftShare, true);
  const columns = args.columns?.split(',').map((c) => c.trim()).filter(Boolean);
  return compare(args, referenceOf(args), { stattest, threshold, driftShare, columns });
}

/** What the reference is, by content: a file's digest, or a model version's training data. */
type Reference = Omit<ReferenceData, 'model'> & { model?: ReferenceData['model']; digest?: string };

/** The reference: a file, or the training data of a model version (NAME@VERSION, NAME@ALIAS) when no such file exists. */
function referenceOf(args: DriftArgs): Reference {
  const given = args.reference!;
  const m = /^([^/\\@]+)@([^/\\@]+)$/.exec(given);
  if (!m || fs.existsSync(path.resolve(given))) {
    const file = dataFile(given, '--reference');
    const root = findWorkspaceRoot(process.cwd());
    // The digest only when it is wanted (a profile to keep or find, a report to save): hashing a
    // big reference costs as much as parsing it.
    let digest: string | undefined;
    const digestOf = () => (digest ??= fs.existsSync(path.join(root, '.cellflow')) ? new Profiles(path.join(root, '.cellflow', 'profiles')).digest(file, hashFile) : hashFile(file));
    return {
      shownAs: given,
      get key() {
        return `file-${digestOf().replace(/^sha256:/, '')}`;
      },
      get digest() {
        return digestOf();
      },
      materialize: () => ({ file, shownAs: given, cleanup: () => undefined }),
    };
  }
  return withStore(args, (store, root) => modelReference(store, root, m[1], m[2], args.python ?? process.env.CELLFLOW_PYTHON ?? 'python3'));
}

/**
 * The reference's columns: from its profile when one is kept under its key (the workspace's
 * .cellflow/profiles), else read whole, then kept there for the next report. A read of some
 * columns only (--columns) is neither kept nor taken from a profile of fewer.
 */
async function referenceTable(ref: Reference, columns: string[] | undefined, onRows: (rows: number) => void, sorter: SortPool): Promise<{ table: Table; shownAs: string }> {
  const root = findWorkspaceRoot(process.cwd());
  const keep = fs.existsSync(path.join(root, '.cellflow'));
  const profiles = new Profiles(path.join(root, '.cellflow', 'profiles'));
  const kept = keep ? profiles.load(ref.key) : undefined;
  if (kept) return { table: columns ? { rows: kept.rows, columns: kept.columns.filter((c) => columns.includes(c.name)) } : kept, shownAs: ref.shownAs };
  const data = ref.materialize();
  try {
    const table = await readTable(data.file, data.shownAs, { columns, onRows, sorter });
    if (keep && !columns) profiles.save(ref.key, table);
    return { table, shownAs: data.shownAs };
  } finally {
    data.cleanup();
  }
}

async function compare(args: DriftArgs, ref: Reference, o: { stattest?: StatTestName; threshold?: number; driftShare?: number; columns?: string[] }): Promise<number> {
  const { stattest, threshold, driftShare, columns } = o;
  const curFile = dataFile(args.current!, '--current');
  const progress = progressOf(args);
  // Both read at once: DuckDB parses one while this thread takes the other's chunks, and each
  // column's sort starts on a worker as soon as its file is read.
  const sorter = new SortPool();
  let reference: Table;
  let shownAs: string;
  let current: Table;
  try {
    [{ table: reference, shownAs }, current] = await Promise.all([
      referenceTable(ref, columns, (rows) => progress({ stage: 'read', side: 'reference', rows }), sorter),
      readTable(curFile, args.current!, { columns, onRows: (rows) => progress({ stage: 'read', side: 'current', rows }), sorter }),
    ]);
  } finally {
    void sorter.close();
  }
  for (const c of columns ?? []) {
    if (!reference.columns.some((x) => x.name === c) && !current.columns.some((x) => x.name === c)) throw new InvalidInput(`--columns: neither file has a column ${JSON.stringify(c)}`);
  }
  const result = driftReport(reference, current, { stattest, threshold, columns, driftShare, onColumn: (column, done, total) => progress({ stage: 'test', column, done, total }) });
  progress(undefined);
  const saved = args.save || args.model ? save(args, { ...ref, shownAs }, curFile, result) : undefined;
  process.stdout.write(args.json ? `${JSON.stringify({ ...(jsonOf(result) as object), ...(saved ? { saved } : {}) })}\n` : `${human(result)}${saved ? `\nSaved as drift report ${saved.id}${saved.model ? ` of ${saved.model}` : ''}.\n` : ''}`);
  return args.failOnDrift && result.dataset.drifted ? 1 : 0;
}

/**
 * Where progress goes: JSON lines on stdout for the editor (--json --log-progress), one rewritten
 * line on a terminal, nowhere otherwise (CI logs). `undefined` ends it.
 */
function progressOf(args: DriftArgs): (p: DriftProgress | undefined) => void {
  const write = args.json
    ? args.logProgress && ((p: DriftProgress | undefined) => p && process.stdout.write(`${JSON.stringify({ progress: p })}\n`))
    : process.stderr.isTTY && ((p: DriftProgress | undefined) => process.stderr.write(p === undefined ? '\r\x1b[K' : `\r${safe(describeProgress(p))}   `));
  if (!write) return () => undefined;
  // A chunk is 2,048 rows: ten lines a second of rows read are plenty (the first of each side always
  // shows); every column tested is a line.
  const last = { reference: 0, current: 0 };
  return (p) => {
    if (p?.stage === 'read') {
      const now = Date.now();
      if (now - last[p.side] < 100) return;
      last[p.side] = now;
    }
    write(p);
  };
}

/** The report into the workspace store, with the datasets' digests and the lineage edge from the model version. */
function save(args: DriftArgs, ref: Reference, curFile: string, report: DriftReport): { id: string; model?: string; pipeline?: string } {
  // Two files compared in a workspace that has logged nothing yet start its store.
  return withStore(args, (store, root) => {
    let model = ref.model;
    if (args.model) {
      const m = /^([^@]+)@([^@]+)$/.exec(args.model);
      if (!m) throw new InvalidInput(`--model takes NAME@VERSION or NAME@ALIAS (churn@3, churn@production), not ${JSON.stringify(args.model)}`);
      model = store.resolveModelVersion(m[1], m[2]);
    }
    const shown = (f: string) => (isInside(root, f) ? path.relative(root, f).split(path.sep).join('/') : f);
    const id = store.saveDriftReport({
      model,
      reference: ref.model ? ref.shownAs : shown(path.resolve(args.reference!)),
      // A file's digest; for a model version's training data, the key naming its inputs' digests.
      referenceSha256: ref.digest ?? `sha256:${ref.key.replace(/^\w+-/, '')}`,
      current: shown(curFile),
      currentSha256: hashFile(curFile),
      drifted: report.dataset.drifted,
      share: report.dataset.share,
      report: jsonOf(report),
    });
    // The pipeline that trained the version, so a drifted report can offer to re-run it.
    const pipeline = model ? store.modelVersionPipeline(model) : undefined;
    return { id, ...(model ? { model: `${model.name}@${model.version}` } : {}), ...(pipeline ? { pipeline } : {}) };
  }, !ref.model && !args.model);
}

/** The workspace store (as the other store commands find it), open for `use`. */
function withStore<T>(args: DriftArgs, use: (store: Store, root: string) => T, create = false): T {
  const root = findWorkspaceRoot(process.cwd());
  const file = args.store ? path.resolve(args.store) : storePath(root);
  refuseLinkedOut(file, root);
  if (!fs.existsSync(file)) {
    if (!create) throw new InvalidInput(`no store at ${file}: nothing has been logged in this workspace, so there is no model version to compare with`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const store = new Store(file, root);
  try {
    return use(store, root);
  } finally {
    store.close();
  }
}

function oneOf(name: string): StatTestName {
  if ((STAT_TESTS as readonly string[]).includes(name)) return name as StatTestName;
  throw new InvalidInput(`--stattest takes one of ${STAT_TESTS.join(', ')}, not ${JSON.stringify(name)}`);
}

function share(flag: string, raw: string, unit: boolean): number {
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || x < 0 || (unit && x > 1)) throw new InvalidInput(`${flag} takes a number${unit ? ' from 0 to 1' : ' of 0 or more'}, not ${JSON.stringify(raw)}`);
  return x;
}

function dataFile(given: string, flag: string): string {
  const file = path.resolve(given);
  if (!fs.existsSync(file)) throw new InvalidInput(`${flag} ${given}: no such file`);
  if (!fs.statSync(file).isFile()) throw new InvalidInput(`${flag} ${given}: not a file`);
  return file;
}

/** The --json shape: the report, NaN-free (JSON has no NaN: a statistic that is not a number is null). */
function jsonOf(r: DriftReport): unknown {
  const num = (x: number | null) => (x === null || !Number.isFinite(x) ? (x === Infinity ? 'Infinity' : null) : x);
  return { ...r, columns: r.columns.map((c) => ({ ...c, statistic: num(c.statistic), pValue: num(c.pValue) })) };
}

function human(r: DriftReport): string {
  const fmt = (x: number | null) => (x === null ? '—' : Number.isFinite(x) ? (Math.abs(x) < 1e-4 && x !== 0 ? x.toExponential(2) : x.toFixed(4)) : String(x));
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rows = [['column', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drifted', 'nulls ref → cur'], ...r.columns.map((c) => [c.name, c.type, c.test, fmt(c.statistic), fmt(c.pValue), String(c.threshold), c.drifted ? 'DRIFT' : 'no', `${pct(c.nullShare.reference)} → ${pct(c.nullShare.current)}`])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => safe(row[i]).length)));
  const lines = rows.map((row) => row.map((cell, i) => safe(cell).padEnd(widths[i])).join('  ').trimEnd());
  const d = r.dataset;
  lines.push('', `${d.drifted ? 'Dataset drift' : 'No dataset drift'}: ${d.driftedColumns.length} of ${r.columns.length} columns drifted (${pct(d.share)}; the threshold is ${pct(d.threshold)}). Reference ${r.reference.rows.toLocaleString('en-US')} rows, current ${r.current.rows.toLocaleString('en-US')}.`);
  if (r.findings.length) lines.push('', 'Findings:', ...r.findings.map((f) => `  ${f.kind}: ${safe(f.message)}`));
  return `${lines.join('\n')}\n`;
}

/** `cellflow drift history NAME@VERSION`: the reports kept against a model version, newest first. */
export function runDriftHistory(model: string, json: boolean, storeFile?: string): number {
  const m = /^([^@]+)@([^@]+)$/.exec(model);
  if (!m) throw new InvalidInput(`drift history takes NAME@VERSION or NAME@ALIAS (churn@3, churn@production), not ${JSON.stringify(model)}`);
  const reports = withStore({ store: storeFile } as DriftArgs, (store) => store.driftReports(store.resolveModelVersion(m[1], m[2])));
  if (json) process.stdout.write(`${JSON.stringify(reports)}\n`);
  else if (!reports.length) process.stdout.write(`No drift report against ${safe(model)} yet.\n`);
  else for (const r of reports) process.stdout.write(`${new Date(r.createdAt).toISOString()}  ${r.drifted ? 'DRIFT' : 'no drift'}  ${(100 * r.share).toFixed(1)}% of columns  ${safe(r.current)}  (${r.id})\n`);
  return 0;
}
