import type { YNode } from '../../yaml/nodes';
import type { Located, PipelineModel, StepModel } from '../model';
import type { ParsedPipeline } from '../parse';

/** What sits at a place in a pipeline file, in the terms editor features need. */
export type Target =
  | { kind: 'step-id'; step: StepModel; id: string }
  | { kind: 'depends-on'; step: StepModel; item: Located; id: string }
  | { kind: 'param-ref'; step: StepModel; item: Located; name: string }
  | { kind: 'param-def'; name: string; node: YNode }
  | { kind: 'data'; step: StepModel; item: Located; name: string; role: 'reads' | 'writes' }
  | { kind: 'code'; step: StepModel }
  | { kind: 'notebook'; step: StepModel }
  | { kind: 'cell'; step: StepModel; cell: number }
  | { kind: 'key'; path: Array<string | number>; node: YNode; base: number; step?: StepModel };

export function stepAt(model: PipelineModel, offset: number): StepModel | undefined {
  // Steps are in file order: binary search by start.
  let lo = 0;
  let hi = model.steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = model.steps[mid];
    if (offset < s.node.start + s.base) hi = mid - 1;
    else if (offset > s.node.end + s.base) lo = mid + 1;
    else return s;
  }
  return undefined;
}

const inside = (node: YNode, base: number, offset: number) => offset >= node.start + base && offset <= node.end + base;

/** The target at `offset` (0-based UTF-16 offset into the text). */
export function targetAt(parsed: ParsedPipeline, model: PipelineModel, offset: number): Target | undefined {
  const step = stepAt(model, offset);
  if (step) return targetInStep(step, offset);
  for (const [name, { key }] of model.params) if (inside(key, 0, offset)) return { kind: 'param-def', name, node: key };
  return parsed.root ? keyAt(parsed.root, 0, offset, []) : undefined;
}

/** The target at `offset` inside `step`. */
function targetInStep(step: StepModel, offset: number): Target | undefined {
  const b = step.base;
  if (step.id && inside(step.id.node, b, offset)) return { kind: 'step-id', step, id: step.id.value };
  for (const d of step.dependsOn) if (inside(d.node, b, offset)) return { kind: 'depends-on', step, item: d, id: d.value };
  for (const p of step.params) if (inside(p.node, b, offset)) return { kind: 'param-ref', step, item: p, name: p.value };
  for (const r of step.reads) if (inside(r.node, b, offset)) return { kind: 'data', step, item: r, name: r.value, role: 'reads' };
  for (const w of step.writes) if (inside(w.node, b, offset)) return { kind: 'data', step, item: w, name: w.value, role: 'writes' };
  if (step.code && inside(step.code.node, b, offset)) return { kind: 'code', step };
  if (step.notebook && inside(step.notebook.node, b, offset)) return { kind: 'notebook', step };
  for (const c of step.cells) if (inside(c.node, b, offset)) return { kind: 'cell', step, cell: c.ref.index };
  const key = keyAt(step.node, b, offset, ['steps', step.index]);
  return key ? { ...key, step } : undefined;
}

/** The mapping key under `offset`, with its path in the pipeline. */
function keyAt(node: YNode, base: number, offset: number, path: Array<string | number>): Extract<Target, { kind: 'key' }> | undefined {
  if (node.kind === 'map') {
    for (const { key, value } of node.pairs) {
      if (key.kind !== 'scalar') continue;
      if (inside(key, base, offset)) return { kind: 'key', path: [...path, key.text], node: key, base };
      if (inside(value, base, offset)) return keyAt(value, base, offset, [...path, key.text]);
    }
  } else if (node.kind === 'seq') {
    for (let i = 0; i < node.items.length; i++) if (inside(node.items[i], base, offset)) return keyAt(node.items[i], base, offset, [...path, i]);
  }
  return undefined;
}
