import type { YNode } from '../../yaml/nodes';
import type { PipelineModel } from '../model';
import type { ParsedPipeline } from '../parse';
import { previewValue } from '../../text/preview';

export interface SymbolNode {
  name: string;
  detail?: string;
  kind: 'section' | 'param' | 'step' | 'field';
  start: number;
  end: number;
  selectionStart: number;
  selectionEnd: number;
  children: SymbolNode[];
}

/** The outline: top-level keys, params under `params`, steps (by id, with their data) under `steps`. */
export function documentSymbols(parsed: ParsedPipeline, model: PipelineModel): SymbolNode[] {
  const root = parsed.root;
  if (root?.kind !== 'map') return [];
  const out: SymbolNode[] = [];
  for (const { key, value } of root.pairs) {
    if (key.kind !== 'scalar') continue;
    const node: SymbolNode = { name: key.text, kind: key.text === 'params' || key.text === 'steps' ? 'section' : 'field', start: key.start, end: Math.max(key.end, value.end), selectionStart: key.start, selectionEnd: key.end, children: [] };
    if (key.text === 'name' && value.kind === 'scalar') node.detail = value.text;
    if (key.text === 'params') {
      for (const [name, { key: k, value: v }] of model.params) node.children.push(leaf(name, 'param', k, 0, previewValue(v)));
    }
    if (key.text === 'steps') {
      for (const s of model.steps) {
        const name = s.id?.value ?? `steps[${s.index}]`;
        const sel = s.id?.node ?? s.node;
        const detail = `v${s.version} · reads ${s.reads.map((r) => r.value).join(', ') || '—'} · writes ${s.writes.map((w) => w.value).join(', ') || '—'}`;
        node.children.push({ name, detail, kind: 'step', start: s.node.start + s.base, end: s.node.end + s.base, selectionStart: sel.start + s.base, selectionEnd: sel.end + s.base, children: [] });
      }
      node.end = Math.max(node.end, ...node.children.map((c) => c.end));
    }
    out.push(node);
  }
  return out;
}

function leaf(name: string, kind: SymbolNode['kind'], node: YNode, base: number, detail?: string): SymbolNode {
  return { name, kind, detail, start: node.start + base, end: node.end + base, selectionStart: node.start + base, selectionEnd: node.end + base, children: [] };
}
