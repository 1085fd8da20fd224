import * as fs from 'node:fs';
import * as path from 'node:path';
import { lineageGraph, type LineageGraph, type NodeDetails } from '../core/lineage/graph';
import { parseStepVersion } from '../core/lineage/nodes';
import { parseLineageRef } from '../core/lineage/ref';
import { lockPathFor } from '../core/pipeline/lockFile';
import { pipelineStatus } from '../core/promote/status';
import { InvalidInput } from '../core/errors';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { loadNotebookFile, readInside } from '../io/files';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { refuseLinkedOut } from '../services/store/db';
import { Store } from '../services/store/store';

/** `cellflow lineage <REF> [--json]`: the chain both ways from a run, a model version, a step or a cell. */
export function runLineage(ref: string, json: boolean, storeFile?: string): number {
  const root = findWorkspaceRoot(process.cwd());
  const file = storeFile ? path.resolve(storeFile) : storePath(root);
  refuseLinkedOut(file, root);
  if (!fs.existsSync(file)) throw new InvalidInput(`no store at ${file}: nothing has been logged in this workspace`);
  const store = new Store(file, root, { readonly: true });
  let graph: LineageGraph;
  try {
    graph = lineageOfRef(store, root, ref);
  } finally {
    store.close();
  }
  process.stdout.write(json ? `${JSON.stringify(graph)}\n` : human(graph));
  return 0;
}

/** The graph for a reference, its nodes described from the store and, for steps and cells, from the workspace's files. */
export function lineageOfRef(store: Store, root: string, ref: string): LineageGraph {
  const start = resolve(store, root, ref);
  const pipelines = new PipelineFacts(root);
  const details = (kind: string, id: string): NodeDetails => {
    const d = store.lineageNodeDetails(kind, id);
    if (kind === 'step-version') return { ...d, ...pipelines.step(id) };
    return d;
  };
  const graph = lineageGraph(start, store.lineageOf(start.kind, start.id), store.lineageDown(start.kind, start.id), details);
  // A cell opens where it is now in its notebook, as the step it was promoted into finds it.
  for (const n of graph.nodes) {
    if (n.kind !== 'cell-hash') continue;
    const step = graph.edges.find((e) => e.from === n.id && e.kind === 'promoted')?.to.slice('step-version:'.length);
    const at = step ? pipelines.cell(step) : undefined;
    if (at) n.location = at;
  }
  return graph;
}

function resolve(store: Store, root: string, ref: string): { kind: string; id: string } {
  const r = parseLineageRef(ref);
  switch (r.kind) {
    case 'model': {
      const v = store.resolveModelVersion(r.name, r.versionOrAlias);
      return { kind: 'model-version', id: `${v.name}@${v.version}` };
    }
    case 'step': {
      const rel = path.relative(root, path.resolve(r.pipeline)).split(path.sep).join('/');
      const latest = store.latestStepVersion(rel, r.stepId);
      if (!latest) throw new InvalidInput(`${r.pipeline}#${r.stepId}: no run of that step is in the store yet (run the pipeline first)`);
      return { kind: 'step-version', id: latest };
    }
    case 'cell': {
      const hash = store.cellHashByPrefix(r.hash);
      if (!hash) throw new InvalidInput(`sha256:${r.hash}: no promoted cell with that hash has run`);
      return { kind: 'cell-hash', id: hash };
    }
    case 'run': {
      try {
        return { kind: 'run', id: store.resolveRunId(r.idOrPrefix) };
      } catch (err) {
        const hash = r.idOrPrefix.length >= 8 ? store.cellHashByPrefix(r.idOrPrefix) : undefined;
        if (hash) return { kind: 'cell-hash', id: hash };
        throw err;
      }
    }
  }
}

/** Each pipeline's steps as the files say now: a step version stale or superseded, and where it and its cells are. */
class PipelineFacts {
  private readonly cache = new Map<string, ReturnType<typeof pipelineStatus> | null>();
  constructor(private readonly root: string) {}

  step(id: string): NodeDetails {
    const s = parseStepVersion(id);
    if (!s) return {};
    const status = this.status(s.pipeline);
    const step = status?.steps.find((x) => x.id === s.stepId);
    if (!step) return {};
    const text = fs.readFileSync(path.join(this.root, s.pipeline), 'utf8');
    const line = text.split('\n').findIndex((l) => new RegExp(`^\\s*-\\s*id:\\s*${s.stepId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`).test(l));
    const marks: NodeDetails['marks'] = step.version === s.version && step.stale ? ['stale'] : [];
    const detail = step.version > s.version ? `superseded by v${step.version}` : step.stale ? `stale: ${step.staleReason ?? 'its cells changed'}` : `current${step.source ? `, from ${step.source.notebook} cells ${step.source.cells.map((c) => c.index).join(', ')}` : ''}`;
    return { marks, detail, location: { file: s.pipeline, ...(line >= 0 ? { line } : {}) } };
  }

  /** Where a step version's first source cell is now: its notebook (relative to the root) and the cell's index. */
  cell(stepVersion: string): { file: string; cell: number } | undefined {
    const s = parseStepVersion(stepVersion);
    const step = s ? this.status(s.pipeline)?.steps.find((x) => x.id === s.stepId) : undefined;
    if (!s || !step?.source || step.currentCells[0] === undefined) return undefined;
    const notebook = path.join(this.root, path.dirname(s.pipeline), step.source.notebook);
    return { file: path.relative(this.root, notebook).split(path.sep).join('/'), cell: step.currentCells[0] };
  }

  private status(pipeline: string): ReturnType<typeof pipelineStatus> | null {
    if (!this.cache.has(pipeline)) {
      const abs = path.join(this.root, pipeline);
      try {
        const lock = lockPathFor(abs);
        this.cache.set(pipeline, pipelineStatus(abs, fs.readFileSync(abs, 'utf8'), (nb) => loadNotebookFile(nb, path.relative(this.root, nb), this.root), readInside(lock, this.root, path.relative(this.root, lock))));
      } catch {
        this.cache.set(pipeline, null); // the pipeline file is gone or unreadable: its steps are shown as the store has them
      }
    }
    return this.cache.get(pipeline)!;
  }
}

function human(g: LineageGraph): string {
  const lines: string[] = [];
  const byDepth = new Map<number, typeof g.nodes>();
  for (const n of g.nodes) byDepth.set(n.depth, [...(byDepth.get(n.depth) ?? []), n]);
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    const where = depth < 0 ? `${-depth} up` : depth > 0 ? `${depth} down` : 'this';
    for (const n of byDepth.get(depth)!) lines.push(`${where.padEnd(8)} ${safe(n.label)}${n.marks?.length ? `  [${n.marks.join(', ')}]` : ''}${n.detail ? `  (${safe(n.detail)})` : ''}`);
  }
  lines.push('', `${g.nodes.length} nodes, ${g.edges.length} edges.`);
  return `${lines.join('\n')}\n`;
}
