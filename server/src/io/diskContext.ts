import * as path from 'node:path';
import { normalizeEol, sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/lintContext';
import { lockPathFor } from '../core/pipeline/lockFile';
import type { PathRefusal } from '../core/workspacePath';
import { findWorkspaceRoot } from './storeLocation';
import { readWorkspaceFile, workspaceFileStatus, type WorkspaceRead } from './workspaceFile';

/** What one lint run knows of a file: its kind (no content read), then its text when asked, each once. */
export interface DiskFacts {
  status: ReturnType<typeof workspaceFileStatus>;
  read?: WorkspaceRead;
  hash?: string;
  notebook?: Notebook | Error;
}

/**
 * What the CLI's linter knows of other files: the disk, each file looked at at most once per run, and
 * only regular files inside the workspace (the nearest folder up from the pipeline holding .cellflow/ or
 * .git, as promotion finds it). Whether a file exists costs a stat: a step's `files:` may hold
 * gigabytes. Contents (notebooks, code files, the lock) are read up to the size cap. `facts` may be
 * shared by the pipelines of one run.
 */
export function diskContext(pipelinePath: string, facts = new Map<string, DiskFacts>(), root = findWorkspaceRoot(path.dirname(pipelinePath), {})): LintContext {
  const get = (file: string): DiskFacts => {
    const key = `${root}\0${file}`;
    let f = facts.get(key);
    if (!f) facts.set(key, (f = { status: workspaceFileStatus(file, root) }));
    return f;
  };
  const read = (file: string): WorkspaceRead => {
    const f = get(file);
    if (f.status.kind !== 'file') return f.status.kind === 'refused' ? { kind: 'refused', refusal: f.status.refusal } : { kind: 'missing' };
    return (f.read ??= readWorkspaceFile(file, root));
  };
  const text = (file: string) => {
    const r = read(file);
    return r.kind === 'text' ? r.text : undefined;
  };
  return {
    pipelinePath,
    refused: (file): PathRefusal | undefined => {
      const { status } = get(file);
      return status.kind === 'refused' ? status.refusal : undefined;
    },
    exists: (file) => get(file).status.kind === 'file',
    fileHash: (file) => {
      const t = text(file);
      if (t === undefined) return undefined;
      const f = get(file);
      return (f.hash ??= sha256(normalizeEol(t)));
    },
    notebook: (file) => {
      const f = get(file);
      if (f.status.kind !== 'file') return undefined;
      if (!f.notebook) {
        const r = read(file);
        try {
          f.notebook = r.kind === 'text' ? parseNotebook(r.text, path.basename(file)) : new Error(r.kind === 'refused' ? r.refusal.message : `${path.basename(file)}: no such file`);
        } catch (err) {
          f.notebook = err instanceof Error ? err : new Error(String(err));
        }
      }
      return f.notebook;
    },
    lockText: () => text(lockPathFor(pipelinePath)),
  };
}
