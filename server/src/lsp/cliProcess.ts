import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver/node';
import { CLI } from './pipelineRuns';

/**
 * The CLI in a process of its own (native modules, big files and user code stay out of the
 * server), for commands that answer with one JSON line: `{"progress": …}` lines before it go to
 * onProgress, cancel ends the process at once, exit 2 is the CLI's message as InvalidParams. Exit 1
 * with an answer (a drifted dataset, a regression) is still an answer.
 */
export function cliJson<P>(cwd: string, args: string[], what: string, token?: CancellationToken, onProgress?: (p: P) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let answer = '';
    let stderr = '';
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"progress":')) {
        try {
          onProgress?.((JSON.parse(line) as { progress: P }).progress);
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
      if ((code === 0 || code === 1) && answer.startsWith('{') || (code === 0 && answer.startsWith('['))) return resolve(answer);
      // The CLI's own message, without the native runtimes' warnings around it.
      const said = stderr.split('\n').filter((l) => l.startsWith('cellflow: ')).pop()?.replace(/^cellflow: /, '') ?? stderr.trim();
      reject(new ResponseError(code === 2 ? ErrorCodes.InvalidParams : ErrorCodes.InternalError, said || `cellflow ${what} exited with code ${code}`));
    });
  });
}
