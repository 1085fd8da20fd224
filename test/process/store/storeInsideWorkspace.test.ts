import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUserError } from '../../../server/src/core/errors';
import { Store } from '../../../server/src/services/store/store';
import { cellflow } from '../../support/cli';
import { assertExitedOk, fileHashes, python, scratchWorkspace } from '../../support/store';

/**
 * The store's own file is written only inside the workspace: a .cellflow/cellflow.db (or a .cellflow
 * folder) that is a symbolic link out of it, as a cloned repository may bring, is refused by the
 * Python client, the Node store (which the CLI and the language server open) and the CLI, before
 * anything is created or changed. A file named outside on purpose (CELLFLOW_STORE, --store) is used.
 */
describe('the store file stays inside the workspace', () => {
  let ws: ReturnType<typeof scratchWorkspace>;
  let outside: string;
  beforeEach(() => {
    ws = scratchWorkspace();
    fs.mkdirSync(path.join(ws.dir, '.git'));
    outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'cellflow-outside-'));
  });
  afterEach(() => {
    ws.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const linkedOut = (target: string) => `${ws.db}: is a symbolic link out of the workspace (${ws.dir}) to ${target}; Cellflow keeps its store inside the workspace. Set CELLFLOW_STORE to that file to use it on purpose`;

  /** What each writer and the CLI say about the workspace's store. */
  function refusals(): { python: string; node: string; cli: { code: number | null; stderr: string } } {
    const r = python('import cellflow\ntry:\n    cellflow.start_run()\n    print("accepted")\nexcept cellflow.CellflowError as e:\n    print(e)\n', ws.dir);
    assertExitedOk(r);
    let node = 'accepted';
    try {
      new Store(ws.db, ws.dir).close();
    } catch (err) {
      node = isUserError(err) ? err.message : String(err);
    }
    const cli = cellflow(['runs', 'list'], ws.dir);
    return { python: r.stdout.trim(), node, cli: { code: cli.code, stderr: cli.stderr } };
  }

  it('refuses a store file that links to a file outside, and leaves that file as it was', () => {
    const victim = path.join(outside, 'precious.db');
    new Store(victim, outside).close();
    const before = fileHashes(outside);
    fs.mkdirSync(path.dirname(ws.db));
    fs.symlinkSync(victim, ws.db);
    assert.deepEqual(refusals(), { python: linkedOut(victim), node: linkedOut(victim), cli: { code: 2, stderr: `cellflow: ${linkedOut(victim)}\n` } });
    assert.deepEqual(fileHashes(outside), before);
  });

  it('refuses a link to a file not yet created outside, and does not create it', () => {
    const target = path.join(outside, 'new.db');
    fs.mkdirSync(path.dirname(ws.db));
    fs.symlinkSync(target, ws.db);
    assert.deepEqual(refusals(), { python: linkedOut(target), node: linkedOut(target), cli: { code: 2, stderr: `cellflow: ${linkedOut(target)}\n` } });
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('refuses a .cellflow folder that links to a folder outside, writing nothing there', () => {
    fs.symlinkSync(outside, path.join(ws.dir, '.cellflow'));
    const target = path.join(outside, 'cellflow.db');
    assert.deepEqual(refusals(), { python: linkedOut(target), node: linkedOut(target), cli: { code: 2, stderr: `cellflow: ${linkedOut(target)}\n` } });
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('writes through a link that stays inside the workspace, and to a file named outside on purpose', () => {
    fs.mkdirSync(path.join(ws.dir, 'data'));
    fs.mkdirSync(path.dirname(ws.db));
    fs.symlinkSync(path.join('..', 'data', 'runs.db'), ws.db);
    assertExitedOk(python('import cellflow\nwith cellflow.start_run(run_name="inside"):\n    pass\n', ws.dir));
    assert.ok(fs.existsSync(path.join(ws.dir, 'data', 'runs.db')));
    const chosen = path.join(outside, 'chosen.db');
    assertExitedOk(python('import cellflow\nwith cellflow.start_run(run_name="chosen"):\n    pass\n', ws.dir, { CELLFLOW_STORE: chosen }));
    const r = cellflow(['runs', 'list', '--json', '--store', chosen], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).map((run: { name: string }) => run.name), ['chosen']);
  });

  it('reads a FIFO or a folder given as a dataset as what it is, without waiting on the FIFO', () => {
    execFileSync('mkfifo', [path.join(ws.dir, 'rows.csv')]);
    fs.mkdirSync(path.join(ws.dir, 'frames.csv'));
    const r = python(
      'import cellflow\nwith cellflow.start_run():\n    for p in ("rows.csv", "frames.csv"):\n        try:\n            cellflow.log_input(p)\n        except cellflow.CellflowError as e:\n            print(e)\n',
      ws.dir,
    );
    assertExitedOk(r);
    assert.equal(r.stdout, 'rows.csv: is a FIFO, not a regular file\nframes.csv: is a folder, not a regular file\n');
  });
});
