import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, quickOpen, type Workbench } from '../harness/workbench';
import { ROOT } from '../support/paths';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

/** The notebook cell (a row of the cell list) whose editor shows `text`. */
function cellRow(page: Page, text: string) {
  return page.locator('.notebook-editor .cell-list-container .monaco-list-row', { has: page.locator('.view-lines', { hasText: text }) }).first();
}

describe('promoting notebook cells through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;
  const log: string[] = [];

  before(async () => {
    server = await startCodeServer();
    workspace = copyExamples();
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT, onLog: (l) => log.push(l) });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const pipelineText = () => fs.readFileSync(path.join(workspace, 'churn.cellflow.yaml'), 'utf8');

  it('promotes the selected cell from the notebook toolbar button, through the prompts', async () => {
    const { page } = wb;
    await quickOpen(page, 'churn.ipynb');
    const cell = cellRow(page, 'customers = pd.read_csv');
    await cell.waitFor({ timeout: 60_000 });
    await cell.locator('.monaco-editor').first().click();
    // The toolbar button appears once the extension's contribution is live for this notebook.
    const button = page.locator('.notebook-toolbar-container .action-label[aria-label^="Promote Cells to Pipeline"]').first();
    await button.waitFor({ timeout: 30_000 });
    await button.click();

    // Which pipeline: pick the example's.
    const pick = page.locator('.quick-input-widget');
    await pick.locator('.quick-input-title', { hasText: 'which pipeline' }).waitFor({ timeout: 30_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'churn.cellflow.yaml' }).first().click();
    // Step id: the heading above the cell ("## Load data") is offered; accept it.
    await pick.locator('.quick-input-title', { hasText: 'step id' }).waitFor();
    assert.equal(await pick.locator('input').inputValue(), 'load_data');
    await page.keyboard.press('Enter');

    const stepFile = path.join(workspace, 'steps', 'load_data.py');
    await waitFor(() => fs.existsSync(stepFile) && /id: load_data/.test(pipelineText()), 'the step file and pipeline entry on disk', 30_000, () => pipelineText());
    assert.match(pipelineText(), /- id: load_data\n\s+version: 1\n\s+code: steps\/load_data\.py/);
    assert.match(pipelineText(), /cells:\n\s+- \{index: 4, id: e5b4a7c6, hash: sha256:[0-9a-f]{64}\}/);
    assert.match(fs.readFileSync(stepFile, 'utf8'), /customers = pd\.read_csv\("\.\.\/data\/customers\.csv"\)/);
    assert.match(fs.readFileSync(stepFile, 'utf8'), /^import pandas as pd$/m, 'the import from the first cell is carried along');

    const marker = cell.locator('.cell-status-item', { hasText: 'step load_data v1' });
    await marker.waitFor({ timeout: 30_000 });
    assert.match(await marker.innerText(), /step load_data v1 · reads - · writes customers/);
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'promote-cell-status.png') });
  });

  it('marks the step stale when its cell changes, and re-promotes it as version 2 in one click', async () => {
    const { page } = wb;
    const cell = cellRow(page, 'customers = pd.read_csv');
    await cell.locator('.monaco-editor').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\ncustomers = customers.dropna()');
    const stale = cell.locator('.cell-status-item', { hasText: 'stale' });
    await stale.waitFor({ timeout: 30_000 });
    assert.match(await stale.innerText(), /step load_data v1 stale · re-promote/);
    await page.screenshot({ path: path.join(RESULTS, 'promote-stale-marker.png') });
    await stale.click();
    await waitFor(() => /- id: load_data\n\s+version: 2\n/.test(pipelineText()), 'version 2 in the pipeline file', 30_000, () => pipelineText());
    assert.match(fs.readFileSync(path.join(workspace, 'steps', 'load_data.py'), 'utf8'), /customers = customers\.dropna\(\)/);
    // The lock is saved before the pipeline file; the file system is read as the editor leaves it.
    const lockVersions = () => JSON.stringify(JSON.parse(fs.readFileSync(path.join(workspace, 'churn.cellflow.lock'), 'utf8')).steps.load_data.versions.map((v: { version: number }) => v.version));
    assert.equal(lockVersions(), '[1,2]');
    await cell.locator('.cell-status-item', { hasText: 'step load_data v2' }).waitFor({ timeout: 30_000 });
  });
});
