import type { NotebookAnalyzer } from '../notebook/analysis';
import type { Notebook, NotebookCell } from '../notebook/notebook';
import { NotebookError } from '../notebook/notebook';
import type { CellAnalysis, Definition, SetupStatement } from '../python/cellAnalysis';

/** A cell's definition carried into a step that needs it, as Kale carries imports and functions. */
export interface CarriedDefinition extends Definition {
  cellIndex: number;
  /**
   * Why it stays inside the step's run() instead of a shared module (it reads data or params, or
   * belongs to a cycle of definitions); undefined for one that goes to a shared module.
   */
  inline?: string;
  /** For a shared one: the import statements its module needs, and the shared definitions it uses. */
  moduleImports?: string[];
  uses?: string[];
  /** Defined in one of the step's own cells, and moved to a shared module: the cell's code imports it instead. */
  own?: boolean;
}

/** A setup statement from an earlier cell that the step runs first (`np.random.seed(42)`). */
export interface CarriedSetup {
  cellIndex: number;
  /** 0-based line of the statement in its cell. */
  line: number;
  text: string;
  /** Lines of `text` (0-based) inside a multi-line string, which indenting would change. */
  stringLines: number[];
}

/** What promoting some cells makes: the step's code, inputs, outputs and what it borrows from earlier cells. */
export interface StepPlan {
  cells: NotebookCell[];
  analyses: CellAnalysis[];
  /** Data the step takes from upstream steps. */
  reads: string[];
  /** Data the step produces. */
  writes: string[];
  /** Pipeline parameters it uses. */
  params: string[];
  /** Default values for parameters, from the notebook's `parameters` cell. */
  paramDefaults: Record<string, unknown>;
  /** Import statements from earlier cells that the step's code needs, in notebook order. */
  imports: string[];
  /** Definitions the step needs, in notebook order; those without `inline` go to shared modules. */
  definitions: CarriedDefinition[];
  /** Setup from earlier cells, in notebook order. */
  setup: CarriedSetup[];
  /** Names the step changes in place that came from before it: it reads and writes them. */
  updates: string[];
  /** The earlier cells the step carries code from (imports, definitions, setup), for staleness. */
  carriedCells: number[];
  /** Literal paths of files its cells read, relative to the notebook's folder. */
  fileReads: string[];
  /** Things worth telling the user: unresolved names, star imports, IPython lines left out. */
  warnings: string[];
}

export interface PlanOptions {
  /** Names the pipeline already declares as params. */
  pipelineParams: Iterable<string>;
}

/**
 * Plans a step from notebook cells: the union of what they read and write, in order, with each name
 * they read resolved against earlier cells: an import or a function/class definition is carried into
 * the step; a value from a `parameters` cell (or a name the pipeline declares as a param) is a param;
 * anything else is data the step reads from upstream.
 */
