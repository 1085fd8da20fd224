import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { normalizeEol, sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/lintContext';
import { lockPathFor } from '../core/pipeline/lockFile';
import type { PathRefusal } from '../core/workspacePath';
import { readWorkspaceFile, workspaceFileStatus } from '../io/workspaceFile';
import type { NotebookSnapshot } from '../protocol';
import { fromSnapshot } from './promotion';
import type { Workspace } from './workspace';

interface FileFacts {
  /** The workspace folder the file was read for: the rule depends on it. */
  root: string;
  exists: boolean;
  hash?: string;
  text?: string;
  notebook?: Notebook | Error;
}

/**
 * What the linter knows of other files, in the server: open editors first (unsaved notebooks arrive as
 * snapshots from the client; step files are synced text documents), then the disk. Disk facts are
 * cached until the client's file watcher reports a change, so a keystroke in a pipeline costs no I/O.
 * Only regular files inside the pipeline's workspace folder are read (io/workspaceFile), open or not:
 * a pipeline is untrusted input, and `notebook: /proc/self/fd/0` must not read the server's own stdin.
 */
export class ServerFiles {
  private readonly facts = new Map<string, FileFacts>();
  /** Path checks (real path and kind, no content), kept until the watcher reports a change. */
  private readonly statuses = new Map<string, { root: string; status: ReturnType<typeof workspaceFileStatus> }>();
  private readonly openNotebooks = new Map<string, Notebook>();
  /** Document URIs by path: a lint asks about each file a pipeline names, and building a URI is not free. */
  private readonly uris = new Map<string, string>();
  /** Bumped on every change the linter's file checks could see. */
  private generation = 0;

  constructor(private readonly workspace: Workspace) {}

  contextFor(pipelinePath: string): LintContext {
    const root = this.workspace.rootFor(pipelinePath);
    // Whether a file is there, or refused, costs a stat: a step's `files:` may hold gigabytes. Contents
    // are read only when asked for (a code file's hash, a notebook, the lock).
    const refused = (file: string) => this.pathRefusal(file, root);
    return {
      pipelinePath,
      refused,
      exists: (file) => !refused(file) && (this.isOpen(file) || this.statusOf(file, root).kind === 'file'),
      fileHash: (file) => {
        if (refused(file)) return undefined;
        const open = this.openText(file);
        if (open !== undefined) return sha256(normalizeEol(open));
        return this.disk(file, root).hash;
      },
      notebook: (file) => (refused(file) ? undefined : (this.openNotebooks.get(file) ?? this.diskNotebook(file, root))),
      lockText: () => {
        const lock = lockPathFor(pipelinePath);
        if (refused(lock)) return undefined;
        return this.openText(lock) ?? this.disk(lock, root, true).text;
      },
      generation: () => this.generation,
    };
  }

  /** A file changed, appeared or went away on disk; for a folder, everything under it. */
  invalidate(file: string): void {
    this.facts.delete(file);
    this.statuses.delete(file);
    const folder = file.endsWith(path.sep) ? file : file + path.sep;
    for (const known of this.facts.keys()) if (known.startsWith(folder)) this.facts.delete(known);
    for (const known of this.statuses.keys()) if (known.startsWith(folder)) this.statuses.delete(known);
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

  private isOpen(file: string): boolean {
    return this.openNotebooks.has(file) || this.openText(file) !== undefined;
  }

  /** The path rule for a file, open or not: its real path and kind, no content read. */
  private pathRefusal(file: string, root: string): PathRefusal | undefined {
    const status = this.statusOf(file, root);
    return status.kind === 'refused' ? status.refusal : undefined;
  }

  private statusOf(file: string, root: string): ReturnType<typeof workspaceFileStatus> {
    let known = this.statuses.get(file);
    if (known?.root !== root) {
      known = { root, status: workspaceFileStatus(file, root) };
      this.statuses.set(file, known);
    }
    return known.status;
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

  /**
   * What the disk says of a file, read once until it changes. The text is kept only when asked for (the
   * lock) or until the notebook it holds is parsed, so a thousand step files cost their hashes only.
   */
  private disk(file: string, root: string, keepText = false): FileFacts {
    let f = this.facts.get(file);
    if (!f || f.root !== root || (keepText && f.exists && f.text === undefined)) {
      let read;
      try {
        read = readWorkspaceFile(file, root);
      } catch {
        read = { kind: 'missing' } as const; // unreadable (permissions, I/O): as good as missing to lint
      }
      if (read.kind === 'text') f = { root, exists: true, hash: sha256(normalizeEol(read.text)), ...(keepText ? { text: read.text } : {}) };
      else f = { root, exists: false };
      this.facts.set(file, f);
    }
    return f;
  }

  private diskNotebook(file: string, root: string): Notebook | Error | undefined {
    const f = this.disk(file, root);
    if (!f.exists) return undefined;
    if (!f.notebook) {
      try {
        const read = readWorkspaceFile(file, root);
        f.notebook = read.kind === 'text' ? parseNotebook(read.text, path.basename(file)) : new Error(read.kind === 'refused' ? read.refusal.message : `${path.basename(file)}: no such file`);
      } catch (err) {
        f.notebook = err instanceof Error ? err : new Error(String(err));
      }
    }
    return f.notebook;
  }
}
