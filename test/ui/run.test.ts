import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, quickOpen, type Workbench } from '../harness/workbench';
import { writeNotebook } from '../support/notebookFile';
import { DIST, ROOT } from '../support/paths';
import { waitFor } from '../support/waitFor';
import { RESULTS } from './editor.test';

const CLI = path.join(DIST, 'cli', 'cellflow.js');

/** The CodeLens items of the open editor, by their text: links, and labels without a command (spans). */
const lens = (page: Page, text: string | RegExp) => page.locator('.monaco-editor .codelens-decoration > a, .monaco-editor .codelens-decoration > span', { hasText: text });

function runsInStore(workspace: string): Array<{ id: string; name: string; status: string; parentId: string | null; tags: Record<string, string> }> {
  return JSON.parse(cp.execFileSync(process.execPath, [CLI, 'runs', 'list', '--json', '--limit', '1000'], { cwd: workspace, encoding: 'utf8' })) as Array<{ id: string; name: string; status: string; parentId: string | null; tags: Record<string, string> }>;
}

describe('running pipelines through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    workspace = copyExamples({ promoted: true });
    // A pipeline whose one step waits for a file that never comes, for cancelling.
    writeNotebook(path.join(workspace, 'notebooks', 'wait.ipynb'), ['import os\nimport time', 'while not os.path.exists("never"):\n    time.sleep(0.05)\nwaited = 1']);
    cp.execFileSync(process.execPath, [CLI, 'promote', 'notebooks/wait.ipynb', '--cells', '1', '--step', 'wait', '--pipeline', 'wait.cellflow.yaml'], { cwd: workspace });
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.page.screenshot({ path: path.join(RESULTS, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });
  after(async () => {
    await wb?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('clicking Run Pipeline on the example runs every step: results in the file, the runs in the Runs view', async () => {
    const { page } = wb;
    await quickOpen(page, 'churn.cellflow.yaml');
    const run = lens(page, 'Run Pipeline');
    await run.waitFor({ timeout: 60_000 });
    await run.click();
    // Each step gets its result beside it (the editor renders the lenses in view: the first steps').
    await waitFor(async () => (await lens(page, /ran \d+\.\d s/).count()) >= 2, 'the "ran" results of the first steps in the pipeline file', 150_000);
    await lens(page, 'Run Pipeline').waitFor({ timeout: 20_000 });
    const runs = runsInStore(workspace);
    const pipeline = runs.find((r) => r.tags['cellflow.kind'] === 'pipeline')!;
    assert.equal(pipeline.status, 'FINISHED');
    assert.deepEqual(runs.filter((r) => r.parentId === pipeline.id).map((r) => r.name).sort(), ['clean', 'evaluate', 'load', 'split', 'train']);

    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    const row = (label: string) => page.locator('.pane:has(.pane-header[aria-label^="Runs"]) .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
    await row('churn').waitFor({ timeout: 30_000 });
    await row('churn').click();
    // The experiment and its pipeline run are both called churn: the second row is the run.
    const pipelineRow = page.locator('.pane:has(.pane-header[aria-label^="Runs"]) .monaco-list-row', { has: page.locator('.label-name', { hasText: /^churn$/ }) }).nth(1);
    await pipelineRow.waitFor({ timeout: 30_000 });
    await pipelineRow.click();
    await row('train').waitFor({ timeout: 30_000 });
    await row('evaluate').waitFor({ timeout: 30_000 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'run-pipeline.png') });
  });

  it('cancels a running step from the progress notification; the step and the run are recorded as cancelled', async () => {
    const { page } = wb;
    await quickOpen(page, 'wait.cellflow.yaml');
    const run = lens(page, 'Run Pipeline');
    await run.waitFor({ timeout: 60_000 });
    await run.click();
    await lens(page, /running/).waitFor({ timeout: 60_000 });
    const toast = page.locator('.notification-toast', { hasText: 'Cellflow: running wait.cellflow.yaml' });
    await toast.waitFor({ timeout: 20_000 });
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await lens(page, /cancelled/).waitFor({ timeout: 20_000 });
    const wait = runsInStore(workspace).find((r) => r.name === 'wait')!;
    assert.equal(wait.status, 'KILLED');
    await page.screenshot({ path: path.join(RESULTS, 'run-cancelled.png') });
  });
});
