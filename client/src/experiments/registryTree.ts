import * as vscode from 'vscode';
import { LineageRequest, ModelsRequest, nodeLabel, parseStepVersion, type LineageEdge, type ModelSummary, type ModelVersion } from '../../../server/src/protocol';
import { commonItem, StoreTree, type CommonNode } from './storeTree';

export type RegistryNode =
  | CommonNode
  | { kind: 'model'; folder: string; model: ModelSummary }
  | { kind: 'version'; folder: string; model: string; version: ModelVersion }
  | { kind: 'alias'; folder: string; model: string; version: number; alias: string }
  | { kind: 'artifact'; folder: string; model: string; version: number; artifactPath: string; sha256: string | null }
  | { kind: 'lineage'; folder: string; model: string; version: number; edge: LineageEdge };

/**
 * Models → versions (aliases beside them) → the version's aliases, artifact, and lineage back to the
 * run, step version and notebook cell it came from.
 */
export class RegistryTree extends StoreTree<RegistryNode> {
  /** The latest models per folder, for getParent and for commands that pick a version. */
  private readonly models = new Map<string, ModelSummary[]>();

  protected folderChildren(folder: string): Promise<RegistryNode[]> {
    return this.modelNodes(folder);
  }

  protected async childrenOf(node: RegistryNode): Promise<RegistryNode[]> {
    switch (node.kind) {
      case 'model':
        return node.model.versions.map((version) => ({ kind: 'version', folder: node.folder, model: node.model.name, version }));
      case 'version': {
        const { folder, model, version } = node;
        const { edges } = await this.stores.request(LineageRequest, { folder, kind: 'model-version', id: `${model}@${version.version}` });
        return [
          ...version.aliases.map((alias): RegistryNode => ({ kind: 'alias', folder, model, version: version.version, alias })),
          { kind: 'artifact', folder, model, version: version.version, artifactPath: version.artifactPath, sha256: version.artifactSha256 },
          ...edges.map((edge): RegistryNode => ({ kind: 'lineage', folder, model, version: version.version, edge })),
        ];
      }
      default:
        return [];
    }
  }

  getParent(node: RegistryNode): RegistryNode | undefined {
    if (node.kind === 'version') {
      const model = this.models.get(node.folder)?.find((m) => m.name === node.model);
      return model ? { kind: 'model', folder: node.folder, model } : undefined;
    }
    if (node.kind === 'model' || node.kind === 'problem') return this.folderParent(node.folder);
    return undefined;
  }