export function planStep(nb: Notebook, indices: number[], analyzer: NotebookAnalyzer, options: PlanOptions): StepPlan {
  if (indices.length === 0) throw new NotebookError(nb.path, 'no cells selected: select the code cells to promote');
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= nb.cells.length) throw new NotebookError(nb.path, `there is no cell ${i} (the notebook has ${nb.cells.length} cells)`);
  }
  const cells = [...new Set(indices)].sort((a, b) => a - b).map((i) => nb.cells[i]).filter((c) => c.kind === 'code');
  if (cells.length === 0) throw new NotebookError(nb.path, 'the selection holds no code cells (only markdown or raw): select code cells to promote');
  const warnings: string[] = [];
  const analyses = cells.map((c) => analyzer.cell(c.source));
  analyses.forEach((a, i) => {
    const cell = cells[i];
    if (a.foreignCellMagic) throw new NotebookError(nb.path, `cell ${cell.index} is a %%${a.foreignCellMagic} cell, not Python; leave it out of the step`);
    if (a.topLevelAwait) throw new NotebookError(nb.path, `cell ${cell.index} uses \`await\` outside a function, which IPython allows but a step's run() cannot; move it into an async function`);
    const err = a.syntaxErrors[0];
    if (err) throw new NotebookError(nb.path, `cell ${cell.index} has a Python syntax error at line ${err.line + 1}, column ${err.column + 1}: ${err.message}; fix it before promoting`);
    for (const m of a.magics) warnings.push(`cell ${cell.index}, line ${m.line + 1}: IPython \`${m.text}\` ${m.effect}`);
  });

  // The cells in order, as one program: a name read after an earlier selected cell bound it is internal.
  const bound = new Set<string>();
  const internalData = new Set<string>();
  const needed: string[] = [];
  /** What the step may write, in order; an update of a name from before counts once resolved as data. */
  const candidates: Array<{ name: string; update: boolean }> = [];
  const addCandidate = (name: string, update: boolean) => {
    if (!candidates.some((c) => c.name === name)) candidates.push({ name, update });
  };
  analyses.forEach((a) => {
    for (const r of a.reads) if (!bound.has(r) && !needed.includes(r)) needed.push(r);
    for (const u of a.updates) {
      if (internalData.has(u)) addCandidate(u, false);
      else if (!bound.has(u)) addCandidate(u, true);
    }
    for (const i of a.imports) {
      bound.add(i.name);
      internalData.delete(i.name);
    }
    for (const d of a.definitions) {
      bound.add(d.name);
      internalData.delete(d.name);
    }
    for (const w of a.writes) {
      bound.add(w);
      internalData.add(w);
      addCandidate(w, false);
    }
  });

  const declaredParams = new Set(options.pipelineParams);
  const resolver = new Resolver(nb, analyzer, declaredParams, bound, cells[0].index);
  for (const name of needed) resolver.resolve(name);
  const setup = resolver.carrySetup(warnings);
  resolver.placeDefinitions();
  resolver.shareOwnDefinitions(cells, analyses);
  // An update of data from before: the step reads it and writes it back changed.
  const updates = candidates.filter((c) => c.update && resolver.reads.includes(c.name)).map((c) => c.name);
  const writes = candidates.filter((c) => !c.update || updates.includes(c.name)).map((c) => c.name);
  const missing = resolver.reads.filter((r) => resolver.unresolved.has(r));
  if (missing.length) warnings.push(`no earlier cell defines ${missing.map((m) => `\`${m}\``).join(', ')}: the step expects ${missing.length === 1 ? 'it' : 'them'} from upstream`);
  if (resolver.starImports.length) warnings.push(`names from ${resolver.starImports.map((s) => `\`${s}\``).join(', ')} are carried as star imports`);
  const definitions = resolver.definitionsInOrder();
  for (const d of definitions) if (d.kind === 'class' && d.inline) warnings.push(`class \`${d.name}\` (cell ${d.cellIndex}) stays inside the step's run() because ${d.inline}: its instances cannot pass to later steps`);
  return {
    cells,
    analyses,
    reads: resolver.reads,
    writes,
    params: resolver.params,
    paramDefaults: resolver.paramDefaults,
    imports: resolver.importStatements(),
    definitions,
    setup,
    updates,
    carriedCells: resolver.carriedCells(setup),
    fileReads: [...new Set(analyses.flatMap((a) => a.fileReads))],
    warnings,
  };
}

type Binding =
  | { kind: 'import'; statement: string; module: string; cell: number }
  | { kind: 'definition'; definition: Definition; cell: number }
  | { kind: 'data'; cell: number; parameter: boolean; literal?: unknown }
  | { kind: 'none' };

class Resolver {
  readonly reads: string[] = [];
  readonly params: string[] = [];
  readonly paramDefaults: Record<string, unknown> = {};
  readonly unresolved = new Set<string>();
  readonly starImports: string[] = [];
  private readonly imports: Array<{ statement: string; module: string; name?: string; cell: number; order: number }> = [];
  private readonly definitions = new Map<string, CarriedDefinition>();
  private readonly seen = new Set<string>();
  private order = 0;

  constructor(
    private readonly nb: Notebook,
    private readonly analyzer: NotebookAnalyzer,
    private readonly declaredParams: Set<string>,
    /** Names the selected cells bind themselves. */
    private readonly internal: Set<string>,
    /** The first selected cell: names resolve against the cells before it. */
    private readonly before: number,
  ) {}

