import * as path from 'node:path';
import * as vscode from 'vscode';
import { AddChecksRequest, type BenchToWebview, CiWorkflowRequest, defaultGoal, rankableMetrics, rankBy, type CompareToWebview, type LineageToWebview, ExportRunsCsvRequest, ModelsRequest, RegisterModelRequest, RunOutputsRequest, RunsRequest, SetAliasRequest, type ModelSummary, type RunSummary } from '../../../server/src/protocol';
import type { ExperimentCommand } from './commandIds';
import { benchmarkModel, type BenchChoices } from './benchModel';
import { BenchPanel } from './benchPanel';
import { ComparePanel, MAX_COMPARED_RUNS } from './comparePanel';
import { DriftView } from './driftView';
import { LineagePanel } from './lineagePanel';
import { MaturityTree, type MaturityNode } from './maturityTree';
import { RegistryTree, type RegistryNode } from './registryTree';
import { RunsTree, type RunsNode } from './runsTree';
import { sweepPipeline, type SweepChoices } from './sweepPipeline';
import { errorMessage, formatNumber, StoreAccess, type StoreServer } from './storeAccess';

/** Aliases offered before any exist; the user can type any other. */
const COMMON_ALIASES = ['staging', 'production', 'champion', 'challenger'];

interface ExperimentViews {
  runs: RunsTree;
  registry: RegistryTree;
  runsView: vscode.TreeView<RunsNode>;
  registryView: vscode.TreeView<RegistryNode>;
  /** What the user has selected in the Runs view (see trackSelection). */
  runsSelection(): readonly RunsNode[];
  stores: StoreAccess;
}

/** What the activation bundle gets back: the views' data (for tests) and the commands to run. */
export interface Experiments {
  runs: RunsTree;
  registry: RegistryTree;
  execute(id: ExperimentCommand, args: unknown[]): unknown;
  /** What the Compare Runs page was last given to draw. */
  compared(): CompareToWebview | undefined;
  drift: DriftView;
  maturity: MaturityTree;
  /** What the Lineage page was given to draw, oldest first. */
  lineageSent(): readonly LineageToWebview[];
  /** What the benchmark results page was given to draw, oldest first. */
  benchSent(): readonly BenchToWebview[];
}

