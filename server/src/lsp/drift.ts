import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { DriftHistoryRequest, DriftProgressNotification, DriftRequest, type DriftParams, type DriftProgress } from '../protocol';
import type { DriftReport } from '../core/drift/report';
import { cliJson } from './cliProcess';
import { onRequest } from './requests';
import { folderKey } from './stores';
import { UNTRUSTED, type Trust } from './trust';

type Saved = { id: string; model?: string; pipeline?: string };

/**
 * Drift reports for the Drift panel: `cellflow drift --json --log-progress --save`, the same code CI
 * runs, its progress passed on and cancel ending it; and a model version's report history from the
 * store, through the CLI's `drift history` so the server opens nothing new.
 */
export function registerDrift(connection: Connection, trust: Trust): void {
  onRequest(connection, DriftRequest, async (p: DriftParams, token) => {
    if (!trust.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED.replace('run pipelines', 'read training data or make drift reports'));
    const reference = p.reference.kind === 'model' ? p.reference.model : p.reference.path;
    const args = ['drift', '--reference', reference, '--current', p.current, '--save', '--json', '--log-progress', ...(p.python ? ['--python', p.python] : [])];
    const onProgress = p.progressToken ? (progress: DriftProgress) => void connection.sendNotification(DriftProgressNotification.method, { progressToken: p.progressToken, progress }) : undefined;
    const { saved, ...report } = JSON.parse(await cliJson(folderKey(p.folder), args, 'drift', token, onProgress)) as DriftReport & { saved: Saved };
    return { report, saved };
  });
  onRequest(connection, DriftHistoryRequest, async (p) => ({ reports: JSON.parse(await cliJson(folderKey(p.folder), ['drift', 'history', p.model, '--json'], 'drift history')) }));
}
