import * as vscode from 'vscode';
import { ExperimentsRequest, RunOutputsRequest, RunsRequest, type ExperimentSummary, type RunOutputs, type RunSummary } from '../../../server/src/protocol';
import { formatNumber } from './storeAccess';
import { commonItem, StoreTree, type CommonNode } from './storeTree';

/** Runs shown per experiment before a "show more" row. */
const PAGE = 50;
/** Most runs an experiment lists (the server's page limit); the rest are found with a filter or the CLI. */
const MAX_SHOWN = 10_000;
/** Metrics shown beside a run's name. */
const KEY_METRICS = 3;

export type RunsNode =
  | CommonNode
  | { kind: 'experiment'; folder: string; experiment: ExperimentSummary }
  | { kind: 'run'; folder: string; run: RunSummary }
  | { kind: 'more'; folder: string; experiment: string; shown: number }
  | { kind: 'input'; folder: string; runId: string; input: RunOutputs['inputs'][number] }
  | { kind: 'artifact'; folder: string; runId: string; artifact: RunOutputs['artifacts'][number] }
  | { kind: 'runModel'; folder: string; runId: string; model: string; version: number };

/**
 * Experiments → runs (status icon, key metrics) → what each run left (artifacts, model versions).
 * Everything is read from the language server, again whenever a store changes.
 */
export class RunsTree extends StoreTree<RunsNode> {
  private readonly shown = new Map<string, number>();
  /** Runs revealed from elsewhere (the registry) that are past the loaded page of their experiment. */
  private readonly pinned = new Map<string, RunSummary[]>();
  /** The experiment rows last listed, by folder and name: a run's parent is one of them. */
  private readonly experimentNodes = new Map<string, RunsNode>();

  protected folderChildren(folder: string): Promise<RunsNode[]> {
    return this.experiments(folder);
  }

