import * as vscode from 'vscode';

/** Built-in extensions that activate only on demand, to measure the same way as a baseline. */
const BASELINES = ['vscode.configuration-editing', 'vscode.extension-editing', 'vscode.references-view', 'vscode.npm'];

async function timeActivation(ext: vscode.Extension<unknown>): Promise<number> {
  const t0 = performance.now();
  await ext.activate();
  return performance.now() - t0;
}

/**
 * Resolves once the extension host's event loop has been idle for a while: the workbench's start-up
 * (built-in extensions activating, the file watcher) would otherwise be timed along with Cellflow.
 */
async function extensionHostSettled(): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 50 && performance.now() - started < 30_000) {
    const t = performance.now();
    await new Promise((r) => setTimeout(r, 0));
    quiet = performance.now() - t < 4 ? quiet + 1 : 0;
  }
  return performance.now() - started;
}

/**
 * Runs in the extension host: times Cellflow's activation (loading its bundle and running activate())
 * and a lazily activated built-in extension's, in the same process, and lists native modules loaded.
 * The result goes out as one console line the bench runner parses.
 */
export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension('cellflow.cellflow');
  if (!ext) throw new Error('cellflow.cellflow is not loaded');
  if (ext.isActive) throw new Error('cellflow activated before the bench could time it');
  const baseline = BASELINES.map((id) => vscode.extensions.getExtension(id)).find((e) => e && !e.isActive);
  const settleMs = await extensionHostSettled();
  const cellflowMs = await timeActivation(ext);
  const nativeModules = Object.keys(require.cache).filter((k) => !k.startsWith(vscode.env.appRoot) && /\.node$|better-sqlite3|onnxruntime/.test(k));
  await extensionHostSettled();
  const baselineMs = baseline ? await timeActivation(baseline) : undefined;
  console.log(`CELLFLOW_BENCH ${JSON.stringify({ cellflowMs, baselineId: baseline?.id, baselineMs, nativeModules, settleMs })}`);
}
