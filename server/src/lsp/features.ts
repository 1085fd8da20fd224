import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  ErrorCodes,
  ResponseError,
  SymbolKind,
  type CodeAction as LspCodeAction,
  type Connection,
  type DocumentSymbol,
  type Location,
  type Range,
  type TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { Diagnostic, DiagnosticCode } from '../core/diagnostic';
import { addChecksEdit, type RecordedOutputs } from '../core/pipeline/features/checksBlock';
import { codeActions } from '../core/pipeline/features/codeActions';
import { completions } from '../core/pipeline/features/completion';
import { hover } from '../core/pipeline/features/hover';
import { definition, references, type Place } from '../core/pipeline/features/navigation';
import { prepareRename, renameStep } from '../core/pipeline/features/rename';
import { documentSymbols, type SymbolNode } from '../core/pipeline/features/symbols';
import type { LintResult } from '../core/pipeline/lint';
import { lockPathFor } from '../core/pipeline/lockFile';
import { LineIndex, type Lines } from '../core/text/lineIndex';
import { AddChecksRequest } from '../protocol';
import type { DiagnosticsScheduler } from './diagnostics';
import { PIPELINE_LANGUAGE } from './diagnostics';
import type { ServerFiles } from './lintContext';
import { onRequest } from './requests';
import type { Workspace } from './workspace';

/** The columns the last run recorded for a step's table outputs (from the store): completion under `checks:`, and Add Checks. */
export type RecordedOutputsOf = (pipelinePath: string, stepId: string) => RecordedOutputs;

