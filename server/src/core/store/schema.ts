import { RULE_TRIGGERS } from './rules';

/**
 * The store's schema, as numbered migrations. `PRAGMA user_version` holds the number applied; the
 * Python client (python/cellflow) writes the same tables; the build generates its copy of these
 * migrations, of the statements (statements.ts) and of the rules' wording (rules.ts, refusals.ts).
 * A migration, once released, is never edited: a change is a new one.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE runs (
  -- rid keys every row about the run (small and fast to join); id is the UUID users and lineage see.
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  name TEXT,
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  pid INTEGER,
  host TEXT,
  pipeline TEXT,
  step_id TEXT,
  step_version INTEGER,
  cell_hash TEXT,
  git_commit TEXT
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_start ON runs(start_time);

CREATE TABLE params (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key_value ON params(key, value, run);

CREATE TABLE tags (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags(key, value, run);

CREATE TABLE metrics (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  step INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL
);
-- By run only: the history of a run is read whole and grouped by key, and an index that also held
-- key and step would be written at ten places per batch instead of one (measured: 3x slower logging).
CREATE INDEX metrics_by_run ON metrics(run);

-- The latest value of each metric of each run (highest step, then newest), so that searches read one
-- row per run and key. Writers upsert it once per key per batch, in the batch's transaction, with
-- LATEST_METRIC_UPSERT (statements.ts; a trigger would cost an upsert per metric: half the logging rate).
CREATE TABLE latest_metrics (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key_value ON latest_metrics(key, value, run);

CREATE TABLE artifacts (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (run, path)
) WITHOUT ROWID;

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT,
  digest TEXT NOT NULL UNIQUE,
  schema TEXT,
  row_count INTEGER
);
CREATE TABLE run_inputs (
  run INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  PRIMARY KEY (run, dataset_id)
) WITHOUT ROWID;

CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  description TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE model_versions (
  model_name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  run INTEGER REFERENCES runs(rid) ON DELETE SET NULL,
  artifact_path TEXT NOT NULL,
  artifact_sha256 TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (model_name, version)
);
CREATE TABLE model_aliases (
  model_name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (model_name, alias),
  FOREIGN KEY (model_name, version) REFERENCES model_versions(model_name, version) ON DELETE CASCADE
) WITHOUT ROWID;

-- What came from what: cell hash -> step version -> run -> model version, and, in issues to come,
-- model version -> benchmark and drift report (which get tables of their own, keyed the same way).
CREATE TABLE lineage (
  from_kind TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_kind TEXT NOT NULL,
  to_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (from_kind, from_id, to_kind, to_id, relation)
) WITHOUT ROWID;
CREATE INDEX lineage_to ON lineage(to_kind, to_id);
CREATE INDEX model_versions_by_run ON model_versions(run);
`,
  },
  {
    // Where a dataset was read from, and what a run used it for (training, evaluation, ...).
    version: 2,
    sql: `
ALTER TABLE datasets ADD COLUMN source TEXT;
ALTER TABLE run_inputs ADD COLUMN context TEXT;
`,
  },
  {
    // Rules no writer can break: names, aliases, commit ids, string sizes, artifact paths (rules.ts).
    version: 3,
    sql: RULE_TRIGGERS,
  },
  {
    // Pipeline runs: a step's run is a child of its pipeline run; the runner's cache of step results
    // (by cache key, with the parts it was made of, so a re-run can say what changed); and the digests
    // of files, kept by path, size, mtime and inode so an unchanged file is not read again.
    version: 4,
    sql: `
ALTER TABLE runs ADD COLUMN parent_id TEXT;
CREATE INDEX runs_by_parent ON runs(parent_id);
CREATE TABLE step_cache (
  pipeline TEXT NOT NULL,
  step_id TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  parts TEXT NOT NULL,
  outputs TEXT NOT NULL,
  run_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (pipeline, step_id, cache_key)
) WITHOUT ROWID;
CREATE INDEX step_cache_latest ON step_cache(pipeline, step_id, created_at);
CREATE TABLE file_digests (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns TEXT NOT NULL,
  ino TEXT NOT NULL,
  sha256 TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    // Drift reports: each comparison of current data with a reference, against the model version it
    // checked (when it checked one), with both datasets' digests and the whole report as JSON; the
    // lineage edge model version -> drift report is written with it.
    version: 5,
    sql: `
CREATE TABLE drift_reports (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  model_name TEXT,
  model_version INTEGER,
  reference TEXT NOT NULL,
  reference_sha256 TEXT NOT NULL,
  current TEXT NOT NULL,
  current_sha256 TEXT NOT NULL,
  drifted INTEGER NOT NULL,
  share REAL NOT NULL,
  report TEXT NOT NULL,
  FOREIGN KEY (model_name, model_version) REFERENCES model_versions(model_name, version) ON DELETE CASCADE
);
CREATE INDEX drift_reports_by_version ON drift_reports(model_name, model_version, created_at);
`,
  },
  {
    // Inference benchmarks: one row per `cellflow bench --save` (the model file's digest, the machine
    // and runtime, the whole report as JSON) and one per provider and batch size measured, to find
    // the previous result to compare with; the lineage edge model version -> benchmark goes with it.
    version: 6,
    sql: `
CREATE TABLE benchmarks (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  model_name TEXT,
  model_version INTEGER,
  model_path TEXT NOT NULL,
  model_sha256 TEXT NOT NULL,
  environment_key TEXT NOT NULL,
  report TEXT NOT NULL,
  FOREIGN KEY (model_name, model_version) REFERENCES model_versions(model_name, version) ON DELETE CASCADE
);
CREATE INDEX benchmarks_by_version ON benchmarks(model_name, model_version, created_at);
CREATE TABLE benchmark_results (
  benchmark TEXT NOT NULL REFERENCES benchmarks(id) ON DELETE CASCADE,
  ep TEXT NOT NULL,
  batch INTEGER NOT NULL,
  p50_ms REAL NOT NULL,
  throughput REAL NOT NULL,
  stable INTEGER NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (benchmark, ep, batch)
);
CREATE INDEX benchmark_results_by_ep ON benchmark_results(ep, batch);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Whether a file is ours to open, read in one statement (one snapshot, so a store that another
 * process is creating is not caught half made): its schema version, how many tables it has, and how
 * many of Cellflow's two core tables are among them.
 */
export const FOREIGN_CHECK = `SELECT
  (SELECT user_version FROM pragma_user_version) AS version,
  (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%') AS tables,
  (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'experiments')) AS ours`;
