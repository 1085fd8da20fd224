import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { expandRow, openWorkbench, quickInputTitle, runCommand, treeRow, webviewShowing, type Workbench } from '../harness/workbench';
import { DIST, ROOT } from '../support/paths';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

/** Logs to the workspace's store from Python, as a user's training script would. */
function python(workspace: string, code: string): string {
  return cp.execFileSync('/usr/bin/python3', ['-c', code], { cwd: workspace, env: { ...process.env, PYTHONPATH: path.join(DIST, 'python'), PYTHONDONTWRITEBYTECODE: '1', CELLFLOW_WORKSPACE: workspace, CELLFLOW_STORE: '' }, encoding: 'utf8' });
}

const logRun = (name: string, c: number, aucs: number[]) => `
import cellflow
with cellflow.start_run(experiment="churn", run_name="${name}"):
    cellflow.log_params({"C": ${c}, "solver": "lbfgs"})
    for step, auc in enumerate(${JSON.stringify(aucs)}):
        cellflow.log_metric("roc_auc", auc, step=step)
        cellflow.log_metric("loss", 1 - auc, step=step)
`;

describe('the Cellflow sidebar through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    workspace = copyExamples();
    python(workspace, logRun('baseline', 1.0, [0.7, 0.74, 0.77, 0.78]));
    python(workspace, logRun('strong-reg', 0.1, [0.68, 0.71, 0.73, 0.74]));
    fs.mkdirSync(path.join(workspace, 'models'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'models', 'churn.onnx'), 'placeholder model bytes');
    python(workspace, `
import cellflow
with cellflow.start_run(experiment="churn", run_name="exported"):
    cellflow.log_metric("roc_auc", 0.78)
    cellflow.log_artifact("models/churn.onnx")
    cellflow.set_alias("churn", cellflow.register_model("models/churn.onnx", "churn"), "staging")
`);
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  afterEach(async function () {
    // What the screen showed when a test failed, for CI logs that cannot show it.
    if (this.currentTest?.state === 'failed' && wb) await wb.page.screenshot({ path: path.join(RESULTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('shows logged runs in the Runs view, and a run another process logs appears while it is open', async () => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    // Room for the Runs and Registry rows (the list draws only the rows it has room for): the views below them folded.
    for (const other of ['Data Drift', 'Maturity']) {
      const h = page.locator(`.pane-header[aria-label^="${other}"]`);
      await h.waitFor({ timeout: 60_000 });
      if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
    }
    const experiment = treeRow(page, 'Runs', 'churn');
    await experiment.waitFor({ timeout: 60_000 });
    assert.match(await experiment.innerText(), /3 runs/);
    const baseline = treeRow(page, 'Runs', 'baseline');
    await expandRow(experiment, baseline);
    assert.match(await baseline.innerText(), /loss 0\.22 · roc_auc 0\.78/);
    assert.equal(await baseline.locator('.codicon-pass').count(), 1, 'a finished run has the passed icon');

    python(workspace, logRun('late', 3.0, [0.75, 0.79]));
    await treeRow(page, 'Runs', 'late').waitFor({ timeout: 20_000 });
    // The experiment's count comes with the same refresh, or the next one.
    await page.locator('.pane:has(.pane-header[aria-label^="Runs"]) .monaco-list-row', { hasText: '4 runs' }).first().waitFor({ timeout: 20_000 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'experiments-runs-view.png') });
  });

  it('shows the registered version with its alias in the Model Registry view, and moves an alias from its inline action', async () => {
    const { page } = wb;
    const version = treeRow(page, 'Model Registry', 'v1');
    await version.waitFor({ timeout: 20_000 });
    assert.match(await version.innerText(), /@staging/);
    await version.hover();
    await version.locator('.action-label[aria-label="Set Model Alias"]').click();
    // As with the Runs view's inline actions (below): a click during a refresh reaches the command
    // without its row, which then asks which version, as from the palette.
    const title = page.locator('.quick-input-widget .quick-input-title');
    if ((await quickInputTitle(page, /Set Alias for churn v1|which version of churn\?/)).includes('which version')) {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'v1' }).first().click();
      await title.filter({ hasText: 'Set Alias for churn v1' }).waitFor({ timeout: 20_000 });
    }
    const input = page.locator('.quick-input-widget input');
    await input.fill('production');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'production' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.pane:has(.pane-header[aria-label^="Model Registry"]) .monaco-list-row', { hasText: '@production' }).first().waitFor({ timeout: 20_000 });
    const db = path.join(workspace, '.cellflow', 'cellflow.db');
    const aliases = cp.execFileSync('node', [path.join(DIST, 'cli', 'cellflow.js'), 'models', 'list', '--json', '--store', db], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(aliases)[0].versions[0].aliases, ['production', 'staging']);
    await page.screenshot({ path: path.join(RESULTS, 'experiments-registry-view.png') });
  });

  it('compares two selected runs: params side by side, differences marked, a chart per metric', async () => {
    const { page } = wb;
    const baseline = treeRow(page, 'Runs', 'baseline');
    const strong = treeRow(page, 'Runs', 'strong-reg');
    // Select baseline, then extend the selection to the row above it (strong-reg) from the keyboard;
    // a click that lands while the tree re-renders (a store change) can be lost, so until both are.
    const bothSelected = async () => (await baseline.getAttribute('aria-selected')) === 'true' && (await strong.getAttribute('aria-selected')) === 'true';
    await waitFor(async () => {
      await baseline.click();
      await page.keyboard.press('Shift+ArrowUp');
      return bothSelected();
    }, 'two runs selected in the Runs view', 30_000);
    // Another process writes to the store, so the views refresh while the command runs: a refresh
    // empties TreeView.selection until the rows are read again, and the command must still compare
    // what the user selected.
    python(workspace, 'import cellflow\nwith cellflow.start_run(experiment="other", run_name="meanwhile"):\n    cellflow.log_metric("x", 1)\n');
    // The palette command compares what the Runs view has selected.
    await runCommand(page, 'Cellflow: Compare Runs');
    // The webview's page sits two iframes deep.
    const frame = await webviewShowing(page, 'h1:has-text("Comparing 2 runs")');
    const cRow = frame.locator('tr', { has: frame.locator('th', { hasText: /^≠ C$/ }) });
    assert.equal(await cRow.getAttribute('class'), 'differs', 'the differing param is marked');
    assert.deepEqual(await cRow.locator('td').allInnerTexts(), ['1', '0.1']);
    const solver = frame.locator('tr', { has: frame.locator('th', { hasText: /^solver$/ }) });
    assert.equal(await solver.getAttribute('class'), null, 'an equal param is not marked');
    await frame.locator('figure.chart canvas').nth(1).waitFor({ timeout: 20_000 });
    assert.deepEqual(await frame.locator('figure.chart figcaption').allInnerTexts(), ['loss', 'roc_auc']);
    await page.screenshot({ path: path.join(RESULTS, 'experiments-compare.png') });
  });
  it('exports the selected runs to CSV through the save dialog, and registers a run artifact from its inline action', async () => {
    const { page } = wb;
    // The two runs selected for the comparison are still selected in the Runs view.
    await runCommand(page, 'Cellflow: Export Runs to CSV');
    // code-server's save dialog is a quick input holding the suggested path: accept it.
    const input = page.locator('.quick-input-widget input');
    await waitFor(async () => /runs\.csv$/.test(await input.inputValue()), 'the save dialog to suggest runs.csv', 20_000);
    await page.keyboard.press('Enter');
    const csvFile = path.join(workspace, 'runs.csv');
    // The file exists, empty, before the editor has written its bytes: wait for the product to say the
    // export is done, not for the file to appear.
    await page.locator('.notification-toast', { hasText: 'exported 2 runs to runs.csv' }).waitFor({ timeout: 20_000 });
    const lines = fs.readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines.length, 3, 'a header and the two selected runs');
    assert.match(lines[0], /^run_id,experiment,name,status,.*,params\.C,params\.solver,metrics\.loss,metrics\.roc_auc$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[2]).sort(), ['baseline', 'strong-reg']);

    const artifact = treeRow(page, 'Runs', 'models/churn.onnx');
    await expandRow(treeRow(page, 'Runs', 'exported'), artifact);
    await artifact.hover();
    await artifact.locator('.action-label[aria-label="Register Model Version from Run Artifact"]').click();
    // A click that lands while a store change refreshes the tree reaches the command without its row
    // (VS Code drops the rows' handles until they are read again): the command then takes the selected
    // run and asks which of its artifacts, as from the palette. Either way leads on.
    const title = page.locator('.quick-input-widget .quick-input-title');
    if ((await quickInputTitle(page, /which (model|artifact)\?/)).includes('which artifact?')) {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'models/churn.onnx' }).first().click();
      await title.filter({ hasText: 'which model?' }).waitFor({ timeout: 20_000 });
    }
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'churn' }).first().click();
    await page.locator('.notification-toast', { hasText: 'registered churn v2 from models/churn.onnx' }).waitFor({ timeout: 20_000 });
    await treeRow(page, 'Model Registry', 'v2').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(RESULTS, 'experiments-register-artifact.png') });
  });

  it('compares 200 runs picked from the palette: a chart with a line for each', async () => {
    const { page } = wb;
    python(workspace, `
import cellflow, math
for i in range(200):
    with cellflow.start_run(experiment="sweep", run_name=f"trial-{i:03d}"):
        cellflow.log_param("lr", 10 ** -(1 + i / 50))
        for step in range(50):
            cellflow.log_metric("loss", math.exp(-step / (5 + i / 10)), step=step)
`);
    // No run selected (the sweep's experiment row is): the command asks which runs, listing the
    // newest 200, all of the sweep.
    await treeRow(page, 'Runs', 'sweep').click();
    await waitFor(async () => (await treeRow(page, 'Runs', 'sweep').getAttribute('aria-selected')) === 'true', 'the sweep row selected');
    await runCommand(page, 'Cellflow: Compare Runs');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'pick two or more' }).waitFor({ timeout: 20_000 });
    // The toggle-all box at the start of the input row.
    await page.locator('.quick-input-widget [aria-label="Toggle all checkboxes"]').first().click();
    await page.locator('.quick-input-widget .quick-input-count', { hasText: '200 Selected' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    const frame = await webviewShowing(page, 'h1:has-text("Comparing 200 runs")', 60_000);
    await frame.locator('figure.chart canvas').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await frame.locator('figure.chart figcaption').allInnerTexts(), ['loss']);
    assert.equal(await frame.locator('.legend li').count(), 200);
    await page.screenshot({ path: path.join(RESULTS, 'experiments-compare-200.png') });
  });
});