  /**
   * Resolves a name the step needs. Carried functions look their globals up when called, that is
   * inside the step, so their free names resolve the same way as the cells' own reads.
   */
  resolve(name: string, fromDefinition = false): void {
    if (this.seen.has(name)) return;
    if (fromDefinition && this.internal.has(name)) return;
    this.seen.add(name);
    const before = this.before;
    if (this.declaredParams.has(name)) {
      this.addParam(name);
      return;
    }
    const b = this.lookup(name, before);
    switch (b.kind) {
      case 'import':
        this.addImport(b.statement, b.module, b.cell, name);
        return;
      case 'definition':
        if (!this.definitions.has(name)) {
          this.definitions.set(name, { ...b.definition, cellIndex: b.cell });
          for (const free of b.definition.freeNames) this.resolve(free, true);
        }
        return;
      case 'data':
        if (b.parameter) {
          if (b.literal === undefined) {
            throw new NotebookError(this.nb.path, `cell ${b.cell} is the notebook's parameters cell, but it sets \`${name}\` to an expression, not a literal; a param's value must be a number, string, boolean, None or a list or dict of those: write the value itself, or set \`${name}\` in a cell without the parameters tag`);
          }
          this.addParam(name);
          this.paramDefaults[name] = b.literal;
        } else if (!this.reads.includes(name)) {
          this.reads.push(name);
        }
        return;
      case 'none':
        if (this.carryStarImports(before)) return;
        if (!this.reads.includes(name)) this.reads.push(name);
        this.unresolved.add(name);
    }
  }

  private addParam(name: string): void {
    if (!this.params.includes(name)) this.params.push(name);
  }

  private addImport(statement: string, module: string, cell: number, name?: string): void {
    if (!this.imports.some((i) => i.statement === statement)) this.imports.push({ statement, module, name, cell, order: this.order++ });
  }

  /**
   * The last binding of `name` in a code cell before `before`. A cell that changes the object in place
   * (`grid.fit(…)`) is where data was last written; the binding before it says whether it is data at all.
   */
  private lookup(name: string, before: number): Binding {
    let updatedAt: number | undefined;
    for (let i = before - 1; i >= 0; i--) {
      const cell = this.nb.cells[i];
      if (cell.kind !== 'code') continue;
      const a = this.analyzer.cell(cell.source);
      const imp = findLast(a.imports, (x) => x.name === name);
      const def = findLast(a.definitions, (x) => x.name === name);
      if (a.writes.includes(name)) {
        if (updatedAt !== undefined) return { kind: 'data', cell: updatedAt, parameter: false };
        const parameter = cell.tags.includes('parameters');
        return { kind: 'data', cell: i, parameter, literal: parameter ? a.literals[name] : undefined };
      }
      if (def) return { kind: 'definition', definition: def, cell: i };
      if (imp) return { kind: 'import', statement: imp.statement, module: imp.module, cell: i };
      if (updatedAt === undefined && a.updates.includes(name)) updatedAt = i;
    }
    return updatedAt === undefined ? { kind: 'none' } : { kind: 'data', cell: updatedAt, parameter: false };
  }

  /**
   * Setup from the cells before the step, in notebook order: a statement on an imported module goes
   * into a step that imports the same module (or one inside it); seeding, environment loading and
   * warning filters go into every step, since they change the whole process. A statement that reads
   * data cannot be carried: the warning names it and its line.
   */
  carrySetup(warnings: string[]): CarriedSetup[] {
    const out: CarriedSetup[] = [];
    for (let j = 0; j < this.before; j++) {
      const cell = this.nb.cells[j];
      if (cell.kind !== 'code') continue;
      const a = this.analyzer.cell(cell.source);
      for (const st of a.setup) {
        const carried = this.carryOne(st, j, a, warnings);
        if (carried) out.push(carried);
      }
    }
    return out;
  }

