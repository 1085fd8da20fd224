import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runEditorSuite } from './runSuite';

/**
 * `node out/test/harness/cli.js --suite out/test/editor/index.js [--workspace DIR]`: runs an editor
 * suite in code-server + headless chromium, prints the extension host's output, exits with its code.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { suite: { type: 'string' }, workspace: { type: 'string' }, timeout: { type: 'string' } } });
  if (!values.suite) {
    process.stderr.write('usage: cli.js --suite <compiled suite index.js> [--workspace <dir>] [--timeout <ms>]\n');
    return 2;
  }
  const result = await runEditorSuite({
    suite: path.resolve(values.suite),
    workspace: values.workspace ? path.resolve(values.workspace) : undefined,
    timeoutMs: values.timeout ? Number(values.timeout) : undefined,
    onLog: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`[harness] editor suite exit code: ${result.exitCode}\n`);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[harness] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
