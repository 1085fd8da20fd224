import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCodeServer, type CodeServer } from '../harness/codeServer';
import { copyExamples, runEditorSuite } from '../harness/runSuite';
import { openWorkbench, quickOpen, type Workbench } from '../harness/workbench';
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
      // The palette can list the command before the extension host is ready for it, or not yet list
      // it while the workbench is still loading: retry until it runs.
      const toast = page.locator('.notification-toast', { hasText: 'Cellflow language server' });
      for (let attempt = 0; attempt < 8 && !(await toast.isVisible()); attempt++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(`>${title}`);
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Language Server Status' }).first();
        if (!(await row.waitFor({ timeout: 5_000 }).then(() => true, () => false))) continue;
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

    it('squiggles a dependency cycle and explains it on hover', async () => {
      const { page } = wb;
      fs.writeFileSync(path.join(workspace, 'cycle.cellflow.yaml'), 'cellflow: 1\nname: loop\nsteps:\n  - id: a\n    code: a.py\n    depends-on: [b]\n  - id: b\n    code: b.py\n    depends-on: [a]\n');
      await quickOpen(page, 'cycle.cellflow.yaml');
      const squiggle = page.locator('.monaco-editor .squiggly-error').first();
      await squiggle.waitFor({ timeout: 30_000 });
      // The run lenses arrive after the diagnostics and move the lines down: hover once they are there.
      await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Run Pipeline' }).first().waitFor({ timeout: 30_000 });
      // Hover the `b` in `depends-on: [b]` on line 6; again if the editor laid the lines out anew meanwhile.
      const line = page.locator('.monaco-editor .view-line', { hasText: 'depends-on: [b]' }).first();
      const token = line.locator('span', { hasText: /^b$/ }).first();
      const hover = page.locator('.monaco-hover-content', { hasText: 'Dependency cycle: a → b → a' }).first();
      for (let attempt = 0; attempt < 4; attempt++) {
        await page.mouse.move(0, 0);
        await token.hover();
        if (await hover.waitFor({ timeout: 5_000 }).then(() => true, () => false)) break;
      }
      await hover.waitFor({ timeout: 5_000 });
      fs.mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS, 'pipeline-cycle.png') });
    });

    it('highlights a pipeline file and squiggles its mistake', async () => {
      const { page } = wb;
      fs.writeFileSync(path.join(workspace, 'typo.cellflow.yaml'), 'cellflow: 1\nname: churn\nsteps:\n  - id: load\n    code: steps/load.py\n    dependson: [x]\n');
      await quickOpen(page, 'typo.cellflow.yaml');
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item', { hasText: '1' }).first().waitFor();
      const shot = path.join(RESULTS, 'pipeline-diagnostic.png');
      await page.screenshot({ path: shot });
      assert.ok(fs.statSync(shot).size > 10_000);
    });
  });
});
