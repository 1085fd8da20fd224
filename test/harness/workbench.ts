import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { waitFor } from '../support/waitFor';
import type { CodeServer } from './codeServer';

export const CHROMIUM = process.env.CELLFLOW_CHROMIUM ?? '/usr/bin/chromium';

export interface WorkbenchOptions {
  /** Folder to open. */
  folder: string;
  /** Load this folder as the extension under development (absent: only installed extensions). */
  extensionDevelopmentPath?: string;
  /** Run this mocha suite (a module exporting run()) in the extension host; its result arrives as exitCode. */
  extensionTestsPath?: string;
  /** Receives the extension host's console output, line by line. */
  onLog?: (line: string) => void;
  viewport?: { width: number; height: number };
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Resolves with the tests' exit code when extensionTestsPath is given (0 pass, non-zero fail). */
  exitCode: Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens the VS Code workbench of a running code-server in headless Debian chromium. The extension under
 * development and its tests are passed through the workbench URL's `payload`, as vscode-remote URIs
 * on the page's own host, the way VS Code's own smoke tests do it.
 */
/**
 * Opens a file by name through Quick Open (Ctrl+P), as a user would. Quick Open caches the file list
 * for a while, so a file written moments ago may be missing from it: reopen it until the file is listed.
 */
export async function quickOpen(page: Page, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await input.waitFor();
    await input.fill(name);
    const listed = await row.waitFor({ timeout: Math.max(1_000, Math.min(5_000, deadline - Date.now())) }).then(() => true, () => false);
    if (listed) break;
    if (Date.now() > deadline) throw new Error(`Quick Open did not list ${name} within ${timeoutMs} ms`);
  }
  await page.keyboard.press('Enter');
}

/**
 * Runs a command by its title from the Command Palette (F1), as a user would. No Escape first: in a
 * focused tree or list, Escape clears the selection the command may act on.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
}

/** Debian's chromium, headless, with the flags this closed network and root need. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: run npm run setup`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

export async function openWorkbench(server: CodeServer, options: WorkbenchOptions): Promise<Workbench> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
  let resolveExit!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    options.onLog?.(type === 'error' ? `[error] ${line}` : line);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  page.on('pageerror', (err) => options.onLog?.(`[page error] ${err.message}`));

  const remote = (p: string) => `vscode-remote://${server.authority}${path.resolve(p)}`;
  const payload: Array<[string, string]> = [['skipWelcome', 'true']];
  if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  const url = `${server.url}/?folder=${encodeURIComponent(path.resolve(options.folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url);
  return { browser, page, exitCode, close: () => browser.close() };
}

/**
 * The page of a webview (two iframes deep) that shows `selector`: with the Data Drift view in the
 * sidebar and a Compare Runs panel open, more than one webview is on screen, so it is found by what it shows.
 */
export async function webviewShowing(page: Page, selector: string, timeoutMs = 30_000): Promise<import('playwright-core').Frame> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    for (const frame of page.frames()) if (await frame.locator(selector).count().catch(() => 0)) return frame;
    if (Date.now() > deadline) throw new Error(`no webview showed ${selector} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay)); // frames come and go with no event to wait on across them
  }
}

/** A row of a sidebar tree, by its label. */
export function treeRow(page: Page, view: string, label: string) {
  return page.locator(`.pane:has(.pane-header[aria-label^="${view}"]) .monaco-list-row`, { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\@]/g, '\\$&')}$`) }) }).first();
}

/**
 * Expands a tree row until `child` shows. A click that lands while a store change re-renders the tree
 * is lost, so the row is clicked again while it stays collapsed (never while it is expanding, which
 * would fold it).
 */
export async function expandRow(row: Locator, child: Locator, timeoutMs = 30_000): Promise<void> {
  const expanded = async () => (await row.getAttribute('aria-expanded')) === 'true';
  await waitFor(async () => {
    if (await child.isVisible()) return true;
    if (!(await expanded())) {
      await row.click();
      await waitFor(expanded, 'the row to expand', 3000).catch(() => undefined);
    }
    return false;
  }, `${String(child)} under an expanded row`, timeoutMs);
}

/**
 * The title of the quick input once it matches `pattern`: for a command that may ask one of two
 * questions first (a click during a tree refresh reaches it without its row; see expandRow).
 */
export async function quickInputTitle(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const title = page.locator('.quick-input-widget .quick-input-title');
  return waitFor(async () => {
    const t = (await title.isVisible()) ? await title.innerText() : '';
    return pattern.test(t) && t;
  }, `a quick input titled ${String(pattern)}`, timeoutMs);
}

/**
 * The hooks every UI suite ends with: a screenshot of a failed test into `results`, then the
 * workbench closed, code-server stopped and the scratch workspace removed (whatever `state` holds then).
 */
export function uiTeardown(state: () => { wb?: Workbench; server?: CodeServer; workspace?: string }, results: string): void {
  afterEach(async function () {
    const { wb } = state();
    if (this.currentTest?.state === 'failed' && wb) await wb.page.screenshot({ path: path.join(results, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });
  after(async () => {
    const { wb, server, workspace } = state();
    await wb?.close();
    await server?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });
}
