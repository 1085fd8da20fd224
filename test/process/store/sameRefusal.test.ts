import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isUserError } from '../../../server/src/core/errors';
import { Store } from '../../../server/src/services/store/store';
import { assertExitedOk, python, scratchWorkspace } from '../../support/store';

/**
 * The two writers, fed the same values, must refuse the same ones with the same message and write
 * nothing of them. Each writer has its own store file in one workspace, so that messages naming the
 * workspace match, and what each wrote can be counted apart.
 */
interface Case {
  label: string;
  /** The call through the Node API, in a run. */
  node: (store: Store, run: string) => unknown;
  /** The same call through the Python client, as an expression, in a run. */
  python: string;
}

type Outcome = { refused: string } | { accepted: true } | { error: string };

const NODE_DB = '.cellflow/node.db';
const PYTHON_DB = '.cellflow/python.db';

describe('the Node API and the Python client refuse the same values alike', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  /** Runs each case through both writers (with `setup` first in each), returning what each said. */
  function both(cases: Case[], setup: { node?: (store: Store, run: string) => void; python?: string } = {}): { node: Outcome[]; python: Outcome[] } {
    const store = new Store(path.join(ws.dir, NODE_DB), ws.dir);
    const node: Outcome[] = [];
    try {
      const run = store.startRun({ name: 'node' });
      setup.node?.(store, run);
      for (const c of cases) {
        try {
          c.node(store, run);
          node.push({ accepted: true });
        } catch (err) {
          node.push(isUserError(err) ? { refused: err.message } : { error: String(err) });
        }
      }
    } finally {
      store.close();
    }
    const r = python(
      `
import json, cellflow
def attempt(f):
    try:
        f()
        return {"accepted": True}
    except cellflow.CellflowError as e:
        return {"refused": str(e)}
    except Exception as e:
        return {"error": repr(e)}
out = []
with cellflow.start_run(run_name="python"):
${(setup.python ?? 'pass').replace(/^/gm, '    ')}
${cases.map((c) => `    out.append(attempt(lambda: ${c.python}))`).join('\n')}
print(json.dumps(out))
`,
      ws.dir,
      { CELLFLOW_STORE: PYTHON_DB },
    );
    assertExitedOk(r);
    return { node, python: JSON.parse(r.stdout) as Outcome[] };
  }

  /** Both refused every case with the same message, each matching its rule. */
  function assertSameRefusals(cases: Case[], outcomes: { node: Outcome[]; python: Outcome[] }, rule: RegExp): void {
    cases.forEach((c, i) => {
      assert.deepEqual(outcomes.python[i], outcomes.node[i], `${c.label}: Python said otherwise than Node`);
      const o = outcomes.node[i];
      assert.ok('refused' in o, `${c.label}: ${JSON.stringify(o)}`);
      assert.match(o.refused, rule, c.label);
    });
  }

  /** The same question of both stores, e.g. how many rows of a kind they hold. */
  function count(sql: string): { node: unknown; python: unknown } {
    const ask = (file: string) => {
      const db = new BetterSqlite3(path.join(ws.dir, file), { readonly: true });
      try {
        return db.prepare(sql).pluck().get();
      } finally {
        db.close();
      }
    };
    return { node: ask(NODE_DB), python: ask(PYTHON_DB) };
  }

  it('model names: a space, empty, a slash, non-ASCII letters, too long, none', () => {
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
    const names: Array<[label: string, node: string | null, python: string]> = [
      ['space', 'bad name', '"bad name"'],
      ['empty', '', '""'],
      ['slash', 'team/churn', '"team/churn"'],
      ['non-ASCII letters', 'modèle', '"modèle"'],
      ['too long', 'm'.repeat(251), '"m" * 251'],
      ['none', null, 'None'],
    ];
    const cases = names.map(([label, node, py]): Case => ({ label, node: (s, run) => s.registerModel(node as string, 'model.bin', run), python: `cellflow.register_model("model.bin", ${py})` }));
    const outcomes = both(cases);
    assertSameRefusals(cases, outcomes, /^a model name uses letters, digits, _, \. and - only, 1 to 250 of them: /);
    assert.match((outcomes.node[0] as { refused: string }).refused, /: "bad name"$/, 'the message names the value');
    assert.match((outcomes.node[5] as { refused: string }).refused, /: null$/);
    assert.deepEqual(count('SELECT (SELECT count(*) FROM registered_models) + (SELECT count(*) FROM model_versions) + (SELECT count(*) FROM lineage)'), { node: 0, python: 0 });
    // The longest name and every allowed character are taken by both.
    const good = [`a.B-9_${'m'.repeat(244)}`];
    const accepted = both(good.map((n): Case => ({ label: n, node: (s, run) => s.registerModel(n, 'model.bin', run), python: `cellflow.register_model("model.bin", ${JSON.stringify(n)})` })));
    assert.deepEqual(accepted, { node: [{ accepted: true }], python: [{ accepted: true }] });
  });

  it('aliases: not starting with a letter, a space, a dot, non-ASCII, empty, too long, none', () => {
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'weights');
    const aliases: Array<[label: string, node: string | null, python: string]> = [
      ['digit first', '1st', '"1st"'],
      ['space', 'bad alias', '"bad alias"'],
      ['dot', 'prod.1', '"prod.1"'],
      ['non-ASCII', 'prodüction', '"prodüction"'],
      ['empty', '', '""'],
      ['too long', 'a'.repeat(251), '"a" * 251'],
      ['none', null, 'None'],
    ];
    const cases = aliases.map(([label, node, py]): Case => ({ label, node: (s) => s.setAlias('m', 1, node as string), python: `cellflow.set_alias("m", 1, ${py})` }));
    const outcomes = both(cases, { node: (s, run) => void s.registerModel('m', 'model.bin', run), python: 'cellflow.register_model("model.bin", "m")' });
    assertSameRefusals(cases, outcomes, /^an alias starts with a letter and uses letters, digits, _ and - only, at most 250 of them: /);
    assert.deepEqual(count('SELECT count(*) FROM model_aliases'), { node: 0, python: 0 });
  });

  it('metrics: NaN, values that are not numbers, steps that are not whole or outside int64, bad keys', () => {
    const metrics: Array<[label: string, node: [unknown, unknown, unknown], python: string, rule: RegExp]> = [
      ['NaN', ['acc', Number.NaN, 0], '"acc", float("nan"), 0', /^metric "acc": value must be a number, not NaN$/],
      ['text', ['acc', 'high', 0], '"acc", "high", 0', /^metric "acc": value must be a number, not "high"$/],
      ['boolean', ['acc', true, 0], '"acc", True, 0', /^metric "acc": value must be a number, not true$/],
      ['none', ['acc', null, 0], '"acc", None, 0', /^metric "acc": value must be a number, not null$/],
      ['step 2^63', ['acc', 1, 2 ** 63], '"acc", 1.0, 2 ** 63', /^metric "acc": step must be a whole number from -2\^63 to 2\^63 - 1, not 9223372036854775808$/],
      ['step -2^64', ['acc', 1, -(2 ** 64)], '"acc", 1.0, -2 ** 64', /not -18446744073709551616$/],
      ['step 1.5', ['acc', 1, 1.5], '"acc", 1.0, 1.5', /not 1\.5$/],
      ['step 0.00001', ['acc', 1, 0.00001], '"acc", 1.0, 0.00001', /not 0\.00001$/],
      ['step 1e-7', ['acc', 1, 1e-7], '"acc", 1.0, 1e-7', /not 1e-7$/],
      ['step as text', ['acc', 1, '3'], '"acc", 1.0, "3"', /not "3"$/],
      ['step infinite', ['acc', 1, Infinity], '"acc", 1.0, float("inf")', /not Infinity$/],
      ['empty key', ['', 1, 0], '"", 1.0, 0', /^a metric key is a string of 1 to 250 characters: ""$/],
      ['key too long', ['k'.repeat(251), 1, 0], '"k" * 251, 1.0, 0', /^a metric key is a string of 1 to 250 characters: "k{60}…"$/],
      ['key not text', [5, 1, 0], '5, 1.0, 0', /^a metric key is a string of 1 to 250 characters: 5$/],
      ['key none', [null, 1, 0], 'None, 1.0, 0', /characters: null$/],
    ];
    const cases = metrics.map(([label, [key, value, step], py]): Case => ({
      label,
      node: (s, run) => s.logMetrics(run, [{ key: key as string, value: value as number, step: step as number }]),
      python: `cellflow.log_metric(${py})`,
    }));
    const outcomes = both(cases);
    cases.forEach((c, i) => assertSameRefusals([c], { node: [outcomes.node[i]], python: [outcomes.python[i]] }, metrics[i][3]));
    // log_metrics checks each metric the same way.
    const batch = both([{ label: 'log_metrics', node: (s, run) => s.logMetrics(run, [{ key: 'a', value: 1, step: 1.5 }]), python: 'cellflow.log_metrics({"a": 1}, step=1.5)' }]);
    assert.deepEqual(batch.python, batch.node);
    assert.deepEqual(count('SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM latest_metrics)'), { node: 0, python: 0 });
  });

  it('artifact paths outside the workspace: .., absolute, a symbolic link out, and a missing file', () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret'), 'x');
      fs.symlinkSync(path.join(outside, 'secret'), path.join(ws.dir, 'link'));
      fs.mkdirSync(path.join(ws.dir, 'folder'));
      execFileSync('mkfifo', [path.join(ws.dir, 'fifo')]);
      const paths: Array<[label: string, file: string, rule: RegExp]> = [
        ['..', `../${path.basename(outside)}/secret`, /^\.\.\/outside-\w+\/secret: is outside the workspace \(/],
        ['absolute', '/etc/passwd', /^\/etc\/passwd: is outside the workspace \(.*\); Cellflow records artifacts inside it only$/],
        ['symbolic link', 'link', /^link: is outside the workspace/],
        ['the workspace itself', '.', /^\.: is outside the workspace/],
        ['missing', '../x-missing', /^\.\.\/x-missing: does not exist$/],
        ['a folder', 'folder', /^folder: is a folder, not a regular file$/],
        // Refused as what it is, without waiting for a writer to open it.
        ['a FIFO', 'fifo', /^fifo: is a FIFO, not a regular file$/],
      ];
      for (const [label, file, rule] of paths) {
        const cases: Case[] = [
          { label: `artifact, ${label}`, node: (s, run) => s.logArtifact(run, file), python: `cellflow.log_artifact(${JSON.stringify(file)})` },
          { label: `model, ${label}`, node: (s, run) => s.registerModel('m', file, run), python: `cellflow.register_model(${JSON.stringify(file)}, "m")` },
        ];
        assertSameRefusals(cases, both(cases), rule);
      }
      assert.deepEqual(count('SELECT (SELECT count(*) FROM artifacts) + (SELECT count(*) FROM model_versions)'), { node: 0, python: 0 });
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('file names that merely start with two dots are inside the workspace, for both', () => {
    fs.writeFileSync(path.join(ws.dir, '..foo'), 'a');
    fs.mkdirSync(path.join(ws.dir, '..dir'));
    fs.writeFileSync(path.join(ws.dir, '..dir', 'model.bin'), 'b');
    const files = ['..foo', '..dir/model.bin', path.join(ws.dir, '..foo')];
    const cases = files.flatMap((file): Case[] => [
      { label: `artifact ${file}`, node: (s, run) => s.logArtifact(run, file), python: `cellflow.log_artifact(${JSON.stringify(file)})` },
      { label: `model ${file}`, node: (s, run) => s.registerModel('m', file, run), python: `cellflow.register_model(${JSON.stringify(file)}, "m")` },
    ]);
    const accepted = cases.map(() => ({ accepted: true }));
    assert.deepEqual(both(cases), { node: accepted, python: accepted });
    assert.deepEqual(count("SELECT group_concat(path, ' ') FROM (SELECT path FROM artifacts ORDER BY path)"), { node: '..dir/model.bin ..foo', python: '..dir/model.bin ..foo' });
  });

  it('text with a lone surrogate: metric, param and tag keys and values', () => {
    const cases: Case[] = [
      { label: 'metric key', node: (s, run) => s.logMetrics(run, [{ key: 'a\ud800', value: 1 }]), python: 'cellflow.log_metric("a\\ud800", 1.0)' },
      { label: 'param key', node: (s, run) => s.logParams(run, { '\udc00': 1 }), python: 'cellflow.log_param("\\udc00", 1)' },
      { label: 'param value', node: (s, run) => s.logParams(run, { k: 'x\ud800' }), python: 'cellflow.log_param("k", "x\\ud800")' },
      { label: 'tag key', node: (s, run) => s.setTags(run, { '\ud800': 'v' }), python: 'cellflow.set_tag("\\ud800", "v")' },
    ];
    const rules = [
      /^a metric key must be valid Unicode text \(no lone surrogates\), not "a\\ud800"$/,
      /^a param key must be valid Unicode text \(no lone surrogates\), not "\\udc00"$/,
      /^the value of param "k" must be valid Unicode text \(no lone surrogates\), not "x\\ud800"$/,
      /^a tag key must be valid Unicode text/,
    ];
    const outcomes = both(cases);
    cases.forEach((c, i) => assertSameRefusals([c], { node: [outcomes.node[i]], python: [outcomes.python[i]] }, rules[i]));
    assert.deepEqual(count('SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM params) + (SELECT count(*) FROM tags)'), { node: 0, python: 0 });
  });

  it('oversized params, tags, run and experiment names, and the largest that fit', () => {
    const long = (n: number) => `${JSON.stringify('x')} * ${n}`;
    const cases: Case[] = [
      { label: 'param key', node: (s, run) => s.logParams(run, { ['k'.repeat(251)]: 1 }), python: `cellflow.log_param("k" * 251, 1)` },
      { label: 'param value', node: (s, run) => s.logParams(run, { ok: 1, notes: 'x'.repeat(6001) }), python: `cellflow.log_params({"ok": 1, "notes": ${long(6001)}})` },
      { label: 'tag key', node: (s, run) => s.setTags(run, { ['k'.repeat(251)]: 'v' }), python: `cellflow.set_tag("k" * 251, "v")` },
      { label: 'tag value', node: (s, run) => s.setTags(run, { notes: 'x'.repeat(8001) }), python: `cellflow.set_tags({"notes": ${long(8001)}})` },
      { label: 'run name', node: (s) => s.startRun({ name: 'r'.repeat(501) }), python: `cellflow.start_run(run_name="r" * 501)` },
      { label: 'experiment name', node: (s) => s.startRun({ experiment: 'e'.repeat(501) }), python: `cellflow.start_run(experiment="e" * 501)` },
    ];
    const outcomes = both(cases);
    const rules = [
      /^a param key is at most 250 characters: "k{60}…"$/,
      /^a param value is at most 6000 characters: the value of param "notes"$/,
      /^a tag key is at most 250 characters: "k{60}…"$/,
      /^a tag value is at most 8000 characters: the value of tag "notes"$/,
      /^a run name is at most 500 characters: "r{60}…"$/,
      /^an experiment name is at most 500 characters: "e{60}…"$/,
    ];
    cases.forEach((c, i) => assertSameRefusals([c], { node: [outcomes.node[i]], python: [outcomes.python[i]] }, rules[i]));
    assert.deepEqual(count('SELECT (SELECT count(*) FROM params) + (SELECT count(*) FROM tags)'), { node: 0, python: 0 }, 'a refused param leaves none of its batch');
    assert.deepEqual(count('SELECT (SELECT count(*) FROM runs) * 10 + (SELECT count(*) FROM experiments)'), { node: 11, python: 11 }, 'only the run each writer started');
    const fits = both([
      { label: 'fits', node: (s, run) => (s.logParams(run, { ['k'.repeat(250)]: 'x'.repeat(6000) }), s.setTags(run, { t: 'x'.repeat(8000) })), python: `(cellflow.log_param("k" * 250, ${long(6000)}), cellflow.set_tag("t", ${long(8000)}))` },
    ]);
    assert.deepEqual(fits, { node: [{ accepted: true }], python: [{ accepted: true }] });
  });

  it('a git HEAD that is not a commit sha: both record none; a sha: both record it', () => {
    const sha1 = 'a'.repeat(40);
    const sha256 = '0123456789abcdef'.repeat(4);
    const heads: Array<[label: string, files: Record<string, string>, expected: string | null]> = [
      ['junk', { HEAD: 'this is not a commit\n' }, null],
      ['an upper-case sha', { HEAD: `${sha1.toUpperCase()}\n` }, null],
      ['a ref to junk', { HEAD: 'ref: refs/heads/main\n', 'refs/heads/main': 'garbage\n' }, null],
      ['a packed ref to junk', { HEAD: 'ref: refs/heads/main\n', 'packed-refs': '# pack-refs with: peeled\nnot-a-sha refs/heads/main\n' }, null],
      ['a detached sha', { HEAD: `${sha1}\n` }, sha1],
      ['a ref to a SHA-256 commit', { HEAD: 'ref: refs/heads/main\n', 'refs/heads/main': `${sha256}\n` }, sha256],
    ];
    for (const [label, files, expected] of heads) {
      const git = path.join(ws.dir, '.git');
      fs.rmSync(git, { recursive: true, force: true });
      for (const [f, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(git, f)), { recursive: true });
        fs.writeFileSync(path.join(git, f), text);
      }
      const outcomes = both([]);
      assert.deepEqual(outcomes, { node: [], python: [] });
      assert.deepEqual(count('SELECT git_commit FROM runs ORDER BY rid DESC LIMIT 1'), { node: expected, python: expected }, label);
    }
  });

  it('key the lineage of a step version the same way', () => {
    const ids = (file: string) => {
      const db = new BetterSqlite3(path.join(ws.dir, file), { readonly: true });
      try {
        return db.prepare('SELECT from_kind, from_id, to_kind, relation FROM lineage ORDER BY from_kind, from_id').raw().all();
      } finally {
        db.close();
      }
    };
    const steps = [
      { pipeline: 'churn.cellflow.yaml', stepId: 'train', stepVersion: 3, cellHash: 'sha256:abc' },
      { stepId: 'clean', stepVersion: 12, cellHash: 'sha256:def' },
      { pipeline: 'p.cellflow.yaml', stepId: 'score', stepVersion: 1 },
      // No link without a version.
      { pipeline: 'p.cellflow.yaml', stepId: 'orphan' },
    ];
    const store = new Store(path.join(ws.dir, NODE_DB), ws.dir);
    for (const s of steps) store.startRun(s);
    store.close();
    for (const s of steps) {
      const env: NodeJS.ProcessEnv = { CELLFLOW_STORE: PYTHON_DB, CELLFLOW_STEP: s.stepId };
      if (s.pipeline) env.CELLFLOW_PIPELINE = s.pipeline;
      if (s.stepVersion) env.CELLFLOW_STEP_VERSION = String(s.stepVersion);
      if (s.cellHash) env.CELLFLOW_CELL_HASH = s.cellHash;
      assertExitedOk(python('import cellflow\nwith cellflow.start_run():\n    pass\n', ws.dir, env));
    }
    const fromNode = ids(NODE_DB);
    assert.deepEqual(ids(PYTHON_DB), fromNode);
    assert.deepEqual(
      fromNode.map((r) => (r as string[]).slice(0, 2).join(':')),
      ['cell-hash:sha256:abc', 'cell-hash:sha256:def', 'step-version:#clean@12', 'step-version:churn.cellflow.yaml#train@3', 'step-version:p.cellflow.yaml#score@1'],
    );
  });
});
