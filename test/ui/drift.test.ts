import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { writeBigCsv } from '../support/bigCsv';
import { waitFor } from '../support/waitFor';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples } from '../harness/runSuite';
import { openWorkbench, webviewShowing, uiTeardown, type Workbench } from '../harness/workbench';
import { DIST, ROOT } from '../support/paths';
import { RESULTS } from './editor.test';

describe('the Data Drift view through the UI (code-server + chromium)', () => {
  let server: CodeServer;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    server = await startCodeServer();
    workspace = copyExamples({ promoted: true });
    // The pipeline's train step registers churn-model v1, whose training data is the reference.
    fs.mkdirSync(path.join(workspace, '.cellflow'), { recursive: true });
    cp.execFileSync(process.execPath, [path.join(DIST, 'cli', 'cellflow.js'), 'run', 'churn.cellflow.yaml', '--python', '/usr/bin/python3'], { cwd: workspace });
    // Big enough that reading it takes seconds: the comparison that the test cancels.
    writeBigCsv(path.join(workspace, 'data', 'big.csv'), 4_000_000);
    wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  uiTeardown(() => ({ wb, server, workspace }), RESULTS);

  it('compares this month\'s data with a model version\'s training data: the table, the verdict, a column\'s chart', async () => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Cellflow"]').click();
    const header = page.locator('.pane-header[aria-label^="Data Drift"]');
    await header.waitFor({ timeout: 60_000 });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const frame = await webviewShowing(page, '#reference option[value="model:churn-model@1"]', 60_000);
    await frame.locator('#reference').selectOption('model:churn-model@1');
    await frame.locator('#current').selectOption('data/customers_recent.csv');
    await frame.locator('button', { hasText: 'Compare' }).click();
    const verdict = frame.locator('#verdict');
    await verdict.waitFor({ timeout: 120_000 });
    assert.match(await verdict.innerText(), /^Dataset drift: 7 of 8 columns drifted \(87\.5%, threshold 50\.0%\)$/);
    const tenure = frame.locator('tr[data-column="tenure_months"]');
    assert.match(await tenure.innerText(), /tenure_months\s+BIGINT\s+wasserstein\s+1\.\d{4}\s+—\s+0\.1\s+drifted/);
    await frame.locator('tr[data-column="contract"]').click();
    await frame.locator('tr[data-column="contract"].selected').waitFor();
    await frame.locator('#column-chart canvas').waitFor({ timeout: 20_000 });
    assert.match(await frame.locator('#column-chart figcaption').innerText(), /^contract: reference and current/);
    assert.match(await frame.locator('ul.findings').innerText(), /contract: 1 category the reference lacks \(monthly-flex\)/);
    // The report was saved against the version: the Registry view marks it.
    await page.locator('.pane:has(.pane-header[aria-label^="Model Registry"]) .monaco-list-row', { hasText: 'drifted (88% of columns)' }).first().waitFor({ timeout: 30_000 });
    fs.mkdirSync(RESULTS, { recursive: true });
    await frame.locator('#column-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(RESULTS, 'drift-view.png') });
    // churn-model@1 came from churn.cellflow.yaml's train step: the editor offers to retrain it.
    const offer = page.locator('.notification-toast', { hasText: "the data has drifted from churn-model@1's training data (7 of 8 columns). churn.cellflow.yaml trained it." });
    await offer.waitFor({ timeout: 30_000 });
    assert.equal(pipelineRuns(), 1);
    await offer.locator('.monaco-button', { hasText: 'Re-run Pipeline' }).click();
    await waitFor(() => pipelineRuns() === 2, 'a second run of churn.cellflow.yaml, started from the offer', 120_000);
  });

  it('shows how far a long comparison has got, and its Cancel ends it: no report, no process left', async () => {
    const frame = await webviewShowing(wb.page, '#reference option[value="file:data/big.csv"]', 60_000);
    await frame.locator('#reference').selectOption('file:data/big.csv');
    await frame.locator('#current').selectOption('data/big.csv');
    const reports = driftReports();
    await frame.locator('button', { hasText: 'Compare' }).click();
    await waitFor(async () => /^reading the (reference|current data): [\d,]+ rows$/.test(await frame.locator('#progress').innerText()), 'rows read, in the view', 60_000);
    assert.ok(driftProcesses().length > 0, 'the comparison runs in a CLI process');
    await frame.locator('#cancel').click();
    await frame.locator('#status', { hasText: 'Cancelled: no report was made.' }).waitFor({ timeout: 20_000 });
    await waitFor(() => driftProcesses().length === 0, 'the CLI process gone', 10_000);
    assert.equal(driftReports(), reports, 'nothing saved');
  });

  const count = (sql: string) => {
    const db = new BetterSqlite3(path.join(workspace, '.cellflow', 'cellflow.db'), { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const pipelineRuns = () => count("SELECT count(*) AS n FROM runs r JOIN tags t ON t.run = r.rid AND t.key = 'cellflow.kind' AND t.value = 'pipeline'");
  const driftReports = () => count('SELECT count(*) AS n FROM drift_reports');
  const driftProcesses = () => cp.execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(' drift ') && l.includes(' --current data/big.csv '));
});
