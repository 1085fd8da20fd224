import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { InvalidInput } from '../../../server/src/core/errors';
import { STORE_RULES } from '../../../server/src/core/store/rules';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../server/src/core/store/schema';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

/**
 * Writes that break a rule, as a third writer would send them with plain SQLite (no Cellflow code),
 * each with the trigger message expected. A store made by Node has experiment 1, run rid 1 and model
 * "m" version 1 (see `seeded`).
 */
const BAD_WRITES: Array<[sql: string, message: RegExp]> = [
  ["INSERT INTO experiments (name, created_at) VALUES (printf('%.501c', 'e'), 0)", /^an experiment name is at most 500 characters$/],
  ["INSERT INTO runs (id, experiment_id, name, status, start_time) VALUES ('r2', 1, printf('%.501c', 'r'), 'RUNNING', 0)", /^a run name is at most 500 characters$/],
  ["INSERT INTO runs (id, experiment_id, status, start_time, git_commit) VALUES ('r3', 1, 'RUNNING', 0, 'detached junk')", /^a run's git commit is a commit sha/],
  ["UPDATE runs SET git_commit = 'ABCDEF' WHERE rid = 1", /^a run's git commit is a commit sha/],
  ["INSERT INTO params (run, key, value) VALUES (1, printf('%.251c', 'k'), 'v')", /^a param key is at most 250 characters$/],
  ["INSERT INTO params (run, key, value) VALUES (1, 'k', printf('%.6001c', 'v'))", /^a param value is at most 6000 characters$/],
  ["UPDATE params SET value = printf('%.6001c', 'v') WHERE run = 1", /^a param value is at most 6000 characters$/],
  ["INSERT INTO tags (run, key, value) VALUES (1, printf('%.251c', 'k'), 'v')", /^a tag key is at most 250 characters$/],
  ["INSERT INTO tags (run, key, value) VALUES (1, 't', printf('%.8001c', 'v'))", /^a tag value is at most 8000 characters$/],
  ["INSERT INTO latest_metrics (run, key, value, step, timestamp) VALUES (1, '', 1, 0, 0)", /^a metric key is a string of 1 to 250 characters$/],
  ["INSERT INTO latest_metrics (run, key, value, step, timestamp) VALUES (1, printf('%.251c', 'k'), 1, 0, 0)", /^a metric key is a string of 1 to 250 characters$/],
  ["INSERT INTO artifacts (run, path, sha256, size) VALUES (1, '../secret', '', 0)", /^an artifact path is a path relative to the workspace/],
  ["INSERT INTO artifacts (run, path, sha256, size) VALUES (1, '/etc/passwd', '', 0)", /^an artifact path/],
  ["INSERT INTO artifacts (run, path, sha256, size) VALUES (1, 'models/../../x', '', 0)", /^an artifact path/],
  ["INSERT INTO registered_models (name, created_at) VALUES ('bad name', 0)", /^a model name uses letters, digits/],
  ['INSERT INTO registered_models (name, created_at) VALUES (NULL, 0)', /^a model name uses letters, digits/],
  ["INSERT INTO registered_models (name, created_at) VALUES ('modèle', 0)", /^a model name uses letters, digits/],
  ["INSERT INTO model_versions (model_name, version, artifact_path, created_at) VALUES ('m', 2, '/abs/model.bin', 0)", /^a model's artifact path/],
  ["INSERT INTO model_versions (model_name, version, artifact_path, created_at) VALUES ('no model', 1, 'model.bin', 0)", /^a model version's model name uses letters/],
  ["INSERT INTO model_aliases (model_name, alias, version) VALUES ('m', '1st', 1)", /^an alias starts with a letter/],
  ["UPDATE model_aliases SET alias = 'bad alias'", /^an alias starts with a letter/],
];

describe("the store's own rules (schema v3 triggers)", () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  /** A store written through the Node API: one run with a param, model "m" v1 with an alias. */
  function seeded(): void {
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
    const store = ws.open();
    const run = store.startRun({ experiment: 'e' });
    store.logParams(run, { lr: 0.1 });
    store.registerModel('m', 'model.bin', run);
    store.setAlias('m', 1, 'staging');
    store.close();
  }

  /** Every table but metrics: a per-row trigger there would cost half the logging rate. */
  it('has a trigger for every rule, and none on metrics', () => {
    seeded();
    const raw = new BetterSqlite3(ws.db, { readonly: true });
    try {
      const tables = raw.prepare("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1").pluck().all();
      assert.deepEqual(tables, [...new Set(STORE_RULES.map((r) => r.table))].sort());
      assert.ok(!tables.includes('metrics'));
    } finally {
      raw.close();
    }
  });

  it('refuses a third writer using better-sqlite3 directly, with the rule as the message', () => {
    seeded();
    const raw = new BetterSqlite3(ws.db);
    try {
      for (const [sql, message] of BAD_WRITES) {
        assert.throws(() => raw.exec(sql), (err: Error & { code?: string }) => err.code === 'SQLITE_CONSTRAINT_TRIGGER' && message.test(err.message), sql);
      }
      // What is allowed still is.
      raw.exec("INSERT INTO runs (id, experiment_id, status, start_time, git_commit) VALUES ('ok', 1, 'RUNNING', 0, '" + 'f'.repeat(40) + "')");
      raw.exec("INSERT INTO artifacts (run, path, sha256, size) VALUES (1, 'models/..a/b..', '', 0)");
      raw.exec("INSERT INTO metrics (run, key, value, step, timestamp) VALUES (1, '', 1, 0, 0)");
    } finally {
      raw.close();
    }
  });

  it("refuses a third writer using Python's sqlite3 without the client, with the same messages", () => {
    seeded();
    const r = python(
      `
import json, sqlite3
conn = sqlite3.connect(${JSON.stringify(ws.db)}, isolation_level=None)
out = []
for sql in json.loads(${JSON.stringify(JSON.stringify(BAD_WRITES.map(([sql]) => sql)))}):
    try:
        conn.execute(sql)
        out.append("accepted")
    except sqlite3.IntegrityError as e:
        out.append(str(e))
print(json.dumps(out))
`,
      ws.dir,
    );
    assertExitedOk(r);
    const messages = JSON.parse(r.stdout) as string[];
    BAD_WRITES.forEach(([sql, message], i) => assert.match(messages[i], message, sql));
  });

  /** A store as the v2 release wrote it, with a run whose git commit no rule checked then. */
  function versionTwoStore(): void {
    fs.mkdirSync(path.dirname(ws.db), { recursive: true });
    const raw = new BetterSqlite3(ws.db);
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) raw.exec(m.sql);
    raw.pragma('user_version = 2');
    raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
    raw.prepare("INSERT INTO runs (id, experiment_id, name, status, start_time, git_commit) VALUES ('r-old', 1, 'before', 'FINISHED', 0, 'junk from an old client')").run();
    raw.close();
  }

  /** At the latest version, with an insert and an update trigger for each table that has rules. */
  function assertUpgraded(): void {
    const raw = new BetterSqlite3(ws.db, { readonly: true });
    try {
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(raw.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").pluck().get(), 2 * new Set(STORE_RULES.map((r) => r.table)).size);
    } finally {
      raw.close();
    }
  }

  it('upgrades a v2 store in place when Node opens it: old rows kept, new writes checked', () => {
    assert.ok(SCHEMA_VERSION > 3, 'the upgrade goes past v3, the rules, to the latest');
    versionTwoStore();
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
    const store = ws.open();
    const [old] = store.searchRuns().runs;
    assert.deepEqual([old.name, old.gitCommit], ['before', 'junk from an old client']);
    assert.throws(() => store.registerModel('bad name', 'model.bin', 'r-old'), InvalidInput);
    store.registerModel('good', 'model.bin', 'r-old');
    store.close();
    assertUpgraded();
  });

  it('upgrades a v2 store in place when Python opens it: old rows kept, new writes checked', () => {
    versionTwoStore();
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
    const r = python(
      `
import cellflow
with cellflow.start_run(experiment="old", run_name="after"):
    try:
        cellflow.register_model("model.bin", "bad name")
    except cellflow.CellflowError as e:
        print(e)
`,
      ws.dir,
    );
    assertExitedOk(r);
    assert.equal(r.stdout.trim(), 'a model name uses letters, digits, _, . and - only, 1 to 250 of them: "bad name"');
    assertUpgraded();
    const store = ws.open();
    assert.deepEqual(store.searchRuns({ orderBy: 'start_time' }).runs.map((run) => [run.name, run.gitCommit]).sort(), [['after', null], ['before', 'junk from an old client']]);
    assert.deepEqual(store.listModels(), []);
  });
});
