import * as vscode from 'vscode';
import type { NotebookSnapshot } from '../../server/src/protocol';

/** The cell metadata VS Code's ipynb serializer keeps: nbformat's `id`, and the cell's own metadata. */
interface IpynbCellMetadata {
  id?: unknown;
  metadata?: { tags?: unknown };
}

/** The notebook as the editor holds it (unsaved edits included), in the shape the server analyses. */
export function snapshotNotebook(doc: vscode.NotebookDocument): NotebookSnapshot {
  const cells = doc.getCells().map((cell) => {
    const meta = (cell.metadata ?? {}) as IpynbCellMetadata & { custom?: IpynbCellMetadata };
    const id = meta.id ?? meta.custom?.id;
    const tags = meta.metadata?.tags ?? meta.custom?.metadata?.tags;
    return {
      kind: cell.kind === vscode.NotebookCellKind.Markup ? ('markdown' as const) : cell.document.languageId === 'raw' ? ('raw' as const) : ('code' as const),
      source: cell.document.getText(),
      ...(typeof id === 'string' ? { id } : {}),
      tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [],
    };
  });
  const codeLanguage = doc.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code)?.document.languageId;
  return { path: doc.uri.fsPath, language: codeLanguage, cells };
}

/** The cells a command should act on: the clicked cell, else the editor's selection. */
export function selectedCellIndices(editor: vscode.NotebookEditor | undefined, clicked?: vscode.NotebookCell): number[] {
  if (clicked && (!editor || !editor.selections.some((r) => clicked.index >= r.start && clicked.index < r.end))) return [clicked.index];
  if (!editor) return [];
  const out = new Set<number>();
  for (const r of editor.selections) for (let i = r.start; i < r.end; i++) out.add(i);
  return [...out].sort((a, b) => a - b);
}
