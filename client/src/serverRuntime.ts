import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NodeRuntime {
  /** Executable that runs the server. */
  path: string;
  /** Why this one: the setting, the PATH lookup, or the editor's own runtime as a last resort. */
  source: 'setting' | 'PATH' | 'editor';
  /** Extra environment, e.g. to make Electron behave as plain Node. */
  env: Record<string, string>;
}

export class RuntimeNotFoundError extends Error {}

/**
 * Picks the Node runtime for the language server. The server loads native modules built by `npm ci`
 * for the `node` on PATH, so that runtime is the default; the editor's runtime (Electron in desktop
 * VS Code, whose ABI differs) is the fallback, and the server's status says when native modules fail.
 */
export function resolveNodeRuntime(setting: string, envPath = process.env.PATH ?? ''): NodeRuntime {
  if (setting.trim()) {
    const p = setting.trim();
    if (!isExecutable(p)) {
      throw new RuntimeNotFoundError(`The Node runtime '${p}' set in cellflow.server.nodePath does not exist or is not executable.`);
    }
    return { path: p, source: 'setting', env: {} };
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    if (isExecutable(candidate)) return { path: candidate, source: 'PATH', env: {} };
  }
  return { path: process.execPath, source: 'editor', env: { ELECTRON_RUN_AS_NODE: '1' } };
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
