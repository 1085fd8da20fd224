import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RegistryNode } from '../../client/src/experiments/registryTree';
import type { RunsNode } from '../../client/src/experiments/runsTree';
import { waitFor } from '../support/waitFor';
import { extension, runningServer, workspaceRoot } from './support';

const PYTHON = '/usr/bin/python3';

/** Runs Python with the extension's own copy of the Cellflow client on its path, in the workspace. */
function python(code: string): Promise<string> {
  const root = workspaceRoot().fsPath;
  return new Promise((resolve, reject) => {
    cp.execFile(PYTHON, ['-c', code], { cwd: root, env: { ...process.env, PYTHONPATH: path.join(extension().extensionPath, 'dist', 'python'), PYTHONDONTWRITEBYTECODE: '1', CELLFLOW_WORKSPACE: root, CELLFLOW_STORE: '' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`python failed: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

/** The experiment views' data, as the sidebar's trees are given it. */
async function views() {
  return (await runningServer()).experiments();
}

async function labels<T>(tree: vscode.TreeDataProvider<T>, node?: T): Promise<string[]> {
  const children = (await tree.getChildren(node)) ?? [];
  return Promise.all(children.map(async (c) => String((await tree.getTreeItem(c)).label)));
}

/** Resolves on the tree's next change event (the view is told to refresh), or fails after 15 s. */
function nextChange<T>(tree: vscode.TreeDataProvider<T>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('the view was not told to refresh within 15 s of another process writing the store'));
    }, 15_000);
    const sub = tree.onDidChangeTreeData!(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

describe('the Runs and Model Registry views in the real editor', () => {
  before(async () => {
    await runningServer();
    fs.rmSync(path.join(workspaceRoot().fsPath, '.cellflow'), { recursive: true, force: true });
  });

  it('shows no runs (and so its welcome text) before anything is logged', async () => {
    const { runs, registry } = await views();
    assert.deepEqual(await runs.getChildren(), []);
    assert.deepEqual(await registry.getChildren(), []);
  });

  it('shows a run that another process logs, with its status and key metrics, without a manual refresh', async () => {
    const { runs } = await views();
    const refreshed = nextChange(runs);
    await python(`
import cellflow
with cellflow.start_run(experiment="churn", run_name="baseline"):
    cellflow.log_params({"C": 1.0, "max_iter": 200})
    for step, acc in enumerate([0.71, 0.75, 0.78]):
        cellflow.log_metric("roc_auc", acc, step=step)
    cellflow.log_metric("loss", 0.42)
`);
    await refreshed;
    const experiments = await waitFor(async () => {
      const nodes = (await runs.getChildren()) ?? [];
      return nodes.length ? nodes : undefined;
    }, 'the churn experiment in the Runs view');
    assert.deepEqual(await labels(runs), ['churn']);
    const [run] = (await runs.getChildren(experiments[0])) ?? [];
    const item = await runs.getTreeItem(run);
    assert.equal(item.label, 'baseline');
    assert.equal(item.description, 'loss 0.42 · roc_auc 0.78');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match((item.tooltip as vscode.MarkdownString).value, /\| C \| 1\\\.0 \|/);
  });

  it('registers a run artifact as a model version and shows it, its alias and its lineage in the Registry view', async () => {
    const { registry } = await views();
    const refreshed = nextChange(registry);
    const runId = await python(`
import cellflow, os
os.makedirs("models", exist_ok=True)
open("models/churn.onnx", "wb").write(b"not really onnx")
with cellflow.start_run(experiment="churn", run_name="tuned", pipeline="churn.cellflow.yaml", step_id="train", step_version=2, cell_hash="sha256:" + "ab" * 32) as run:
    cellflow.log_param("C", 0.5)
    cellflow.log_metric("roc_auc", 0.81)
    cellflow.log_artifact("models/churn.onnx")
    v = cellflow.register_model("models/churn.onnx", "churn")
    cellflow.set_alias("churn", v, "staging")
    print(run.run_id)
`);
    await refreshed;
    const [model] = await waitFor(async () => {
      const nodes = (await registry.getChildren()) ?? [];
      return nodes.length ? nodes : undefined;
    }, 'the churn model in the Registry view');
    assert.deepEqual(await labels(registry), ['churn']);
    const [version] = (await registry.getChildren(model)) ?? [];
    const item = await registry.getTreeItem(version);
    assert.equal(item.label, 'v1');
    assert.match(String(item.description), /^@staging · /);
    assert.equal(item.contextValue, 'cellflow.modelVersion');
    const details = ((await registry.getChildren(version)) ?? []) as RegistryNode[];
    assert.deepEqual(
      details.map((d) => d.kind),
      ['alias', 'artifact', 'lineage', 'lineage', 'lineage'],
    );
    const lineage = await Promise.all(details.filter((d) => d.kind === 'lineage').map(async (d) => `${(await registry.getTreeItem(d)).label} ${(await registry.getTreeItem(d)).description}`));
    assert.deepEqual(lineage, [`run ${runId.slice(0, 8)} produced churn v1`, 'step train v2 ran run ' + runId.slice(0, 8), 'cell abababababab promoted step train v2']);
  });

  it('moves an alias set from the CLI, another process, in the Registry view', async () => {
    const { registry } = await views();
    const refreshed = nextChange(registry);
    const cli = path.join(extension().extensionPath, 'dist', 'cli', 'cellflow.js');
    cp.execFileSync('node', [cli, 'models', 'alias', 'churn', '1', 'production'], { cwd: workspaceRoot().fsPath, env: { ...process.env, CELLFLOW_STORE: '' } });
    await refreshed;
    const [model] = (await registry.getChildren()) ?? [];
    const [version] = (await registry.getChildren(model)) ?? [];
    assert.match(String((await registry.getTreeItem(version)).description), /^@production · @staging · /);
  });

  it('marks a version whose latest drift report drifted, once the CLI saves one against it', async () => {
    const { registry } = await views();
    const root = workspaceRoot().fsPath;
    fs.writeFileSync(path.join(root, 'drift-ref.csv'), `x\n${Array.from({ length: 200 }, (_, i) => i).join('\n')}\n`);
    fs.writeFileSync(path.join(root, 'drift-cur.csv'), `x\n${Array.from({ length: 200 }, (_, i) => i + 150).join('\n')}\n`);
    const refreshed = nextChange(registry);
    const cli = path.join(extension().extensionPath, 'dist', 'cli', 'cellflow.js');
    cp.execFileSync('node', [cli, 'drift', '--reference', 'drift-ref.csv', '--current', 'drift-cur.csv', '--save', '--model', 'churn@production'], { cwd: root, env: { ...process.env, CELLFLOW_STORE: '' } });
    await refreshed;
    const [model] = (await registry.getChildren()) ?? [];
    const [version] = (await registry.getChildren(model)) ?? [];
    const item = await registry.getTreeItem(version);
    assert.match(String(item.description), /^drifted \(100% of columns\) · @production/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
  });

  it('lists what a run left behind under it: its artifact and the model version registered from it', async () => {
    const { runs } = await views();
    const [experiment] = (await runs.getChildren()) ?? [];
    const all = ((await runs.getChildren(experiment)) ?? []) as RunsNode[];
    const tuned = all.find((n) => n.kind === 'run' && n.run.name === 'tuned')!;
    assert.deepEqual(await labels(runs, tuned), ['models/churn.onnx', 'churn v1']);
  });

  it('compares two runs in a webview that asks for its data once loaded', async () => {
    const { runs, compared } = await views();
    const [experiment] = (await runs.getChildren()) ?? [];
    const both = ((await runs.getChildren(experiment)) ?? []) as RunsNode[];
    assert.equal(both.length, 2);
    await vscode.commands.executeCommand('cellflow.compareRuns', both[0], both);
    const shown = await waitFor(() => {
      const m = compared();
      return m?.type === 'runs' ? m : undefined;
    }, 'the Compare Runs page to say it is ready and be sent the runs');
    assert.deepEqual(shown.runs.map((r) => r.label).sort(), ['baseline', 'tuned']);
    const baseline = shown.runs.find((r) => r.label === 'baseline')!;
    assert.deepEqual(baseline.history.roc_auc, [[0, 0.71], [1, 0.75], [2, 0.78]]);
    assert.ok(vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === 'Compare Runs')), 'the panel is open');
  });
});
