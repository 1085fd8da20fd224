import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startCodeServer } from './codeServer';

/**
 * `npm start`'s last step: code-server with the packaged extension installed, serving a folder, until
 * interrupted. Prints the URL to open.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vsix: { type: 'string' }, folder: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' } } });
  if (!values.vsix || !values.folder) throw new Error('usage: serve.js --vsix <file> --folder <dir> [--port N] [--data <dir>]');
  const data = path.resolve(values.data ?? '.cellflow-dev/code-server');
  fs.mkdirSync(data, { recursive: true });
  const server = await startCodeServer({
    port: Number(values.port ?? 8080),
    userDataDir: data,
    workspaceTrust: true,
    installExtensions: [path.resolve(values.vsix)],
    // Opening the bundled example should not start with a modal: it opens in Restricted Mode, where
    // Cellflow lints but runs nothing, until the user trusts it from the banner.
    settings: { 'security.workspace.trust.startupPrompt': 'never' },
  });
  const folder = path.resolve(values.folder);
  process.stdout.write(`\nCellflow is running in VS Code (code-server 4.100.3). Open:\n\n  ${server.url}/?folder=${encodeURIComponent(folder)}\n\nPress Ctrl+C to stop.\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`cellflow start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
