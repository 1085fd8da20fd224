import * as path from 'node:path';
import { locateCells } from '../../notebook/locate';
import type { LintContext } from '../lintContext';
import type { Located, PipelineModel, StepModel } from '../model';
import type { ParsedPipeline } from '../parse';
import { targetAt } from './locate';

/** A place to go: a range of this pipeline file, the top of another file, or a notebook cell. */
export type Place =
  | { kind: 'range'; start: number; end: number }
  | { kind: 'file'; file: string }
  | { kind: 'cell'; notebook: string; cell: number };

const range = (step: StepModel | undefined, item: { node: { start: number; end: number } }): Place => ({
  kind: 'range',
  start: item.node.start + (step?.base ?? 0),
  end: item.node.end + (step?.base ?? 0),
});

export function stepById(model: PipelineModel, id: string): StepModel | undefined {
  return model.steps.find((s) => s.id?.value === id);
}

/**
 * Go to definition: a depends-on entry goes to the step; a step goes to its code file and the notebook
 * cells it came from; a param reference goes to the param; a name a step reads goes to where an
 * upstream step writes it.
 */
export function definition(parsed: ParsedPipeline, model: PipelineModel, offset: number, context?: LintContext): Place[] {
  const t = targetAt(parsed, model, offset);
  if (!t) return [];
  const dir = context ? path.dirname(context.pipelinePath) : undefined;
  const stepPlaces = (s: StepModel): Place[] => {
    const out: Place[] = [];
    if (dir && s.code) out.push({ kind: 'file', file: path.resolve(dir, s.code.value) });
    out.push(...cellPlaces(s, context));
    return out;
  };
  switch (t.kind) {
    case 'depends-on': {
      const s = stepById(model, t.id);
      return s?.id ? [range(s, s.id)] : [];
    }
    case 'step-id':
      return stepPlaces(t.step);
    case 'code':
      return dir && t.step.code ? [{ kind: 'file', file: path.resolve(dir, t.step.code.value) }] : [];
    case 'notebook':
    case 'cell':
      return cellPlaces(t.step, context, t.kind === 'cell' ? t.cell : undefined);
    case 'param-ref': {
      const def = model.params.get(t.name);
      return def ? [{ kind: 'range', start: def.key.start, end: def.key.end }] : [];
    }
    case 'data': {
      if (t.role !== 'reads') return [];
      const writer = upstreamWriter(model, t.step, t.name);
      const item = writer?.writes.find((w) => w.value === t.name);
      return writer && item ? [range(writer, item)] : [];
    }
    default:
      return [];
  }
}

/** The notebook cells of a step, where they are now (found by id, hash or similarity). */
function cellPlaces(s: StepModel, context: LintContext | undefined, only?: number): Place[] {
  if (!context || !s.notebook) return [];
  const file = path.resolve(path.dirname(context.pipelinePath), s.notebook.value);
  const nb = context.notebook(file);
  const refs = s.cells.map((c) => c.ref).filter((r) => only === undefined || r.index === only);
  if (!nb || nb instanceof Error) return refs.map((r) => ({ kind: 'cell', notebook: file, cell: r.index }));
  return locateCells(nb, refs).flatMap((l) => (l.found ? [{ kind: 'cell' as const, notebook: file, cell: l.cell.index }] : []));
}

/** Every place that names the same step, param or data name as the one at `offset` (declaration included). */
export function references(parsed: ParsedPipeline, model: PipelineModel, offset: number): Place[] {
  const t = targetAt(parsed, model, offset);
  if (!t) return [];
  const id = t.kind === 'step-id' || t.kind === 'depends-on' ? t.id : undefined;
  if (id !== undefined) return stepReferences(model, id);
  const param = t.kind === 'param-ref' ? t.name : t.kind === 'param-def' ? t.name : undefined;
  if (param !== undefined) return paramReferences(model, param);
  if (t.kind === 'data') return dataReferences(model, t.name);
  return [];
}

/** A step's id and every depends-on entry that names it. */
function stepReferences(model: PipelineModel, id: string): Place[] {
  const out: Place[] = [];
  for (const s of model.steps) {
    if (s.id?.value === id) out.push(range(s, s.id));
    for (const d of s.dependsOn) if (d.value === id) out.push(range(s, d));
  }
  return out;
}

/** A param's definition and every step's reference to it. */
function paramReferences(model: PipelineModel, param: string): Place[] {
  const out: Place[] = [];
  const def = model.params.get(param);
  if (def) out.push({ kind: 'range', start: def.key.start, end: def.key.end });
  for (const s of model.steps) for (const p of s.params) if (p.value === param) out.push(range(s, p));
  return out;
}

/** Every place a data name is written or read, in file order. */
function dataReferences(model: PipelineModel, name: string): Place[] {
  const out: Place[] = [];
  for (const s of model.steps) for (const d of [...s.writes, ...s.reads]) if (d.value === name) out.push(range(s, d));
  return out.sort((a, b) => (a.kind === 'range' && b.kind === 'range' ? a.start - b.start : 0));
}

/** The nearest step upstream of `step` (through depends-on) that writes `name`. */
export function upstreamWriter(model: PipelineModel, step: StepModel, name: string): StepModel | undefined {
  const seen = new Set<StepModel>([step]);
  let frontier = [step];
  while (frontier.length) {
    const next: StepModel[] = [];
    for (const s of frontier) {
      for (const d of s.dependsOn) {
        const up = stepById(model, d.value);
        if (!up || seen.has(up)) continue;
        if (up.writes.some((w) => w.value === name)) return up;
        seen.add(up);
        next.push(up);
      }
    }
    frontier = next;
  }
  return undefined;
}

export type { Located };
