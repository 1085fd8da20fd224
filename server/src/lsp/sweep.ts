import * as path from 'node:path';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { SweepProgressNotification, SweepRequest, type SweepProgress, type SweepReport } from '../protocol';
import { cliJson } from './cliProcess';
import { onRequest } from './requests';
import { folderKey } from './stores';
import { UNTRUSTED, type Trust } from './trust';

/**
 * Sweeps from the editor: `cellflow sweep --json --log-progress` in a process of its own, the code CI
 * runs; each trial's start and end goes to the client, cancel ends the process (the running trial is
 * cancelled and recorded so). Runs user code, so never untrusted.
 */
export function registerSweep(connection: Connection, trust: Trust): void {
  onRequest(connection, SweepRequest, async (p, token) => {
    if (!trust.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED);
    const folder = folderKey(p.folder);
    const args = ['sweep', path.resolve(folder, p.pipeline), ...p.params.flatMap((v) => ['--param', v]), '--json', '--log-progress'];
    if (p.strategy) args.push('--strategy', p.strategy);
    if (p.trials !== undefined) args.push('--trials', String(p.trials));
    if (p.python) args.push('--python', p.python);
    if (p.metric) args.push('--metric', p.metric, ...(p.goal ? ['--goal', p.goal] : []));
    const onProgress = p.progressToken ? (progress: SweepProgress) => void connection.sendNotification(SweepProgressNotification.method, { progressToken: p.progressToken, progress }) : undefined;
    return JSON.parse(await cliJson(folder, args, 'sweep', token, onProgress)) as SweepReport;
  });
}
