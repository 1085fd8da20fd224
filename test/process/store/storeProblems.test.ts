import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellflow } from '../../support/cli';
import { assertExitedOk, damageTable, PYTHON, PYTHON_PATH, python, scratchWorkspace } from '../../support/store';
import { canRunAsNobody, readableByOthers, runAsNobody } from '../../support/users';

/**
 * A store that cannot be used (a damaged page, a folder where the file should be, a file the user
 * cannot write) and calls the client will not take: the CLI prints one line naming the file and exits
 * 2, and the Python client raises CellflowError, never another exception or a stack trace.
 */
describe('store problems, worded', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  beforeEach(() => (ws = scratchWorkspace()));
  afterEach(() => ws.cleanup());

  /** Runs each Python expression in a run, returning "refused: <message>" for a CellflowError, else what was raised. */
  function attempts(expressions: string[], env: NodeJS.ProcessEnv = {}, setup = 'run = cellflow.start_run()'): string[] {
    const r = python(
      `
import json, cellflow
def attempt(f):
    try:
        f()
        return "accepted"
    except cellflow.CellflowError as e:
        return "refused: " + str(e)
    except BaseException as e:
        return "raised " + repr(e)
${setup}
print(json.dumps([attempt(lambda: ${expressions.join('), attempt(lambda: ')})]))
`,
      ws.dir,
      env,
    );
    assertExitedOk(r);
    return JSON.parse(r.stdout) as string[];
  }

  /** Overwrites the first bytes of the metrics table's root page, which every read and write of metrics goes through. */
  function damageMetricsTable(): void {
    assert.ok(!fs.existsSync(`${ws.db}-wal`), 'every page is in the main file');
    damageTable(ws.db, 'metrics');
  }

  it('names a damaged store, exits 2 from the CLI, and the Python client stops writing to it', () => {
    const r = python('import cellflow\nwith cellflow.start_run(run_name="before") as run:\n    for i in range(3000):\n        cellflow.log_metric("loss", 1 / (i + 1), step=i)\nprint(run.id)\n', ws.dir);
    assertExitedOk(r);
    damageMetricsTable();
    const damaged = `${ws.db}: is damaged (database disk image is malformed); Cellflow will not write to it. Restore it from a backup or move it away`;
    const shown = cellflow(['runs', 'show', r.stdout.trim()], ws.dir);
    assert.deepEqual([shown.code, shown.stdout, shown.stderr], [2, '', `cellflow: ${damaged}\n`]);
    const json = cellflow(['runs', 'show', r.stdout.trim(), '--json'], ws.dir);
    assert.deepEqual([json.code, json.stderr], [2, `cellflow: ${damaged}\n`]);

    const out = python(
      `
import hashlib, json, os
import cellflow
def files():
    return {f: hashlib.sha256(open(os.path.join(".cellflow", f), "rb").read()).hexdigest() for f in sorted(os.listdir(".cellflow"))}
said = []
run = cellflow.start_run(run_name="after")
for i in range(10):
    cellflow.log_metric("loss", 1.0, step=i)
try:
    run.flush()
except cellflow.CellflowError as e:
    said.append(str(e))
before = files()
for call in (lambda: cellflow.set_tag("a", "b"), lambda: cellflow.log_param("p", 1), lambda: cellflow.start_run(), lambda: cellflow.end_run()):
    try:
        call()
        said.append("accepted")
    except cellflow.CellflowError as e:
        said.append(str(e))
print(json.dumps({"said": said, "unchanged": files() == before}))
`,
      ws.dir,
    );
    assertExitedOk(out);
    const { said, unchanged } = JSON.parse(out.stdout) as { said: string[]; unchanged: boolean };
    assert.deepEqual(said.slice(0, 4), [damaged, damaged, damaged, damaged]);
    assert.match(said[4], new RegExp(`^run \\w+: 10 metrics could not be written \\(${escape(damaged)}\\); nor could the run be marked FAILED`));
    assert.ok(unchanged, 'nothing was written to the file after SQLite said it was damaged');
  });

  it('refuses a store path that is a folder: the CLI with --store, Python with CELLFLOW_STORE', () => {
    fs.mkdirSync(path.join(ws.dir, 'somefolder'));
    const r = cellflow(['runs', 'list', '--store', 'somefolder'], ws.dir);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `cellflow: ${path.join(ws.dir, 'somefolder')}: is a folder, not a store file; point CELLFLOW_STORE at a file\n`]);
    assert.equal(cellflow(['runs', 'show', 'abcd', '--store', 'somefolder'], ws.dir).code, 2);
    assert.equal(cellflow(['models', 'list', '--store', 'somefolder'], ws.dir).code, 2);
    assert.deepEqual(attempts(['cellflow.start_run()'], { CELLFLOW_STORE: 'somefolder' }, 'pass'), [
      `refused: ${path.join(ws.dir, 'somefolder')}: is a folder, not a store file; point CELLFLOW_STORE at a file`,
    ]);
    assert.deepEqual(fs.readdirSync(path.join(ws.dir, 'somefolder')), []);
  });

  it('raises CellflowError for a bad CELLFLOW_STEP_VERSION, a None model name and a lone surrogate in a key', () => {
    fs.writeFileSync(path.join(ws.dir, 'model.bin'), 'w');
    assert.deepEqual(attempts(['cellflow.start_run()'], { CELLFLOW_STEP_VERSION: 'abc' }, 'pass'), ['refused: CELLFLOW_STEP_VERSION is a step version, a whole number such as 3, not "abc"']);
    assert.deepEqual(attempts(['cellflow.start_run(step_version="2.5")'], {}, 'pass'), ['refused: step_version is a step version, a whole number such as 3, not "2.5"']);
    assert.deepEqual(attempts(['cellflow.register_model("model.bin", None)', 'cellflow.log_metric("\\ud800", 1.0)', 'cellflow.set_tag("t\\udfff", "v")', 'cellflow.start_run(run_name="\\ud800")']), [
      'refused: a model name uses letters, digits, _, . and - only, 1 to 250 of them: null',
      'refused: a metric key must be valid Unicode text (no lone surrogates), not "\\ud800"',
      'refused: a tag key must be valid Unicode text (no lone surrogates), not "t\\udfff"',
      'refused: a run name must be valid Unicode text (no lone surrogates), not "\\ud800"',
    ]);
    const store = ws.open();
    assert.deepEqual([store.listModels(), store.searchRuns().runs.length], [[], 1]);
  });

  describe('a store this user cannot write (run as nobody)', () => {
    before(function (this: Mocha.Context) {
      if (!canRunAsNobody()) this.skip();
    });

    /** Python as nobody, in the workspace, with the built client. */
    function pythonAsNobody(script: string): { code: number | null; stdout: string; stderr: string } {
      return runAsNobody(PYTHON, ['-c', script], ws.dir, { PYTHONPATH: PYTHON_PATH, PYTHONDONTWRITEBYTECODE: '1', CELLFLOW_WORKSPACE: ws.dir });
    }

    for (const [label, folderMode] of [
      ['in a folder it cannot write', 0o755],
      ['whose file it cannot write, in a folder it can', 0o777],
    ] as const) {
      it(`raises CellflowError for a store ${label}, and writes nothing to it`, () => {
        assertExitedOk(python('import cellflow\nwith cellflow.start_run(run_name="owner"):\n    cellflow.log_metric("m", 1.0)\n', ws.dir));
        readableByOthers(ws.dir, ws.dir);
        fs.chmodSync(path.dirname(ws.db), folderMode);
        const before = fs.readFileSync(ws.db);
        const r = pythonAsNobody('import cellflow\ntry:\n    with cellflow.start_run(run_name="intruder"):\n        cellflow.log_metric("m", 2.0)\nexcept cellflow.CellflowError as e:\n    print(e)\n');
        assertExitedOk(r);
        assert.equal(r.stdout, `${ws.db}: is read-only to this process (attempt to write a readonly database); Cellflow cannot write runs to it\n`);
        assert.ok(fs.readFileSync(ws.db).equals(before), 'the store is as it was');
        assert.deepEqual(ws.open().searchRuns().runs.map((run) => run.name), ['owner']);
      });
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
