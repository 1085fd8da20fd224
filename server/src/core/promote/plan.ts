import type { NotebookAnalyzer } from '../notebook/analysis';
import type { Notebook, NotebookCell } from '../notebook/notebook';
import { NotebookError } from '../notebook/notebook';
import type { CellAnalysis, Definition } from '../python/cellAnalysis';

/** A cell's definition carried into a step that needs it, as Kale carries imports and functions. */
export interface CarriedDefinition extends Definition {
  cellIndex: number;
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
  definitions: CarriedDefinition[];
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
    for (const m of a.magics) if (m.kind !== 'cell-magic' || !/^%%(time|timeit|capture)/.test(m.text)) warnings.push(`cell ${cell.index}, line ${m.line + 1}: IPython \`${m.text}\` does not run in a step`);
  });

  // The cells in order, as one program: a name read after an earlier selected cell bound it is internal.
  const bound = new Set<string>();
  const needed: string[] = [];
  const writes: string[] = [];
  analyses.forEach((a) => {
    for (const r of a.reads) if (!bound.has(r) && !needed.includes(r)) needed.push(r);
    for (const i of a.imports) bound.add(i.name);
    for (const d of a.definitions) bound.add(d.name);
    for (const w of a.writes) {
      bound.add(w);
      if (!writes.includes(w)) writes.push(w);
    }
  });

  const declaredParams = new Set(options.pipelineParams);
  const resolver = new Resolver(nb, analyzer, declaredParams, bound, cells[0].index);
  for (const name of needed) resolver.resolve(name);
  const missing = resolver.reads.filter((r) => resolver.unresolved.has(r));
  if (missing.length) warnings.push(`no earlier cell defines ${missing.map((m) => `\`${m}\``).join(', ')}: the step expects ${missing.length === 1 ? 'it' : 'them'} from upstream`);
  if (resolver.starImports.length) warnings.push(`names from ${resolver.starImports.map((s) => `\`${s}\``).join(', ')} are carried as star imports`);
  return {
    cells,
    analyses,
    reads: resolver.reads,
    writes,
    params: resolver.params,
    paramDefaults: resolver.paramDefaults,
    imports: resolver.importStatements(),
    definitions: resolver.definitionsInOrder(),
    warnings,
  };
}

type Binding =
  | { kind: 'import'; statement: string; cell: number }
  | { kind: 'definition'; definition: Definition; cell: number }
  | { kind: 'data'; cell: number; parameter: boolean; literal?: unknown }
  | { kind: 'none' };

class Resolver {
  readonly reads: string[] = [];
  readonly params: string[] = [];
  readonly paramDefaults: Record<string, unknown> = {};
  readonly unresolved = new Set<string>();
  readonly starImports: string[] = [];
  private readonly imports: Array<{ statement: string; cell: number; order: number }> = [];
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
        if (!this.imports.some((i) => i.statement === b.statement)) this.imports.push({ statement: b.statement, cell: b.cell, order: this.order++ });
        return;
      case 'definition':
        if (!this.definitions.has(name)) {
          this.definitions.set(name, { ...b.definition, cellIndex: b.cell });
          for (const free of b.definition.freeNames) this.resolve(free, true);
        }
        return;
      case 'data':
        if (b.parameter) {
          this.addParam(name);
          if (b.literal !== undefined) this.paramDefaults[name] = b.literal;
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

  /** The last binding of `name` in a code cell before `before`. */
  private lookup(name: string, before: number): Binding {
    for (let i = before - 1; i >= 0; i--) {
      const cell = this.nb.cells[i];
      if (cell.kind !== 'code') continue;
      const a = this.analyzer.cell(cell.source);
      const imp = findLast(a.imports, (x) => x.name === name);
      const def = findLast(a.definitions, (x) => x.name === name);
      if (a.writes.includes(name)) {
        const parameter = cell.tags.includes('parameters');
        return { kind: 'data', cell: i, parameter, literal: parameter ? a.literals[name] : undefined };
      }
      if (def) return { kind: 'definition', definition: def, cell: i };
      if (imp) return { kind: 'import', statement: imp.statement, cell: i };
    }
    return { kind: 'none' };
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
          this.imports.push({ statement, cell: i, order: this.order++ });
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

function findLast<T>(xs: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return xs[i];
  return undefined;
}
