import * as fs from 'node:fs';
import * as path from 'node:path';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { jsonReplacer } from '../core/store/format';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { refuseLinkedOut, StoreError, storeFailure } from '../services/store/db';
import { Store, type ModelSummary, type RunSummary } from '../services/store/store';

export interface StoreOptions {
  /** --store: the store file, else CELLFLOW_STORE, else .cellflow/cellflow.db in the workspace. */
  store?: string;
}

/** The most points of each metric `runs show --json` prints by default, as the Compare view draws them. */
export const SHOW_MAX_POINTS = 1000;

/**
 * The workspace's store, or undefined when nothing has been logged here yet. Commands that only read
 * open it read-only, so that a store in a folder the user cannot write still lists, and nothing is
 * written by looking; one that needs its schema upgraded first is opened to be written, as before.
 */
function openStore(options: StoreOptions, access: 'read' | 'write'): Store | undefined {
  const root = findWorkspaceRoot(process.cwd());
  const file = options.store ? path.resolve(options.store) : storePath(root);
  // Before "nothing logged yet": a .cellflow that leads out of the workspace is refused, not empty.
  refuseLinkedOut(file, root);
  if (!fs.existsSync(file)) return undefined;
  if (access === 'write') return new Store(file, root, { create: false });
  try {
    return new Store(file, root, { create: false, readonly: true });
  } catch (err) {
    if (err instanceof StoreError && err.problem === 'needs-upgrade') return new Store(file, root, { create: false });
    throw err;
  }
}

function noStore(what: string, json: boolean, empty: unknown): number {
  if (json) process.stdout.write(`${JSON.stringify(empty, jsonReplacer)}\n`);
  else process.stdout.write(`No ${what} yet: nothing has been logged in this workspace.\n`);
  return 0;
}

/** Runs `use` on the store; what SQLite says about the file (a damaged page, a full disk) becomes a StoreError naming it. */
function withStore<T>(options: StoreOptions, access: 'read' | 'write', use: (store: Store) => T): T | undefined {
  const store = openStore(options, access);
  if (!store) return undefined;
  try {
    return use(store);
  } catch (err) {
    throw storeFailure(store.file, err);
  } finally {
    store.close();
  }
}

export interface RunsListOptions extends StoreOptions {
  filter?: string;
  orderBy?: string;
  experiment?: string;
  limit?: number;
  offset?: number;
  json: boolean;
}

