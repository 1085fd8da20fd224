import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BenchHistoryRequest, BenchProgressNotification, BenchProvidersRequest, BenchRequest, describeBenchProgress, ModelsRequest, type BenchParams } from '../../../server/src/protocol';
import { BenchPanel } from './benchPanel';
import type { RegistryNode } from './registryTree';
import type { StoreAccess } from './storeAccess';

/** What a test (or a caller that knows) gives instead of the pickers. */
export interface BenchChoices {
  eps?: string[];
  batches?: number[];
  maxSeconds?: number;
}

const DEFAULT_BATCHES = '1,8,32';

/**
 * "Benchmark Model": on an .onnx file (explorer, palette) or a model version (Model Registry): pick
 * the providers (those absent shown with their reason) and batch sizes, then the server runs
 * `cellflow bench` with a cancellable progress notification, and the results page opens.
 */
export async function benchmarkModel(context: vscode.ExtensionContext, stores: StoreAccess, target?: vscode.Uri | RegistryNode, given: BenchChoices = {}): Promise<BenchPanel | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('Cellflow does not load models into a runtime in an untrusted workspace: trust this folder (Workspace Trust) to benchmark.');
    return undefined;
  }
  const picked = await modelOf(stores, target);
  if (!picked) return undefined;
  const { folder, model, label, name } = picked;
  const eps = given.eps ?? (await pickProviders(stores, folder));
  if (!eps?.length) return undefined;
  const batches = given.batches ?? (await pickBatches());
  if (!batches?.length) return undefined;
  const progressToken = randomUUID();
  const params: BenchParams = { folder, model, eps, batches, progressToken, ...(given.maxSeconds ? { maxSeconds: given.maxSeconds } : {}) };
  const panel = BenchPanel.show(context, label);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cellflow: benchmarking ${label}`, cancellable: true }, async (progress, token) => {
    const sub = await stores.onNotification(BenchProgressNotification, (n) => {
      if (n.progressToken !== progressToken) return;
      const message = describeBenchProgress(n.progress);
      progress.report({ message });
      panel.running(message);
    });
    try {
      const { report } = await stores.request(BenchRequest, params, token);
      const { benchmarks } = await stores.request(BenchHistoryRequest, { folder, model: name });
      panel.results(report, benchmarks);
      stores.refresh();
      return panel;
    } catch (err) {
      panel.failed(token.isCancellationRequested ? 'Cancelled: nothing was stored.' : err instanceof Error ? err.message : String(err));
      if (!token.isCancellationRequested) void vscode.window.showErrorMessage(`Cellflow: ${err instanceof Error ? err.message : String(err)}`);
      return panel;
    } finally {
      sub.dispose();
    }
  });
}

type Picked = { folder: string; model: BenchParams['model']; label: string; name: string };

async function modelOf(stores: StoreAccess, target: vscode.Uri | RegistryNode | undefined): Promise<Picked | undefined> {
  if (target instanceof vscode.Uri) {
    const folder = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? stores.folders()[0];
    if (!folder) return undefined;
    const rel = path.relative(folder, target.fsPath).split(path.sep).join('/');
    return { folder, model: { kind: 'file', path: rel }, label: rel, name: rel };
  }
  if (target && target.kind === 'version') {
    const id = `${target.model}@${target.version.version}`;
    return { folder: target.folder, model: { kind: 'model', model: id }, label: id, name: target.model };
  }
  // The palette: the registry's versions, then the workspace's .onnx files.
  const folder = stores.folders()[0];
  if (!folder) return undefined;
  const { models } = await stores.request(ModelsRequest, { folder });
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.onnx'), '**/{node_modules,.git}/**', 200);
  type Item = vscode.QuickPickItem & { picked2: Picked };
  const items: Item[] = [
    ...models.flatMap((m) => m.versions.filter((v) => v.artifactPath.endsWith('.onnx')).map((v): Item => ({ label: `${m.name}@${v.version}`, description: [v.artifactPath, ...v.aliases.map((a) => `@${a}`)].join(' · '), picked2: { folder, model: { kind: 'model', model: `${m.name}@${v.version}` }, label: `${m.name}@${v.version}`, name: m.name } }))),
    ...files.map((u): Item => {
      const rel = path.relative(folder, u.fsPath).split(path.sep).join('/');
      return { label: rel, description: 'file', picked2: { folder, model: { kind: 'file', path: rel }, label: rel, name: rel } };
    }),
  ];
  if (!items.length) {
    void vscode.window.showInformationMessage('Cellflow: no ONNX model in this workspace or its registry to benchmark.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title: 'Benchmark Model', placeHolder: 'A model version or an .onnx file' }))?.picked2;
}

async function pickProviders(stores: StoreAccess, folder: string): Promise<string[] | undefined> {
  const { present, unavailable } = await stores.request(BenchProvidersRequest, { folder });
  const items: Array<vscode.QuickPickItem & { ep: string; ok: boolean }> = [
    ...present.map((ep) => ({ label: ep, description: 'available', picked: ep === 'cpu', ep, ok: true })),
    ...unavailable.map((u) => ({ label: `$(circle-slash) ${u.ep}`, description: 'unavailable', detail: u.reason, ep: u.ep, ok: false })),
  ];
  const chosen = await vscode.window.showQuickPick(items, { title: 'Benchmark Model: execution providers', canPickMany: true, placeHolder: 'Providers to measure (unavailable ones say why)' });
  if (!chosen) return undefined;
  const absent = chosen.filter((c) => !c.ok);
  if (absent.length) void vscode.window.showWarningMessage(`Cellflow: ${absent.map((a) => a.ep).join(', ')} cannot run here: ${absent.map((a) => unavailable.find((u) => u.ep === a.ep)?.reason).join('; ')}`);
  return chosen.filter((c) => c.ok).map((c) => c.ep);
}

async function pickBatches(): Promise<number[] | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'Benchmark Model: batch sizes',
    value: DEFAULT_BATCHES,
    prompt: 'Comma-separated batch sizes',
    validateInput: (v) => (/^\s*\d+(\s*,\s*\d+)*\s*$/.test(v) && v.split(',').every((b) => Number(b) > 0) ? undefined : 'Positive integers, comma-separated (1,8,32)'),
  });
  return text?.split(',').map((b) => Number(b.trim()));
}
