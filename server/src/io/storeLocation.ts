import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../core/workspacePath';
import { realRoot, resolveForWrite } from './workspaceFile';

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

/**
 * Where the store file at `file` really is, when that is outside the workspace although `file` itself is
 * inside it (a link in .cellflow/ that came with a cloned repository, say); else undefined. A file named
 * outside the workspace (--store, or CELLFLOW_STORE=/data/runs.db) was chosen on purpose and is left be.
 * The Python client applies the same rule (_location.link_out_of_workspace).
 */
export function storeLinkedOut(file: string, root: string): string | undefined {
  if (!isInside(path.resolve(root), path.resolve(file))) return undefined;
  const real = resolveForWrite(file);
  return isInside(realRoot(root), real) ? undefined : real;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