/** The Runs and Model Registry views and the commands over the experiment store. */
export function registerExperiments(context: vscode.ExtensionContext, server: Promise<StoreServer>): Experiments {
  const stores = new StoreAccess(server);
  const runs = new RunsTree(stores);
  const registry = new RegistryTree(stores);
  const runsView = vscode.window.createTreeView('cellflow.runs', { treeDataProvider: runs, canSelectMany: true, showCollapseAll: true });
  const registryView = vscode.window.createTreeView('cellflow.registry', { treeDataProvider: registry, showCollapseAll: true });
  const runsSelection = trackSelection(runsView);
  const drift = new DriftView(context, stores);
  const maturity = new MaturityTree(stores);
  const maturityView = vscode.window.createTreeView('cellflow.maturity', { treeDataProvider: maturity });
  context.subscriptions.push(drift, maturity, maturityView);
  const views: ExperimentViews = { runs, registry, runsView, registryView, runsSelection: runsSelection.current, stores };

  const revealRun = async (folder: string, runId: string) => {
    const node = await runs.nodeForRun(folder, runId);
    if (!node) {
      void vscode.window.showWarningMessage(`Cellflow: run ${runId} is not in the store any more.`);
      return;
    }
    await vscode.commands.executeCommand('cellflow.runs.focus');
    await runsView.reveal(node, { select: true, focus: true, expand: false });
  };
  const exportCsv = async (folder: string, runIds: string[]) => void (await guard(() => exportRuns(stores, folder, { runIds })));
  const showRun = async (folder: string, runId: string) => void (await guard(() => revealRun(folder, runId)));

  const panels = { dispose: () => [ComparePanel.active, BenchPanel.active, LineagePanel.active].forEach((p) => p?.dispose()) };
  context.subscriptions.push(stores, runs, registry, runsView, registryView, runsSelection, panels);
  // Each command's arguments are whatever VS Code passes from a menu, a row or executeCommand.
  const commands: Record<ExperimentCommand, (...args: never[]) => unknown> = {
    'cellflow.refreshExperiments': () => stores.refresh(),
    'cellflow.showMoreRuns': (node: Extract<RunsNode, { kind: 'more' }>) => runs.showMore(node),
    'cellflow.compareRuns': (node?: RunsNode, selected?: RunsNode[]) => guard(() => compareRuns(context, views, showRun, exportCsv, node, selected)),
    'cellflow.exportRunsCsv': (node?: RunsNode, selected?: RunsNode[]) => guard(() => exportFromView(views, node, selected)),
    'cellflow.registerModel': (node?: RunsNode) => guard(() => registerModel(views, node)),
    'cellflow.setAlias': (node?: RegistryNode) => guard(() => setAlias(views, node)),
    'cellflow.revealRun': (args: { folder: string; runId: string }) => guard(() => revealRun(args.folder, args.runId)),
    'cellflow.revealModelVersion': (args: { folder: string; model: string; version: number }) =>
      guard(async () => {
        const node = await registry.nodeForVersion(args.folder, args.model, args.version);
        if (!node) {
          void vscode.window.showWarningMessage(`Cellflow: ${args.model} v${args.version} is not in the registry any more.`);
          return;
        }
        await vscode.commands.executeCommand('cellflow.registry.focus');
        await registryView.reveal(node, { select: true, focus: true, expand: true });
      }),
    'cellflow.openStep': (args: { root: string; pipeline: string; stepId: string }) => guard(() => openStep(args)),
    'cellflow.showLineage': (node?: RegistryNode | RunsNode | string) => guard(() => showLineage(context, stores, node)),
    'cellflow.refreshMaturity': () => maturity.refresh(),
    'cellflow.maturityNextStep': (node?: MaturityNode) => guard(() => nextStep(stores, node)),
    'cellflow.sweepPipeline': (target?: vscode.Uri, choices?: SweepChoices) =>
      guard(async () => {
        const swept = await sweepPipeline(stores, target instanceof vscode.Uri ? target : undefined, choices);
        const ids = swept?.report.trials.flatMap((t) => (t.runId ? [t.runId] : [])) ?? [];
        if (!swept || ids.length < 2) return undefined;
        const { metric, goal } = swept.report;
        return ComparePanel.show(context, stores, swept.folder, ids, { revealRun: showRun, exportCsv }, metric ? { metric, goal } : undefined);
      }),
    'cellflow.registerBestRun': (choice?: { metric: string; goal?: 'min' | 'max' }) => guard(() => registerBestRun(views, choice)),
    'cellflow.benchmarkModel': (target?: vscode.Uri | RegistryNode, choices?: BenchChoices) => guard(() => benchmarkModel(context, stores, target, choices)),
    'cellflow.copyPythonPath': async () => {
      const dir = context.asAbsolutePath(path.join('dist', 'python'));
      await vscode.env.clipboard.writeText(dir);
      void vscode.window.showInformationMessage(`Cellflow: copied ${dir}. Put it on PYTHONPATH (export PYTHONPATH="${dir}") and \`import cellflow\`.`);
      return dir;
    },
  };
  return {
    ...views,
    execute: (id, args) => (commands[id] as (...a: unknown[]) => unknown)(...args),
    compared: () => ComparePanel.active?.lastSent,
    drift,
    maturity,
    benchSent: () => BenchPanel.active?.sent ?? [],
    lineageSent: () => LineagePanel.active?.sent ?? [],
  };
}

