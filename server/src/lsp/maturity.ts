import type { Connection } from 'vscode-languageserver/node';
import { CiWorkflowRequest, LineageGraphRequest, MaturityRequest } from '../protocol';
import { cliJson } from './cliProcess';
import { onRequest } from './requests';
import { folderKey } from './stores';

/**
 * The Maturity view's and the Lineage page's data: `cellflow maturity --json`, `--ci-workflow
 * --json` and `cellflow lineage --json`, as the CLI gives them. Reads only (files and the store):
 * no trust needed.
 */
export function registerMaturity(connection: Connection): void {
  onRequest(connection, MaturityRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['maturity', '--json'], 'maturity')));
  onRequest(connection, LineageGraphRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['lineage', p.ref, '--json'], 'lineage')));
  onRequest(connection, CiWorkflowRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['maturity', '--ci-workflow', '--json'], 'maturity --ci-workflow')));
}
