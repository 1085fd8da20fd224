import type { Diagnostic } from '../diagnostic';
import type { Lines } from '../text/lineIndex';
import { closest } from '../text/suggest';
import { emitter, type Emit } from './emitter';
import type { PipelineModel, StepModel } from './model';

/** What the id and depends-on checks found, by step index, so it can be emitted again at new places. */
type Structural =
  | { kind: 'duplicate'; step: number; first: number }
  | { kind: 'unknown'; step: number; dep: number; suggestion?: string }
  | { kind: 'cycle'; step: number; dep: number; names: string; cycle: string[] };

/**
 * Keeps the id and depends-on findings of the last lint of one document: they depend on the steps'
 * ids and depends-on lists only, so typing anywhere else (a read, a description) reuses them.
 */
export class GraphCache {
  signature = '';
  found: Structural[] = [];
}

function signatureOf(model: PipelineModel): string {
  let sig = '';
  for (const s of model.steps) {
    let k = s.memo.graphKey;
    if (k === undefined) k = s.memo.graphKey = `${s.id?.value ?? ''}\u0001${s.dependsOn.map((d) => d.value).join('\u0002')}`;
    sig += `${k}\n`;
  }
  return sig;
}

/**
 * The checks across steps: ids, depends-on (unknown steps, cycles), data flow (reads nothing upstream
 * writes, outputs written by unrelated steps) and params (referenced but not defined, or unused).
 */
export function graphDiagnostics(model: PipelineModel, lines: Lines, cache?: GraphCache): Diagnostic[] {
  const out: Diagnostic[] = [];
  const emit = emitter(lines, out);
  const byId = new Map<string, StepModel>();
  for (const s of model.steps) if (s.id && !byId.has(s.id.value)) byId.set(s.id.value, s);

  emitStructural(model, lines, cachedStructural(model, byId, cache), emit);

  // Data flow over depends-on, searched upward on demand: the writer of a read is nearly always close.
  const writers = writersByName(model);
  const upstream = new Upstream(byId, model.steps);
  checkReads(model, writers, upstream, emit);
  checkConflictingWrites(writers, upstream, emit);
  checkParams(model, emit);
  checkCheckedOutputs(model, emit);
  return out;
}

/** The structural findings, reused from `cache` while no step's id or depends-on changed. */
function cachedStructural(model: PipelineModel, byId: Map<string, StepModel>, cache: GraphCache | undefined): Structural[] {
  if (!cache) return structural(model, byId);
  const signature = signatureOf(model);
  if (cache.signature === signature) return cache.found;
  const found = structural(model, byId);
  cache.signature = signature;
  cache.found = found;
  return found;
}

/** The structural findings as diagnostics, at the steps' current places. */
function emitStructural(model: PipelineModel, lines: Lines, found: Structural[], emit: Emit): void {
  for (const f of found) {
    const s = model.steps[f.step];
    switch (f.kind) {
      case 'duplicate': {
        const first = model.steps[f.first];
        const line = lines.positionAt(first.id!.node.start + first.base).line + 1;
        emit(s, s.id!.node, 'error', 'duplicate-step-id', `Step id \`${s.id!.value}\` is already used by the step on line ${line}; step ids must be unique.`);
        break;
      }
      case 'unknown': {
        const d = s.dependsOn[f.dep];
        emit(s, d.node, 'error', 'unknown-step', `\`depends-on\` names \`${d.value}\`, which is not a step of this pipeline${f.suggestion ? `; did you mean \`${f.suggestion}\`?` : '.'}`, f.suggestion ? { suggestion: f.suggestion } : undefined);
        break;
      }
      case 'cycle':
        emit(s, s.dependsOn[f.dep].node, 'error', 'dependency-cycle', `Dependency cycle: ${f.names}. A step cannot run after itself; remove one of these depends-on entries.`, { cycle: f.cycle });
        break;
    }
  }
}

/** The steps that write each name, in file order. */
function writersByName(model: PipelineModel): Map<string, StepModel[]> {
  const writers = new Map<string, StepModel[]>();
  for (const s of model.steps) {
    for (const w of s.writes) {
      const list = writers.get(w.value);
      if (list) list.push(s);
      else writers.set(w.value, [s]);
    }
  }
  return writers;
}

/** A read that no step upstream writes. */
function checkReads(model: PipelineModel, writers: Map<string, StepModel[]>, upstream: Upstream, emit: Emit): void {
  for (const s of model.steps) {
    for (const r of s.reads) {
      const candidates = writers.get(r.value);
      let found = false;
      if (candidates) for (const w of candidates) if (w !== s && upstream.reaches(s, w)) {
        found = true;
        break;
      }
      if (!found) emit(s, r.node, 'warning', 'unresolved-read', `\`${s.id?.value ?? `steps[${s.index}]`}\` reads \`${r.value}\`, but no step it depends on writes it.`, { name: r.value });
    }
  }
}

