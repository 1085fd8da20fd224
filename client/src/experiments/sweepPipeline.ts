import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { describeSweepProgress, RunsRequest, rankableMetrics, suggestValues, SweepProgressNotification, SweepRequest, defaultGoal, type SweepParams, type SweepReport } from '../../../server/src/protocol';
import type { StoreAccess } from './storeAccess';

/** What a test (or a caller that knows) gives instead of the pickers. */
export interface SweepChoices {
  params: string[];
  metric?: string;
  goal?: 'min' | 'max';
}

/** The sweep's trials, for Compare Runs, with the metric they are judged by. */
export interface SweptRuns {
  folder: string;
  report: SweepReport;
}

/**
 * "Sweep Parameters" on a pipeline file: pick its params and the values of each (offered from the
 * current value), and the metric to judge by (those its runs logged); the server runs `cellflow
 * sweep` with a cancellable progress notification. Returns the report for Compare Runs.
 */
export async function sweepPipeline(stores: StoreAccess, target?: vscode.Uri, given?: SweepChoices): Promise<SweptRuns | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('Cellflow does not run pipelines in an untrusted workspace: trust this folder (Workspace Trust) to sweep.');
    return undefined;
  }
  const uri = target ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || !/\.cellflow\.ya?ml$/.test(uri.fsPath)) {
    void vscode.window.showInformationMessage('Cellflow: open a pipeline file (*.cellflow.yaml) to sweep its params.');
    return undefined;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? stores.folders()[0];
  if (!folder) return undefined;
  const choices = given ?? (await pickSweep(stores, folder, uri));
  if (!choices?.params.length) return undefined;
  const progressToken = randomUUID();
  const python = vscode.workspace.getConfiguration('cellflow', uri).get<string>('python.path') || undefined;
  const params: SweepParams = { folder, pipeline: uri.fsPath, params: choices.params, progressToken, ...(python ? { python } : {}), ...(choices.metric ? { metric: choices.metric, goal: choices.goal ?? defaultGoal(choices.metric) } : {}) };
  const name = vscode.workspace.asRelativePath(uri, false);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cellflow: sweeping ${name}`, cancellable: true }, async (progress, token) => {
    const sub = await stores.onNotification(SweepProgressNotification, (n) => {
      if (n.progressToken !== progressToken) return;
      progress.report({ message: describeSweepProgress(n.progress), ...(n.progress.phase === 'done' ? { increment: 100 / n.progress.of } : {}) });
    });
    try {
      const report = await stores.request(SweepRequest, params, token);
      stores.refresh();
      const failed = report.trials.filter((t) => t.status !== 'succeeded').length;
      const best = report.best ? ` Best: trial ${report.best.trial}, ${report.metric} ${Number(report.best.metric?.toPrecision(6))}.` : '';
      void vscode.window.showInformationMessage(`Cellflow: ${report.trials.length} trial${report.trials.length === 1 ? '' : 's'} ran${failed ? `, ${failed} failed` : ''}.${best}`);
      return { folder, report };
    } catch (err) {
      if (!token.isCancellationRequested) void vscode.window.showErrorMessage(`Cellflow: ${err instanceof Error ? err.message : String(err)}`);
      else void vscode.window.showInformationMessage('Cellflow: sweep cancelled; the trials that finished are in the Runs view.');
      return undefined;
    } finally {
      sub.dispose();
    }
  });
}

/** The params (from the pipeline's outline), their values, and the metric. */
async function pickSweep(stores: StoreAccess, folder: string, uri: vscode.Uri): Promise<SweepChoices | undefined> {
  const symbols = (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri)) ?? [];
  const declared = symbols.find((s) => s.name === 'params')?.children ?? [];
  if (!declared.length) {
    void vscode.window.showInformationMessage('Cellflow: this pipeline declares no params to sweep; add a params: block and use them in steps.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    declared.map((s) => ({ label: s.name, description: s.detail })),
    { title: 'Sweep Parameters: which params?', canPickMany: true, placeHolder: 'Each trial runs only the steps that use a changed param' },
  );
  if (!picked?.length) return undefined;
  const params: string[] = [];
  for (const p of picked) {
    let current: unknown = p.description;
    try {
      current = JSON.parse(p.description ?? '');
    } catch {
      /* text */
    }
    const values = await vscode.window.showInputBox({ title: `Sweep Parameters: values of ${p.label}`, prompt: 'A list (0.01,0.1,1) or a range LOW:HIGH:lin|log[:COUNT]', value: suggestValues(current) });
    if (!values) return undefined;
    params.push(`${p.label}=${values}`);
  }
  // The metrics this workspace's runs have logged, even once: a first sweep may follow a single run.
  const { runs } = await stores.request(RunsRequest, { folder, limit: 200 });
  const NONE = '$(circle-slash) No metric';
  const metric = await vscode.window.showQuickPick([...rankableMetrics(runs, 1).filter((m) => !m.startsWith('checks.')).map((m) => ({ label: m, description: `${defaultGoal(m) === 'min' ? 'lower' : 'higher'} is better` })), { label: NONE }], { title: 'Sweep Parameters: judge the trials by which metric?' });
  if (!metric) return undefined;
  return { params, ...(metric.label !== NONE ? { metric: metric.label } : {}) };
}