/** `cellflow runs list`: one line per run, or a JSON array of runs with params and latest metrics. */
export function runsList(options: RunsListOptions): number {
  const page = withStore(options, 'read', (s) => s.searchRuns({ filter: options.filter, orderBy: options.orderBy, experiment: options.experiment, limit: options.limit, offset: options.offset }));
  if (!page) return noStore('runs', options.json, []);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(page.runs.map(runJson), jsonReplacer, 2)}\n`);
    return 0;
  }
  if (!page.runs.length) {
    process.stdout.write('No runs match.\n');
    return 0;
  }
  const rows = page.runs.map((r) => [safe(r.id.slice(0, 8)), safe(r.experiment), safe(r.name ?? '-'), r.status, new Date(r.startTime).toISOString().slice(0, 19).replace('T', ' '), keyValues(r.metrics, formatNumber), keyValues(r.params, String)]);
  process.stdout.write(table(['RUN', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED (UTC)', 'METRICS', 'PARAMS'], rows));
  if (page.nextOffset !== undefined) process.stdout.write(`More runs: --offset ${page.nextOffset}\n`);
  return 0;
}

/** `cellflow runs show <id>`: a run with its metric history (at most `maxPoints` of each metric), inputs, artifacts and model versions. */
export function runsShow(id: string, options: StoreOptions & { json: boolean; maxPoints?: number }): number {
  // The text shows each metric's count, not its points: it keeps the fewest a history can be thinned to.
  const maxPoints = options.json ? (options.maxPoints ?? SHOW_MAX_POINTS) : 4;
  const detail = withStore(options, 'read', (s) => s.getRun(s.resolveRunId(id), maxPoints));
  if (!detail) {
    process.stderr.write(`cellflow: ${id}: no such run (nothing has been logged in this workspace)\n`);
    return 2;
  }
  if (options.json) {
    const { metricHistory, metricCounts, inputs, artifacts, modelVersions } = detail;
    process.stdout.write(`${JSON.stringify({ ...runJson(detail), metricHistory, metricCounts, inputs, artifacts, modelVersions }, jsonReplacer, 2)}\n`);
    return 0;
  }
  const out = [
    `run ${safe(detail.id)}${detail.name ? ` (${safe(detail.name)})` : ''}: ${detail.status}`,
    `  experiment: ${safe(detail.experiment)}`,
    `  started: ${new Date(detail.startTime).toISOString()}${detail.endTime ? `, ended: ${new Date(detail.endTime).toISOString()}` : ''}`,
    ...(detail.stepId ? [`  step: ${safe(detail.pipeline ?? '')}#${safe(detail.stepId)} v${detail.stepVersion ?? '?'}`] : []),
    ...(detail.gitCommit ? [`  git commit: ${safe(detail.gitCommit)}`] : []),
    `  params: ${keyValues(detail.params, String) || '-'}`,
    `  metrics: ${Object.entries(detail.metricCounts).map(([k, n]) => `${safe(k)}=${formatNumber(detail.metrics[k])} (${n} point${n === 1 ? '' : 's'})`).join(', ') || '-'}`,
    `  tags: ${keyValues(detail.tags, String) || '-'}`,
    ...detail.inputs.map((i) => `  input: ${safe(i.name ?? i.digest)} (${[i.rowCount === null ? '' : `${i.rowCount} rows`, safe(i.context ?? ''), safe(i.digest.slice(0, 19))].filter(Boolean).join(', ')})`),
    ...detail.artifacts.map((a) => `  artifact: ${safe(a.path)} (${a.size} bytes, sha256 ${safe(a.sha256.slice(0, 12))})`),
    ...detail.modelVersions.map((m) => `  model version: ${safe(m.model)} v${m.version}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** `cellflow models list`: registered models, their versions and aliases. */
export function modelsList(options: StoreOptions & { json: boolean }): number {
  const models = withStore(options, 'read', (s) => s.listModels());
  if (!models) return noStore('models', options.json, []);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(models, jsonReplacer, 2)}\n`);
    return 0;
  }
  if (!models.length) {
    process.stdout.write('No registered models.\n');
    return 0;
  }
  process.stdout.write(models.map(modelText).join(''));
  return 0;
}

/** `cellflow models alias <name> <version> <alias>`: sets or moves an alias. */
export function modelsAlias(name: string, versionText: string, alias: string, options: StoreOptions): number {
  const version = Number(versionText.replace(/^v/i, ''));
  if (!Number.isInteger(version) || version < 1) {
    process.stderr.write(`cellflow: the version is a whole number such as 3, not "${versionText}"\n`);
    return 2;
  }
  const done = withStore(options, 'write', (s) => {
    s.setAlias(name, version, alias);
    return true;
  });
  if (!done) {
    process.stderr.write(`cellflow: no model "${name}": nothing has been logged in this workspace\n`);
    return 2;
  }
  process.stdout.write(`${safe(name)} v${version} is now "${safe(alias)}"\n`);
  return 0;
}

function runJson(r: RunSummary) {
  const { id, experiment, name, status, startTime, endTime, pipeline, stepId, stepVersion, gitCommit, parentId, params, metrics, tags } = r;
  return { id, experiment, name, status, startTime, endTime, pipeline, stepId, stepVersion, gitCommit, parentId, params, metrics, tags };
}

function modelText(m: ModelSummary): string {
  const versions = m.versions.map((v) => `  v${v.version}${v.aliases.length ? ` [${v.aliases.map(safe).join(', ')}]` : ''}  ${safe(v.artifactPath)}${v.runId ? `  run ${safe(v.runId.slice(0, 8))}` : ''}\n`);
  return `${safe(m.name)}\n${versions.join('')}`;
}

function keyValues<T>(o: Record<string, T>, show: (v: T) => string): string {
  return Object.entries(o)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${safe(k)}=${safe(show(v))}`)
    .join(' ');
}

function formatNumber(n: number | undefined): string {
  if (n === undefined) return '-';
  return Number.isInteger(n) ? String(n) : Number(n.toPrecision(6)).toString();
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