/** A name written by two steps of which neither depends on the other. */
function checkConflictingWrites(writers: Map<string, StepModel[]>, upstream: Upstream, emit: Emit): void {
  for (const [name, list] of writers) {
    // Writers ordered pairwise in file order are ordered all together (depends-on is transitive).
    for (let j = 1; j < list.length; j++) {
      const [earlier, later] = [list[j - 1], list[j]];
      if (earlier === later || upstream.reaches(later, earlier) || upstream.reaches(earlier, later)) continue;
      const w = later.writes.find((x) => x.value === name)!;
      emit(later, w.node, 'warning', 'conflicting-writes', `\`${later.id?.value ?? `steps[${later.index}]`}\` and \`${earlier.id?.value ?? `steps[${earlier.index}]`}\` both write \`${name}\` and neither depends on the other, so which value a later step reads is undecided.`);
    }
  }
}

/** Params referenced but not defined, or defined but unused. */
/** A check names an output of its step: one it does not write would never be checked. */
function checkCheckedOutputs(model: PipelineModel, emit: Emit): void {
  for (const s of model.steps) {
    for (const { output } of s.checks) {
      if (s.writes.some((w) => w.value === output.value)) continue;
      const near = closest(output.value, s.writes.map((w) => w.value));
      emit(s, output.node, 'error', 'unknown-output', `\`checks\` names \`${output.value}\`, which \`${s.id?.value ?? '?'}\` does not write${near ? `; did you mean \`${near}\`?` : '.'}`);
    }
  }
}

function checkParams(model: PipelineModel, emit: Emit): void {
  const used = new Set<string>();
  for (const s of model.steps) {
    for (const p of s.params) {
      used.add(p.value);
      if (model.params.has(p.value)) continue;
      const guess = closest(p.value, [...model.params.keys()]);
      emit(s, p.node, 'error', 'unknown-param', `\`${p.value}\` is not a param of this pipeline${guess ? `; did you mean \`${guess}\`?` : '; add it under `params:`.'}`, { param: p.value, ...(guess ? { suggestion: guess } : {}) });
    }
  }
  for (const [name, { key }] of model.params) {
    if (!used.has(name)) emit(undefined, key, 'warning', 'unused-param', `Param \`${name}\` is defined but no step uses it.`, { param: name });
  }
}

