import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/fileChecks';
import { lockPathFor } from '../core/promote/lockFile';
import type { NotebookSnapshot } from '../protocol';
import { fromSnapshot } from './promotion';
import type { Workspace } from './workspace';

interface FileFacts {
  exists: boolean;
  hash?: string;
  notebook?: Notebook | Error;
}

/**
 * What the linter knows of other files, in the server: open editors first (unsaved notebooks arrive as
 * snapshots from the client; step files are synced text documents), then the disk. Disk facts are
 * cached until the client's file watcher reports a change, so a keystroke in a pipeline costs no I/O.
 */
export class ServerFiles {
  private readonly facts = new Map<string, FileFacts>();
  private readonly openNotebooks = new Map<string, Notebook>();

  constructor(private readonly workspace: Workspace) {}

  contextFor(pipelinePath: string): LintContext {
    return {
      pipelinePath,
      exists: (file) => this.openText(file) !== undefined || this.openNotebooks.has(file) || this.disk(file).exists,
      fileHash: (file) => {
        const open = this.openText(file);
        if (open !== undefined) return sha256(open);
        return this.disk(file).hash;
      },
      notebook: (file) => this.openNotebooks.get(file) ?? this.diskNotebook(file),
      lockText: () => this.workspace.read(lockPathFor(pipelinePath)),
    };
  }

  /** A file changed, appeared or went away on disk. */
  invalidate(file: string): void {
    this.facts.delete(file);
  }

  invalidateAll(): void {
    this.facts.clear();
  }

  setOpenNotebook(snapshot: NotebookSnapshot): void {
    this.openNotebooks.set(snapshot.path, fromSnapshot(snapshot));
  }

  closeNotebook(file: string): void {
    this.openNotebooks.delete(file);
  }

  private openText(file: string): string | undefined {
    return this.workspace.openText(URI.file(file).toString());
  }

  private disk(file: string): FileFacts {
    let f = this.facts.get(file);
    if (!f) {
      try {
        const data = fs.readFileSync(file);
        f = { exists: true, hash: sha256(data.toString('utf8')) };
      } catch {
        f = { exists: false };
      }
      this.facts.set(file, f);
    }
    return f;
  }

  private diskNotebook(file: string): Notebook | Error | undefined {
    const f = this.disk(file);
    if (!f.exists) return undefined;
    if (!f.notebook) {
      try {
        f.notebook = parseNotebook(fs.readFileSync(file, 'utf8'), path.basename(file));
      } catch (err) {
        f.notebook = err instanceof Error ? err : new Error(String(err));
      }
    }
    return f.notebook;
  }
}