/** The Lineage page from a model version (Registry), a run (Runs) or a reference typed in the palette. */
async function showLineage(context: vscode.ExtensionContext, stores: StoreAccess, node?: RegistryNode | RunsNode | string): Promise<LineagePanel | undefined> {
  const folder = (typeof node === 'object' && 'folder' in node ? node.folder : undefined) ?? stores.folders()[0];
  if (!folder) return undefined;
  let ref: string | undefined;
  if (typeof node === 'string') ref = node;
  else if (node?.kind === 'version') ref = `${node.model}@${node.version.version}`;
  else if (node?.kind === 'run') ref = node.run.id;
  else ref = await vscode.window.showInputBox({ title: 'Show Lineage', prompt: 'A run id, NAME@VERSION, NAME@ALIAS, pipeline.cellflow.yaml#step, or a cell hash' });
  return ref ? LineagePanel.show(context, stores, folder, ref) : undefined;
}

/**
 * An unmet criterion's next step: the CI workflow written into an unsaved editor at its path (the
 * user reviews, then saves), or the command that does it (register, alias, the drift view).
 */
async function nextStep(stores: StoreAccess, node?: MaturityNode): Promise<vscode.TextDocument | undefined> {
  if (node?.kind !== 'criterion') return undefined;
  const c = node.criterion;
  switch (c.action) {
    case 'generate-ci': {
      const { path: rel, text } = await stores.request(CiWorkflowRequest, { folder: node.folder });
      const target = vscode.Uri.file(path.resolve(node.folder, rel));
      const doc = await vscode.workspace.openTextDocument(target.with({ scheme: 'untitled' }));
      const editor = await vscode.window.showTextDocument(doc);
      await editor.edit((e) => e.replace(new vscode.Range(0, 0, doc.lineCount, 0), text));
      void vscode.window.showInformationMessage(`Cellflow: review the workflow, then save it as ${rel}.`);
      return doc;
    }
    case 'register-best':
      await vscode.commands.executeCommand('cellflow.registerBestRun');
      return undefined;
    case 'sweep':
      await vscode.commands.executeCommand('cellflow.sweepPipeline', await firstPipeline(node.folder));
      return undefined;
    case 'set-alias':
      await vscode.commands.executeCommand('cellflow.setAlias');
      return undefined;
    case 'check-drift':
      await vscode.commands.executeCommand('cellflow.drift.focus');
      return undefined;
    case 'add-checks':
      return c.target ? addChecks(stores, vscode.Uri.file(path.resolve(node.folder, c.target.pipeline)), c.target.step) : undefined;
    default:
      void vscode.window.showInformationMessage(`Cellflow: ${c.next ?? c.title}`);
      return undefined;
  }
}

/**
 * "Add checks to step X": the checks block the server builds from the columns the step's last run
 * recorded, inserted into the pipeline file (unsaved: the user tightens it, then saves).
 */
async function addChecks(stores: StoreAccess, uri: vscode.Uri, stepId: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  const { edit, reason } = await stores.request(AddChecksRequest, { uri: doc.uri.toString(), stepId });
  if (!edit) {
    void vscode.window.showInformationMessage(`Cellflow: ${reason ?? `no checks to add to ${stepId}`}.`);
    return doc;
  }
  const range = new vscode.Range(edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character);
  await editor.edit((e) => e.replace(range, edit.newText));
  const added = new vscode.Range(range.start, doc.positionAt(doc.offsetAt(range.start) + edit.newText.length));
  editor.selection = new vscode.Selection(added.start, added.end);
  editor.revealRange(added, vscode.TextEditorRevealType.InCenter);
  void vscode.window.showInformationMessage(`Cellflow: added checks to ${stepId} from the columns its last run wrote; tighten them (nulls, min, max, values), then save.`);
  return doc;
}