  /** One setup statement of cell `j`, when the step needs it and it can be carried. */
  private carryOne(st: SetupStatement, j: number, a: CellAnalysis, warnings: string[]): CarriedSetup | undefined {
    const root = st.importedHere ? findLast(a.imports, (x) => x.name === st.root) : undefined;
    const binding = root ? { kind: 'import' as const, statement: root.statement, module: root.module, cell: j } : this.lookup(st.root, j);
    if (binding.kind !== 'import') return undefined;
    if (!st.processWide && !this.imports.some((i) => sameModule(i.module, binding.module))) return undefined;
    const needs = this.setupNeeds(st.reads, j, a);
    if (typeof needs === 'string') {
      warnings.push(`cell ${j}, line ${st.line + 1}: \`${oneLine(st.text)}\` is not carried into the step: it reads ${needs}`);
      return undefined;
    }
    this.addImport(binding.statement, binding.module, binding.cell, st.root);
    for (const n of needs) n();
    const inString = new Set(a.stringLines);
    const stringLines: number[] = [];
    for (let l = st.line; l <= st.endLine; l++) if (inString.has(l)) stringLines.push(l - st.line);
    return { cellIndex: j, line: st.line, text: st.text, stringLines };
  }

  /** What carrying a setup statement of cell `j` takes (imports, params), or what stops it, in words. */
  private setupNeeds(reads: string[], j: number, a: CellAnalysis): Array<() => void> | string {
    const needs: Array<() => void> = [];
    for (const name of reads) {
      if (this.declaredParams.has(name)) {
        needs.push(() => this.addParam(name));
        continue;
      }
      const here = findLast(a.imports, (x) => x.name === name);
      const b = here ? { kind: 'import' as const, statement: here.statement, module: here.module, cell: j } : this.lookup(name, j);
      if (b.kind === 'import') needs.push(() => this.addImport(b.statement, b.module, b.cell, name));
      else if (b.kind === 'data' && b.parameter && b.literal !== undefined) needs.push(() => this.resolve(name));
      else if (b.kind === 'data') return `\`${name}\`, data from cell ${b.cell}`;
      else if (b.kind === 'definition') needs.push(() => this.resolve(name));
      else return `\`${name}\`, which no earlier cell defines`;
    }
    return needs;
  }

  /**
   * Which carried definitions go to shared modules: those whose free names are all imports or other
   * shared definitions, with no cycle among them. One that reads data or params stays inside run(),
   * where those are local names.
   */
  placeDefinitions(): void {
    const imported = new Map(this.imports.flatMap((i) => (i.name ? [[i.name, i] as const] : [])));
    const state = new Map<string, 'visiting' | 'shared' | string>();
    const place = (name: string): 'shared' | string => {
      const known = state.get(name);
      if (known === 'visiting') return 'it is part of a cycle of definitions';
      if (known) return known;
      state.set(name, 'visiting');
      const def = this.definitions.get(name)!;
      const moduleImports: Array<{ statement: string; cell: number }> = [];
      const uses: string[] = [];
      // Imported at module level, a name the step binds again would be local to run() throughout.
      let verdict: string = this.internal.has(name) ? 'the step binds the name again' : 'shared';
      for (const free of def.freeNames) {
        if (free === name) continue;
        // The module imports what the function finds at module level when the step starts.
        const known = imported.get(free);
        const found = this.lookup(free, this.before);
        const imp = known ?? (found.kind === 'import' ? found : undefined);
        if (imp) {
          if (!moduleImports.some((m) => m.statement === imp.statement)) moduleImports.push({ statement: imp.statement, cell: imp.cell });
          continue;
        }
        if (this.definitions.has(free) && !this.internal.has(free)) {
          const dep = place(free);
          if (dep !== 'shared') verdict = `it uses \`${free}\`, which stays inside run() too`;
          else uses.push(free);
        } else {
          verdict = this.whyInline(free);
        }
        if (verdict !== 'shared') break;
      }
      if (verdict === 'shared') {
        def.moduleImports = moduleImports.sort((a, b) => a.cell - b.cell).map((m) => m.statement);
        def.uses = uses;
      }
      state.set(name, verdict);
      return verdict;
    };
    for (const [name, def] of this.definitions) {
      const verdict = place(name);
      if (verdict !== 'shared') def.inline = verdict;
    }
  }

