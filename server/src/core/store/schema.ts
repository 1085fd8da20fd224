/**
 * The store's schema, as numbered migrations. `PRAGMA user_version` holds the number applied; the
 * Python client (python/cellflow) writes the same tables and relies on the same triggers.
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
  id TEXT PRIMARY KEY,
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
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_by_key_value ON params(key, value, run_id);

CREATE TABLE tags (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX tags_by_key_value ON tags(key, value, run_id);

CREATE TABLE metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  step INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL
);
CREATE INDEX metrics_by_run_key ON metrics(run_id, key, step);

-- The latest value of each metric of each run (highest step, then newest), kept by a trigger so that
-- every writer, Node or Python, keeps it right, and searches read one row per run and key.
CREATE TABLE latest_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_by_key_value ON latest_metrics(key, value, run_id);
CREATE TRIGGER metrics_keep_latest AFTER INSERT ON metrics BEGIN
  INSERT INTO latest_metrics (run_id, key, value, step, timestamp)
  VALUES (NEW.run_id, NEW.key, NEW.value, NEW.step, NEW.timestamp)
  ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
  WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp);
END;

CREATE TABLE artifacts (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
) WITHOUT ROWID;

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT,
  digest TEXT NOT NULL UNIQUE,
  schema TEXT,
  row_count INTEGER
);
CREATE TABLE run_inputs (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  PRIMARY KEY (run_id, dataset_id)
) WITHOUT ROWID;

CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  description TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE model_versions (
  model_name TEXT NOT NULL REFERENCES registered_models(name) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
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
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