/** The workspace folder's first pipeline file, for actions that need one. */
async function firstPipeline(folder: string): Promise<vscode.Uri | undefined> {
  return (await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.cellflow.{yaml,yml}'), '**/{node_modules,.git}/**', 1))[0];
}

/**
 * "Register the best run": the runs ranked by a metric they logged (lower is better for losses and
 * errors, else higher), the best first, then the register flow on the one picked.
 */
async function registerBestRun(views: ExperimentViews, choice?: { metric: string; goal?: 'min' | 'max' }): Promise<{ name: string; version: number } | undefined> {
  const folder = await pickFolder(views.stores);
  if (!folder) return undefined;
  const { runs } = await views.stores.request(RunsRequest, { folder, limit: 500, filter: "attributes.status = 'FINISHED'" });
  const metrics = rankableMetrics(runs);
  if (!metrics.length) {
    void vscode.window.showInformationMessage('Cellflow: no metric was logged by two or more finished runs to choose the best by.');
    return undefined;
  }
  const metric = choice?.metric ?? (metrics.length === 1 ? metrics[0] : (await vscode.window.showQuickPick(metrics.map((m) => ({ label: m, description: `${defaultGoal(m) === 'min' ? 'lowest' : 'highest'} is best` })), { title: 'Register the Best Run: best by which metric?' }))?.label);
  if (!metric) return undefined;
  const goal = choice?.goal ?? defaultGoal(metric);
  const ranked = rankBy(runs, (r) => r.metrics[metric], goal);
  const best = choice
    ? ranked[0]
    : (await vscode.window.showQuickPick(
        ranked.slice(0, 50).map((run, i) => ({ label: `${i === 0 ? '$(star-full) ' : ''}${run.name ?? run.id.slice(0, 8)}`, description: `${metric} ${formatNumber(run.metrics[metric])}`, detail: [run.experiment, run.pipeline && `${run.pipeline}${run.stepId ? `#${run.stepId}` : ''}`, new Date(run.startTime).toLocaleString()].filter(Boolean).join(' · '), run })),
        { title: `Register the Best Run: by ${metric} (${goal === 'min' ? 'lowest' : 'highest'} first)` },
      ))?.run;
  if (!best) return undefined;
  return registerModel(views, { kind: 'run', folder, run: best });
}

/** Runs a command body, turning a failure into one error message instead of an unhandled rejection. */
async function guard<T>(body: () => Promise<T>): Promise<T | undefined> {
  try {
    return await body();
  } catch (err) {
    void vscode.window.showErrorMessage(`Cellflow: ${errorMessage(err)}`);
    return undefined;
  }
}

type RunNode = Extract<RunsNode, { kind: 'run' }>;

/**
 * The user's selection in a tree view, as its last non-empty selection event said: the fallback when
 * the view's own answer cannot be had (see selectedRuns). Empty events are skipped: a refresh sends
 * one while the rows stay selected on screen, and a user cannot empty a tree's selection anyway.
 */
function trackSelection<T>(view: vscode.TreeView<T>): vscode.Disposable & { current: () => readonly T[] } {
  let selection: readonly T[] = view.selection;
  const subscription = view.onDidChangeSelection((e) => {
    if (e.selection.length) selection = e.selection;
  });
  return { current: () => selection, dispose: () => subscription.dispose() };
}

/**
 * The runs a command acts on: those it was invoked with (a context menu), else the Runs view's
 * selection. Each refresh of the tree (every store change, from any writer) empties the extension
 * host's map from row handles to elements until the view has read its rows again; meanwhile
 * `TreeView.selection`, and any selection event VS Code sends, read as nothing, though the rows stay
 * selected on screen. A command run from the palette or the view's title in that window saw no
 * selection and asked for runs the user had already picked. So the view's selection is read once the
 * tree has settled; the last selection event is the fallback.
 */
async function selectedRuns(views: ExperimentViews, node?: RunsNode, selected?: RunsNode[]): Promise<RunNode[]> {
  let picked: readonly RunsNode[] | undefined = selected?.length ? selected : node ? [node] : undefined;
  if (!picked) {
    await views.runs.settled();
    picked = views.runsView.selection.length ? views.runsView.selection : views.runsSelection();
  }
  return picked.filter((n): n is RunNode => n.kind === 'run');
}

async function compareRuns(
  context: vscode.ExtensionContext,
  views: ExperimentViews,
  revealRun: (folder: string, runId: string) => Promise<void>,
  exportCsv: (folder: string, runIds: string[]) => Promise<void>,
  node?: RunsNode,
  selected?: RunsNode[],
): Promise<ComparePanel | undefined> {
  let chosen = await selectedRuns(views, node, selected);
  const folder = chosen[0]?.folder ?? (await pickFolder(views.stores));
  if (!folder) return undefined;
  if (chosen.some((r) => r.folder !== folder)) {
    void vscode.window.showWarningMessage('Cellflow: runs of one workspace folder are compared at a time; showing those of the first.');
    chosen = chosen.filter((r) => r.folder === folder);
  }
  let ids = chosen.map((r) => r.run.id);
  if (ids.length < 2) {
    const picked = await pickRuns(views.stores, folder, ids, true);
    if (!picked) return undefined;
    ids = picked;
  }
  if (ids.length < 2) {
    void vscode.window.showInformationMessage('Cellflow: pick two or more runs to compare.');
    return undefined;
  }
  if (ids.length > MAX_COMPARED_RUNS) void vscode.window.showWarningMessage(`Cellflow: comparing the first ${MAX_COMPARED_RUNS} of ${ids.length} runs.`);
  return ComparePanel.show(context, views.stores, folder, ids, { revealRun, exportCsv });
}

async function exportFromView(views: ExperimentViews, node?: RunsNode, selected?: RunsNode[]): Promise<vscode.Uri | undefined> {
  const chosen = await selectedRuns(views, node, selected);
  if (chosen.length) {
    const folder = chosen[0].folder;
    if (chosen.some((r) => r.folder !== folder)) void vscode.window.showWarningMessage('Cellflow: runs of one workspace folder are exported at a time; exporting those of the first.');
    return exportRuns(views.stores, folder, { runIds: chosen.filter((r) => r.folder === folder).map((r) => r.run.id) });
  }
  if (node?.kind === 'experiment') return exportRuns(views.stores, node.folder, { experiment: node.experiment.name });
  const folder = node && 'folder' in node ? node.folder : await pickFolder(views.stores);
  return folder ? exportRuns(views.stores, folder, {}) : undefined;
}

/** Asks where to save, then writes the runs as CSV there. */
async function exportRuns(stores: StoreAccess, folder: string, which: { runIds?: string[]; experiment?: string }): Promise<vscode.Uri | undefined> {
  const { csv, count, capped } = await stores.request(ExportRunsCsvRequest, { folder, ...which });
  if (capped) void vscode.window.showWarningMessage(`Cellflow: an export holds at most ${capped} runs; narrow it with a filter (cellflow runs list --filter … --json) for the rest.`);
  const name = `${(which.experiment ?? 'runs').replace(/[^\w.-]+/g, '_')}.csv`;
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(folder, name)), filters: { CSV: ['csv'] }, title: `Export ${count} run${count === 1 ? '' : 's'} to CSV` });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, Buffer.from(csv, 'utf8'));
  void vscode.window
    .showInformationMessage(`Cellflow: exported ${count} run${count === 1 ? '' : 's'} to ${vscode.workspace.asRelativePath(target)}.`, 'Open')
    .then((c) => (c ? vscode.window.showTextDocument(target) : undefined))
    .then(undefined, (err: unknown) => vscode.window.showErrorMessage(`Cellflow: ${errorMessage(err)}`));
  return target;
}

/** Registers a run's artifact as a new version of a model (a new model if the name is new). */
async function registerModel(views: ExperimentViews, node?: RunsNode): Promise<{ name: string; version: number } | undefined> {
  const { stores } = views;
  // From an artifact row, a run row, the Runs view's selection, or else a pick of the newest runs.
  const fromRun = node?.kind === 'run' ? node : (await selectedRuns(views))[0];
  const folder = node?.kind === 'artifact' ? node.folder : (fromRun?.folder ?? (await pickFolder(stores)));
  if (!folder) return undefined;
  const runId = node?.kind === 'artifact' ? node.runId : (fromRun?.run.id ?? (await pickRuns(stores, folder, [], false))?.[0]);
  if (!runId) return undefined;
  let artifactPath = node?.kind === 'artifact' ? node.artifact.path : undefined;
  if (!artifactPath) {
    const { artifacts } = await stores.request(RunOutputsRequest, { folder, runId });
    if (!artifacts.length) {
      void vscode.window.showWarningMessage('Cellflow: this run logged no artifacts. Log the model file with cellflow.log_artifact(path) in the run, then register it.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      artifacts.map((a) => ({ label: a.path, description: `${a.size} bytes`, detail: `sha256 ${a.sha256}` })),
      { title: 'Register Model Version: which artifact?', placeHolder: 'The file this model version is' },
    );
    if (!picked) return undefined;
    artifactPath = picked.label;
  }
  const models = (await stores.request(ModelsRequest, { folder })).models;
  const name = await pickModelName(models, artifactPath);
  if (!name) return undefined;
  const version = await stores.request(RegisterModelRequest, { folder, name, artifactPath, runId });
  const choice = await vscode.window.showInformationMessage(`Cellflow: registered ${name} v${version.version} from ${artifactPath}.`, 'Set Alias…');
  if (choice) await setAliasFor(stores, folder, models.find((m) => m.name === name)?.versions ?? [], name, version.version);
  return { name, version: version.version };
}

async function pickModelName(models: ModelSummary[], artifactPath: string): Promise<string | undefined> {
  const suggested = path.basename(artifactPath).replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_');
  const validate = (v: string) => (/^[\w.-]+$/.test(v) ? undefined : 'Letters, digits, _, . and - only.');
  if (!models.length) return vscode.window.showInputBox({ title: 'Register Model Version: model name', value: suggested, validateInput: validate });
  const NEW = '$(add) New model…';
  const picked = await vscode.window.showQuickPick([...models.map((m) => ({ label: m.name, description: `${m.versions.length} version${m.versions.length === 1 ? '' : 's'}` })), { label: NEW }], {
    title: 'Register Model Version: which model?',
  });
  if (!picked) return undefined;
  return picked.label === NEW ? vscode.window.showInputBox({ title: 'Register Model Version: new model name', value: suggested, validateInput: validate }) : picked.label;
}

async function setAlias(views: ExperimentViews, node?: RegistryNode): Promise<{ name: string; version: number; alias: string } | undefined> {
  const { stores } = views;
  if (node?.kind === 'version') return setAliasFor(stores, node.folder, views.registry.cachedModels(node.folder).find((m) => m.name === node.model)?.versions ?? [node.version], node.model, node.version.version);
  const folder = node && 'folder' in node ? node.folder : await pickFolder(stores);
  if (!folder) return undefined;
  const { models } = await stores.request(ModelsRequest, { folder });
  if (!models.length) {
    void vscode.window.showInformationMessage('Cellflow: no model is registered yet. Register a run artifact first.');
    return undefined;
  }
  const model =
    node?.kind === 'model'
      ? node.model
      : models.length === 1
        ? models[0]
        : (await vscode.window.showQuickPick(models.map((m) => ({ label: m.name, model: m })), { title: 'Set Alias: which model?' }))?.model;
  if (!model) return undefined;
  const version = await vscode.window.showQuickPick(
    model.versions.map((v) => ({ label: `v${v.version}`, description: v.aliases.map((a) => `@${a}`).join(' '), detail: v.artifactPath, version: v.version })),
    { title: `Set Alias: which version of ${model.name}?` },
  );
  return version ? setAliasFor(stores, folder, model.versions, model.name, version.version) : undefined;
}

/** Points an alias at a version: the model's aliases (and where they point now), common ones, or any typed. */
async function setAliasFor(stores: StoreAccess, folder: string, versions: ModelSummary['versions'], name: string, version: number): Promise<{ name: string; version: number; alias: string } | undefined> {
  const current = new Map(versions.flatMap((v) => v.aliases.map((a) => [a, v.version] as const)));
  const names = [...new Set([...current.keys(), ...COMMON_ALIASES])];
  const quick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  quick.title = `Set Alias for ${name} v${version}`;
  quick.placeholder = 'Pick an alias or type a new one';
  const base = names.map((a) => ({ label: a, description: current.has(a) ? (current.get(a) === version ? 'already here' : `now on v${current.get(a)}`) : undefined }));
  quick.items = base;
  quick.onDidChangeValue((value) => {
    quick.items = value && !names.includes(value) ? [{ label: value, description: 'new alias' }, ...base] : base;
  });
  const alias = await new Promise<string | undefined>((resolve) => {
    quick.onDidAccept(() => resolve(quick.selectedItems[0]?.label ?? (quick.value || undefined)));
    quick.onDidHide(() => resolve(undefined));
    quick.show();
  });
  quick.dispose();
  if (!alias) return undefined;
  await stores.request(SetAliasRequest, { folder, name, version, alias });
  const was = current.get(alias);
  void vscode.window.showInformationMessage(`Cellflow: ${name}@${alias} → v${version}${was !== undefined && was !== version ? ` (was v${was})` : ''}.`);
  return { name, version, alias };
}

async function openStep(args: { root: string; pipeline: string; stepId: string }): Promise<void> {
  const file = path.resolve(args.root, args.pipeline);
  // The name comes from the store, which may have come with a cloned repository.
  if (!file.startsWith(args.root + path.sep)) throw new Error(`the step's pipeline ${args.pipeline} is outside the workspace`);
  const uri = vscode.Uri.file(file);
  const doc = await vscode.workspace.openTextDocument(uri);
  const line = doc.getText().split(/\r?\n/).findIndex((l) => new RegExp(`^\\s*(-\\s+)?id:\\s*['"]?${args.stepId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*$`).test(l));
  const at = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(at, at) });
}

async function pickFolder(stores: StoreAccess): Promise<string | undefined> {
  const folders = stores.folders();
  if (folders.length <= 1) {
    if (!folders.length) void vscode.window.showInformationMessage('Cellflow: open a folder first; its experiment store is .cellflow/cellflow.db.');
    return folders[0];
  }
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which workspace folder\'s experiment store?' }))?.uri.fsPath;
}

/** The store's newest runs to pick from, those given already ticked. */
async function pickRuns(stores: StoreAccess, folder: string, preselected: string[], many: boolean): Promise<string[] | undefined> {
  const { runs } = await stores.request(RunsRequest, { folder, limit: MAX_COMPARED_RUNS, orderBy: 'start_time desc' });
  if (!runs.length) {
    void vscode.window.showInformationMessage('Cellflow: no runs are logged in this workspace yet.');
    return undefined;
  }
  const items = runs.map((r) => ({ label: r.name ?? r.id.slice(0, 8), description: `${r.experiment} · ${r.status.toLowerCase()}`, detail: keyMetrics(r), picked: preselected.includes(r.id), id: r.id }));
  if (!many) {
    const one = await vscode.window.showQuickPick(items, { title: 'Which run?', matchOnDescription: true });
    return one && [one.id];
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Compare Runs: pick two or more', canPickMany: true, matchOnDescription: true, matchOnDetail: true });
  return picked?.map((p) => p.id);
}

function keyMetrics(r: RunSummary): string {
  return Object.keys(r.metrics).sort().slice(0, 4).map((k) => `${k} ${formatNumber(r.metrics[k])}`).join(' · ');
}
