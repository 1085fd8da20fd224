import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, treeRow, webviewShowing, uiTeardown, type Workbench } from '../harness/workbench';
import { writeExampleModel } from '../support/exampleModel';
import { ROOT } from '../support/paths';
import { Store } from '../../server/src/services/store/store';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

/** `cellflow bench` processes of the CLI, as the server started them. */
const benchProcesses = () => cp.execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(' bench churn-mlp@1 '));

describe('Benchmark Model through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    workspace = copyExamples({ promoted: true });
    // The example's ONNX scorer, registered as npm start registers it (train.py), without the rest.
    writeExampleModel(path.join(workspace, 'models', 'churn-mlp.onnx'));
    const store = new Store(path.join(workspace, '.cellflow', 'cellflow.db'), workspace);
    store.registerModel('churn-mlp', 'models/churn-mlp.onnx');
    store.close();
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  uiTeardown(() => ({ wb, server, workspace }), RESULTS);

  /** The version's Benchmark Model action in the Model Registry (also in its context menu), keep cpu, give the batch sizes. */
  async function benchmarkFromRegistry(batches: string): Promise<void> {
    const { page } = wb;
    const version = treeRow(page, 'Model Registry', 'v1');
    await version.waitFor({ timeout: 60_000 });
    await version.hover();
    await version.locator('.action-label[aria-label="Benchmark Model"]').click();
    // A store change (any process that opens it) refreshes the tree, and a click that lands during the
    // refresh reaches the command without its row (VS Code drops the rows' handles until they are read
    // again): the command then asks which model, as from the palette. Either way leads on.
    const title = page.locator('.quick-input-widget .quick-input-title');
    const first = await waitFor(async () => {
      const t = (await title.isVisible()) ? await title.innerText() : '';
      return /execution providers|^Benchmark Model$/.test(t) && t;
    }, 'the providers or the model picker', 30_000);
    if (first === 'Benchmark Model') {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'churn-mlp@1' }).click();
      await title.filter({ hasText: 'execution providers' }).waitFor({ timeout: 30_000 });
    }
    // cpu is picked already; webgpu, cuda and tensorrt are listed with why they cannot run here.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'bundled, but this machine offers no WebGPU adapter' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'batch sizes' }).waitFor({ timeout: 10_000 });
    await page.locator('.quick-input-widget input').fill(batches);
    await page.keyboard.press('Enter');
  }

  it('benchmarks a model version from the Model Registry: the results page shows a row per batch, the charts, and the Registry its p50', async () => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    await benchmarkFromRegistry('1,8');
    const frame = await webviewShowing(page, '#table tr[data-row="cpu/8"]', 120_000);
    const rows = await frame.locator('#table tbody tr').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0], /^cpu\s+1\s+\d+\.\d{3}\s/, rows[0]);
    assert.match(rows[1], /^cpu\s+8\s+\d+\.\d{3}\s/, rows[1]);
    await frame.locator('#latency-chart canvas').waitFor({ timeout: 20_000 });
    await frame.locator('#throughput-chart canvas').waitFor();
    assert.match(await frame.locator('h1').innerText(), /^Benchmark: churn-mlp@1$/);
    await page.locator('.pane:has(.pane-header[aria-label^="Model Registry"]) .monaco-list-row', { hasText: /p50 \d+\.\d+ ms cpu b1/ }).first().waitFor({ timeout: 30_000 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'bench-results.png') });
  });

  it('cancels a long benchmark from its progress notification: the process ends and nothing is stored', async () => {
    const { page } = wb;
    const count = () => (JSON.parse(cp.execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'cellflow.js'), 'bench', 'history', 'churn-mlp', '--json'], { cwd: workspace, encoding: 'utf8' })) as unknown[]).length;
    const before = count();
    await benchmarkFromRegistry('1,2,4,8,16,32,64,128');
    const toast = page.locator('.notification-toast', { hasText: 'Cellflow: benchmarking churn-mlp@1' });
    await toast.filter({ hasText: /window \d/ }).waitFor({ timeout: 60_000 });
    assert.equal(benchProcesses().length, 1, 'the benchmark runs in a CLI process');
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    const frame = await webviewShowing(page, '#status', 30_000);
    assert.equal(await frame.locator('#status').innerText(), 'Cancelled: nothing was stored.');
    await waitFor(() => benchProcesses().length === 0, 'the CLI process gone', 10_000);
    assert.equal(count(), before);
  });
});
