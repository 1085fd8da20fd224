import type { Node } from 'web-tree-sitter';
import type { Definition, ImportBinding } from './cellAnalysis';
import { BUILTINS } from './builtins';

export interface Scope {
  read(name: string): void;
  bind(name: string): void;
  /** A name bound only for a block, like `except E as err`: not data the cell produces. */
  bindTemporary(name: string): void;
  /** `x.attr = …`, `x[k] = …` or `x.fit(…)`: reads x and changes it. */
  mutate(name: string): void;
  delete(name: string): void;
  /** Free names of a nested function or lambda body, read when it runs rather than now. */
  deferRead(names: Iterable<string>): void;
  /** `x := …`: binds in the nearest scope that is not a comprehension. */
  bindWalrus(name: string): void;
  declareGlobal(name: string): void;
  declareNonlocal(name: string): void;
  bindImport(binding: ImportBinding): void;
  bindStarImport(module: string): void;
  bindDefinition(name: string, kind: Definition['kind'], node: Node, freeNames: Iterable<string>): void;
}

/** The cell's module scope, in execution order: a read counts only if nothing in the cell bound it before. */
export class ModuleScope implements Scope {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  /**
   * Names from before the cell that it changes in place without binding them first. Whether each is
   * data (then the step writes it) or a module (`np.random.seed(0)`, setup) is known only against the
   * earlier cells, so promotion decides.
   */
  readonly updates = new Set<string>();
  readonly deletes = new Set<string>();
  readonly imports: ImportBinding[] = [];
  readonly definitions: Definition[] = [];
  readonly starImports: string[] = [];
  private readonly bound = new Set<string>();
  private readonly nonData = new Set<string>();
  /** Names bound for a block only (`with … as fh`, `except … as err`): using them writes nothing. */
  private readonly temporary = new Set<string>();
  private readonly deferred: string[] = [];

  constructor(private readonly text: string) {}

  read(name: string): void {
    if (!this.bound.has(name) && !BUILTINS.has(name)) this.reads.add(name);
  }
  bind(name: string): void {
    this.bound.add(name);
    this.nonData.delete(name);
    this.temporary.delete(name);
    this.writes.add(name);
  }
  bindTemporary(name: string): void {
    this.bound.add(name);
    this.temporary.add(name);
  }
  mutate(name: string): void {
    this.read(name);
    if (this.nonData.has(name) || this.temporary.has(name)) return;
    if (this.bound.has(name)) this.writes.add(name);
    else this.updates.add(name);
  }
  /** Whether the cell has bound `name` (data, import or definition) by this point. */
  isBound(name: string): boolean {
    return this.bound.has(name);
  }
  /** Whether `name` is, at this point of the cell, bound by an import in it. */
  isImport(name: string): boolean {
    return this.nonData.has(name) && this.imports.some((i) => i.name === name);
  }
  delete(name: string): void {
    if (!this.bound.has(name)) {
      this.read(name);
      this.deletes.add(name);
    }
    this.bound.delete(name);
    this.writes.delete(name);
  }
  deferRead(names: Iterable<string>): void {
    this.deferred.push(...names);
  }
  bindWalrus(name: string): void {
    this.bind(name);
  }
  declareGlobal(): void {}
  declareNonlocal(): void {}
  bindImport(binding: ImportBinding): void {
    this.bound.add(binding.name);
    this.nonData.add(binding.name);
    this.writes.delete(binding.name);
    this.imports.push(binding);
  }
  bindStarImport(module: string): void {
    this.starImports.push(module);
  }
  bindDefinition(name: string, kind: Definition['kind'], node: Node, freeNames: Iterable<string>): void {
    this.bound.add(name);
    this.nonData.add(name);
    this.writes.delete(name);
    this.definitions.push({
      name,
      kind,
      source: dedent(this.text.slice(node.startIndex, node.endIndex), node.startPosition.column),
      freeNames: [...new Set(freeNames)],
      line: node.startPosition.row,
      endLine: node.endPosition.row,
      topLevel: node.startPosition.column === 0,
    });
  }
  /** Function bodies read module names when called, by which time the whole cell has run. */
  finish(): void {
    for (const name of this.deferred) this.read(name);
  }
}

/**
 * A function or lambda body. Python decides locals for the whole body at once: any name bound anywhere
 * in it is local, unless declared global or nonlocal.
 */
export class FunctionScope implements Scope {
  private readonly reads = new Set<string>();
  private readonly binds = new Set<string>();
  private readonly globals = new Set<string>();
  private readonly nonlocals = new Set<string>();

  constructor(params: Iterable<string>) {
    for (const p of params) this.binds.add(p);
  }

