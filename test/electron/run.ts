import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { EXAMPLES, ROOT } from '../support/paths';

/**
 * `npm run test:electron`: the same editor suite in desktop VS Code, downloaded by @vscode/test-electron
 * (needs a network that reaches update.code.visualstudio.com; CI here uses the code-server harness).
 */
async function main(): Promise<void> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-electron-'));
  fs.cpSync(EXAMPLES, workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.CELLFLOW_VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'editor', 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
