import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, quickOpen } from '../harness/workbench';
import { ROOT } from '../support/paths';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

describe('npm start (the README command)', () => {
  let start: ChildProcess | undefined;
  let browser: Browser | undefined;
  let devDir: string;
  let output = '';

  before(() => {
    devDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-start-'));
  });
  after(async () => {
    await browser?.close();
    if (start && start.exitCode === null) {
      try {
        process.kill(-start.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(devDir, { recursive: true, force: true });
  });

  it('serves the example workspace with the packaged extension installed, until stopped', async () => {
    start = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PORT: '0', CELLFLOW_DEV_DIR: devDir }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Fail at once, with its output, if npm start ends before it serves (a failed build, say).
    const endedEarly = new Promise<never>((_, reject) => start!.once('exit', (code) => reject(new Error(`npm start exited with ${code} before serving:\n${output.slice(-3000)}`))));
    endedEarly.catch(() => undefined);
    const url = await Promise.race([
      waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(output)?.[1], 'npm start to print the URL', 180_000, () => output.slice(-2000)),
      endedEarly,
    ]);
    assert.equal(decodeURIComponent(new URL(url).searchParams.get('folder')!), path.join(ROOT, 'examples'));
    const installed = fs.readdirSync(path.join(devDir, 'code-server', 'extensions'));
    assert.ok(installed.some((d) => /^cellflow\.cellflow-\d+\.\d+\.\d+$/.test(d)), `the .vsix is installed: ${installed.join(', ')}`);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await quickOpen(page, 'churn.cellflow.yaml');
    // The installed extension activates on the pipeline file and its server comes up.
    await page.locator('.statusbar-item', { hasText: 'Cellflow' }).locator('.codicon-pass').first().waitFor({ timeout: 60_000 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'npm-start-example-workspace.png') });

    // The example's runs, logged by examples/train.py through the Python client the .vsix carries.
    assert.ok(fs.existsSync(path.join(ROOT, 'examples', '.cellflow', 'cellflow.db')), `the example runs were logged:\n${output.slice(-2000)}`);
    // And the example pipeline ran, at this start or the first one: a pipeline run with its five step runs.
    const runs = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'cellflow.js'), 'runs', 'list', '--json', '--limit', '10000'], { cwd: path.join(ROOT, 'examples'), encoding: 'utf8' })) as Array<{ id: string; status: string; parentId: string | null; tags: Record<string, string> }>;
    const pipeline = runs.find((r) => r.tags['cellflow.kind'] === 'pipeline' && r.status === 'FINISHED');
    assert.ok(pipeline, `the example pipeline ran:\n${output.slice(-2000)}`);
    assert.ok(runs.filter((r) => r.parentId && r.tags['cellflow.kind'] === 'step').length >= 5, 'its steps ran');
    // And the ONNX scorer train.py registered was benchmarked: its version has a latest result.
    const models = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'cellflow.js'), 'models', 'list', '--json'], { cwd: path.join(ROOT, 'examples'), encoding: 'utf8' })) as Array<{ name: string; versions: Array<{ bench?: { ep: string } }> }>;
    assert.equal(models.find((m) => m.name === 'churn-mlp')?.versions[0].bench?.ep, 'cpu', `the example benchmark was made:\n${output.slice(-2000)}`);
    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    const experiment = page.locator('.pane:has(.pane-header[aria-label^="Runs"]) .monaco-list-row', { hasText: 'churn' }).first();
    await experiment.waitFor({ timeout: 60_000 });
    await experiment.click();
    await page.locator('.pane:has(.pane-header[aria-label^="Runs"]) .monaco-list-row', { hasText: 'sgd-alpha-0.01' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.pane:has(.pane-header[aria-label^="Model Registry"]) .monaco-list-row', { hasText: '@staging' }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(RESULTS, 'npm-start-example-runs.png') });

    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));
    process.kill(-start.pid!, 'SIGINT');
    await exited;
  });
});
