import * as fs from 'node:fs';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { findPipelineFiles, readIfExists } from '../io/files';

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

  read(path: string): string | undefined {
    return this.documents.get(URI.file(path).toString())?.getText() ?? readIfExists(path);
  }
}
