import * as vscode from 'vscode';
import { NotebookStepsRequest, type NotebookStep } from '../../server/src/protocol';
import type { LanguageServerController } from './languageServer';
import { snapshotNotebook } from './notebookSnapshot';

/** Arguments of `cellflow.repromoteStep`, carried by a stale step's status bar item. */
export interface RepromoteArgs {
  notebookUri: string;
  pipelinePath: string;
  stepId: string;
  cells: number[];
}

const REFRESH_AFTER_EDIT_MS = 300;

/**
 * Shows, under each promoted cell, `step <id> v<N> · reads … · writes …`, and a stale marker with a
 * one-click re-promote once the cell no longer matches the promoted version.
 */
export class StepStatusBar implements vscode.NotebookCellStatusBarItemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  private readonly cache = new Map<string, { version: number; steps: Promise<NotebookStep[]> }>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly server: Promise<LanguageServerController>) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.cellflow.{yaml,yml,lock}');
    this.disposables.push(
      watcher,
      watcher.onDidChange(() => this.refresh()),
      watcher.onDidCreate(() => this.refresh()),
      watcher.onDidDelete(() => this.refresh()),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.notebook.notebookType !== 'jupyter-notebook') return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refresh(), REFRESH_AFTER_EDIT_MS);
      }),
      vscode.notebooks.registerNotebookCellStatusBarItemProvider('jupyter-notebook', this),
    );
  }

  refresh(): void {
    this.cache.clear();
    this.changed.fire();
  }

  /** The steps promoted from a notebook, as of its current version (for tests and commands too). */
  steps(notebook: vscode.NotebookDocument): Promise<NotebookStep[]> {
    const key = notebook.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === notebook.version) return hit.steps;
    const steps = this.server
      .then((c) => c.request(NotebookStepsRequest, { notebook: snapshotNotebook(notebook) }))
      .then((r) => r.steps, () => []);
    this.cache.set(key, { version: notebook.version, steps });
    return steps;
  }

  async provideCellStatusBarItems(cell: vscode.NotebookCell): Promise<vscode.NotebookCellStatusBarItem[]> {
    if (cell.kind !== vscode.NotebookCellKind.Code) return [];
    const steps = (await this.steps(cell.notebook)).filter((s) => s.cells.includes(cell.index));
    return steps.map((s) => {
      const where = vscode.workspace.asRelativePath(s.pipelinePath);
      if (s.stale) {
        const item = new vscode.NotebookCellStatusBarItem(`$(warning) step ${s.stepId} v${s.version} stale · re-promote`, vscode.NotebookCellStatusBarAlignment.Left);
        item.tooltip = `Step ${s.stepId} of ${where}: ${s.staleReason ?? 'the cells changed'}. Click to promote them as v${s.version + 1}.`;
        item.command = { title: 'Re-promote', command: 'cellflow.repromoteStep', arguments: [{ notebookUri: cell.notebook.uri.toString(), pipelinePath: s.pipelinePath, stepId: s.stepId, cells: s.cells } satisfies RepromoteArgs] };
        return item;
      }
      const updated = s.updates.length ? ` · updates ${list(s.updates)}` : '';
      const setup = s.setup.length ? ` · setup from ${s.setup.length === 1 ? s.setup[0].split(':')[0] : `${s.setup.length} lines`}` : '';
      const d = s.descendants;
      const descended = d && (d.runs || d.modelVersions) ? ` · ${d.runs} run${d.runs === 1 ? '' : 's'}, ${d.modelVersions} model version${d.modelVersions === 1 ? '' : 's'}` : '';
      const item = new vscode.NotebookCellStatusBarItem(`$(layers) step ${s.stepId} v${s.version} · reads ${list(s.reads)} · writes ${list(s.writes)}${updated}${setup}${descended}`, vscode.NotebookCellStatusBarAlignment.Left);
      item.tooltip = [
        `Step ${s.stepId} v${s.version} of ${where}`,
        `reads: ${s.reads.join(', ') || '-'}`,
        `writes: ${s.writes.join(', ') || '-'}`,
        ...(s.updates.length ? [`updates (changes in place, so reads and writes): ${s.updates.join(', ')}`] : []),
        ...(s.setup.length ? ['setup carried from earlier cells, run first:', ...s.setup.map((l) => `  ${l}`)] : []),
        ...(d ? [`descending from this version: ${d.runs} runs (its own and every step after it), ${d.modelVersions} model versions`] : []),
      ].join('\n');
      item.command = { title: 'Open Pipeline', command: 'vscode.open', arguments: [vscode.Uri.file(s.pipelinePath)] };
      return item;
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

function list(names: string[]): string {
  if (names.length === 0) return '-';
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} +${names.length - 3}`;
}