  read(name: string): void {
    this.reads.add(name);
  }
  bind(name: string): void {
    this.binds.add(name);
  }
  bindTemporary(name: string): void {
    this.binds.add(name);
  }
  mutate(name: string): void {
    this.reads.add(name);
  }
  delete(name: string): void {
    this.binds.add(name);
  }
  deferRead(names: Iterable<string>): void {
    for (const n of names) this.reads.add(n);
  }
  bindWalrus(name: string): void {
    this.binds.add(name);
  }
  declareGlobal(name: string): void {
    this.globals.add(name);
  }
  declareNonlocal(name: string): void {
    this.nonlocals.add(name);
  }
  bindImport(binding: ImportBinding): void {
    this.binds.add(binding.name);
  }
  bindStarImport(): void {}
  bindDefinition(name: string): void {
    this.binds.add(name);
  }

  /** Names the body takes from enclosing scopes, and module names it assigns through `global`. */
  result(): { free: Set<string>; globalWrites: Set<string> } {
    const free = new Set<string>();
    for (const n of this.reads) {
      const local = this.binds.has(n) && !this.globals.has(n) && !this.nonlocals.has(n);
      if (!local && !BUILTINS.has(n)) free.add(n);
    }
    const globalWrites = new Set([...this.globals].filter((g) => this.binds.has(g)));
    return { free, globalWrites };
  }
}

/**
 * A scope nested in another that runs at once and keeps its own names: a class body (methods cannot
 * see its namespace, so deferred reads skip it) or, with the overrides below, a comprehension.
 */
export class ClassScope implements Scope {
  protected readonly bound = new Set<string>();

  constructor(protected readonly parent: Scope) {}

  read(name: string): void {
    if (!this.bound.has(name)) this.parent.read(name);
  }
  bind(name: string): void {
    this.bound.add(name);
  }
  bindTemporary(name: string): void {
    this.bound.add(name);
  }
  /** A class body or comprehension runs at once: changing an outer name's object changes it there. */
  mutate(name: string): void {
    if (this.bound.has(name)) return;
    this.parent.mutate(name);
  }
  delete(name: string): void {
    this.bound.delete(name);
  }
  deferRead(names: Iterable<string>): void {
    this.parent.deferRead(names);
  }
  bindWalrus(name: string): void {
    this.bound.add(name);
  }
  declareGlobal(): void {}
  declareNonlocal(): void {}
  bindImport(binding: ImportBinding): void {
    this.bound.add(binding.name);
  }
  bindStarImport(): void {}
  bindDefinition(name: string): void {
    this.bound.add(name);
  }
}

/** A comprehension: its loop targets are its own; a walrus inside binds in the enclosing scope. */
export class ComprehensionScope extends ClassScope {
  override deferRead(names: Iterable<string>): void {
    this.parent.deferRead([...names].filter((n) => !this.bound.has(n)));
  }
  override bindWalrus(name: string): void {
    this.parent.bindWalrus(name);
  }
}

/** Forwards everything to a parent scope and remembers which names were read through it. */
export class RecordingScope implements Scope {
  readonly names = new Set<string>();
  constructor(private readonly parent: Scope) {}
  read(name: string): void {
    if (!BUILTINS.has(name)) this.names.add(name);
    this.parent.read(name);
  }
  bind(name: string): void {
    this.parent.bind(name);
  }
  bindTemporary(name: string): void {
    this.parent.bindTemporary(name);
  }
  mutate(name: string): void {
    this.names.add(name);
    this.parent.mutate(name);
  }
  delete(name: string): void {
    this.parent.delete(name);
  }
  deferRead(names: Iterable<string>): void {
    const list = [...names];
    for (const n of list) this.names.add(n);
    this.parent.deferRead(list);
  }
  bindWalrus(name: string): void {
    this.parent.bindWalrus(name);
  }
  declareGlobal(name: string): void {
    this.parent.declareGlobal(name);
  }
  declareNonlocal(name: string): void {
    this.parent.declareNonlocal(name);
  }
  bindImport(binding: ImportBinding): void {
    this.parent.bindImport(binding);
  }
  bindStarImport(module: string): void {
    this.parent.bindStarImport(module);
  }
  bindDefinition(name: string, kind: Definition['kind'], node: Node, freeNames: Iterable<string>): void {
    this.parent.bindDefinition(name, kind, node, freeNames);
  }
}

function dedent(text: string, column: number): string {
  if (column === 0) return text;
  const prefix = new RegExp(`^[ \\t]{0,${column}}`);
  return text.split('\n').map((line, i) => (i === 0 ? line : line.replace(prefix, ''))).join('\n');
}
