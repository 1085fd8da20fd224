import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { BenchHistoryRequest, BenchProgressNotification, BenchProvidersRequest, BenchRequest, type BenchParams, type BenchProgress, type BenchReport } from '../protocol';
import { cliJson } from './cliProcess';
import { onRequest } from './requests';
import { folderKey } from './stores';
import { UNTRUSTED, type Trust } from './trust';

/**
 * Benchmarks for the editor: `cellflow bench --json --log-progress --save` in a process of its own
 * (a crash or a long run of the runtime never stops linting; cancel ends it at once), the same code
 * CI runs; the providers this machine has; and a model's earlier results, for the results page.
 */
export function registerBench(connection: Connection, trust: Trust): void {
  onRequest(connection, BenchRequest, async (p: BenchParams, token) => {
    if (!trust.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED.replace('run pipelines', 'load models into a runtime'));
    const model = p.model.kind === 'model' ? p.model.model : p.model.path;
    const args = ['bench', model, '--ep', p.eps.join(','), '--batch', p.batches.join(','), '--save', '--json', '--log-progress', ...(p.maxSeconds ? ['--max-seconds', String(p.maxSeconds)] : [])];
    const onProgress = p.progressToken ? (progress: BenchProgress) => void connection.sendNotification(BenchProgressNotification.method, { progressToken: p.progressToken, progress }) : undefined;
    const { saved, ...report } = JSON.parse(await cliJson(folderKey(p.folder), args, 'bench', token, onProgress)) as BenchReport & { saved: { id: string } };
    return { report, saved };
  });
  onRequest(connection, BenchProvidersRequest, async (p) => JSON.parse(await cliJson(folderKey(p.folder), ['bench', 'providers', '--json'], 'bench providers')));
  onRequest(connection, BenchHistoryRequest, async (p) => ({ benchmarks: JSON.parse(await cliJson(folderKey(p.folder), ['bench', 'history', p.model, '--json'], 'bench history')) }));
}
