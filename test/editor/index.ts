import { runMochaIn } from '../support/mochaRunner';

/** Entry point the extension host loads (extensionTestsPath), in code-server or @vscode/test-electron. */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
