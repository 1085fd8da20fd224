import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * Runs every *.test.js in `dir` with mocha, in the process that calls it (an extension host here), and
 * rejects when any test fails: the shape @vscode/test-electron and the code-server harness both expect.
 * extension.test.js goes first: it checks that nothing activated the extension before it.
 */
export function runMochaIn(dir: string, timeoutMs = 60000): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: timeoutMs, color: false, reporter: 'spec' });
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort((a, b) => Number(b === 'extension.test.js') - Number(a === 'extension.test.js') || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} editor test${failures === 1 ? '' : 's'} failed`)) : resolve()));
  });
}
