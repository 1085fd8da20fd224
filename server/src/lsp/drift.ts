import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import { DriftHistoryRequest, DriftProgressNotification, DriftRequest, type DriftParams, type DriftProgress } from '../protocol';
import type { DriftReport } from '../core/drift/report';
import { CLI } from './pipelineRuns';
import { onRequest } from './requests';
import { folderKey } from './stores';
import { UNTRUSTED, type Trust } from './trust';

type Saved = { id: string; model?: string; pipeline?: string };

/**
 * Drift reports for the Drift panel: `cellflow drift --json --log-progress --save` in a process of
 * its own (DuckDB, big files and unpickling stay out of the server), the same code CI runs, its
 * progress passed on and cancel ending it; and a model version's report history from the store,
 * through the CLI's `drift history` so the server opens nothing new.
 */
export function registerDrift(connection: Connection, trust: Trust): void {
  onRequest(connection, DriftRequest, async (p: DriftParams, token) => {
    if (!trust.trusted) throw new ResponseError(ErrorCodes.InvalidRequest, UNTRUSTED.replace('run pipelines', 'read training data or make drift reports'));
    const reference = p.reference.kind === 'model' ? p.reference.model : p.reference.path;
    const args = ['drift', '--reference', reference, '--current', p.current, '--save', '--json', '--log-progress', ...(p.python ? ['--python', p.python] : [])];
    const onProgress = p.progressToken ? (progress: DriftProgress) => void connection.sendNotification(DriftProgressNotification.method, { progressToken: p.progressToken, progress }) : undefined;
    const { saved, ...report } = JSON.parse(await cli(folderKey(p.folder), args, token, onProgress)) as DriftReport & { saved: Saved };
    return { report, saved };
  });
  onRequest(connection, DriftHistoryRequest, async (p) => ({ reports: JSON.parse(await cli(folderKey(p.folder), ['drift', 'history', p.model, '--json'])) }));
}

/** The CLI's last stdout line (its JSON answer); `{"progress": …}` lines before it go to onProgress. */
function cli(cwd: string, args: string[], token?: CancellationToken, onProgress?: (p: DriftProgress) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let answer = '';
    let stderr = '';
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"progress":')) {
        try {
          onProgress?.((JSON.parse(line) as { progress: DriftProgress }).progress);
        } catch {
          /* a partial line from a killed process */
        }
      } else if (line.trim()) answer = line;
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-8000)));
    let cancelled = false;
    const cancel = token?.onCancellationRequested(() => {
      cancelled = true;
      child.kill('SIGTERM');
    });
    child.on('error', (err) => reject(new ResponseError(ErrorCodes.InternalError, `could not start the Cellflow CLI: ${err.message}`)));
    child.on('close', (code) => {
      cancel?.dispose();
      if (cancelled) return reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled'));
      if (code === 0) return resolve(answer);
      const said = stderr.trim().replace(/^cellflow: /, '');
      reject(new ResponseError(code === 2 ? ErrorCodes.InvalidParams : ErrorCodes.InternalError, said || `cellflow drift exited with code ${code}`));
    });
  });
}
