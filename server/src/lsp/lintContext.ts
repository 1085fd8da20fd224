import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { normalizeEol, sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/lintContext';
import { lockPathFor } from '../core/pipeline/lockFile';
import type { NotebookSnapshot } from '../protocol';
import { fromSnapshot } from './promotion';
import type { Workspace } from './workspace';

interface FileFacts {
  exists: boolean;
  hash?: string;
  text?: string;
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
  /** Document URIs by path: a lint asks about each file a pipeline names, and building a URI is not free. */
  private readonly uris = new Map<string, string>();
  /** Bumped on every change the linter's file checks could see. */
  private generation = 0;

  constructor(private readonly workspace: Workspace) {}

  contextFor(pipelinePath: string): LintContext {
    return {
      pipelinePath,
      exists: (file) => this.openText(file) !== undefined || this.openNotebooks.has(file) || this.disk(file).exists,
      fileHash: (file) => {
        const open = this.openText(file);
        if (open !== undefined) return sha256(normalizeEol(open));
        return this.disk(file).hash;
      },
      notebook: (file) => this.openNotebooks.get(file) ?? this.diskNotebook(file),
      lockText: () => {
        const lock = lockPathFor(pipelinePath);
        return this.openText(lock) ?? this.disk(lock, true).text;
      },
      generation: () => this.generation,
    };
  }

  /** A file changed, appeared or went away on disk; for a folder, everything under it. */
  invalidate(file: string): void {
    this.facts.delete(file);
    const folder = file.endsWith(path.sep) ? file : file + path.sep;
    for (const known of this.facts.keys()) if (known.startsWith(folder)) this.facts.delete(known);
    this.generation++;
  }

  /** An open document that pipelines may name (a step file) changed in its editor. */
  openDocumentChanged(): void {
    this.generation++;
  }

  setOpenNotebook(snapshot: NotebookSnapshot): void {
    this.openNotebooks.set(snapshot.path, fromSnapshot(snapshot));
    this.generation++;
  }

  closeNotebook(file: string): void {
    this.openNotebooks.delete(file);
    this.generation++;
  }

  private openText(file: string): string | undefined {
    let uri = this.uris.get(file);
    if (uri === undefined) {
      if (this.uris.size > 100_000) this.uris.clear();
      uri = URI.file(file).toString();
      this.uris.set(file, uri);
    }
    return this.workspace.openText(uri);
  }

  private disk(file: string, keepText = false): FileFacts {
    let f = this.facts.get(file);
    if (!f || (keepText && f.exists && f.text === undefined)) {
      try {
        const text = fs.readFileSync(file, 'utf8');
        f = { exists: true, hash: sha256(normalizeEol(text)), ...(keepText ? { text } : {}) };
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
