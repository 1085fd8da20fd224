import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mlp, writeModel } from '../support/onnxModels';
import { ROOT } from '../support/paths';

/**
 * The .vsix is an allow-list (.vscodeignore): a native module or a worker script left off it works
 * from this checkout and fails in the installed extension. The files `vsce ls` would pack, copied
 * alone into a folder, must run the CLI's drift report (DuckDB, the sorting threads) and a
 * benchmark (onnxruntime-node), and its native modules must load.
 */
describe('the packaged extension (the files vsce would pack, alone)', function () {
  this.timeout(120_000);
  let ext: string;
  let work: string;
  before(() => {
    ext = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-packaged-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-packaged-work-'));
    const files = execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['ls'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(ext, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(ext, f));
    }
  });
  after(() => {
    fs.rmSync(ext, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('runs a drift report with DuckDB and the sorting threads it carries', () => {
    const rows = (shift: number) => ['x,y', ...Array.from({ length: 60_000 }, (_, i) => `${(i % 997) + shift},${['a', 'b'][i % 2]}`)].join('\n');
    fs.writeFileSync(path.join(work, 'ref.csv'), rows(0));
    fs.writeFileSync(path.join(work, 'cur.csv'), rows(300));
    const r = spawnSync(process.execPath, [path.join(ext, 'dist', 'cli', 'cellflow.js'), 'drift', '--reference', 'ref.csv', '--current', 'cur.csv', '--json'], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { dataset: { driftedColumns: string[] } }).dataset.driftedColumns, ['x']);
  });

  it('benchmarks an ONNX model with the onnxruntime-node it carries', () => {
    writeModel(path.join(work, 'm.onnx'), mlp([4, 8, 2]));
    const r = spawnSync(process.execPath, [path.join(ext, 'dist', 'cli', 'cellflow.js'), 'bench', 'm.onnx', '--max-seconds', '0.5', '--warmup', '0', '--json'], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { results: Array<{ iterations: number }> }).results[0].iterations > 0);
  });

  it('carries each native module the bundles leave external, and each loads', () => {
    for (const m of ['better-sqlite3', '@duckdb/node-api', 'onnxruntime-node']) {
      const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(m)})`], { cwd: path.join(ext, 'dist', 'cli'), encoding: 'utf8' });
      assert.equal(r.status, 0, `${m}: ${r.stderr}`);
    }
  });
});