  /**
   * The step's own module-level definitions that can live in a shared module too (they need only
   * imports and other shared definitions): a class defined in the step, whose instances it outputs,
   * must be importable by the steps that load them.
   */
  shareOwnDefinitions(cells: NotebookCell[], analyses: CellAnalysis[]): void {
    const imported = new Map<string, { statement: string; cell: number }>();
    const data = new Set<string>();
    const own = new Map<string, CarriedDefinition>();
    // A name the step's cells bind more than once (two defs, or a def and data) keeps its definitions in place.
    const bindings = new Map<string, number>();
    for (const a of analyses) for (const n of [...a.definitions.map((d) => d.name), ...a.writes]) bindings.set(n, (bindings.get(n) ?? 0) + 1);
    analyses.forEach((a, k) => {
      for (const i of a.imports) imported.set(i.name, { statement: i.statement, cell: cells[k].index });
      for (const d of a.definitions) {
        if (!d.topLevel || this.definitions.has(d.name) || own.has(d.name) || (bindings.get(d.name) ?? 0) > 1) continue;
        const moduleImports: Array<{ statement: string; cell: number }> = [];
        const uses: string[] = [];
        let shareable = true;
        for (const free of d.freeNames) {
          if (free === d.name) continue;
          const found = data.has(free) || a.writes.includes(free) ? undefined : imported.get(free) ?? this.importBefore(free);
          if (found) {
            if (!moduleImports.some((m) => m.statement === found.statement)) moduleImports.push(found);
          } else if (own.has(free) || (this.definitions.has(free) && !this.definitions.get(free)!.inline)) {
            uses.push(free);
          } else {
            shareable = false;
            break;
          }
        }
        if (shareable) own.set(d.name, { ...d, cellIndex: cells[k].index, own: true, moduleImports: moduleImports.sort((x, y) => x.cell - y.cell).map((m) => m.statement), uses });
      }
      for (const w of a.writes) data.add(w);
    });
    for (const [name, d] of own) this.definitions.set(name, d);
  }

  private importBefore(name: string): { statement: string; cell: number } | undefined {
    const b = this.lookup(name, this.before);
    return b.kind === 'import' ? b : undefined;
  }

  /** Why a definition reading `free` (not an import, not a shared definition) stays inside run(). */
  private whyInline(free: string): string {
    if (this.params.includes(free)) return `it reads the param \`${free}\``;
    if (this.internal.has(free) || this.reads.includes(free)) return `it reads \`${free}\`, which is data`;
    return `it reads \`${free}\`, which no earlier cell defines`;
  }

  /** The cells the step carries code from, for the staleness check. */
  carriedCells(setup: CarriedSetup[]): number[] {
    const carried = [...this.definitions.values()].filter((d) => !d.own);
    const cells = new Set<number>([...this.imports.map((i) => i.cell), ...carried.map((d) => d.cellIndex), ...setup.map((s) => s.cellIndex)]);
    return [...cells].sort((a, b) => a - b);
  }

  /** A name nothing binds may come from a star import: carry those (their names cannot be known). */
  private carryStarImports(before: number): boolean {
    let carried = false;
    for (let i = 0; i < before; i++) {
      const cell = this.nb.cells[i];
      if (cell.kind !== 'code') continue;
      for (const m of this.analyzer.cell(cell.source).starImports) {
        const statement = `from ${m} import *`;
        if (!this.imports.some((x) => x.statement === statement)) {
          this.addImport(statement, m, i);
          this.starImports.push(m);
        }
        carried = true;
      }
    }
    return carried;
  }

  importStatements(): string[] {
    return [...this.imports].sort((a, b) => a.cell - b.cell || a.order - b.order).map((i) => i.statement);
  }

  definitionsInOrder(): CarriedDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.cellIndex - b.cellIndex);
  }
}

/** `numpy` and `numpy.random` are the same module for setup: seeding one sets up the other. */
function sameModule(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

function oneLine(text: string): string {
  const first = text.split('\n')[0];
  return first.length < text.length ? `${first} …` : first;
}

function findLast<T>(xs: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return xs[i];
  return undefined;
}
