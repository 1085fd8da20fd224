import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';

/** A Jupyter server to run kernels on: one Cellflow started, or the user's own. */
export interface JupyterServer {
  baseUrl: string;
  token: string;
  /** Stops a server Cellflow started (and its kernels); leaves the user's alone. */
  stop(): Promise<void>;
}

/** How long a starting server may take before the run gives up on it. */
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 2_000;

/** The user's server, at the URL they configured, with the token from SecretStorage or the environment. */
export function userServer(url: string, token: string): JupyterServer {
  return { baseUrl: url.replace(/\/+$/, ''), token, stop: async () => undefined };
}

/**
 * Starts `python -m jupyter_server` (Debian's jupyter-server 1.23) on 127.0.0.1, a free port and a
 * random token, through python/cellflow/_serve_jupyter.py, which stops it when this process is gone.
 * Resolves once its REST API answers; rejects with the server's own last words when it cannot start.
 */
export async function startJupyterServer(o: { python: string; pythonPackages: string; root: string; env: NodeJS.ProcessEnv; signal: AbortSignal }): Promise<JupyterServer> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const args = [
    path.join(o.pythonPackages, 'cellflow', '_serve_jupyter.py'),
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    '--ServerApp.open_browser=False',
    // CI machines run as root; the server listens on loopback only, behind a random token.
    '--ServerApp.allow_root=True',
    `--ServerApp.root_dir=${o.root}`,
  ];
  // The token goes in the environment (JUPYTER_TOKEN), not on the command line, where `ps` shows it to every user.
  const child = spawn(o.python, args, {
    cwd: o.root,
    env: { ...o.env, JUPYTER_TOKEN: token, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let said = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    said = (said + chunk.toString('utf8')).slice(-4000);
  });
  const server: JupyterServer = { baseUrl: `http://127.0.0.1:${port}`, token, stop: () => stopServer(child) };
  try {
    await waitUntilUp(server, child, () => said, o.signal);
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function waitUntilUp(server: JupyterServer, child: ChildProcess, said: () => string, signal: AbortSignal): Promise<void> {
  let exited: string | undefined;
  child.on('exit', (code, sig) => {
    exited = sig ? `was killed by ${sig}` : `exited with code ${code}`;
  });
  child.on('error', (err) => {
    exited = `could not be started (${err.message})`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (signal.aborted) throw new Error('cancelled while the Jupyter server was starting');
    if (exited) {
      const last = said().trim().split('\n').filter((l) => !/^\s*$/.test(l)).slice(-3).join(' | ');
      throw new Error(`the Jupyter server ${exited}${last ? `: ${last}` : ''} (it needs jupyter-server and ipykernel for this Python: apt install jupyter-server python3-ipykernel)`);
    }
    if (Date.now() > deadline) throw new Error(`the Jupyter server did not answer within ${START_TIMEOUT_MS / 1000} s`);
    if (await answers(server)) return;
    await new Promise((r) => setTimeout(r, 50)); // polling a port that is not listening yet: there is no event to wait on
  }
}

async function answers(server: JupyterServer): Promise<boolean> {
  try {
    const r = await fetch(`${server.baseUrl}/api/status`, { headers: { Authorization: `token ${server.token}` }, signal: AbortSignal.timeout(2_000) });
    return r.ok;
  } catch {
    return false;
  }
}

/** SIGTERM lets the server shut its kernels down; SIGKILL to the group if it takes too long. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
      resolve();
    }, STOP_GRACE_MS);
    timer.unref();
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
