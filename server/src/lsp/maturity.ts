import type { Connection } from 'vscode-languageserver/node';
import { CiWorkflowRequest, MaturityRequest } from '../protocol';
import { cliJson } from './cliProcess';
import { onRequest } from './requests';
import { folderKey } from './stores';

/**
 * The Maturity view's data: `cellflow maturity --json` and `--ci-workflow --json`, the same
 * assessment and workflow the CLI gives. Reads only (files and the store): no trust needed.
 */
export function registerMaturity(connection: Connection): void {
  onRequest(connection, MaturityRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['maturity', '--json'], 'maturity')));
  onRequest(connection, CiWorkflowRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['maturity', '--ci-workflow', '--json'], 'maturity --ci-workflow')));
}
