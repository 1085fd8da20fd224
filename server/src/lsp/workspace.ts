import * as fs from 'node:fs';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import * as path from 'node:path';
import { isInside } from '../core/workspacePath';
import { findPipelineFiles } from '../io/files';
import { findWorkspaceRoot } from '../io/storeLocation';
import { readWorkspaceFile } from '../io/workspaceFile';

/**
 * The workspace as the server sees it: its folders, the pipeline files in them (found once, then kept
 * up to date by the client's file watcher), and file texts, preferring an open editor's unsaved text.
 */
export class Workspace {
  private uris: string[] = [];
  private folders: string[] = [];
  private pipelineFiles: string[] | undefined;

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  setFolders(uris: string[]): void {
    this.uris = uris;
    this.folders = uris.map((u) => URI.parse(u).fsPath).filter((p) => fs.existsSync(p));
    this.pipelineFiles = undefined;
  }

  folderUris(): string[] {
    return this.uris;
  }

  /** A pipeline file appeared, changed or went away. */
  invalidate(): void {
    this.pipelineFiles = undefined;
  }

  /** A pipeline the server is about to have written (by a promotion): list it before the watcher says so. */
  notePipeline(path: string): void {
    const list = this.pipelines();
    if (!list.includes(path)) list.push(path);
  }

  pipelines(): string[] {
    this.pipelineFiles ??= this.folders.flatMap((f) => findPipelineFiles(f));
    return this.pipelineFiles;
  }

  /** The text of an open document (any language the client syncs), if open. */
  openText(uri: string): string | undefined {
    return this.documents.get(uri)?.getText();
  }

  /**
   * The workspace a file belongs to, for the rule that Cellflow reads and writes inside it only: the
   * innermost open folder holding it, else (a file opened on its own) the nearest folder up holding
   * .cellflow/ or .git, as the CLI finds it.
   */
  rootFor(file: string): string {
    let best: string | undefined;
    for (const f of this.folders) if ((file === f || isInside(f, file)) && (!best || f.length > best.length)) best = f;
    return best ?? findWorkspaceRoot(path.dirname(file), {});
  }

  /**
   * A file's text: an open editor's, else the disk's when it is a regular file inside the workspace
   * (a pipeline names the files promotion reads, and a pipeline is untrusted input). Anything else reads
   * as missing; lint says why.
   */
  read(file: string): string | undefined {
    const open = this.documents.get(URI.file(file).toString())?.getText();
    if (open !== undefined) return open;
    const read = readWorkspaceFile(file, this.rootFor(file));
    return read.kind === 'text' ? read.text : undefined;
  }
}
