import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ciWorkflow } from '../../server/src/core/maturity/workflow';
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

/**
 * The generated CI workflow installs the CLI from the .vsix (the repository variable
 * CELLFLOW_VSIX_URL): its install step, run here as Actions would run it, against a real
 * `vsce package` of this checkout, must put a working `cellflow` on the runner's PATH.
 */
describe("the CI workflow's install step (a real .vsix, as Actions runs the step)", function () {
  this.timeout(180_000);
  let tmp: string;
  let vsix: string;
  let step: { name?: string; env?: Record<string, string>; run: string };
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-ci-install-'));
    vsix = path.join(tmp, 'cellflow.vsix');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--allow-missing-repository', '--out', vsix], { cwd: ROOT, stdio: 'pipe' });
    const doc = parseYaml(ciWorkflow({ pipelines: ['p.cellflow.yaml'], workdir: '.', python: '3.11' })) as { jobs: Record<string, { steps: Array<typeof step> }> };
    step = doc.jobs.pipeline.steps.find((s) => s.name === 'Install the Cellflow CLI')!;
    assert.ok(step, 'the workflow has the install step');
    assert.equal(step.env?.CELLFLOW_VSIX_URL, '${{ vars.CELLFLOW_VSIX_URL }}');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Runs the step's script as Actions does (bash -e), in a fresh runner temp folder. */
  function runStep(url: string | undefined) {
    const runnerTemp = fs.mkdtempSync(path.join(tmp, 'runner-'));
    const githubPath = path.join(runnerTemp, 'GITHUB_PATH');
    fs.writeFileSync(githubPath, '');
    const env: NodeJS.ProcessEnv = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: runnerTemp, RUNNER_TEMP: runnerTemp, GITHUB_PATH: githubPath };
    if (url !== undefined) env.CELLFLOW_VSIX_URL = url;
    const r = spawnSync('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run], { cwd: runnerTemp, env, encoding: 'utf8' });
    return { ...r, added: fs.readFileSync(githubPath, 'utf8').split('\n').filter(Boolean), env };
  }

  it('puts a cellflow on PATH that runs the packaged CLI', () => {
    const r = runStep(`file://${vsix}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.added.length, 1);
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.ok(r.stdout.includes(version), `the step prints the CLI's version: ${r.stdout}`);
    // A later step: a shell with the added folder on PATH, as the runner gives it.
    const later = spawnSync('bash', ['-c', 'cellflow lint --help >/dev/null && cellflow --version'], { env: { ...r.env, PATH: `${r.added[0]}:${r.env.PATH}` }, encoding: 'utf8' });
    assert.equal(later.status, 0, later.stderr);
    assert.ok(later.stdout.includes(version));
    assert.ok(fs.realpathSync(path.join(r.added[0], 'cellflow')).startsWith(fs.realpathSync(r.env.RUNNER_TEMP!)), 'not a cellflow from elsewhere');
  });

  it('fails, naming the variable to set, when CELLFLOW_VSIX_URL is unset', () => {
    const r = runStep(undefined);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /CELLFLOW_VSIX_URL: set the repository variable CELLFLOW_VSIX_URL/);
    assert.deepEqual(r.added, []);
  });
});
