import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { InvalidInput } from '../../core/errors';
import { isInside } from '../../core/workspacePath';
import { openDatabase, StoreError, type OpenOptions } from './db';
import { fill, metricRefusal, NO_SUCH_FILE, NOT_A_REGULAR_FILE, OUTSIDE_WORKSPACE, ruleRefusal, textRefusal } from '../../core/store/refusals';
import * as sql from '../../core/store/statements';
import { parseFilter, parseOrderBy } from '../../core/store/filter';
import { gitCommit } from '../../io/git';
import { describeKind, realRoot } from '../../io/workspaceFile';
import { HistoryThinner } from '../../core/store/downsample';
import { filterSql, MAX_RUNS_PER_PAGE, orderSql } from '../../core/store/search';
import type { BenchmarkSummary, DriftReportSummary, ExperimentSummary, LineageEdge, MetricPoint, ModelSummary, ModelVersion, RunDetail, RunOutputs, RunStatus, RunSummary } from '../../core/store/types';
import type { BenchReport, BenchResult } from '../../core/bench/result';
import type { NodeDetails } from '../../core/lineage/graph';
import { hashFd } from '../../io/hashFile';
import { processAlive } from '../processAlive';

export type * from '../../core/store/types';

export interface RunQuery {
  filter?: string;
  orderBy?: string;
  experiment?: string;
  /** Only runs of no pipeline run: pipeline runs, and runs logged by hand. */
  topLevel?: boolean;
  /** Only the step runs of this pipeline run. */
  parentId?: string;
  limit?: number;
  offset?: number;
}

export interface StartRun {
  experiment?: string;
  name?: string;
  pipeline?: string;
  stepId?: string;
  stepVersion?: number;
  cellHash?: string;
  /** The run's process; a run whose process is gone is shown as killed. */
  pid?: number;
  /** The pipeline run a step's run belongs to. */
  parentId?: string;
}

/** A step result the runner may reuse: what it was made of and the artifacts it produced. */
export interface CachedStep {
  parts: unknown;
  outputs: Record<string, { digest: string; format: string; size: number; file: string; columns?: Array<[string, string]> }>;
  runId: string;
  createdAt: number;
}

export interface MetricInput {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
}

const DEFAULT_EXPERIMENT = 'Default';
const ROWS_PER_INSERT = 100;
const HOST = os.hostname();

/**
 * The experiment store: runs, params, metrics, tags, artifacts, datasets, the model registry and
 * lineage, in one SQLite file that the Python client writes too. Pure domain logic over
 * better-sqlite3, shared by the language server and the CLI (never loaded in the extension host).
 */
export class Store {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Run UUID -> rid; a run's rid never changes. */
  private readonly rids = new Map<string, number>();
  /** Read only, runs whose process is gone are shown as KILLED without writing it back: their ids. */
  private killed = new Set<string>();
  /** Where the history query's rows go (see metricHistories). */
  private thinners = new Map<string, HistoryThinner>();
  private thinMax = Infinity;

  constructor(
    readonly file: string,
    /** Artifacts must be files inside this folder; their paths are stored relative to it. */
    readonly workspaceRoot: string,
    options: Omit<OpenOptions, 'workspaceRoot'> = {},
  ) {
    this.db = openDatabase(file, { ...options, workspaceRoot });
    // Rows go to JavaScript as arguments of an aggregate, not as result rows: a history of 660,000
    // points is read in a fraction of the time and memory, and only the thinned points are kept.
    const step = (n: number, key: string, value: number, at: number, timestamp: number): number => {
      let thinner = this.thinners.get(key);
      if (!thinner) this.thinners.set(key, (thinner = new HistoryThinner(this.thinMax)));
      thinner.add(value, at, timestamp);
      return n + 1;
    };
    // The typings allow one argument; better-sqlite3 passes as many as `step` declares after the total.
    this.db.aggregate('cellflow_thin', { start: 0, step: step as unknown as (n: number, next: number) => number, directOnly: true });
  }

  close(): void {
    this.db.close();
  }

