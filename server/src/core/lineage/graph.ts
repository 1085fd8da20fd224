import type { LineageEdge } from '../store/types';
import { nodeLabel } from './nodes';

/** What the store or the workspace knows of a node beyond its id: shown on the node, and marks. */
export interface NodeDetails {
  label?: string;
  /** stale: a step version whose cells changed since; drifted: a version or report that drifted; regressed: a benchmark that got slower. */
  marks?: Array<'stale' | 'drifted' | 'regressed'>;
  /** Where the node opens: a file and line (a cell, a step), or nothing (the views find runs and versions by id). */
  location?: { file: string; line?: number; cell?: number };
  detail?: string;
}

export interface GraphNode extends NodeDetails {
  /** `kind:id`, unique in the graph. */
  id: string;
  kind: string;
  /** The id the store keys it by (a run's UUID, `name@version`, a cell's hash…). */
  key: string;
  label: string;
  /** Upstream of the root (negative), the root (0), downstream (positive): the layout's layer hint. */
  depth: number;
}

export interface LineageGraph {
  root: string;
  nodes: GraphNode[];
  edges: Array<{ from: string; to: string; kind: string }>;
}

const nodeId = (kind: string, id: string) => `${kind}:${id}`;

/**
 * The chain both ways from one node: the edges into it (up, each with its distance) and out of it
 * (down), as one graph with each node once, labelled, and placed by its distance from the root.
 */
export function lineageGraph(root: { kind: string; id: string }, up: LineageEdge[], down: LineageEdge[], details: (kind: string, id: string) => NodeDetails = () => ({})): LineageGraph {
  const nodes = new Map<string, GraphNode>();
  const add = (kind: string, key: string, depth: number) => {
    const id = nodeId(kind, key);
    const known = nodes.get(id);
    if (known) {
      if (Math.abs(depth) < Math.abs(known.depth)) known.depth = depth;
      return id;
    }
    const d = details(kind, key);
    nodes.set(id, { id, kind, key, label: d.label ?? nodeLabel(kind, key), depth, ...(d.marks?.length ? { marks: d.marks } : {}), ...(d.location ? { location: d.location } : {}), ...(d.detail ? { detail: d.detail } : {}) });
    return id;
  };
  const rootId = add(root.kind, root.id, 0);
  const edges = new Map<string, { from: string; to: string; kind: string }>();
  for (const e of up) {
    const from = add(e.fromKind, e.fromId, -e.depth);
    const to = add(e.toKind, e.toId, -(e.depth - 1));
    edges.set(`${from}>${to}>${e.relation}`, { from, to, kind: e.relation });
  }
  for (const e of down) {
    const from = add(e.fromKind, e.fromId, e.depth - 1);
    const to = add(e.toKind, e.toId, e.depth);
    edges.set(`${from}>${to}>${e.relation}`, { from, to, kind: e.relation });
  }
  // An output is known by the name its step gave it.
  for (const e of edges.values()) {
    const n = nodes.get(e.to);
    if (n?.kind === 'artifact' && e.kind.startsWith('output:') && !details(n.kind, n.key).label) n.label = `${e.kind.slice('output:'.length)} ${n.key.replace(/^sha256:/, '').slice(0, 8)}`;
  }
  return { root: rootId, nodes: [...nodes.values()].sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id)), edges: [...edges.values()] };
}
