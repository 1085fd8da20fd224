import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where a process's store is, the same way for the CLI and the Python client: the workspace is
 * CELLFLOW_WORKSPACE, else the nearest folder up from `cwd` holding .cellflow/ or .git, else `cwd`;
 * the store is CELLFLOW_STORE (relative to the workspace) or <workspace>/.cellflow/cellflow.db.
 */
export function findWorkspaceRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CELLFLOW_WORKSPACE) return path.resolve(cwd, env.CELLFLOW_WORKSPACE);
  let d = path.resolve(cwd);
  for (;;) {
    if (isDir(path.join(d, '.cellflow')) || fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return path.resolve(cwd);
    d = up;
  }
}

export function storePath(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CELLFLOW_STORE ? path.resolve(workspaceRoot, env.CELLFLOW_STORE) : path.join(workspaceRoot, '.cellflow', 'cellflow.db');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
