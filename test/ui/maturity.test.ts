import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, treeRow, uiTeardown, type Workbench } from '../harness/workbench';
import { DIST, ROOT } from '../support/paths';
import { Store } from '../../server/src/services/store/store';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

describe('the Maturity view through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
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
});