  /**
   * Changes when anything was committed since the last call, by this connection or any other: a
   * checkpoint or a connection closing touches the files without changing what the views show.
   * A RESTART or TRUNCATE checkpoint by another connection rewrites the WAL's header, which SQLite
   * cannot tell from a commit, so it counts as a change; Cellflow makes none (auto-checkpoints are
   * PASSIVE), and the cost of one is a refresh.
   */
  changeStamp(): string {
    const other = this.db.pragma('data_version', { simple: true }) as number;
    const own = this.stmt('SELECT total_changes()').pluck().get() as number;
    return `${other}:${own}`;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * Runs a write; a rule of the schema (a trigger) that refuses it becomes an InvalidInput that names
   * the value, taken from `fields`, the row's values by column. The caller's transaction rolls back.
   */
  private checked<T>(fields: Readonly<Record<string, unknown>>, write: () => T): T {
    try {
      return write();
    } catch (err) {
      const refusal = (err as { code?: string }).code === 'SQLITE_CONSTRAINT_TRIGGER' ? ruleRefusal((err as Error).message, fields) : undefined;
      if (refusal) throw new InvalidInput(refusal);
      throw err;
    }
  }

  experimentId(name = DEFAULT_EXPERIMENT): number {
    this.checked({ name }, () => this.stmt(sql.EXPERIMENT_INSERT).run(name, Date.now()));
    return (this.stmt(sql.EXPERIMENT_ID).get(name) as { id: number }).id;
  }

  startRun(input: StartRun = {}): string {
    const id = randomUUID().replace(/-/g, '');
    const commit = gitCommit(this.workspaceRoot) ?? null;
    const name = input.name ?? null;
    this.db.transaction(() => {
      const experiment = this.experimentId(input.experiment ?? DEFAULT_EXPERIMENT);
      const now = Date.now();
      this.checked({ name, git_commit: commit }, () =>
        this.stmt(sql.RUN_INSERT).run(id, experiment, name, now, input.pid ?? process.pid, HOST, input.pipeline ?? null, input.stepId ?? null, input.stepVersion ?? null, input.cellHash ?? null, commit),
      );
      this.stmt(sql.RUN_LINEAGE_INSERT).run(id, now, now);
      if (input.parentId) this.stmt(sql.RUN_SET_PARENT).run(input.parentId, id);
    }).immediate();
    return id;
  }

  /** An artifact the runner wrote and hashed itself (content-addressed, inside the workspace): recorded as it is. */
  recordArtifact(runId: string, relPath: string, sha256: string, size: number): void {
    const rid = this.rid(runId);
    this.checked({ path: relPath }, () => this.stmt(sql.ARTIFACT_UPSERT).run(rid, relPath, sha256, size));
  }

  cachedStep(pipeline: string, stepId: string, key: string): CachedStep | undefined {
    return this.cacheRow(this.stmt(sql.STEP_CACHE_GET).get(pipeline, stepId, key));
  }

  latestCachedStep(pipeline: string, stepId: string): CachedStep | undefined {
    return this.cacheRow(this.stmt(sql.STEP_CACHE_LATEST).get(pipeline, stepId));
  }

  cacheStep(pipeline: string, stepId: string, key: string, entry: Omit<CachedStep, 'createdAt'>): void {
    this.stmt(sql.STEP_CACHE_UPSERT).run(pipeline, stepId, key, JSON.stringify(entry.parts), JSON.stringify(entry.outputs), entry.runId, Date.now());
  }

  /** Files in .cellflow/artifacts/ that a cached result or a recorded run refers to, for `cellflow gc`. */
  referencedArtifactFiles(): Set<string> {
    const out = new Set<string>();
    for (const row of this.stmt(sql.STEP_CACHE_OUTPUTS).all() as Array<{ outputs: string }>) {
      for (const o of Object.values(JSON.parse(row.outputs) as CachedStep['outputs'])) out.add(o.file);
    }
    for (const row of this.stmt(sql.RUNNER_ARTIFACT_PATHS).all() as Array<{ path: string }>) out.add(row.path.slice('.cellflow/artifacts/'.length));
    return out;
  }

  fileDigest(file: string): { size: number; mtimeNs: string; ino: string; sha256: string } | undefined {
    return this.stmt(sql.FILE_DIGEST_GET).get(file) as { size: number; mtimeNs: string; ino: string; sha256: string } | undefined;
  }

  saveFileDigest(file: string, d: { size: number; mtimeNs: string; ino: string; sha256: string }): void {
    this.stmt(sql.FILE_DIGEST_UPSERT).run(file, d.size, d.mtimeNs, d.ino, d.sha256);
  }

  private cacheRow(row: unknown): CachedStep | undefined {
    if (!row) return undefined;
    const r = row as { parts: string; outputs: string; runId: string; createdAt: number };
    return { parts: JSON.parse(r.parts), outputs: JSON.parse(r.outputs), runId: r.runId, createdAt: r.createdAt };
  }

  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING'> = 'FINISHED'): void {
    const r = this.stmt(sql.RUN_END).run(status, Date.now(), runId);
    if (r.changes === 0) this.rid(runId);
  }

  logParams(runId: string, params: Record<string, unknown>): void {
    this.upsertText('params', runId, params);
  }

  setTags(runId: string, tags: Record<string, unknown>): void {
    this.upsertText('tags', runId, tags);
  }

  /** Params and tags: text values by key, the last one written winning. */
  private upsertText(table: 'params' | 'tags', runId: string, values: Record<string, unknown>): void {
    const rid = this.rid(runId);
    const insert = this.stmt(table === 'params' ? sql.PARAM_UPSERT : sql.TAG_UPSERT);
    const what = table === 'params' ? 'param' : 'tag';
    const rows = Object.entries(values).map(([key, v]): [string, string] => [key, String(v)]);
    for (const [key, value] of rows) {
      const refusal = textRefusal(`a ${what} key`, key) ?? textRefusal(`the value of ${what} ${JSON.stringify(key)}`, value);
      if (refusal) throw new InvalidInput(refusal);
    }
    this.db.transaction(() => {
      for (const [key, value] of rows) this.checked({ key, value }, () => insert.run(rid, key, value));
    }).immediate();
  }

  /** Many metrics in one transaction, with each key's latest value upserted once: the way to log fast. */
  logMetrics(runId: string, metrics: MetricInput[]): void {
    const now = Date.now();
    const latest = new Map<string, { value: number; step: number; timestamp: number }>();
    for (const m of metrics) {
      const refusal = metricRefusal(m.key, m.value, m.step);
      if (refusal) throw new InvalidInput(refusal);
      const step = m.step ?? 0;
      const timestamp = m.timestamp ?? now;
      const seen = latest.get(m.key);
      if (!seen || step > seen.step || (step === seen.step && timestamp >= seen.timestamp)) latest.set(m.key, { value: m.value, step, timestamp });
    }
    // Once per key, not per point: a key with a lone surrogate would be stored as U+FFFD, and merge with others.
    for (const key of latest.keys()) {
      const refusal = textRefusal('a metric key', key);
      if (refusal) throw new InvalidInput(refusal);
    }
    const rid = this.rid(runId);
    const upsert = this.stmt(sql.LATEST_METRIC_UPSERT);
    this.db.transaction(() => {
      const full = this.stmt(sql.metricInsert(ROWS_PER_INSERT));
      const args: Array<string | number> = [];
      for (let i = 0; i < metrics.length; i += ROWS_PER_INSERT) {
        const n = Math.min(ROWS_PER_INSERT, metrics.length - i);
        args.length = 0;
        for (let j = i; j < i + n; j++) {
          const m = metrics[j];
          args.push(rid, m.key, m.value, m.step ?? 0, m.timestamp ?? now);
        }
        (n === ROWS_PER_INSERT ? full : this.stmt(sql.metricInsert(n))).run(args);
      }
      for (const [key, m] of latest) this.checked({ key }, () => upsert.run(rid, key, m.value, m.step, m.timestamp));
    }).immediate();
  }

