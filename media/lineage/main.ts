import dagre from '@dagrejs/dagre';
import './lineage.css';
import type { LineageFromWebview, LineageGraph, LineageNode, LineageToWebview } from '../../server/src/protocol';
import { el } from '../shared/el';

declare function acquireVsCodeApi(): { postMessage(message: LineageFromWebview): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 190;
const NODE_H = 44;

/** Node kinds in chain order, for the legend. */
const KINDS: Array<[string, string]> = [['cell-hash', 'cell'], ['step-version', 'step version'], ['dataset', 'dataset'], ['artifact', 'data between steps'], ['run', 'run'], ['model-version', 'model version'], ['benchmark', 'benchmark'], ['drift-report', 'drift report']];

window.addEventListener('message', (event: MessageEvent<LineageToWebview>) => {
  const m = event.data;
  if (m.type === 'graph') render(m.ref, m.graph);
  else app.replaceChildren(el('p', { class: 'error', role: 'alert', id: 'status' }, m.message));
});
vscode.postMessage({ type: 'ready' });

function svg(tag: string, attrs: Record<string, string | number>, ...children: Array<Node | string>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

/** dagre lays the chain out left to right (upstream first); the chosen node is scrolled to the middle. */
function render(ref: string, graph: LineageGraph): void {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const size = g.graph();
  const width = Math.max(size.width ?? 0, 200);
  const height = Math.max(size.height ?? 0, 100);
  const picture = svg('svg', { id: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Lineage of ${ref}` });
  picture.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))));
  for (const e of graph.edges) {
    const points: Array<{ x: number; y: number }> = g.edge(e.from, e.to)?.points ?? [];
    if (!points.length) continue;
    const d = points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ');
    picture.append(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }, svg('title', {}, e.kind)));
  }
  for (const n of graph.nodes) picture.append(nodeBox(n, g.node(n.id), n.id === graph.root));
  const legend = el('p', { class: 'legend' }, ...KINDS.filter(([k]) => graph.nodes.some((n) => n.kind === k)).map(([k, label]) => el('span', { class: `swatch kind-${k}` }, label)));
  const marks = graph.nodes.filter((n) => n.marks?.length);
  app.replaceChildren(
    el('h1', {}, `Lineage: ${ref}`),
    el('p', { class: 'muted' }, `${graph.nodes.length} nodes, ${graph.edges.length} edges; upstream on the left, downstream on the right. Click a node to open it.`),
    legend,
    ...(marks.length ? [el('ul', { class: 'marks', id: 'marks' }, ...marks.map((n) => el('li', {}, `${n.label}: ${n.marks!.join(', ')}${n.detail ? ` (${n.detail})` : ''}`)))] : []),
    el('div', { class: 'scroll', id: 'canvas' }, picture),
  );
  const root = g.node(graph.root);
  const box = document.getElementById('canvas')!;
  if (root) box.scrollTo({ left: root.x - box.clientWidth / 2, top: root.y - box.clientHeight / 2 });
}

function nodeBox(n: LineageNode, at: { x: number; y: number }, isRoot: boolean): SVGElement {
  const marked = n.marks?.length ? ` marked ${n.marks.map((m) => `mark-${m}`).join(' ')}` : '';
  const group = svg('g', { class: `node kind-${n.kind}${isRoot ? ' root' : ''}${marked}`, transform: `translate(${at.x - NODE_W / 2}, ${at.y - NODE_H / 2})`, tabindex: 0, role: 'button', 'data-id': n.id, 'data-kind': n.kind, 'aria-label': `${n.label}${n.marks?.length ? `, ${n.marks.join(', ')}` : ''}` });
  group.append(
    svg('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
    svg('text', { x: 10, y: 18, class: 'label' }, clip(n.label, 26)),
    svg('text', { x: 10, y: 34, class: 'detail' }, clip(n.marks?.length ? `${n.marks.join(', ')}${n.detail ? ` · ${n.detail}` : ''}` : (n.detail ?? n.kind), 30)),
    svg('title', {}, `${n.label}\n${n.kind} ${n.key}${n.detail ? `\n${n.detail}` : ''}`),
  );
  const open = () => vscode.postMessage({ type: 'open', node: n.id });
  group.addEventListener('click', open);
  group.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && open());
  return group;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
