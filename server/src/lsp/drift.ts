import { spawn } from 'node:child_process';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { DriftHistoryRequest, DriftRequest, type DriftParams } from '../protocol';
import type { DriftReport } from '../core/drift/report';
import { CLI } from './pipelineRuns';
import { onRequest } from './requests';
import { folderKey } from './stores';
import { UNTRUSTED, type Trust } from './trust';

/**
 * Drift reports for the Drift panel: `cellflow drift --json --save` in a process of its own (DuckDB,
 * big files and unpickling stay out of the server), the same code CI runs; and a model version's
 * report history from the store, through the CLI's `drift history` so the server opens nothing new.
 */
export function registerDrift(connection: Connection, trust: Trust): void {
  onRequest(connection, DriftRequest, async (p: DriftParams, token) => {
    if (!trust.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED.replace('run pipelines', 'read training data or make drift reports'));
    const reference = p.reference.kind === 'model' ? p.reference.model : p.reference.path;
    const args = ['drift', '--reference', reference, '--current', p.current, '--save', '--json', ...(p.python ? ['--python', p.python] : [])];
    const { saved, ...report } = JSON.parse(await cli(folderKey(p.folder), args, token)) as DriftReport & { saved: { id: string; model?: string } };
    return { report, saved };
  });
  onRequest(connection, DriftHistoryRequest, async (p) => ({ reports: JSON.parse(await cli(folderKey(p.folder), ['drift', 'history', p.model, '--json'])) }));
}

function cli(cwd: string, args: string[], token?: { onCancellationRequested(l: () => void): { dispose(): void } }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8000)));
    const cancel = token?.onCancellationRequested(() => child.kill('SIGTERM'));
    child.on('error', (err) => reject(new ResponseError(ErrorCodes.InternalError, `could not start the Cellflow CLI: ${err.message}`)));
    child.on('close', (code) => {
      cancel?.dispose();
      if (code === 0) return resolve(stdout);
      const said = stderr.trim().replace(/^cellflow: /, '');
      reject(new ResponseError(code === 2 ? ErrorCodes.InvalidParams : ErrorCodes.InternalError, said || `cellflow drift exited with code ${code}`));
    });
  });
}
