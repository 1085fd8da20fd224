/**
 * Every statement that both writers run, Node's Store (services/store/store.ts) and the Python client
 * (python/cellflow, from the generated _schema.py), so that they cannot write the same thing two ways.
 * Parameters are positional; each statement says them in order. Lineage ids (a step version's
 * `pipeline#step@version`, a model version's `name@version`) are built here, in SQL, from the row
 * the id is about (so from the stored INTEGER: better-sqlite3 binds every number as REAL, `3.0`).
 */

/** (name, created at) */
export const EXPERIMENT_INSERT = 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING';
/** (name) -> id */
export const EXPERIMENT_ID = 'SELECT id FROM experiments WHERE name = ?';

/** (id, experiment id, name, start time, pid, host, pipeline, step id, step version, cell hash, git commit) */
export const RUN_INSERT = `INSERT INTO runs (id, experiment_id, name, status, start_time, pid, host, pipeline, step_id, step_version, cell_hash, git_commit)
VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * The lineage a new run starts, from what its row says: (run id, created at, created at). A run of a
 * step version (a step id and a version other than 0) was run by it, and that step version was promoted
 * from the run's cell hash when it has one.
 */
export const RUN_LINEAGE_INSERT = `WITH step (run, cell, id) AS (
  SELECT id, cell_hash, coalesce(pipeline, '') || '#' || step_id || '@' || step_version FROM runs WHERE id = ? AND step_id <> '' AND step_version <> 0
)
INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at)
SELECT 'step-version', id, 'run', run, 'ran', ? FROM step
UNION ALL
SELECT 'cell-hash', cell, 'step-version', id, 'promoted', ? FROM step WHERE cell <> ''
ON CONFLICT DO NOTHING`;

/** (run id) -> rid */
export const RUN_RID = 'SELECT rid FROM runs WHERE id = ?';
/** (status, end time, run id); a run ends once. */
export const RUN_END = "UPDATE runs SET status = ?, end_time = ? WHERE id = ? AND status = 'RUNNING'";

/** (rid, key, value); the last value written wins. */
export const PARAM_UPSERT = 'INSERT INTO params (run, key, value) VALUES (?, ?, ?) ON CONFLICT (run, key) DO UPDATE SET value = excluded.value';
export const TAG_UPSERT = 'INSERT INTO tags (run, key, value) VALUES (?, ?, ?) ON CONFLICT (run, key) DO UPDATE SET value = excluded.value';

const METRIC_ROW = '(?, ?, ?, ?, ?)';
/** (rid, key, value, step, timestamp) */
export const METRIC_INSERT = `INSERT INTO metrics (run, key, value, step, timestamp) VALUES ${METRIC_ROW}`;

/** METRIC_INSERT for `rows` rows at once: one call into SQLite per row costs more than the row. */
export function metricInsert(rows: number): string {
  return METRIC_INSERT + `, ${METRIC_ROW}`.repeat(rows - 1);
}

/**
 * Keeps latest_metrics right: parameters (run, key, value, step, timestamp) of the newest metric of
 * one key in a batch. An older step logged late, by this writer or another, never replaces a newer one.
 */
export const LATEST_METRIC_UPSERT = `INSERT INTO latest_metrics (run, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (run, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`;

/** (rid, workspace-relative path, sha256, size) */
export const ARTIFACT_UPSERT = 'INSERT INTO artifacts (run, path, sha256, size) VALUES (?, ?, ?, ?) ON CONFLICT (run, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size';

/** Records a dataset once per digest: parameters (name, digest, schema, row count, source); the first write keeps its name. */
export const DATASET_INSERT = 'INSERT INTO datasets (name, digest, schema, row_count, source) VALUES (?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING';
/** (digest) -> id */
export const DATASET_ID = 'SELECT id FROM datasets WHERE digest = ?';

/**
 * Ties a dataset to a run: parameters (run, dataset id, context). Contexts accumulate as a
 * comma-separated set, so data used for training and then evaluation in one run says both.
 */
export const RUN_INPUT_UPSERT = `INSERT INTO run_inputs (run, dataset_id, context) VALUES (?, ?, ?)
ON CONFLICT (run, dataset_id) DO UPDATE SET context = CASE
  WHEN excluded.context IS NULL OR instr(',' || coalesce(run_inputs.context, '') || ',', ',' || excluded.context || ',') > 0 THEN run_inputs.context
  WHEN run_inputs.context IS NULL THEN excluded.context
  ELSE run_inputs.context || ',' || excluded.context END`;

/** (digest, run id, created at) */
export const DATASET_LINEAGE_INSERT = "INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES ('dataset', ?, 'run', ?, 'input', ?) ON CONFLICT DO NOTHING";

/** (name, created at) */
export const MODEL_INSERT = 'INSERT INTO registered_models (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING';
/** The model's next version, numbered from 1: (name, rid or null, artifact path, artifact sha256, created at) -> version */
export const MODEL_VERSION_INSERT = `WITH model (name) AS (SELECT ?)
INSERT INTO model_versions (model_name, version, run, artifact_path, artifact_sha256, created_at)
SELECT name, (SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE model_name = model.name), ?, ?, ?, ? FROM model
RETURNING version`;
/** A version from a run was produced by it, from what the version's row says: (created at, name, version). */
export const MODEL_VERSION_LINEAGE_INSERT = `INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at)
SELECT 'run', r.id, 'model-version', v.model_name || '@' || v.version, 'produced', ? FROM model_versions v JOIN runs r ON r.rid = v.run
WHERE v.model_name = ? AND v.version = ?
ON CONFLICT DO NOTHING`;
/** (name, version) -> a row when the version exists */
export const MODEL_VERSION_EXISTS = 'SELECT 1 FROM model_versions WHERE model_name = ? AND version = ?';
/** (name, alias, version); an alias moves from the version it was on. */
export const ALIAS_UPSERT = 'INSERT INTO model_aliases (model_name, alias, version) VALUES (?, ?, ?) ON CONFLICT (model_name, alias) DO UPDATE SET version = excluded.version';

/** Any lineage edge (Node's Store.link): (from kind, from id, to kind, to id, relation, created at) */
export const LINEAGE_INSERT = 'INSERT INTO lineage (from_kind, from_id, to_kind, to_id, relation, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';

// ---- Pipeline runs (migration 4) ----

/** (parent id, run id): a step's run belongs to its pipeline run. */
export const RUN_SET_PARENT = 'UPDATE runs SET parent_id = ? WHERE id = ?';
/** (pipeline, step id, cache key, parts, outputs, run id, created at) */
export const STEP_CACHE_UPSERT = `INSERT INTO step_cache (pipeline, step_id, cache_key, parts, outputs, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (pipeline, step_id, cache_key) DO UPDATE SET parts = excluded.parts, outputs = excluded.outputs, run_id = excluded.run_id, created_at = excluded.created_at`;
/** (pipeline, step id, cache key) */
export const STEP_CACHE_GET = 'SELECT parts, outputs, run_id AS runId, created_at AS createdAt FROM step_cache WHERE pipeline = ? AND step_id = ? AND cache_key = ?';
/** (pipeline, step id): its latest successful result, to say what changed since. */
export const STEP_CACHE_LATEST = 'SELECT parts, outputs, run_id AS runId, created_at AS createdAt FROM step_cache WHERE pipeline = ? AND step_id = ? ORDER BY created_at DESC LIMIT 1';
/** Every artifact digest a cached result still refers to, for `cellflow gc`. */
export const STEP_CACHE_OUTPUTS = 'SELECT outputs FROM step_cache';
/** Artifacts runs recorded under the runner's folder, for `cellflow gc`. */
export const RUNNER_ARTIFACT_PATHS = "SELECT DISTINCT path FROM artifacts WHERE path GLOB '.cellflow/artifacts/*'";
/** (path) */
export const FILE_DIGEST_GET = 'SELECT size, mtime_ns AS mtimeNs, ino, sha256 FROM file_digests WHERE path = ?';
/** (path, size, mtime_ns, ino, sha256) */
export const FILE_DIGEST_UPSERT = `INSERT INTO file_digests (path, size, mtime_ns, ino, sha256) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ino = excluded.ino, sha256 = excluded.sha256`;

/**
 * The lineage one way from a node (kind, id), each edge once with its nearest distance, 64 hops at
 * most: up follows edges into the node (what it came from), down the edges out of it (what it led to).
 * Each step of a pipeline is two hops (its run, the output the next step reads), so 64 reaches the
 * cells of a 30-step pipeline from its model version; 16 stopped 8 steps up.
 */
function lineageWalk(direction: 'up' | 'down'): string {
  const [near, far] = direction === 'up' ? ['to', 'from'] : ['from', 'to'];
  return `WITH RECURSIVE walk (from_kind, from_id, to_kind, to_id, relation, depth) AS (
  SELECT from_kind, from_id, to_kind, to_id, relation, 1 FROM lineage WHERE ${near}_kind = ? AND ${near}_id = ?
  UNION
  SELECT l.from_kind, l.from_id, l.to_kind, l.to_id, l.relation, walk.depth + 1
  FROM lineage l JOIN walk ON l.${near}_kind = walk.${far}_kind AND l.${near}_id = walk.${far}_id WHERE walk.depth < 64
)
SELECT from_kind AS fromKind, from_id AS fromId, to_kind AS toKind, to_id AS toId, relation, min(depth) AS depth
FROM walk GROUP BY fromKind, fromId, toKind, toId, relation ORDER BY depth, ${far}Kind, ${far}Id`;
}
export const LINEAGE_UP = lineageWalk('up');
export const LINEAGE_DOWN = lineageWalk('down');