  getTreeItem(node: RegistryNode): vscode.TreeItem {
    const common = commonItem(node);
    if (common) return common;
    const None = vscode.TreeItemCollapsibleState.None;
    switch (node.kind) {
      case 'model': {
        const item = new vscode.TreeItem(node.model.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `model:${node.folder}:${node.model.name}`;
        const n = node.model.versions.length;
        item.description = `${n} version${n === 1 ? '' : 's'}`;
        item.tooltip = node.model.description ?? undefined;
        item.iconPath = new vscode.ThemeIcon('package');
        item.contextValue = 'cellflow.model';
        return item;
      }
      case 'version':
        return versionItem(node);
      case 'alias': {
        const item = new vscode.TreeItem(`@${node.alias}`, None);
        item.id = `alias:${node.folder}:${node.model}:${node.alias}`;
        item.iconPath = new vscode.ThemeIcon('tag');
        item.contextValue = 'cellflow.alias';
        return item;
      }
      case 'artifact': {
        const item = new vscode.TreeItem(node.artifactPath, None);
        item.id = `versionArtifact:${node.folder}:${node.model}@${node.version}`;
        item.resourceUri = this.stores.fileUri(node.folder, node.artifactPath);
        item.description = 'artifact';
        item.tooltip = node.sha256 ? `sha256 ${node.sha256}` : undefined;
        if (item.resourceUri) item.command = { command: 'vscode.open', title: 'Open', arguments: [item.resourceUri] };
        return item;
      }
      case 'lineage':
        return lineageItem(node, this.stores.root(node.folder));
      default:
        throw new Error(`no tree item for a ${node.kind} row`);
    }
  }

  /** The version's node, once its model is loaded; for revealing it from the Runs view. */
  async nodeForVersion(folder: string, model: string, version: number): Promise<RegistryNode | undefined> {
    const find = () => this.models.get(folder)?.find((m) => m.name === model)?.versions.find((x) => x.version === version);
    // Registered since the view last read the store: read it again.
    if (!find()) await this.modelNodes(folder);
    const v = find();
    return v ? { kind: 'version', folder, model, version: v } : undefined;
  }

  cachedModels(folder: string): ModelSummary[] {
    return this.models.get(folder) ?? [];
  }

  private async modelNodes(folder: string): Promise<RegistryNode[]> {
    const state = await this.stores.request(ModelsRequest, { folder });
    if (state.problem) return [{ kind: 'problem', folder, message: state.problem }];
    this.models.set(folder, state.models);
    return state.models.map((model) => ({ kind: 'model', folder, model }));
  }
}

/** One step back along the chain: the run that produced the version, the step version it ran, the cell. */
function lineageItem(node: Extract<RegistryNode, { kind: 'lineage' }>, root: string): vscode.TreeItem {
  const { edge, folder } = node;
  const item = new vscode.TreeItem(nodeLabel(edge.fromKind, edge.fromId), vscode.TreeItemCollapsibleState.None);
  item.id = `lineage:${folder}:${node.model}@${node.version}:${edge.fromKind}:${edge.fromId}:${edge.toId}`;
  item.description = `${edge.relation} ${nodeLabel(edge.toKind, edge.toId)}`;
  item.tooltip = `${edge.fromKind} ${edge.fromId}\n${edge.relation} ${edge.toKind} ${edge.toId}`;
  switch (edge.fromKind) {
    case 'run':
      item.iconPath = new vscode.ThemeIcon('play-circle');
      item.contextValue = 'cellflow.lineageRun';
      item.command = { command: 'cellflow.revealRun', title: 'Show Run', arguments: [{ folder, runId: edge.fromId }] };
      break;
    case 'step-version': {
      item.iconPath = new vscode.ThemeIcon('symbol-method');
      const step = parseStepVersion(edge.fromId);
      if (step?.pipeline) item.command = { command: 'cellflow.openStep', title: 'Open Step', arguments: [{ root, pipeline: step.pipeline, stepId: step.stepId }] };
      break;
    }
    case 'cell-hash':
      item.iconPath = new vscode.ThemeIcon('notebook');
      break;
    case 'dataset':
      item.iconPath = new vscode.ThemeIcon('database');
      break;
    default:
      item.iconPath = new vscode.ThemeIcon('circle-small');
  }
  return item;
}

/** A version row: drifted first when its latest drift report drifted, then its aliases and date. */
function versionItem(node: Extract<RegistryNode, { kind: 'version' }>): vscode.TreeItem {
  const v = node.version;
  const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `version:${node.folder}:${node.model}@${v.version}`;
  const drift = v.drift?.drifted ? `drifted (${Math.round(v.drift.share * 100)}% of columns)` : undefined;
  const b = v.bench;
  const bench = b ? `${b.regressed ? 'slower: ' : ''}p50 ${b.p50Ms < 1 ? b.p50Ms.toFixed(3) : b.p50Ms.toFixed(2)} ms ${b.ep} b${b.batch}` : undefined;
  item.description = [...(drift ? [drift] : []), ...(bench ? [bench] : []), ...v.aliases.map((a) => `@${a}`), new Date(v.createdAt).toLocaleString()].join(' · ');
  const checked = v.drift ? `\nlatest drift report ${new Date(v.drift.createdAt).toLocaleString()}: ${v.drift.drifted ? 'drifted' : 'no drift'}, ${Math.round(v.drift.share * 100)}% of columns` : '';
  const measured = b ? `\nlatest benchmark ${new Date(b.createdAt).toLocaleString()}: p50 ${b.p50Ms.toFixed(3)} ms on ${b.ep} at batch ${b.batch}${b.regressed ? ' (a regression against the previous result)' : ''}` : '';
  item.tooltip = `${node.model} v${v.version}\n${v.artifactPath}${v.artifactSha256 ? `\nsha256 ${v.artifactSha256}` : ''}${v.runId ? `\nfrom run ${v.runId}` : ''}${checked}${measured}`;
  item.iconPath = drift ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon(v.aliases.length ? 'verified' : 'versions');
  item.contextValue = 'cellflow.modelVersion';
  return item;
}