  logMetric(runId: string, key: string, value: number, step?: number): void {
    this.logMetrics(runId, [{ key, value, step }]);
  }

  /** Records a file the run produced, by workspace-relative path, hash and size; refuses anything outside the workspace. */
  logArtifact(runId: string, file: string): { path: string; sha256: string; size: number } {
    const { rel, fd } = this.openWorkspaceFile(file);
    const artifact = { path: rel, ...hashFd(fd) };
    const rid = this.rid(runId);
    this.checked({ path: rel }, () => this.stmt(sql.ARTIFACT_UPSERT).run(rid, artifact.path, artifact.sha256, artifact.size));
    return artifact;
  }

  /** The workspace-relative POSIX path of a regular file inside the workspace (symbolic links resolved), or a StoreError. */
  workspacePath(file: string): string {
    const { rel, fd } = this.openWorkspaceFile(file);
    fs.closeSync(fd);
    return rel;
  }

  /**
   * A regular file inside the workspace, open for reading, checked as the Python client checks it: that
   * it exists, then that it is inside (core/workspacePath's rule: `..foo` is inside), then that it is a
   * regular file. It is opened non-blocking and checked with fstat, so a FIFO is refused, never waited on.
   */
  private openWorkspaceFile(file: string): { rel: string; fd: number } {
    const root = realRoot(this.workspaceRoot);
    let real: string;
    try {
      real = fs.realpathSync(path.resolve(this.workspaceRoot, file));
    } catch {
      throw new StoreError(file, NO_SUCH_FILE);
    }
    if (!isInside(root, real)) throw new StoreError(file, fill(OUTSIDE_WORKSPACE, { root: this.workspaceRoot }));
    let fd: number;
    try {
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new StoreError(file, NO_SUCH_FILE);
      // A socket cannot be opened at all.
      const stat = fs.statSync(real, { throwIfNoEntry: false });
      if (code === 'ENXIO' && stat) throw new StoreError(file, fill(NOT_A_REGULAR_FILE, { kind: describeKind(stat) }));
      throw new StoreError(file, `cannot be read (${(err as Error).message})`);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      fs.closeSync(fd);
      throw new StoreError(file, fill(NOT_A_REGULAR_FILE, { kind: describeKind(stat) }));
    }
    return { rel: path.relative(root, real).split(path.sep).join('/'), fd };
  }

  /** A new version of a registered model (created when new) from a run's artifact; the schema checks the name. */
  registerModel(name: string, artifactPath: string, runId?: string): ModelVersion {
    const { rel, fd } = this.openWorkspaceFile(artifactPath);
    const sha = hashFd(fd).sha256;
    return this.db.transaction(() => {
      const rid = runId ? this.rid(runId) : null;
      this.checked({ name }, () => this.stmt(sql.MODEL_INSERT).run(name, Date.now()));
      const createdAt = Date.now();
      const { version } = this.checked({ model_name: name, artifact_path: rel }, () => this.stmt(sql.MODEL_VERSION_INSERT).get(name, rid, rel, sha, createdAt)) as { version: number };
      this.stmt(sql.MODEL_VERSION_LINEAGE_INSERT).run(createdAt, name, version);
      return { version, runId: runId ?? null, artifactPath: rel, artifactSha256: sha, createdAt, aliases: [] };
    }).immediate();
  }

  /** Points an alias (`staging`, `production`) at a version, moving it from wherever it was; the schema checks the alias. */
  setAlias(name: string, version: number, alias: string): void {
    this.db.transaction(() => {
      const exists = this.stmt(sql.MODEL_VERSION_EXISTS).get(name, version);
      if (!exists) throw new StoreError(`${name}@${version}`, 'no such model version');
      this.checked({ alias }, () => this.stmt(sql.ALIAS_UPSERT).run(name, alias, version));
    }).immediate();
  }

  link(fromKind: string, fromId: string, toKind: string, toId: string, relation: string): void {
    this.stmt(sql.LINEAGE_INSERT).run(fromKind, fromId, toKind, toId, relation, Date.now());
  }

  /**
   * What a node came from, nearest first: for a model version, the run that produced it, the step
   * version that run ran, and the cell hash that step was promoted from.
   */
  lineageOf(kind: string, id: string): LineageEdge[] {
    return this.stmt(sql.LINEAGE_UP).all(kind, id) as LineageEdge[];
  }

  /** The edges out of a node and on from there (what it led to), each with its distance from it. */
  lineageDown(kind: string, id: string): LineageEdge[] {
    return this.stmt(sql.LINEAGE_DOWN).all(kind, id) as LineageEdge[];
  }

