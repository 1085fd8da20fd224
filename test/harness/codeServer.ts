import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/paths';

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** host:port, for vscode-remote:// URIs */
  authority: string;
  userDataDir: string;
  output(): string;
  stop(): Promise<void>;
}

const ENTRY = path.join(ROOT, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export interface CodeServerOptions {
  /** User settings for the run, on top of telemetry off. */
  settings?: Record<string, unknown>;
  /** Keep Workspace Trust on (the default turns it off so tests are not prompted). */
  workspaceTrust?: boolean;
  /** Fixed port, for a person to open; 0 picks a free one. */
  port?: number;
  /** Where the user data goes; a fresh temporary folder by default. */
  userDataDir?: string;
  /** Extensions to install before starting (.vsix paths). */
  installExtensions?: string[];
}

/**
 * VS Code's own server build (code-server 4.100.3 = VS Code 1.100.3), in its own process group and a
 * fresh user-data folder, so nothing leaks between runs into $HOME or /tmp.
 */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  if (!fs.existsSync(ENTRY)) throw new Error(`code-server is not installed at ${ENTRY}: run npm run setup`);
  const ud = options.userDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-code-server-'));
  for (const d of ['User', 'extensions', 'tmp', 'config', 'data', 'cache']) fs.mkdirSync(path.join(ud, d), { recursive: true });
  fs.writeFileSync(path.join(ud, 'User', 'settings.json'), JSON.stringify({
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    ...options.settings,
  }, null, 2));
  const env = {
    ...process.env,
    EXTENSIONS_GALLERY: '{}',
    TMPDIR: path.join(ud, 'tmp'),
    XDG_CONFIG_HOME: path.join(ud, 'config'),
    XDG_DATA_HOME: path.join(ud, 'data'),
    XDG_CACHE_HOME: path.join(ud, 'cache'),
  };
  const common = ['--user-data-dir', ud, '--extensions-dir', path.join(ud, 'extensions')];
  for (const vsix of options.installExtensions ?? []) await installExtension(vsix, common, env);

  const args = [
    ENTRY,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
    ...common,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
  ];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /HTTP server listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) resolve(m[1].replace(/\/$/, ''));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`code-server exited with ${code} before listening:\n${output}`)));
  });
  return {
    url,
    authority: new URL(url).host,
    userDataDir: ud,
    output: () => output,
    stop: () => stopGroup(child, options.userDataDir ? undefined : ud),
  };
}

async function installExtension(vsix: string, common: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [ENTRY, ...common, '--install-extension', vsix, '--force'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`installing ${vsix} into code-server failed (${code}):\n${out}`);
}

/** Ends code-server and every extension host it started, then removes its temporary folder. */
async function stopGroup(child: ChildProcess, removeDir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  }
  // Extension hosts may outlive the server by a moment; the group kill above reaches them too.
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // nothing left
  }
  if (removeDir) fs.rmSync(removeDir, { recursive: true, force: true });
}