/** The editing features, each a thin layer over core/pipeline/features on the document's current lint. */
export function registerFeatures(connection: Connection, documents: TextDocuments<TextDocument>, lint: DiagnosticsScheduler, files: ServerFiles, workspace: Workspace, recordedOf?: RecordedOutputsOf): void {
  const open = (uri: string): { doc: TextDocument; result: Required<Pick<LintResult, 'parsed' | 'model'>>; fsPath?: string } | undefined => {
    const doc = documents.get(uri);
    if (!doc || doc.languageId !== PIPELINE_LANGUAGE) return undefined;
    const result = lint.current(doc);
    if (!result.parsed || !result.model) return undefined;
    const u = URI.parse(uri);
    return { doc, result: { parsed: result.parsed, model: result.model }, fsPath: u.scheme === 'file' ? u.fsPath : undefined };
  };
  const context = (fsPath: string | undefined) => (fsPath ? files.contextFor(fsPath) : undefined);

  connection.onCompletion(({ textDocument, position }) => {
    const o = open(textDocument.uri);
    if (!o) return [];
    const { parsed, model } = o.result;
    const fsPath = o.fsPath;
    const facts = fsPath && recordedOf ? { columns: (stepId: string, output: string) => [...(recordedOf(fsPath, stepId)[output] ?? [])] as Array<[string, string]> } : undefined;
    return completions(parsed.text, parsed.lines, model, parsed.lines.offsetAt(position), facts).map((c) => ({
      label: c.label,
      kind: { key: CompletionItemKind.Property, step: CompletionItemKind.Function, param: CompletionItemKind.Constant, name: CompletionItemKind.Variable }[c.kind],
      detail: c.detail,
      documentation: c.documentation,
      insertText: c.insertText,
    }));
  });

  // The maturity view's "Add checks to step X": the block the last run's columns suggest, as an edit the editor applies.
  onRequest(connection, AddChecksRequest, ({ uri, stepId }) => {
    const o = open(uri);
    if (!o) throw new ResponseError(ErrorCodes.InvalidParams, 'the pipeline file is not open, or does not parse');
    const { parsed, model } = o.result;
    const step = model.steps.find((s) => s.id?.value === stepId);
    if (!step) throw new ResponseError(ErrorCodes.InvalidParams, `the pipeline has no step ${stepId}`);
    if (step.checks.length) return { reason: `${stepId} has a checks block already` };
    const edit = addChecksEdit(parsed, model, stepId, o.fsPath && recordedOf ? recordedOf(o.fsPath, stepId) : {});
    return edit ? { edit: { range: parsed.lines.rangeOf(edit.start, edit.end), newText: edit.newText } } : { reason: `no run of ${stepId} recorded a table output yet: run the pipeline, then add its checks` };
  });

  connection.onHover(({ textDocument, position }) => {
    const o = open(textDocument.uri);
    if (!o) return null;
    const { parsed, model } = o.result;
    const h = hover(parsed, model, parsed.lines.offsetAt(position), context(o.fsPath));
    return h ? { contents: { kind: 'markdown', value: h.markdown }, range: parsed.lines.rangeOf(h.start, h.end) } : null;
  });

  const toLocation = (p: Place, uri: string, lines: Lines): Location => {
    switch (p.kind) {
      case 'range':
        return { uri, range: lines.rangeOf(p.start, p.end) };
      case 'file':
        return { uri: URI.file(p.file).toString(), range: point(0) };
      case 'cell':
        // The client turns a location in an .ipynb into the cell's own document; the line is the cell index.
        return { uri: URI.file(p.notebook).toString(), range: point(p.cell) };
    }
  };

  connection.onDefinition(({ textDocument, position }) => {
    const o = open(textDocument.uri);
    if (!o) return [];
    const { parsed, model } = o.result;
    return definition(parsed, model, parsed.lines.offsetAt(position), context(o.fsPath)).map((p) => toLocation(p, textDocument.uri, parsed.lines));
  });

  connection.onReferences(({ textDocument, position }) => {
    const o = open(textDocument.uri);
    if (!o) return [];
    const { parsed, model } = o.result;
    return references(parsed, model, parsed.lines.offsetAt(position)).map((p) => toLocation(p, textDocument.uri, parsed.lines));
  });

  connection.onPrepareRename(({ textDocument, position }) => {
    const o = open(textDocument.uri);
    if (!o) return null;
    const { parsed, model } = o.result;
    const r = prepareRename(parsed, model, parsed.lines.offsetAt(position));
    return r ? { range: parsed.lines.rangeOf(r.start, r.end), placeholder: r.placeholder } : null;
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const o = open(textDocument.uri);
    if (!o) return null;
    const { parsed, model } = o.result;
    const lockPath = o.fsPath ? lockPathFor(o.fsPath) : undefined;
    const lockText = lockPath ? workspace.read(lockPath) : undefined;
    const r = renameStep(parsed, model, parsed.lines.offsetAt(position), newName, lockText);
    if ('error' in r) throw new Error(r.error);
    const changes: Record<string, Array<{ range: Range; newText: string }>> = {
      [textDocument.uri]: r.edits.map((e) => ({ range: parsed.lines.rangeOf(e.start, e.end), newText: e.newText })),
    };
    if (r.lockText !== undefined && lockPath && lockText !== undefined) {
      const lockLines = new LineIndex(lockText);
      changes[URI.file(lockPath).toString()] = [{ range: lockLines.rangeOf(0, lockText.length), newText: r.lockText }];
    }
    return { changes };
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const o = open(textDocument.uri);
    if (!o) return [];
    const { parsed, model } = o.result;
    const convert = (s: SymbolNode): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: { section: SymbolKind.Namespace, param: SymbolKind.Constant, step: SymbolKind.Function, field: SymbolKind.Property }[s.kind],
      range: parsed.lines.rangeOf(s.start, s.end),
      selectionRange: parsed.lines.rangeOf(s.selectionStart, s.selectionEnd),
      children: s.children.map(convert),
    });
    return documentSymbols(parsed, model).map(convert);
  });

  connection.onCodeAction(({ textDocument, context: ctx }) => {
    const o = open(textDocument.uri);
    if (!o) return [];
    const { parsed, model } = o.result;
    const ours: Diagnostic[] = ctx.diagnostics
      .filter((d) => d.source === 'cellflow' && typeof d.code === 'string')
      .map((d) => ({ range: d.range, severity: d.severity === DiagnosticSeverity.Error ? 'error' : 'warning', code: d.code as DiagnosticCode, message: d.message, data: (d.data ?? undefined) as Record<string, unknown> | undefined }));
    return codeActions(parsed, model, ours, o.fsPath).map((a): LspCodeAction => ({
      title: a.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: ctx.diagnostics.filter((d) => d.message === a.diagnostic.message && d.range.start.line === a.diagnostic.range.start.line),
      isPreferred: a.preferred,
      ...(a.edits ? { edit: { changes: { [textDocument.uri]: a.edits.map((e) => ({ range: parsed.lines.rangeOf(e.start, e.end), newText: e.newText })) } } } : {}),
      ...(a.command ? { command: a.command } : {}),
    }));
  });
}

function point(line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: 0 } };
}

export const FEATURE_CAPABILITIES = {
  completionProvider: { triggerCharacters: [' ', '[', ','] },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  // Run Pipeline / Run Step and the last results: lsp/pipelineRuns.ts
  codeLensProvider: { resolveProvider: false },
};