  /** The newest version of a step that has run (`pipeline#step@N`), by the lineage the runs left. */
  latestStepVersion(pipeline: string, stepId: string): string | undefined {
    const prefix = `${pipeline}#${stepId}@`;
    const ids = this.stmt("SELECT from_id FROM lineage WHERE from_kind = 'step-version' AND from_id >= ? AND from_id < ?").pluck().all(prefix, `${prefix}\uffff`) as string[];
    return ids.sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))[0];
  }

  /** A promoted cell's full hash from the hex digits it starts with. */
  cellHashByPrefix(hex: string): string | undefined {
    const prefix = `sha256:${hex}`;
    return this.stmt("SELECT from_id FROM lineage WHERE from_kind = 'cell-hash' AND from_id >= ? AND from_id < ? LIMIT 1").pluck().get(prefix, `${prefix}\uffff`) as string | undefined;
  }

  /** What the store knows of a lineage node, for its label and marks (a drifted version, a regressed benchmark). */
  lineageNodeDetails(kind: string, id: string): NodeDetails {
    switch (kind) {
      case 'run':
        return this.runNode(id);
      case 'model-version':
        return this.versionNode(id);
      case 'drift-report':
        return this.driftNode(id);
      case 'benchmark':
        return this.benchmarkNode(id);
      case 'dataset': {
        const d = this.stmt('SELECT name, row_count FROM datasets WHERE digest = ?').get(id) as { name: string | null; row_count: number | null } | undefined;
        // A file the step read is shown by its path; a logged dataset's name gets the kind before it.
        return d?.name ? { label: /[/.]/.test(d.name) ? d.name : `data ${d.name}`, detail: `${id.slice(0, 19)}${d.row_count !== null ? `, ${d.row_count} rows` : ''}` } : {};
      }
      default:
        return {};
    }
  }

  private runNode(id: string): NodeDetails {
    const r = this.stmt('SELECT name, status, step_id FROM runs WHERE id = ?').get(id) as { name: string | null; status: string; step_id: string | null } | undefined;
    return r ? { label: `run ${r.name ?? r.step_id ?? id.slice(0, 8)} ${id.slice(0, 8)}`, detail: r.status.toLowerCase() } : { detail: 'not in the store any more' };
  }

  private versionNode(id: string): NodeDetails {
    const at = id.lastIndexOf('@');
    const [name, version] = [id.slice(0, at), Number(id.slice(at + 1))];
    const aliases = this.stmt('SELECT alias FROM model_aliases WHERE model_name = ? AND version = ? ORDER BY alias').pluck().all(name, version) as string[];
    const drift = this.stmt('SELECT drifted FROM drift_reports WHERE model_name = ? AND model_version = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').pluck().get(name, version) as number | undefined;
    return { label: `${name} v${version}${aliases.length ? ` @${aliases.join(' @')}` : ''}`, ...(drift === 1 ? { marks: ['drifted'], detail: 'its latest drift report drifted' } : {}) };
  }

  private driftNode(id: string): NodeDetails {
    const d = this.stmt('SELECT drifted, share, current FROM drift_reports WHERE id = ?').get(id) as { drifted: number; share: number; current: string } | undefined;
    return d ? { label: `drift report ${Math.round(100 * d.share)}% · ${d.current}`, ...(d.drifted ? { marks: ['drifted'] } : {}), detail: d.drifted ? 'drifted' : 'no drift' } : {};
  }

  private benchmarkNode(id: string): NodeDetails {
    const b = this.stmt('SELECT report FROM benchmarks WHERE id = ?').pluck().get(id) as string | undefined;
    if (!b) return {};
    const report = JSON.parse(b) as BenchReport;
    const first = report.results[0];
    const n = report.regressions.length;
    return { label: `benchmark ${first ? `${first.ep} b${first.batch} p50 ${first.p50Ms.toFixed(3)} ms` : id.slice(0, 8)}`, ...(n ? { marks: ['regressed'], detail: `${n} regression${n === 1 ? '' : 's'}` } : {}) };
  }

  /** Counts and facts the maturity assessment reads from the store. */
  maturityFacts(): MaturityFacts {
    const count = (q: string) => this.stmt(q).pluck().get() as number;
    const versions = this.stmt('SELECT model_name AS name, count(*) AS n FROM model_versions GROUP BY model_name ORDER BY model_name').all() as Array<{ name: string; n: number }>;
    const aliases = this.stmt('SELECT model_name, alias, version FROM model_aliases ORDER BY alias').all() as Array<{ model_name: string; alias: string; version: number }>;
    return {
      runs: count('SELECT count(*) FROM runs'),
      pipelineRuns: count("SELECT count(*) FROM tags WHERE key = 'cellflow.kind' AND value = 'pipeline'"),
      models: versions.map((v) => ({ name: v.name, versions: v.n, aliasVersions: aliases.filter((a) => a.model_name === v.name).map((a) => ({ alias: a.alias, version: a.version })) })),
      benchmarks: count('SELECT count(*) FROM benchmarks'),
      driftChecked: this.stmt("SELECT DISTINCT model_name || '@' || model_version FROM drift_reports WHERE model_name IS NOT NULL").pluck().all() as string[],
      // A version registered after a report on an earlier version of the same model drifted: retrained on drift.
      retrainedAfterDrift: this.stmt(
        `SELECT DISTINCT v.model_name || '@' || v.version FROM model_versions v JOIN drift_reports d
         ON d.model_name = v.model_name AND d.model_version < v.version AND d.drifted = 1 AND d.created_at <= v.created_at`,
      ).pluck().all() as string[],
      sweeps: count("SELECT count(DISTINCT value) FROM tags WHERE key = 'cellflow.sweep'"),
    };
  }

  /** Runs that say RUNNING but whose process on this host is gone were killed: mark them so. */
  reconcileKilled(): number {
    const dead = this.deadRuns();
    if (!dead.length) return 0;
    const mark = this.stmt("UPDATE runs SET status = 'KILLED', end_time = ? WHERE id = ? AND status = 'RUNNING'");
    this.db.transaction(() => {
      for (const r of dead) mark.run(Date.now(), r.id);
    }).immediate();
    return dead.length;
  }

  private deadRuns(): Array<{ id: string }> {
    const running = this.stmt("SELECT id, pid FROM runs WHERE status = 'RUNNING' AND host = ?").all(HOST) as Array<{ id: string; pid: number | null }>;
    return running.filter((r) => r.pid !== null && !processAlive(r.pid));
  }

  /** Killed runs written back as KILLED; read only, where nothing may be written, only shown so. */
  private reconcile(): void {
    if (this.db.readonly) this.killed = new Set(this.deadRuns().map((r) => r.id));
    else this.reconcileKilled();
  }

  /** Runs matching a filter, ordered and paged, each with its params, latest metrics and tags. */
  searchRuns(query: RunQuery = {}): { runs: RunSummary[]; nextOffset?: number } {
    this.reconcile();
    const where: string[] = [];
    const params: Array<string | number> = [];
    const filter = parseFilter(query.filter ?? '');
    if (filter) {
      const f = filterSql(filter);
      where.push(f.text);
      params.push(...f.params);
    }
    if (query.experiment) {
      where.push('e.name = ?');
      params.push(query.experiment);
    }
    if (query.topLevel) where.push('r.parent_id IS NULL');
    if (query.parentId) {
      where.push('r.parent_id = ?');
      params.push(query.parentId);
    }
    const order = orderSql(parseOrderBy(query.orderBy ?? ''));
    const limit = Math.max(1, Math.min(query.limit ?? 100, MAX_RUNS_PER_PAGE));
    const offset = Math.max(0, query.offset ?? 0);
    // The page's rids first, so that the sort carries one integer per candidate rather than whole rows.
    const rids = this.db
      .prepare(
        `SELECT r.rid FROM runs r JOIN experiments e ON e.id = r.experiment_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${order.text} LIMIT ? OFFSET ?`,
      )
      .pluck()
      .all(...params, ...order.params, limit + 1, offset) as number[];
    const more = rids.length > limit;
    const page = rids.slice(0, limit);
    const byRid = new Map(this.runRows(page).map((r) => [r.rid, r]));
    return { runs: this.fillRunData(page.map((rid) => byRid.get(rid)!)), ...(more ? { nextOffset: offset + limit } : {}) };
  }

  /** The latest run of a pipeline (its path relative to the root), with the runs of the steps it executed. */
  lastPipelineRun(pipeline: string): { run: RunSummary; steps: RunSummary[] } | undefined {
    this.reconcile();
    const rid = this.stmt(
      `SELECT r.rid FROM runs r JOIN tags t ON t.run = r.rid AND t.key = 'cellflow.kind' AND t.value = 'pipeline'
       WHERE r.pipeline = ? ORDER BY r.start_time DESC, r.rid DESC LIMIT 1`,
    ).pluck().get(pipeline) as number | undefined;
    if (rid === undefined) return undefined;
    const [run] = this.runSummariesOf([rid]);
    const steps = this.stmt('SELECT rid FROM runs WHERE parent_id = ? ORDER BY rid').pluck().all(run.id) as number[];
    return { run, steps: this.runSummariesOf(steps) };
  }

  private runRows(rids: number[]): RunRow[] {
    if (!rids.length) return [];
    return this.db
      .prepare(
        `SELECT r.rid, r.id, e.name AS experiment, r.name, r.status, r.start_time, r.end_time, r.pipeline, r.step_id, r.step_version, r.git_commit, r.parent_id
         FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.rid IN (${rids.map(() => '?').join(', ')})`,
      )
      .all(...rids) as RunRow[];
  }

  /** A run with its metric history (whole unless `maxPoints` is given), its inputs, artifacts and model versions. */
  getRun(runId: string, maxPoints = Infinity): RunDetail {
    return this.runDetails([runId], maxPoints)[0];
  }

  /** What a run left behind: its artifacts and the model versions registered from it. */
  runOutputs(runId: string): RunOutputs {
    return this.outputsOf(this.rid(runId));
  }

  /**
   * Records a dataset the run read (once per digest across the store) and links it into the lineage
   * as an input of the run: where a drift report will later compare data against.
   */
  logInput(runId: string, input: { digest: string; name?: string; schema?: Array<[column: string, type: string]>; rowCount?: number; source?: string; context?: string }): void {
    if (typeof input.digest !== 'string' || !input.digest) throw new InvalidInput('a dataset needs a digest of its content');
    if (input.rowCount !== undefined && (!Number.isInteger(input.rowCount) || input.rowCount < 0)) throw new InvalidInput(`a row count is a whole number, not ${String(input.rowCount)}`);
    const rid = this.rid(runId);
    this.db.transaction(() => {
      this.stmt(sql.DATASET_INSERT).run(
        input.name ?? null,
        input.digest,
        input.schema ? JSON.stringify(input.schema) : null,
        input.rowCount ?? null,
        input.source ?? null,
      );
      const { id } = this.stmt(sql.DATASET_ID).get(input.digest) as { id: number };
      this.stmt(sql.RUN_INPUT_UPSERT).run(rid, id, input.context ?? null);
      this.stmt(sql.DATASET_LINEAGE_INSERT).run(input.digest, runId, Date.now());
    }).immediate();
  }

  private outputsOf(rid: number): RunOutputs {
    const artifacts = this.stmt('SELECT path, sha256, size FROM artifacts WHERE run = ? ORDER BY path').all(rid) as RunOutputs['artifacts'];
    const modelVersions = this.stmt('SELECT model_name AS model, version FROM model_versions WHERE run = ? ORDER BY model_name, version').all(rid) as RunOutputs['modelVersions'];
    const inputs = this.stmt(
      `SELECT d.digest, d.name, d.schema, d.row_count AS rowCount, d.source, i.context
       FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run = ? ORDER BY d.name, d.digest`,
    ).all(rid) as RunOutputs['inputs'];
    return { inputs, artifacts, modelVersions };
  }

  listExperiments(): ExperimentSummary[] {
    this.reconcile();
    return this.stmt(
      // Step runs are counted with their pipeline run, under which the views show them.
      `SELECT e.name, count(CASE WHEN r.parent_id IS NULL THEN r.rid END) AS runs, max(r.start_time) AS lastStart
       FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id GROUP BY e.id ORDER BY lastStart DESC NULLS LAST, e.name`,
    ).all() as ExperimentSummary[];
  }

  /**
   * Runs with their metric histories, each key thinned to at most `maxPoints` points for drawing, in
   * time and memory that grow with the points kept, not with the history (see metricHistories).
   */
  runDetails(runIds: string[], maxPoints = 1000): RunDetail[] {
    this.reconcile();
    const rids = runIds.map((id) => this.rid(id));
    const summaries = this.runSummariesOf(rids);
    return summaries.map((summary, i) => ({ ...summary, ...this.metricHistories(rids[i], maxPoints), ...this.outputsOf(rids[i]) }));
  }

  /** One run's metric histories, each at most `maxPoints` points, and how many points each has. */
  private metricHistories(rid: number, maxPoints: number): Pick<RunDetail, 'metricHistory' | 'metricCounts'> {
    this.thinners = new Map();
    this.thinMax = maxPoints;
    try {
      this.stmt('SELECT cellflow_thin(key, value, step, timestamp) FROM metrics WHERE run = ?').get(rid);
      const metricHistory: Record<string, MetricPoint[]> = {};
      const metricCounts: Record<string, number> = {};
      for (const key of [...this.thinners.keys()].sort()) {
        const thinner = this.thinners.get(key)!;
        metricHistory[key] = thinner.points();
        metricCounts[key] = thinner.size;
      }
      return { metricHistory, metricCounts };
    } finally {
      this.thinners = new Map();
    }
  }

  /** Runs by id with their params, latest metrics and tags, without histories (for export), in the order given. */
  runSummaries(runIds: string[]): RunSummary[] {
    this.reconcile();
    return this.runSummariesOf(runIds.map((id) => this.rid(id)));
  }

  private runSummariesOf(rids: number[]): RunSummary[] {
    const byRid = new Map<number, RunRow>();
    // In chunks: SQLite limits the parameters of one statement.
    for (let i = 0; i < rids.length; i += 500) for (const row of this.runRows(rids.slice(i, i + 500))) byRid.set(row.rid, row);
    const rows = rids.map((rid) => byRid.get(rid)!);
    const out: RunSummary[] = [];
    for (let i = 0; i < rows.length; i += 500) out.push(...this.fillRunData(rows.slice(i, i + 500)));
    return out;
  }

  /** Stores a drift report, linked from the model version it checked (model version -> drift report). */
  saveDriftReport(input: { model?: { name: string; version: number }; reference: string; referenceSha256: string; current: string; currentSha256: string; drifted: boolean; share: number; report: unknown }): string {
    const id = randomUUID().replace(/-/g, '');
    const created = Date.now();
    this.db.transaction(() => {
      this.stmt('INSERT INTO drift_reports (id, created_at, model_name, model_version, reference, reference_sha256, current, current_sha256, drifted, share, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, created, input.model?.name ?? null, input.model?.version ?? null, input.reference, input.referenceSha256, input.current, input.currentSha256, input.drifted ? 1 : 0, input.share, JSON.stringify(input.report),
      );
      if (input.model) this.link('model-version', `${input.model.name}@${input.model.version}`, 'drift-report', id, 'checked-by');
    }).immediate();
    return id;
  }

  /** Stores a benchmark and its results, linked from the model version it measured (model version -> benchmark). */
  saveBenchmark(input: { model?: { name: string; version: number }; modelPath: string; modelSha256: string; environmentKey: string; report: BenchReport }): string {
    const id = randomUUID().replace(/-/g, '');
    this.db.transaction(() => {
      this.stmt('INSERT INTO benchmarks (id, created_at, model_name, model_version, model_path, model_sha256, environment_key, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, Date.now(), input.model?.name ?? null, input.model?.version ?? null, input.modelPath, input.modelSha256, input.environmentKey, JSON.stringify(input.report),
      );
      const row = this.stmt('INSERT INTO benchmark_results (benchmark, ep, batch, p50_ms, throughput, stable, result) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const r of input.report.results) row.run(id, r.ep, r.batch, r.p50Ms, r.throughputPerSec, r.stable ? 1 : 0, JSON.stringify(r));
      if (input.model) this.link('model-version', `${input.model.name}@${input.model.version}`, 'benchmark', id, 'benchmarked-by');
    }).immediate();
    return id;
  }

  /**
   * The latest earlier result for each provider and batch of the same model (any version of a
   * registered model; else the same file content) on the same machine and runtime.
   */
  previousResults(of: { model?: { name: string }; modelSha256: string; environmentKey: string }, eps: string[], batches: number[]): Array<BenchResult & { id: string; model?: string }> {
    const out: Array<BenchResult & { id: string; model?: string }> = [];
    const q = this.stmt(
      `SELECT b.id, b.model_name, b.model_version, r.result FROM benchmark_results r JOIN benchmarks b ON b.id = r.benchmark
       WHERE b.environment_key = ? AND r.ep = ? AND r.batch = ? AND (b.model_name = ? OR (? IS NULL AND b.model_sha256 = ?))
       ORDER BY b.created_at DESC, b.rowid DESC LIMIT 1`,
    );
    for (const ep of eps) {
      for (const batch of batches) {
        const row = q.get(of.environmentKey, ep, batch, of.model?.name ?? null, of.model?.name ?? null, of.modelSha256) as { id: string; model_name: string | null; model_version: number | null; result: string } | undefined;
        if (row) out.push({ ...(JSON.parse(row.result) as BenchResult), id: row.id, ...(row.model_name ? { model: `${row.model_name}@${row.model_version}` } : {}) });
      }
    }
    return out;
  }

  /** Benchmarks, newest first: of one model (every version) when given. */
  benchmarks(modelName?: string, limit = 200): BenchmarkSummary[] {
    const rows = (modelName
      ? this.stmt('SELECT * FROM benchmarks WHERE model_name = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(modelName, limit)
      : this.stmt('SELECT * FROM benchmarks ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit)) as BenchmarkRow[];
    return rows.map(benchmarkSummary);
  }

  benchmark(id: string): BenchmarkSummary {
    const row = this.stmt('SELECT * FROM benchmarks WHERE id = ?').get(id) as BenchmarkRow | undefined;
    if (!row) throw new StoreError(id, 'no such benchmark');
    return benchmarkSummary(row);
  }

  /** A model version's artifact: the file a benchmark measures. */
  modelVersionArtifact(model: { name: string; version: number }): { artifactPath: string; artifactSha256: string | null } {
    const row = this.stmt('SELECT artifact_path, artifact_sha256 FROM model_versions WHERE model_name = ? AND version = ?').get(model.name, model.version) as { artifact_path: string; artifact_sha256: string | null } | undefined;
    if (!row) throw new StoreError(`${model.name}@${model.version}`, 'no such model version');
    return { artifactPath: row.artifact_path, artifactSha256: row.artifact_sha256 };
  }

  /** Drift reports, newest first; of one model version when given. */
  driftReports(model?: { name: string; version: number }): DriftReportSummary[] {
    const rows = (model
      ? this.stmt('SELECT * FROM drift_reports WHERE model_name = ? AND model_version = ? ORDER BY created_at DESC, rowid DESC').all(model.name, model.version)
      : this.stmt('SELECT * FROM drift_reports ORDER BY created_at DESC, rowid DESC').all()) as DriftRow[];
    return rows.map(driftSummary);
  }

  /** One stored report, whole. */
  driftReport(id: string): DriftReportSummary & { report: unknown } {
    const row = this.stmt('SELECT * FROM drift_reports WHERE id = ?').get(id) as DriftRow | undefined;
    if (!row) throw new StoreError(id, 'no such drift report');
    return { ...driftSummary(row), report: JSON.parse(row.report) };
  }

  /**
   * What a model version was trained on: the run it was registered from, the datasets that run logged
   * (log_input), and, for a pipeline step's run, its inputs by name with their digests.
   */
  trainingData(model: { name: string; version: number }): { runId: string | null; logged: RunOutputs['inputs']; stepInputs: Record<string, string> } {
    const row = this.stmt('SELECT r.id AS runId FROM model_versions v LEFT JOIN runs r ON r.rid = v.run WHERE v.model_name = ? AND v.version = ?').get(model.name, model.version) as { runId: string | null } | undefined;
    if (!row?.runId) return { runId: null, logged: [], stepInputs: {} };
    const cached = this.stmt('SELECT parts FROM step_cache WHERE run_id = ? LIMIT 1').get(row.runId) as { parts: string } | undefined;
    const stepInputs = cached ? ((JSON.parse(cached.parts) as { inputs?: Record<string, string> }).inputs ?? {}) : {};
    return { runId: row.runId, logged: this.runOutputs(row.runId).inputs, stepInputs };
  }

  /** The pipeline file (relative to the root) whose run registered a model version, if a pipeline did. */
  modelVersionPipeline(model: { name: string; version: number }): string | undefined {
    const row = this.stmt(
      `SELECT coalesce(r.pipeline, p.pipeline) AS pipeline FROM model_versions v JOIN runs r ON r.rid = v.run LEFT JOIN runs p ON p.id = r.parent_id
       WHERE v.model_name = ? AND v.version = ?`,
    ).get(model.name, model.version) as { pipeline: string | null } | undefined;
    return row?.pipeline ?? undefined;
  }

  /** A model version by number or alias (`churn@3`, `churn@production`). */
  resolveModelVersion(name: string, versionOrAlias: string): { name: string; version: number } {
    if (/^\d+$/.test(versionOrAlias)) {
      if (!this.stmt('SELECT 1 FROM model_versions WHERE model_name = ? AND version = ?').get(name, Number(versionOrAlias))) throw new StoreError(`${name}@${versionOrAlias}`, 'no such model version');
      return { name, version: Number(versionOrAlias) };
    }
    const row = this.stmt('SELECT version FROM model_aliases WHERE model_name = ? AND alias = ?').get(name, versionOrAlias) as { version: number } | undefined;
    if (!row) throw new StoreError(`${name}@${versionOrAlias}`, 'no such model version or alias');
    return { name, version: row.version };
  }

  listModels(): ModelSummary[] {
    const models = this.stmt('SELECT name, description, created_at AS createdAt FROM registered_models ORDER BY name').all() as Array<Omit<ModelSummary, 'versions'>>;
    const versions = this.stmt('SELECT v.model_name, v.version, r.id AS run_id, v.artifact_path, v.artifact_sha256, v.created_at FROM model_versions v LEFT JOIN runs r ON r.rid = v.run ORDER BY v.model_name, v.version DESC').all() as Array<{ model_name: string; version: number; run_id: string | null; artifact_path: string; artifact_sha256: string | null; created_at: number }>;
    const aliases = this.stmt('SELECT model_name, alias, version FROM model_aliases ORDER BY alias').all() as Array<{ model_name: string; alias: string; version: number }>;
    // The latest report of each version checked (a rowid tie-break: two reports in one millisecond).
    const drift = new Map(
      (this.stmt(
        `SELECT d.model_name, d.model_version, d.id, d.drifted, d.share, d.created_at FROM drift_reports d
         WHERE d.rowid = (SELECT x.rowid FROM drift_reports x WHERE x.model_name = d.model_name AND x.model_version = d.model_version ORDER BY x.created_at DESC, x.rowid DESC LIMIT 1)`,
      ).all() as Array<{ model_name: string; model_version: number; id: string; drifted: number; share: number; created_at: number }>).map((d) => [`${d.model_name}@${d.model_version}`, { reportId: d.id, drifted: d.drifted === 1, share: d.share, createdAt: d.created_at }]),
    );
    // The latest benchmark of each version measured.
    const bench = new Map(
      (this.stmt(
        `SELECT b.model_name, b.model_version, b.id, b.created_at, b.report FROM benchmarks b
         WHERE b.rowid = (SELECT x.rowid FROM benchmarks x WHERE x.model_name = b.model_name AND x.model_version = b.model_version ORDER BY x.created_at DESC, x.rowid DESC LIMIT 1)`,
      ).all() as Array<{ model_name: string; model_version: number; id: string; created_at: number; report: string }>).flatMap((b) => {
        const report = JSON.parse(b.report) as BenchReport;
        const smallest = Math.min(...report.results.map((r) => r.batch));
        const best = report.results.filter((r) => r.batch === smallest).sort((x, y) => x.p50Ms - y.p50Ms)[0];
        return best ? [[`${b.model_name}@${b.model_version}`, { benchmarkId: b.id, ep: best.ep, batch: best.batch, p50Ms: best.p50Ms, regressed: report.regressions.length > 0, createdAt: b.created_at }] as const] : [];
      }),
    );
    return models.map((m) => ({
      ...m,
      versions: versions
        .filter((v) => v.model_name === m.name)
        .map((v) => ({
          version: v.version,
          runId: v.run_id,
          artifactPath: v.artifact_path,
          artifactSha256: v.artifact_sha256,
          createdAt: v.created_at,
          aliases: aliases.filter((a) => a.model_name === m.name && a.version === v.version).map((a) => a.alias),
          ...(drift.has(`${m.name}@${v.version}`) ? { drift: drift.get(`${m.name}@${v.version}`) } : {}),
          ...(bench.has(`${m.name}@${v.version}`) ? { bench: bench.get(`${m.name}@${v.version}`) } : {}),
        })),
    }));
  }

  /** A run id from the id or a unique prefix of it (at least 4 characters), as the CLI prints them. */
  resolveRunId(idOrPrefix: string): string {
    if (this.stmt('SELECT 1 FROM runs WHERE id = ?').get(idOrPrefix)) return idOrPrefix;
    if (!/^[0-9a-f]{4,}$/i.test(idOrPrefix)) throw new StoreError(idOrPrefix, 'no such run');
    const found = this.stmt('SELECT id FROM runs WHERE id GLOB ? LIMIT 2').all(`${idOrPrefix.toLowerCase()}*`) as Array<{ id: string }>;
    if (found.length === 0) throw new StoreError(idOrPrefix, 'no such run');
    if (found.length > 1) throw new StoreError(idOrPrefix, 'names more than one run; give more of the id');
    return found[0].id;
  }

  /** The rid of a run, by its UUID. */
  private rid(runId: string): number {
    let rid = this.rids.get(runId);
    if (rid === undefined) {
      const row = this.stmt(sql.RUN_RID).get(runId) as { rid: number } | undefined;
      if (!row) throw new StoreError(runId, 'no such run');
      this.rids.set(runId, (rid = row.rid));
    }
    return rid;
  }

  /** Summaries of a page of runs with their params, latest metrics and tags, in three queries. */
  private fillRunData(rows: RunRow[]): RunSummary[] {
    const runs = rows.map(toSummary);
    for (const run of runs) if (this.killed.has(run.id) && run.status === 'RUNNING') run.status = 'KILLED';
    if (!runs.length) return runs;
    const byRid = new Map(rows.map((r, i) => [r.rid, runs[i]]));
    const marks = rows.map(() => '?').join(', ');
    const rids = rows.map((r) => r.rid);
    for (const p of this.db.prepare(`SELECT run, key, value FROM params WHERE run IN (${marks})`).all(...rids) as KV[]) byRid.get(p.run)!.params[p.key] = p.value;
    for (const t of this.db.prepare(`SELECT run, key, value FROM tags WHERE run IN (${marks})`).all(...rids) as KV[]) byRid.get(t.run)!.tags[t.key] = t.value;
    for (const m of this.db.prepare(`SELECT run, key, value FROM latest_metrics WHERE run IN (${marks})`).all(...rids) as Array<{ run: number; key: string; value: number }>) byRid.get(m.run)!.metrics[m.key] = m.value;
    return runs;
  }
}

interface DriftRow {
  id: string;
  created_at: number;
  model_name: string | null;
  model_version: number | null;
  reference: string;
  current: string;
  drifted: number;
  share: number;
  report: string;
}

function driftSummary(r: DriftRow): DriftReportSummary {
  return { id: r.id, createdAt: r.created_at, model: r.model_name === null ? null : { name: r.model_name, version: r.model_version! }, reference: r.reference, current: r.current, drifted: r.drifted === 1, share: r.share };
}

interface RunRow {
  rid: number;
  id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  pipeline: string | null;
  step_id: string | null;
  step_version: number | null;
  git_commit: string | null;
  parent_id: string | null;
}

interface KV {
  run: number;
  key: string;
  value: string;
}

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    experiment: r.experiment,
    name: r.name,
    status: r.status,
    startTime: r.start_time,
    endTime: r.end_time,
    pipeline: r.pipeline,
    stepId: r.step_id,
    stepVersion: r.step_version,
    gitCommit: r.git_commit,
    parentId: r.parent_id,
    params: {},
    metrics: {},
    tags: {},
  };
}

interface BenchmarkRow {
  id: string;
  created_at: number;
  model_name: string | null;
  model_version: number | null;
  model_path: string;
  model_sha256: string;
  environment_key: string;
  report: string;
}

function benchmarkSummary(r: BenchmarkRow): BenchmarkSummary {
  return {
    id: r.id,
    createdAt: r.created_at,
    model: r.model_name === null ? null : { name: r.model_name, version: r.model_version! },
    modelPath: r.model_path,
    modelSha256: r.model_sha256,
    environmentKey: r.environment_key,
    report: JSON.parse(r.report) as BenchReport,
  };
}

/** What the maturity assessment reads from the store. */
export interface MaturityFacts {
  runs: number;
  pipelineRuns: number;
  models: Array<{ name: string; versions: number; aliasVersions: Array<{ alias: string; version: number }> }>;
  benchmarks: number;
  driftChecked: string[];
  retrainedAfterDrift: string[];
  sweeps: number;
}
