import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { DriftRequest, type DriftParams } from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';
import { writeBigCsv } from '../support/bigCsv';
import { waitFor } from '../support/waitFor';

/** The pids of `cellflow drift` processes whose current data is `file` (as the request named it). */
function driftProcesses(file: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(' drift ') && l.includes(` --current ${file} `)).map((l) => l.trim().split(/\s+/)[0]);
}

describe('drift reports over LSP: cellflow/drift with progress and cancel', function () {
  this.timeout(180_000);
  let dir: string;
  let lsp: LspClient;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-lsp-drift-'));
    writeBigCsv(path.join(dir, 'ref.csv'), 20_000, 0);
    writeBigCsv(path.join(dir, 'cur.csv'), 20_000, 5);
    // Big enough that reading it takes seconds on a loaded 2-core machine, so a cancel lands mid-read.
    writeBigCsv(path.join(dir, 'big.csv'), 4_000_000, 0);
  });
  afterEach(() => lsp?.kill());
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const params = (extra: Partial<DriftParams> = {}): DriftParams => ({ folder: dir, reference: { kind: 'file', path: 'ref.csv' }, current: 'cur.csv', ...extra });
  const reports = () => {
    const db = new BetterSqlite3(path.join(dir, '.cellflow', 'cellflow.db'), { readonly: true });
    try {
      return db.prepare('SELECT count(*) AS n FROM drift_reports').get() as { n: number };
    } finally {
      db.close();
    }
  };

  it('refuses in an untrusted workspace: reading training data may unpickle it', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, {});
    await assert.rejects(lsp.request(DriftRequest, params()), /untrusted workspace/);
    assert.ok(!fs.existsSync(path.join(dir, '.cellflow')), 'nothing was read or written');
  });

  it('compares two files in a workspace with no store yet, saving the report; progress names the rows read and each column tested', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const { report, saved } = await lsp.request(DriftRequest, params({ progressToken: 'p1' }));
    assert.deepEqual(report.dataset.driftedColumns, ['a']);
    assert.match(saved.id, /^[0-9a-f]{32}$/);
    assert.equal(reports().n, 1, 'the report is in the store the request started');
    const seen = lsp.driftProgress.filter((n) => n.progressToken === 'p1').map((n) => n.progress);
    assert.deepEqual([...new Set(seen.map((p) => (p.stage === 'read' ? `read ${p.side}` : 'test')))].sort(), ['read current', 'read reference', 'test']);
    assert.deepEqual(seen.flatMap((p) => (p.stage === 'test' ? [`${p.done + 1}/${p.total} ${p.column}`] : [])), ['1/4 a', '2/4 b', '3/4 c', '4/4 plan']);
  });

  // How fast (the target: 1.5 s) is measured by `npm run bench -- --only cancel`.
  it('cancelling the request ends the CLI process mid-read, and saves nothing', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const before = fs.existsSync(path.join(dir, '.cellflow', 'cellflow.db')) ? reports().n : 0;
    const source = new CancellationTokenSource();
    const request = lsp.request(DriftRequest, params({ reference: { kind: 'file', path: 'big.csv' }, current: 'big.csv', progressToken: 'p2' }), source.token);
    await waitFor(() => lsp.driftProgress.some((n) => n.progressToken === 'p2' && n.progress.stage === 'read'), 'the first rows read', 60_000);
    assert.ok(driftProcesses('big.csv').length > 0, 'the CLI runs');
    source.cancel();
    await assert.rejects(request, /cancel/i);
    await waitFor(() => driftProcesses('big.csv').length === 0, 'the CLI process gone', 30_000);
    assert.ok(!lsp.driftProgress.some((n) => n.progressToken === 'p2' && n.progress.stage === 'test'), 'it never got to testing');
    assert.equal(fs.existsSync(path.join(dir, '.cellflow', 'cellflow.db')) ? reports().n : 0, before, 'no report saved');
  });
});
