import * as path from 'node:path';
import { normalizeEol, sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/lintContext';
import { lockPathFor } from '../core/pipeline/lockFile';
import type { PathRefusal } from '../core/workspacePath';
import { findWorkspaceRoot } from './storeLocation';
import { readWorkspaceFile, type WorkspaceRead } from './workspaceFile';

/** What one lint run knows of a file: read at most once, whatever asks. */
export interface DiskFacts {
  read: WorkspaceRead;
  hash?: string;
  notebook?: Notebook | Error;
}

/**
 * What the CLI's linter knows of other files: the disk, each file read at most once per run, and only
 * regular files inside the workspace (the nearest folder up from the pipeline holding .cellflow/ or
 * .git, as promotion finds it), up to the size cap. `facts` may be shared by the pipelines of one run.
 */
export function diskContext(pipelinePath: string, facts = new Map<string, DiskFacts>(), root = findWorkspaceRoot(path.dirname(pipelinePath), {})): LintContext {
  const get = (file: string): DiskFacts => {
    const key = `${root}\0${file}`;
    let f = facts.get(key);
    if (!f) facts.set(key, (f = { read: readWorkspaceFile(file, root) }));
    return f;
  };
  const text = (file: string) => {
    const { read } = get(file);
    return read.kind === 'text' ? read.text : undefined;
  };
  return {
    pipelinePath,
    refused: (file): PathRefusal | undefined => {
      const { read } = get(file);
      return read.kind === 'refused' ? read.refusal : undefined;
    },
    exists: (file) => get(file).read.kind === 'text',
    fileHash: (file) => {
      const f = get(file);
      if (f.read.kind !== 'text') return undefined;
      return (f.hash ??= sha256(normalizeEol(f.read.text)));
    },
    notebook: (file) => {
      const f = get(file);
      if (f.read.kind !== 'text') return undefined;
      if (!f.notebook) {
        try {
          f.notebook = parseNotebook(f.read.text, path.basename(file));
        } catch (err) {
          f.notebook = err instanceof Error ? err : new Error(String(err));
        }
      }
      return f.notebook;
    },
    lockText: () => text(lockPathFor(pipelinePath)),
  };
}
