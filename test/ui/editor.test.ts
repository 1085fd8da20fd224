import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples, runEditorSuite } from '../harness/runSuite';
import { openWorkbench, type Workbench } from '../harness/workbench';
import { ROOT } from '../support/paths';

const OUT = path.join(ROOT, 'out', 'test');
export const RESULTS = path.join(ROOT, 'test-results');

describe('real editor: code-server 4.100.3 in headless chromium', () => {
  let server: CodeServer;
  before(async () => {
    server = await startCodeServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('passes the extension-host suite (test/editor)', async () => {
    const result = await runEditorSuite({ suite: path.join(OUT, 'editor', 'index.js'), server });
    assert.equal(result.exitCode, 0, `editor suite failed:\n${result.log.join('\n')}`);
    assert.ok(result.log.some((l) => /\d+ passing/.test(l)), 'mocha reported its passing tests');
  });

  it('exits non-zero when an editor test fails (harness self-test)', async () => {
    const result = await runEditorSuite({ suite: path.join(OUT, 'editor-selftest', 'index.js'), server });
    assert.equal(result.exitCode, 1, result.log.join('\n'));
    assert.ok(result.log.some((l) => /deliberate failure/.test(l)), 'the failing assertion reached the log');
    assert.ok(result.log.some((l) => /1 passing/.test(l)), 'the passing test in the same suite ran too');
  });

  it('exits non-zero when the suite module does not exist (harness self-test)', async () => {
    const result = await runEditorSuite({ suite: path.join(OUT, 'editor-selftest', 'missing.js'), server, timeoutMs: 90_000 });
    assert.notEqual(result.exitCode, 0, result.log.join('\n'));
  });

  describe('through the UI', () => {
    let workspace: string;
    let wb: Workbench;
    before(async () => {
      workspace = copyExamples();
      wb = await openWorkbench(server, { folder: workspace, extensionDevelopmentPath: ROOT });
      await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    });
    after(async () => {
      await wb?.close();
      fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('runs a Cellflow command by its title from the command palette', async () => {
      const { page } = wb;
      const title = 'Cellflow: Show Language Server Status';
      // The palette can list the command before the extension host is ready for it: retry until it runs.
      const toast = page.locator('.notification-toast', { hasText: 'Cellflow language server' });
      for (let attempt = 0; attempt < 5 && !(await toast.isVisible()); attempt++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(`>${title}`);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Language Server Status' }).first().waitFor();
        await page.keyboard.press('Enter');
        await toast.waitFor({ timeout: 20_000 }).catch(() => undefined);
      }
      await toast.waitFor({ timeout: 5_000 });
      const text = await toast.innerText();
      assert.match(text, /Cellflow language server \d+\.\d+\.\d+ is running on node v\d+/);
      assert.match(text, /better-sqlite3 ok \(SQLite 3\./);
      const statusItem = page.locator('.statusbar-item', { hasText: 'Cellflow' });
      await statusItem.first().waitFor();
      fs.mkdirSync(RESULTS, { recursive: true });
      const shot = path.join(RESULTS, 'command-palette-server-status.png');
      await page.screenshot({ path: shot });
      assert.ok(fs.statSync(shot).size > 10_000, 'a real screenshot was written');
    });

    it('highlights a pipeline file and squiggles its mistake', async () => {
      const { page } = wb;
      fs.writeFileSync(path.join(workspace, 'typo.cellflow.yaml'), 'cellflow: 1\nname: churn\nsteps:\n  - id: load\n    code: steps/load.py\n    dependson: [x]\n');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor();
      await input.fill('typo.cellflow.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'typo.cellflow.yaml' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item', { hasText: '1' }).first().waitFor();
      const shot = path.join(RESULTS, 'pipeline-diagnostic.png');
      await page.screenshot({ path: shot });
      assert.ok(fs.statSync(shot).size > 10_000);
    });
  });
});
