import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, treeRow, uiTeardown, webviewShowing, type Workbench } from '../harness/workbench';
import { DIST, ROOT } from '../support/paths';
import { Store } from '../../server/src/services/store/store';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

describe('the Maturity view through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer({ settings: { 'cellflow.python.path': '/usr/bin/python3' } });
    workspace = copyExamples({ promoted: true });
    // Level 1 and a bit: a promoted pipeline in git, run once, its model at @production, no drift report yet.
    cp.execFileSync('git', ['init', '-q'], { cwd: workspace });
    fs.mkdirSync(path.join(workspace, '.cellflow'), { recursive: true });
    cp.execFileSync(process.execPath, [path.join(DIST, 'cli', 'cellflow.js'), 'run', 'churn.cellflow.yaml', '--python', '/usr/bin/python3'], { cwd: workspace });
    const store = new Store(path.join(workspace, '.cellflow', 'cellflow.db'), workspace);
    store.setAlias('churn-model', 1, 'production');
    store.close();
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  uiTeardown(() => ({ wb, server, workspace }), RESULTS);

  it('shows the level and each criterion with its evidence; Take Next Step on CI writes a workflow to review', async () => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    const header = page.locator('.pane-header[aria-label^="Maturity"]');
    await header.waitFor({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const level = treeRow(page, 'Maturity', 'Level 1: managed');
    await level.waitFor({ timeout: 60_000 });
    assert.match(await level.innerText(), /next: Check churn-model@1 against this month's data/);
    const monitoring = treeRow(page, 'Maturity', 'L2 Production versions are checked for drift');
    assert.match(await monitoring.innerText(), /no drift report for churn-model@1/);
    assert.match(await treeRow(page, 'Maturity', 'L1 Notebooks promoted into versioned pipelines').innerText(), /churn\.cellflow\.yaml: 5 promoted steps/);
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'maturity-view.png') });
    // Room for the view: the panes above it folded.
    for (const other of ['Runs', 'Model Registry', 'Data Drift']) {
      const h = page.locator(`.pane-header[aria-label^="${other}"]`);
      if ((await h.getAttribute('aria-expanded')) === 'true') await h.click();
    }
    const ci = treeRow(page, 'Maturity', 'L3 CI lints, runs the pipeline, and gates on drift and benchmarks');
    await ci.scrollIntoViewIfNeeded();
    await ci.hover();
    await ci.locator('.action-label[aria-label="Take Next Step"]').click();
    // An unsaved editor at .github/workflows/cellflow.yml: the user reviews it before saving.
    await page.locator('.tab', { hasText: 'cellflow.yml' }).waitFor({ timeout: 30_000 });
    // The editor draws spaces as no-break spaces.
    const shown = async () => (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    await waitFor(async () => (await shown()).includes('cellflow lint churn.cellflow.yaml'), 'the workflow in the editor', 20_000, () => 'not yet');
    const text = await shown();
    assert.match(text, /cellflow run churn\.cellflow\.yaml/);
    assert.match(text, /cellflow drift --reference churn-model@production --current data\/customers_recent\.csv --save --fail-on-drift/);
    assert.ok(!fs.existsSync(path.join(workspace, '.github')), 'nothing written until the user saves');
    await page.screenshot({ path: path.join(RESULTS, 'maturity-ci-workflow.png') });
  });

  /** The Cellflow sidebar, opened if it is not (its activity bar icon toggles it). */
  const showCellflow = async () => {
    if (!(await wb.page.locator('.pane-header[aria-label^="Maturity"]').isVisible())) await wb.page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    await wb.page.locator('.pane-header[aria-label^="Maturity"]').waitFor({ timeout: 30_000 });
  };

  /** Clicks a criterion's Take Next Step once its row is drawn (a redraw mid-click would drop the row's node). */
  const takeNextStep = async (label: string) => {
    const row = treeRow(wb.page, 'Maturity', label);
    await row.waitFor({ timeout: 60_000 });
    await row.scrollIntoViewIfNeeded();
    await row.hover();
    await row.locator('.action-label[aria-label="Take Next Step"]').click();
  };

  it('Take Next Step on sweeps asks for params, values and a metric, runs the trials, and charts the param against the metric in Compare Runs', async function () {
    this.timeout(300_000);
    const { page } = wb;
    await page.keyboard.press('Escape');
    await takeNextStep('L4 Hyperparameters are searched');
    const quick = page.locator('.quick-input-widget');
    await quick.locator('.quick-input-title', { hasText: 'which params?' }).waitFor({ timeout: 30_000 });
    await quick.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: /^C$/ }) }).click();
    await quick.locator('.quick-input-count', { hasText: '1 Selected' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await quick.locator('.quick-input-title', { hasText: 'values of C' }).waitFor({ timeout: 10_000 });
    assert.equal(await quick.locator('input').inputValue(), '0.1:10:log:5', 'values offered from C: 1');
    await quick.locator('input').fill('0.1,1,10');
    await page.keyboard.press('Enter');
    await quick.locator('.quick-input-title', { hasText: 'which metric?' }).waitFor({ timeout: 20_000 });
    await quick.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: /^roc_auc$/ }) }).click();
    const frame = await webviewShowing(page, 'figure.scatter[data-param="C"]', 240_000);
    const chart = frame.locator('figure.scatter[data-param="C"]');
    assert.equal(await chart.getAttribute('data-metric'), 'roc_auc', 'the sweep\'s metric first');
    assert.equal(await chart.getAttribute('data-points'), '3', 'a point per trial');
    await chart.locator('canvas').waitFor({ timeout: 10_000 });
    assert.match(await frame.locator('#params-metric h2').innerText(), /higher is better/);
    assert.match(await frame.locator('h1').innerText(), /Comparing 3 runs/);
    assert.deepEqual(await frame.locator('.legend button.link').allInnerTexts(), ['churn #1', 'churn #2', 'churn #3'], 'trials told apart by number');
    await page.screenshot({ path: path.join(RESULTS, 'sweep-compare.png') });
    await showCellflow();
    await waitFor(async () => /1 sweep/.test(await treeRow(page, 'Maturity', 'L4 Hyperparameters are searched').innerText().catch(() => '')), 'the sweep criterion met', 30_000, () => 'not yet');
  });

  it('Take Next Step on validation inserts a checks block built from the columns the last run recorded', async function () {
    this.timeout(120_000);
    const { page } = wb;
    // Without checks: the criterion is unmet, and its action names the first step.
    const file = path.join(workspace, 'churn.cellflow.yaml');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (/^ {4}checks:$/.test(lines[i])) while (i + 1 < lines.length && /^ {6}/.test(lines[i + 1])) i++;
      else kept.push(lines[i]);
    }
    fs.writeFileSync(file, kept.join('\n'));
    await showCellflow();
    // A view's title actions show while the pointer is over its header.
    await page.locator('.pane-header[aria-label^="Maturity"]').hover();
    await page.locator('.pane-header[aria-label^="Maturity"] .action-label[aria-label="Refresh Maturity"]').click();
    await waitFor(async () => /no checks block/.test(await treeRow(page, 'Maturity', 'L2 Pipelines validate their data').innerText().catch(() => '')), 'the validation criterion unmet', 30_000, () => 'not yet');
    await takeNextStep('L2 Pipelines validate their data');
    await page.locator('.tab', { hasText: 'churn.cellflow.yaml' }).waitFor({ timeout: 30_000 });
    const shown = async () => (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    await waitFor(async () => (await shown()).includes('rows: {min: 1}'), 'the checks block in the editor', 30_000, () => 'not yet');
    const text = await shown();
    // Monaco keeps its line elements in no set order: each line is checked, not the sequence.
    for (const line of ['    checks:', '      customers:', '        columns:', '          tenure_months: {type: int}', '          paperless_billing: {type: bool}']) assert.ok(text.split('\n').includes(line), `${line.trim()} inserted`);
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /rows: \{min: 1\}/, 'unsaved: the user tightens it, then saves');
    await page.screenshot({ path: path.join(RESULTS, 'maturity-add-checks.png') });
  });
});