/** The id and depends-on findings: duplicate ids, unknown steps in depends-on, cycles. */
function structural(model: PipelineModel, byId: Map<string, StepModel>): Structural[] {
  // Findings name steps by their position in model.steps (a step that does not parse has none).
  const found: Structural[] = [];
  const first = new Map<string, number>();
  model.steps.forEach((s, pos) => {
    if (!s.id) return;
    const at = first.get(s.id.value);
    if (at === undefined) first.set(s.id.value, pos);
    else found.push({ kind: 'duplicate', step: pos, first: at });
  });
  let ids: string[] | undefined;
  model.steps.forEach((s, pos) => {
    s.dependsOn.forEach((d, dep) => {
      if (byId.has(d.value)) return;
      ids ??= [...byId.keys()];
      const suggestion = closest(d.value, ids.filter((i) => i !== s.id?.value));
      found.push({ kind: 'unknown', step: pos, dep, ...(suggestion ? { suggestion } : {}) });
    });
  });
  const posOf = new Map(model.steps.map((s, pos) => [s, pos]));
  const cycles = findCycles(model.steps, byId, posOf);
  if (cycles.length) {
    for (const cycle of cycles) {
      const names = [...cycle.map((c) => c.id!.value), cycle[0].id!.value].join(' → ');
      cycle.forEach((c, i) => {
        const next = cycle[(i + 1) % cycle.length].id!.value;
        const dep = c.dependsOn.findIndex((d) => d.value === next);
        if (dep >= 0) found.push({ kind: 'cycle', step: posOf.get(c)!, dep, names, cycle: cycle.map((x) => x.id!.value) });
      });
    }
  }
  return found;
}

/**
 * Cycles in depends-on (Tarjan's strongly connected components), each in dependency order. Steps are
 * numbered by position and the bookkeeping lives in typed arrays: this runs over every step of a file
 * on a cold lint, and maps of step objects were most of its cost.
 */
function findCycles(steps: StepModel[], byId: Map<string, StepModel>, posOf: Map<StepModel, number>): StepModel[][] {
  const n = steps.length;
  // The depends-on edges of each step, as positions (compressed rows).
  const edgeStart = new Int32Array(n + 1);
  const edgeList: number[] = [];
  for (let i = 0; i < n; i++) {
    edgeStart[i] = edgeList.length;
    for (const d of steps[i].dependsOn) {
      const target = byId.get(d.value);
      if (target) edgeList.push(posOf.get(target)!);
    }
  }
  edgeStart[n] = edgeList.length;
  const edges = Int32Array.from(edgeList);
  // A step without an id, or with the id of an earlier one, is no edge's target: never a root either.
  const components = cyclicComponents(n, edgeStart, edges, (v) => {
    const r = steps[v];
    return r.id !== undefined && byId.get(r.id.value) === r;
  });
  return components.map((c) => orderCycle(c.map((x) => steps[x]), byId));
}

/**
 * The strongly connected components of a graph in compressed rows (node v's edges are
 * edges[edgeStart[v]] to edges[edgeStart[v + 1] - 1]) that are cycles: more than one node, or one with
 * an edge to itself. Tarjan's algorithm, iterative so that a long chain cannot overflow the call stack,
 * with its bookkeeping in typed arrays.
 */