  protected async childrenOf(node: RunsNode): Promise<RunsNode[]> {
    switch (node.kind) {
      case 'experiment':
        return this.runs(node.folder, node.experiment.name);
      case 'run': {
        const [out, steps] = await Promise.all([
          this.stores.request(RunOutputsRequest, { folder: node.folder, runId: node.run.id }),
          node.run.tags['cellflow.kind'] === 'pipeline' ? this.stores.request(RunsRequest, { folder: node.folder, parentId: node.run.id, limit: 1000, orderBy: 'start_time asc' }).then((p) => p.runs) : Promise.resolve([]),
        ]);
        return [
          ...steps.map((run): RunsNode => ({ kind: 'run', folder: node.folder, run })),
          ...out.inputs.map((input): RunsNode => ({ kind: 'input', folder: node.folder, runId: node.run.id, input })),
          ...out.artifacts.map((artifact): RunsNode => ({ kind: 'artifact', folder: node.folder, runId: node.run.id, artifact })),
          ...out.modelVersions.map((m): RunsNode => ({ kind: 'runModel', folder: node.folder, runId: node.run.id, ...m })),
        ];
      }
      default:
        return [];
    }
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'run') {
      return this.experimentNodes.get(`${node.folder}\0${node.run.experiment}`) ?? { kind: 'experiment', folder: node.folder, experiment: { name: node.run.experiment, runs: 0, lastStart: null } };
    }
    if (node.kind === 'experiment' || node.kind === 'problem') return this.folderParent(node.folder);
    return undefined;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const common = commonItem(node);
    if (common) return common;
    const None = vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'experiment': {
        const item = new vscode.TreeItem(node.experiment.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `experiment:${node.folder}:${node.experiment.name}`;
        item.description = `${node.experiment.runs} run${node.experiment.runs === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'cellflow.experiment';
        return item;
      }
      case 'run':
        return runItem(node.folder, node.run);
      case 'more': {
        const item = new vscode.TreeItem('Show more runs…', None);
        item.id = `more:${node.folder}:${node.experiment}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'cellflow.showMoreRuns', title: 'Show More Runs', arguments: [node] };
        return item;
      }
      case 'input': {
        const { input } = node;
        const item = new vscode.TreeItem(input.name ?? input.digest.replace(/^sha256:/, '').slice(0, 12), None);
        item.id = `input:${node.folder}:${node.runId}:${input.digest}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.description = [input.rowCount === null ? undefined : `${input.rowCount.toLocaleString('en-US')} rows`, input.context ?? undefined].filter(Boolean).join(' · ');
        const columns = schemaColumns(input.schema);
        item.tooltip = [`input dataset ${input.digest}`, input.source ? `from ${input.source}` : '', columns.length ? `columns: ${columns.join(', ')}` : ''].filter(Boolean).join('\n');
        const file = input.source ? this.stores.fileUri(node.folder, input.source) : undefined;
        if (file) item.command = { command: 'vscode.open', title: 'Open', arguments: [file] };
        return item;
      }
      case 'artifact': {
        const item = new vscode.TreeItem(node.artifact.path, None);
        item.id = `artifact:${node.folder}:${node.runId}:${node.artifact.path}`;
        item.resourceUri = this.stores.fileUri(node.folder, node.artifact.path);
        item.description = formatBytes(node.artifact.size);
        item.tooltip = `${node.artifact.path}\nsha256 ${node.artifact.sha256}\n${node.artifact.size} bytes`;
        item.contextValue = 'cellflow.artifact';
        if (item.resourceUri) item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
        return item;
      }
      case 'runModel': {
        const item = new vscode.TreeItem(`${node.model} v${node.version}`, None);
        item.id = `runModel:${node.folder}:${node.runId}:${node.model}@${node.version}`;
        item.description = 'registered from this run';
        item.iconPath = new vscode.ThemeIcon('package');
        item.command = { command: 'cellflow.revealModelVersion', title: 'Show in Model Registry', arguments: [{ folder: node.folder, model: node.model, version: node.version }] };
        return item;
      }
      default:
        throw new Error(`no tree item for a ${node.kind} row`);
    }
  }

  /** Loads runs of an experiment until `runId` is among them (or pins it there) and returns its node. */
  async nodeForRun(folder: string, runId: string): Promise<RunsNode | undefined> {
    const { runs } = await this.stores.request(RunsRequest, { folder, filter: `id = ${JSON.stringify(runId)}`, limit: 1 });
    const run = runs[0];
    if (!run) return undefined;
    const key = `${folder}\0${run.experiment}`;
    const list = this.pinned.get(key) ?? [];
    if (!list.some((r) => r.id === run.id)) {
      // Past the loaded page: pin it to its experiment and have the view read that experiment again.
      this.pinned.set(key, [...list, run]);
      this.changed.fire(undefined);
    }
    return { kind: 'run', folder, run };
  }

  showMore(node: Extract<RunsNode, { kind: 'more' }>): void {
    this.shown.set(`${node.folder}\0${node.experiment}`, Math.min(node.shown + PAGE, MAX_SHOWN));
    this.changed.fire(undefined);
  }

  private async experiments(folder: string): Promise<RunsNode[]> {
    const state = await this.stores.request(ExperimentsRequest, { folder });
    if (state.problem) return [{ kind: 'problem', folder, message: state.problem }];
    // Experiments without runs (made by a start_run that failed to begin, say) are noise here.
    const nodes = state.experiments.filter((e) => e.runs > 0).map((experiment): RunsNode => ({ kind: 'experiment', folder, experiment }));
    for (const n of nodes) if (n.kind === 'experiment') this.experimentNodes.set(`${folder}\0${n.experiment.name}`, n);
    return nodes;
  }

  private async runs(folder: string, experiment: string): Promise<RunsNode[]> {
    const key = `${folder}\0${experiment}`;
    const shown = this.shown.get(key) ?? PAGE;
    // Step runs are shown under their pipeline run, not beside it.
    const page = await this.stores.request(RunsRequest, { folder, experiment, topLevel: true, limit: shown, orderBy: 'start_time desc' });
    const ids = new Set(page.runs.map((r) => r.id));
    const extra = (this.pinned.get(key) ?? []).filter((r) => !ids.has(r.id));
    const nodes: RunsNode[] = [...page.runs, ...extra].map((run) => ({ kind: 'run', folder, run }));
    if (page.nextOffset !== undefined && shown < MAX_SHOWN) nodes.push({ kind: 'more', folder, experiment, shown });
    return nodes;
  }
}

function runItem(folder: string, run: RunSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(run.name ?? run.id.slice(0, 8), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `run:${folder}:${run.id}`;
  const metrics = Object.keys(run.metrics).sort().slice(0, KEY_METRICS);
  item.description = metrics.map((k) => `${k} ${formatNumber(run.metrics[k])}`).join(' · ') || run.status.toLowerCase();
  item.iconPath = statusIcon(run.status);
  item.contextValue = `cellflow.run.${run.status.toLowerCase()}`;
  item.tooltip = runTooltip(run);
  item.accessibilityInformation = { label: `${item.label}, ${run.status.toLowerCase()}, ${item.description}` };
  return item;
}

export function statusIcon(status: RunSummary['status']): vscode.ThemeIcon {
  switch (status) {
    case 'RUNNING':
      return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
    case 'FINISHED':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'FAILED':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'KILLED':
      return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconErrored'));
  }
}

function runTooltip(run: RunSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  const esc = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
  md.appendMarkdown(`**${esc(run.name ?? run.id)}** · ${run.status.toLowerCase()}\n\n`);
  md.appendMarkdown(`\`${run.id}\` · ${run.experiment ? esc(run.experiment) : ''}  \n`);
  md.appendMarkdown(`started ${new Date(run.startTime).toLocaleString()}${run.endTime ? `, took ${duration(run.endTime - run.startTime)}` : ''}`);
  if (run.stepId) md.appendMarkdown(`  \nstep ${esc(run.stepId)} v${run.stepVersion ?? '?'}${run.pipeline ? ` of ${esc(run.pipeline)}` : ''}`);
  if (run.gitCommit) md.appendMarkdown(`  \ncommit \`${run.gitCommit.slice(0, 12)}\``);
  const table = (title: string, rows: Array<[string, string]>) => {
    if (!rows.length) return;
    md.appendMarkdown(`\n\n| ${title} | |\n|---|---|\n${rows.map(([k, v]) => `| ${esc(k)} | ${esc(v)} |`).join('\n')}`);
  };
  table('metric', Object.entries(run.metrics).sort().map(([k, v]) => [k, formatNumber(v)]));
  table('param', Object.entries(run.params).sort());
  table('tag', Object.entries(run.tags).sort());
  return md;
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** `[["age", "integer"]]` → `['age: integer']`; a schema another writer left unreadable shows nothing. */
function schemaColumns(schema: string | null): string[] {
  try {
    const pairs: unknown = schema ? JSON.parse(schema) : [];
    return Array.isArray(pairs) ? pairs.filter(Array.isArray).map(([c, t]) => `${String(c)}: ${String(t)}`) : [];
  } catch {
    return [];
  }
}
