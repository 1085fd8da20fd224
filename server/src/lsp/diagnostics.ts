import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { Diagnostic } from '../core/diagnostic';
import { FileCheckCache } from '../core/pipeline/fileChecks';
import { PipelineLinter, type LintResult } from '../core/pipeline/lint';
import { DocumentLines } from '../core/text/lineIndex';
import type { ServerFiles } from './lintContext';

export const PIPELINE_LANGUAGE = 'cellflow-pipeline';

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'cellflow', message: d.message, ...(d.data ? { data: d.data } : {}) };
}

/**
 * Lints open pipeline documents after changes to them or to the files they name. Changes that arrive
 * while a lint is queued coalesce into one run on the newest text, so fast typing never builds a
 * backlog; each document keeps its linter, so an edit re-parses only the step it touched.
 */
export class DiagnosticsScheduler {
  private readonly pending = new Set<string>();
  private flushQueued = false;
  private readonly linters = new Map<string, PipelineLinter>();
  /**
   * File check caches by pipeline path, kept after a document closes: keyed by the files' contents,
   * they are still right when it reopens, which then re-parses the text but not the lock.
   */
  private readonly fileChecks = new Map<string, FileCheckCache>();
  private readonly results = new Map<string, { version: number; result: LintResult }>();
  /** Diagnostics other than lint's (a step that failed in the last run), added to each publish. */
  private readonly extra: Array<(doc: TextDocument, result: LintResult) => LspDiagnostic[]> = [];

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly files: ServerFiles,
  ) {}

  schedule(uri: string): void {
    const doc = this.documents.get(uri);
    if (doc && doc.languageId !== PIPELINE_LANGUAGE) return;
    this.pending.add(uri);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  addDiagnostics(source: (doc: TextDocument, result: LintResult) => LspDiagnostic[]): void {
    this.extra.push(source);
  }

  /** A file that pipelines name changed: every open pipeline is linted again. */
  scheduleAll(): void {
    for (const doc of this.documents.all()) if (doc.languageId === PIPELINE_LANGUAGE) this.schedule(doc.uri);
  }

  clear(uri: string): void {
    this.pending.delete(uri);
    this.linters.delete(uri);
    this.results.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** The lint of a document's current version, for editor features that need its parse and model. */
  current(doc: TextDocument): LintResult {
    const hit = this.results.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.result;
    return this.lint(doc);
  }

  private flush(): void {
    this.flushQueued = false;
    const uris = [...this.pending];
    this.pending.clear();
    for (const uri of uris) {
      const doc = this.documents.get(uri);
      if (doc) this.publish(doc);
    }
  }

  private lint(doc: TextDocument): LintResult {
    const uri = URI.parse(doc.uri);
    const pipelinePath = uri.scheme === 'file' ? uri.fsPath : undefined;
    let linter = this.linters.get(doc.uri);
    if (!linter) this.linters.set(doc.uri, (linter = new PipelineLinter({ files: pipelinePath === undefined ? undefined : this.fileChecksFor(pipelinePath) })));
    const context = pipelinePath === undefined ? undefined : this.files.contextFor(pipelinePath);
    const text = doc.getText();
    const result = linter.lint(text, { context, lines: new DocumentLines(text, doc) });
    this.results.set(doc.uri, { version: doc.version, result });
    return result;
  }

  private publish(doc: TextDocument): void {
    let diagnostics: LspDiagnostic[];
    try {
      const result = this.lint(doc);
      diagnostics = result.diagnostics.map(toLspDiagnostic);
      for (const source of this.extra) diagnostics.push(...source(doc, result));
    } catch (err) {
      // A linter bug must not take the server down with it: report it on the file and in the log.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.connection.console.error(`Linting ${doc.uri} failed: ${message}`);
      // Start afresh next time: drop whatever the failed lint left in the caches.
      this.linters.delete(doc.uri);
      this.fileChecks.delete(URI.parse(doc.uri).fsPath);
      diagnostics = [{
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: DiagnosticSeverity.Error,
        source: 'cellflow',
        code: 'internal-error',
        message: `Cellflow could not lint this file (internal error: ${err instanceof Error ? err.message : String(err)}); see the Cellflow log.`,
      }];
    }
    void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  private fileChecksFor(pipelinePath: string): FileCheckCache {
    let cache = this.fileChecks.get(pipelinePath);
    if (!cache) this.fileChecks.set(pipelinePath, (cache = new FileCheckCache()));
    return cache;
  }
}