function cyclicComponents(n: number, edgeStart: Int32Array, edges: Int32Array, isRoot: (v: number) => boolean): number[][] {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const frameNode = new Int32Array(n);
  const frameEdge = new Int32Array(n);
  let fp = 0;
  let counter = 0;
  const cycles: number[][] = [];
  const visit = (v: number) => {
    index[v] = low[v] = counter++;
    stack[sp++] = v;
    onStack[v] = 1;
    frameNode[fp] = v;
    frameEdge[fp++] = edgeStart[v];
  };
  // v is the root of a component: its members are on the stack down to v.
  const popComponent = (v: number) => {
    const component: number[] = [];
    let x: number;
    do {
      x = stack[--sp];
      onStack[x] = 0;
      component.push(x);
    } while (x !== v);
    if (component.length > 1 || hasEdge(edgeStart, edges, v, v)) cycles.push(component);
  };

  for (let root = 0; root < n; root++) {
    if (index[root] >= 0 || !isRoot(root)) continue;
    visit(root);
    while (fp > 0) {
      const v = frameNode[fp - 1];
      const e = frameEdge[fp - 1];
      if (e < edgeStart[v + 1]) {
        frameEdge[fp - 1] = e + 1;
        const w = edges[e];
        if (index[w] < 0) visit(w);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      fp--;
      if (fp > 0) {
        const parent = frameNode[fp - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) popComponent(v);
    }
  }
  return cycles;
}

function hasEdge(edgeStart: Int32Array, edges: Int32Array, from: number, to: number): boolean {
  for (let e = edgeStart[from]; e < edgeStart[from + 1]; e++) if (edges[e] === to) return true;
  return false;
}

/** A cycle's steps in the order their depends-on edges go, starting from the first in the file. */
function orderCycle(component: StepModel[], byId: Map<string, StepModel>): StepModel[] {
  const members = new Set(component);
  const start = component.reduce((a, b) => (a.index < b.index ? a : b));
  const order = [start];
  let cur = start;
  while (order.length < component.length) {
    const next = cur.dependsOn.map((d) => byId.get(d.value)).find((x): x is StepModel => x !== undefined && members.has(x) && !order.includes(x));
    if (!next) break;
    order.push(next);
    cur = next;
  }
  return order;
}

/**
 * Searches a step's upstream (what it depends on, directly or not); cycles are tolerated. Visited
 * steps are marked with a per-search stamp in a typed array, so a search allocates nothing: this runs
 * once per name each step reads, on every keystroke.
 */
class Upstream {
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly todo: StepModel[] = [];

  constructor(
    private readonly byId: Map<string, StepModel>,
    steps: StepModel[],
  ) {
    // Indexed by step index, which can exceed the count when a step before does not parse.
    this.seen = new Int32Array(steps.reduce((m, s) => Math.max(m, s.index + 1), 0));
  }

  /** Whether `target` is upstream of `from`. */
  reaches(from: StepModel, target: StepModel): boolean {
    const stamp = ++this.stamp;
    const { seen, todo } = this;
    todo.length = 0;
    seen[from.index] = stamp;
    todo.push(from);
    while (todo.length) {
      const s = todo.pop()!;
      for (const d of s.dependsOn) {
        const next = this.byId.get(d.value);
        if (!next || seen[next.index] === stamp) continue;
        if (next === target) return true;
        seen[next.index] = stamp;
        todo.push(next);
      }
    }
    return false;
  }
}

/** A step as the execution order sees it: its id and the ids it depends on. */
export interface StepDependencies {
  id: string;
  dependsOn: readonly string[];
}

/** A step that cannot be put in order, and why. */
export type UnorderedStep =
  /** In a dependency cycle (a step that depends on itself is a cycle of one); `cycle`: its members, in file order. */
  | { id: string; reason: 'cycle'; cycle: string[] }
  /** Depends on ids that are no step of the pipeline. */
  | { id: string; reason: 'unknown-dependency'; unknown: string[] }
  /** Depends on steps that cannot be ordered themselves (`by`: those of its dependencies). */
  | { id: string; reason: 'blocked'; by: string[] }
  /** Has the id of an earlier step: depends-on entries name that one, so this one cannot be told apart. */
  | { id: string; reason: 'duplicate-id' };

/**
 * The order a runner runs the steps in. `levels[0]` holds the steps with no dependencies; `levels[n]`
 * those whose dependencies are all in earlier levels, so the steps of one level can run in parallel.
 * Steps keep their file order within a level. A graph that is not a DAG does not throw: what can be
 * ordered is in `levels`, and every other step is in `unordered` (file order) with its reason, so a
 * runner can refuse with a message naming each (the linter reports the same problems as diagnostics).
 */
export interface ExecutionOrder {
  levels: string[][];
  unordered: UnorderedStep[];
}

/** The steps of a model that have an id, for executionOrder. */
export function stepDependencies(model: PipelineModel): StepDependencies[] {
  const out: StepDependencies[] = [];
  for (const s of model.steps) if (s.id) out.push({ id: s.id.value, dependsOn: s.dependsOn.map((d) => d.value) });
  return out;
}

/** Topological levels of the depends-on graph (Kahn's algorithm, a level per round). */
export function executionOrder(steps: readonly StepDependencies[]): ExecutionOrder {
  const n = steps.length;
  const first = new Map<string, number>();
  const duplicate = new Uint8Array(n);
  steps.forEach((s, v) => (first.has(s.id) ? (duplicate[v] = 1) : first.set(s.id, v)));
  const rows = dependencyRows(steps, first, duplicate);
  const cycleOf = new Map<number, string[]>();
  for (const c of cyclicComponents(n, rows.edgeStart, rows.edges, (v) => !duplicate[v])) {
    const members = c.sort((a, b) => a - b).map((v) => steps[v].id);
    for (const v of c) cycleOf.set(v, members);
  }
  const { levels, levelled } = kahnLevels(steps, rows, duplicate);
  return { levels, unordered: unorderedSteps(steps, rows, duplicate, levelled, cycleOf) };
}

/** Each step's distinct known dependencies, as positions (compressed rows), and its unknown ones. */
interface DependencyRows {
  edgeStart: Int32Array;
  edges: Int32Array;
  unknown: Map<number, string[]>;
}

function dependencyRows(steps: readonly StepDependencies[], first: Map<string, number>, duplicate: Uint8Array): DependencyRows {
  const n = steps.length;
  const edgeStart = new Int32Array(n + 1);
  const edgeList: number[] = [];
  const unknown = new Map<number, string[]>();
  for (let v = 0; v < n; v++) {
    edgeStart[v] = edgeList.length;
    if (duplicate[v]) continue;
    for (const d of new Set(steps[v].dependsOn)) {
      const w = first.get(d);
      if (w !== undefined) edgeList.push(w);
      else unknown.set(v, [...(unknown.get(v) ?? []), d]);
    }
  }
  edgeStart[n] = edgeList.length;
  return { edgeStart, edges: Int32Array.from(edgeList), unknown };
}

/** The levels, a round of Kahn's algorithm each, and which steps got one. */
function kahnLevels(steps: readonly StepDependencies[], { edgeStart, edges, unknown }: DependencyRows, duplicate: Uint8Array): { levels: string[][]; levelled: Uint8Array } {
  const n = steps.length;
  // Dependents of each step, and how many of its dependencies are still to run.
  const waiting = new Int32Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  for (let v = 0; v < n; v++) {
    waiting[v] = edgeStart[v + 1] - edgeStart[v];
    for (let e = edgeStart[v]; e < edgeStart[v + 1]; e++) dependents[edges[e]].push(v);
  }
  // A step with an unknown dependency never becomes ready; nor does one in a cycle, which waits on itself.
  const runnable = (v: number) => !duplicate[v] && !unknown.has(v) && waiting[v] === 0;
  const levelled = new Uint8Array(n);
  const levels: string[][] = [];
  let current: number[] = [];
  for (let v = 0; v < n; v++) if (runnable(v)) current.push(v);
  while (current.length) {
    levels.push(current.map((v) => steps[v].id));
    const next: number[] = [];
    for (const v of current) {
      levelled[v] = 1;
      for (const w of dependents[v]) if (--waiting[w] === 0 && runnable(w)) next.push(w);
    }
    current = next.sort((a, b) => a - b);
  }
  return { levels, levelled };
}

/** The steps without a level, in file order, each with its reason. */
function unorderedSteps(steps: readonly StepDependencies[], { edgeStart, edges, unknown }: DependencyRows, duplicate: Uint8Array, levelled: Uint8Array, cycleOf: Map<number, string[]>): UnorderedStep[] {
  const unordered: UnorderedStep[] = [];
  for (let v = 0; v < steps.length; v++) {
    if (levelled[v]) continue;
    const id = steps[v].id;
    const cycle = cycleOf.get(v);
    const missing = unknown.get(v);
    if (duplicate[v]) unordered.push({ id, reason: 'duplicate-id' });
    else if (cycle) unordered.push({ id, reason: 'cycle', cycle });
    else if (missing) unordered.push({ id, reason: 'unknown-dependency', unknown: missing });
    else unordered.push({ id, reason: 'blocked', by: [...edges.subarray(edgeStart[v], edgeStart[v + 1])].filter((w) => !levelled[w]).map((w) => steps[w].id) });
  }
  return unordered;
}
