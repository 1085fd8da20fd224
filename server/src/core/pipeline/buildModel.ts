import type { YNode, YScalar } from '../yaml/nodes';
import type { Located, PipelineModel, StepMemo, StepModel } from './model';
import type { ParsedPipeline } from './parse';
import type { CellRef } from './schema';

/** The model of a parsed pipeline; a step's model is reused while its text is unchanged. */
export function pipelineModel(parsed: ParsedPipeline): PipelineModel {
  const model: PipelineModel = { params: new Map(), steps: [] };
  readHeader(parsed, model);
  for (const step of parsed.steps) {
    let m = step.memo.model;
    if (!m) m = step.memo.model = stepModel(step.node, step.index, step.base, step.value, step.memo);
    // The same text at another place or position: same nodes, new index and base.
    model.steps.push(m.index === step.index && m.base === step.base ? m : { ...m, index: step.index, base: step.base });
  }
  return model;
}

/** The pipeline's `name`, `steps` key and `params`, from the top-level mapping. */
function readHeader(parsed: ParsedPipeline, model: PipelineModel): void {
  const root = parsed.root;
  if (root?.kind !== 'map') return;
  for (const { key, value } of root.pairs) {
    if (key.kind !== 'scalar') continue;
    if (key.text === 'name' && value.kind === 'scalar') model.name = value.text;
    if (key.text === 'steps') model.stepsKey = key;
    if (key.text === 'params' && value.kind === 'map') readParams(parsed, value, model);
  }
}

function readParams(parsed: ParsedPipeline, node: Extract<YNode, { kind: 'map' }>, model: PipelineModel): void {
  model.paramsNode = node;
  const values = (parsed.headerValue as { params?: Record<string, unknown> } | null)?.params ?? {};
  for (const p of node.pairs) if (p.key.kind === 'scalar') model.params.set(p.key.text, { key: p.key, value: values[p.key.text] });
}

function stepModel(node: YNode, index: number, base: number, value: unknown, memo: StepMemo): StepModel {
  const m: StepModel = { index, base, node, memo, version: 1, dependsOn: [], reads: [], writes: [], params: [], files: [], checks: [], cells: [] };
  if (node.kind !== 'map') return m;
  const values = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  for (const { key, value } of node.pairs) if (key.kind === 'scalar') readStepKey(m, key, value, values);
  return m;
}

/** One key of a step's mapping into its model. */
function readStepKey(m: StepModel, key: YScalar, value: YNode, values: Record<string, unknown>): void {
  switch (key.text) {
    case 'id':
      m.idKey = key;
      if (value.kind === 'scalar' && value.text) m.id = { value: value.text, node: value };
      break;
    case 'version':
      m.versionNode = value;
      if (value.kind === 'scalar' && /^\d+$/.test(value.text)) m.version = Number(value.text);
      break;
    case 'code':
      if (value.kind === 'scalar' && value.text) m.code = { value: value.text, node: value };
      break;
    case 'depends-on':
      m.dependsOnNode = value;
      m.dependsOn = strings(value, values, 'depends-on');
      break;
    case 'reads':
      m.reads = strings(value, values, 'reads');
      break;
    case 'writes':
      m.writes = strings(value, values, 'writes');
      break;
    case 'params':
      m.params = strings(value, values, 'params');
      break;
    case 'files':
      m.files = strings(value, values, 'files');
      break;
    case 'checks': {
      const specs = (values.checks ?? {}) as Record<string, unknown>;
      if (value.kind === 'map') for (const p of value.pairs) if (p.key.kind === 'scalar') m.checks.push({ output: { value: p.key.text, node: p.key }, spec: specs[p.key.text] });
      break;
    }
    case 'source':
      if (value.kind === 'map') readSource(value, m);
      break;
  }
}

/** A list of strings; one given by an alias has no nodes of its own: its items take the alias's place. */
function strings(n: YNode, values: Record<string, unknown>, key: string): Located[] {
  if (n.kind !== 'alias') return stringItems(n);
  const list = values[key];
  return Array.isArray(list) ? (list as unknown[]).filter((v): v is string => typeof v === 'string').map((v) => ({ value: v, node: n })) : [];
}

function readSource(node: Extract<YNode, { kind: 'map' }>, m: StepModel): void {
  for (const { key, value } of node.pairs) {
    if (key.kind !== 'scalar') continue;
    if (key.text === 'notebook' && value.kind === 'scalar' && value.text) m.notebook = { value: value.text, node: value };
    if (key.text === 'hash' && value.kind === 'scalar') m.hash = value.text;
    if (key.text === 'cells' && value.kind === 'seq') readCells(value.items, m);
  }
}

function readCells(items: YNode[], m: StepModel): void {
  for (const item of items) {
    if (item.kind !== 'map') continue;
    const ref = cellRef(item);
    if (ref.index !== undefined) m.cells.push({ ref: ref as CellRef, node: item });
  }
}

function cellRef(item: Extract<YNode, { kind: 'map' }>): Partial<CellRef> {
  const ref: Partial<CellRef> = {};
  for (const p of item.pairs) {
    if (p.key.kind !== 'scalar' || p.value.kind !== 'scalar') continue;
    if (p.key.text === 'index' && /^\d+$/.test(p.value.text)) ref.index = Number(p.value.text);
    if (p.key.text === 'id') ref.id = p.value.text;
    if (p.key.text === 'hash') ref.hash = p.value.text;
  }
  return ref;
}

const NO_ITEMS: Located[] = [];

function stringItems(node: YNode): Located[] {
  if (node.kind !== 'seq' || node.items.length === 0) return NO_ITEMS;
  // Nearly always every item is a string: map() then makes an array of the exact size, where push()
  // would leave spare room in each of the thousands of lists a large pipeline has.
  let all = true;
  for (const n of node.items) if (n.kind !== 'scalar' || !n.text) all = false;
  if (all) return node.items.map((n) => ({ value: (n as YScalar).text, node: n }));
  const out: Located[] = [];
  for (const n of node.items) if (n.kind === 'scalar' && n.text) out.push({ value: n.text, node: n });
  return out;
}
