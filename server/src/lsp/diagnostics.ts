import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../core/diagnostic';
import { lintPipeline } from '../core/pipeline/lint';

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'cellflow', message: d.message };
}

/**
 * Lints open documents after changes. Changes that arrive while a lint is queued coalesce into one run
 * on the newest text, so fast typing in a big file never builds a backlog.
 */
export class DiagnosticsScheduler {
  private readonly pending = new Set<string>();
  private flushQueued = false;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
  ) {}

  schedule(uri: string): void {
    this.pending.add(uri);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  clear(uri: string): void {
    this.pending.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
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

  private publish(doc: TextDocument): void {
    let diagnostics: LspDiagnostic[];
    try {
      diagnostics = lintPipeline(doc.getText()).map(toLspDiagnostic);
    } catch (err) {
      // A linter bug must not take the server down with it: report it on the file and in the log.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.connection.console.error(`Linting ${doc.uri} failed: ${message}`);
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
}
