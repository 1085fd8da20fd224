import type { Node, Parser } from 'web-tree-sitter';
import { BUILTINS } from './builtins';
import { maskIPython, type Magic } from './ipython';
import { parse } from './parser';

/** A module-level name an import binds, with the smallest statement that binds it again. */
export interface ImportBinding {
  name: string;
  module: string;
  statement: string;
}

/** A module-level function or class a cell defines, with what it needs from the module when it runs. */
export interface Definition {
  name: string;
  kind: 'function' | 'class';
  /** Its source (decorators included), dedented to column 0. */
  source: string;
  /** Module names its body and signature read: imports, other definitions or data. */
  freeNames: string[];
}

export interface SyntaxProblem {
  /** 0-based, in the cell. */
  line: number;
  column: number;
  message: string;
}

export interface CellAnalysis {
  /** Names the cell reads that it did not bind first: its inputs. Builtins are left out. */
  reads: string[];
  /** Data names the cell binds or changes at module level (imports and definitions are listed apart). */
  writes: string[];
  /** Names from before the cell that it deletes. */
  deletes: string[];
  imports: ImportBinding[];
  definitions: Definition[];
  /** Modules imported with `from m import *`: the names they bind cannot be known. */
  starImports: string[];
  magics: Magic[];
  /** Set when a cell magic makes the whole cell something other than Python (`%%bash`). */
  foreignCellMagic?: string;
  syntaxErrors: SyntaxProblem[];
  /** The cell as Python: IPython-only lines replaced, line for line. */
  python: string;
  /** 0-based lines that start inside a multi-line string: re-indenting them would change the string. */
  stringLines: number[];
  /** Module-level `NAME = <literal>` assignments, as JSON values (a parameters cell's defaults). */
  literals: Record<string, unknown>;
}

/**
 * What a notebook cell reads, writes, imports and defines, from tree-sitter-python's syntax tree and
 * Python's scoping rules: function and comprehension locals, class bodies and lambda parameters are not
 * the cell's names; assignment through an attribute or subscript (`df["x"] = …`) changes `df`.
 */
export function analyzeCell(parser: Parser, source: string): CellAnalysis {
  const masked = maskIPython(source);
  const empty: CellAnalysis = { reads: [], writes: [], deletes: [], imports: [], definitions: [], starImports: [], magics: masked.magics, syntaxErrors: [], python: masked.python, stringLines: [], literals: {} };
  if (masked.foreignCellMagic) return { ...empty, foreignCellMagic: masked.foreignCellMagic };
  const tree = parse(parser, masked.python);
  try {
    const module = new ModuleScope(masked.python);
    const walker = new Walker();
    for (const stmt of tree.rootNode.namedChildren) if (stmt) walker.visit(stmt, module);
    module.finish();
    return {
      ...empty,
      reads: [...module.reads],
      writes: [...module.writes],
      deletes: [...module.deletes],
      imports: module.imports,
      definitions: module.definitions,
      starImports: module.starImports,
      syntaxErrors: tree.rootNode.hasError ? syntaxProblems(tree.rootNode, masked.python) : [],
      stringLines: multiLineStringLines(tree.rootNode),
      literals: moduleLiterals(tree.rootNode),
    };
  } finally {
    tree.delete();
  }
}

// ---- Scopes ----

interface Scope {
  read(name: string): void;
  bind(name: string): void;
  /** A name bound only for a block, like `except E as err`: not data the cell produces. */
  bindTemporary(name: string): void;
  /** `x.attr = …` or `x[k] = …`: reads x and changes it. */
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
class ModuleScope implements Scope {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  readonly deletes = new Set<string>();
  readonly imports: ImportBinding[] = [];
  readonly definitions: Definition[] = [];
  readonly starImports: string[] = [];
  private readonly bound = new Set<string>();
  private readonly nonData = new Set<string>();
  private readonly deferred: string[] = [];

  constructor(private readonly text: string) {}

  read(name: string): void {
    if (!this.bound.has(name) && !BUILTINS.has(name)) this.reads.add(name);
  }
  bind(name: string): void {
    this.bound.add(name);
    this.nonData.delete(name);
    this.writes.add(name);
  }
  bindTemporary(name: string): void {
    this.bound.add(name);
  }
  mutate(name: string): void {
    this.read(name);
    if (!this.nonData.has(name)) this.writes.add(name);
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
    this.definitions.push({ name, kind, source: dedent(this.text.slice(node.startIndex, node.endIndex), node.startPosition.column), freeNames: [...new Set(freeNames)] });
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
class FunctionScope implements Scope {
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

/** A class body runs at once, in its own namespace; methods cannot see that namespace. */
class ClassScope implements Scope {
  private readonly bound = new Set<string>();

  constructor(private readonly parent: Scope) {}

  read(name: string): void {
    if (!this.bound.has(name)) this.parent.read(name);
  }
  bind(name: string): void {
    this.bound.add(name);
  }
  bindTemporary(name: string): void {
    this.bound.add(name);
  }
  mutate(name: string): void {
    this.read(name);
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
class ComprehensionScope implements Scope {
  private readonly bound = new Set<string>();

  constructor(private readonly parent: Scope) {}

  read(name: string): void {
    if (!this.bound.has(name)) this.parent.read(name);
  }
  bind(name: string): void {
    this.bound.add(name);
  }
  bindTemporary(name: string): void {
    this.bound.add(name);
  }
  mutate(name: string): void {
    this.read(name);
  }
  delete(): void {}
  deferRead(names: Iterable<string>): void {
    this.parent.deferRead([...names].filter((n) => !this.bound.has(n)));
  }
  bindWalrus(name: string): void {
    this.parent.bindWalrus(name);
  }
  declareGlobal(): void {}
  declareNonlocal(): void {}
  bindImport(): void {}
  bindStarImport(): void {}
  bindDefinition(): void {}
}

// ---- The walk ----

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const TARGET_GROUPS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list', 'parenthesized_expression', 'as_pattern_target', 'list_splat_pattern', 'list_splat']);

class Walker {
  visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'identifier':
        scope.read(node.text);
        return;
      case 'attribute':
        this.visitField(node, 'object', scope);
        return;
      case 'keyword_argument':
        this.visitField(node, 'value', scope);
        return;
      case 'assignment':
        this.assignment(node, scope);
        return;
      case 'augmented_assignment':
        this.augmentedAssignment(node, scope);
        return;
      case 'named_expression': {
        this.visitField(node, 'value', scope);
        const name = node.childForFieldName('name');
        if (name) scope.bindWalrus(name.text);
        return;
      }
      case 'for_statement':
        this.visitField(node, 'right', scope);
        this.target(node.childForFieldName('left'), scope);
        this.visitField(node, 'body', scope);
        this.visitField(node, 'alternative', scope);
        return;
      case 'with_item':
        this.withItem(node, scope);
        return;
      case 'except_clause':
        this.exceptClause(node, scope);
        return;
      case 'function_definition':
        this.functionDefinition(node, node, scope, []);
        return;
      case 'class_definition':
        this.classDefinition(node, node, scope, []);
        return;
      case 'decorated_definition':
        this.decoratedDefinition(node, scope);
        return;
      case 'lambda':
        this.lambda(node, scope);
        return;
      case 'import_statement':
      case 'import_from_statement':
        this.importStatement(node, scope);
        return;
      case 'future_import_statement':
        return;
      case 'global_statement':
        for (const id of node.namedChildren) if (id?.type === 'identifier') scope.declareGlobal(id.text);
        return;
      case 'nonlocal_statement':
        for (const id of node.namedChildren) if (id?.type === 'identifier') scope.declareNonlocal(id.text);
        return;
      case 'delete_statement':
        for (const t of node.namedChildren) if (t) this.deleteTarget(t, scope);
        return;
      case 'match_statement':
        this.matchStatement(node, scope);
        return;
      case 'type_alias_statement': {
        const left = node.childForFieldName('left');
        const name = left?.descendantsOfType('identifier')[0];
        this.visitField(node, 'right', scope);
        if (name) scope.bind(name.text);
        return;
      }
      case 'comment':
      case 'string_content':
      case 'escape_sequence':
        return;
      default:
        if (COMPREHENSIONS.has(node.type)) {
          this.comprehension(node, scope);
          return;
        }
        for (const child of node.namedChildren) if (child) this.visit(child, scope);
    }
  }

  private visitField(node: Node, field: string, scope: Scope): void {
    for (const child of node.childrenForFieldName(field)) if (child) this.visit(child, scope);
  }

  private assignment(node: Node, scope: Scope): void {
    const right = node.childForFieldName('right');
    if (right?.type === 'assignment') this.assignment(right, scope);
    else if (right) this.visit(right, scope);
    this.visitField(node, 'type', scope);
    // A bare annotation (`x: int`) binds nothing.
    if (right) this.target(node.childForFieldName('left'), scope);
  }

  private augmentedAssignment(node: Node, scope: Scope): void {
    const left = node.childForFieldName('left');
    if (left?.type === 'identifier') {
      scope.read(left.text);
      this.visitField(node, 'right', scope);
      scope.bind(left.text);
    } else if (left) {
      this.visit(left, scope);
      this.visitField(node, 'right', scope);
      const root = rootName(left);
      if (root) scope.mutate(root);
    }
  }

  /** Binds what an assignment, `for`, `with … as` or comprehension target names. */
  private target(node: Node | null, scope: Scope): void {
    if (!node) return;
    if (node.type === 'identifier') {
      scope.bind(node.text);
    } else if (node.type === 'attribute' || node.type === 'subscript') {
      this.visit(node, scope);
      const root = rootName(node);
      if (root) scope.mutate(root);
    } else if (TARGET_GROUPS.has(node.type)) {
      for (const child of node.namedChildren) if (child) this.target(child, scope);
    } else {
      this.visit(node, scope);
    }
  }

  private deleteTarget(node: Node, scope: Scope): void {
    if (node.type === 'identifier') scope.delete(node.text);
    else if (node.type === 'attribute' || node.type === 'subscript') {
      this.visit(node, scope);
      const root = rootName(node);
      if (root) scope.mutate(root);
    } else if (TARGET_GROUPS.has(node.type)) {
      for (const child of node.namedChildren) if (child) this.deleteTarget(child, scope);
    }
  }

  private withItem(node: Node, scope: Scope): void {
    const value = node.childForFieldName('value');
    if (value?.type === 'as_pattern') {
      const [expr] = value.namedChildren;
      if (expr) this.visit(expr, scope);
      this.target(value.childForFieldName('alias'), scope);
    } else if (value) {
      this.visit(value, scope);
    }
  }

  private exceptClause(node: Node, scope: Scope): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'as_pattern') {
        const [expr] = child.namedChildren;
        if (expr) this.visit(expr, scope);
        for (const id of child.childForFieldName('alias')?.descendantsOfType('identifier') ?? []) if (id) scope.bindTemporary(id.text);
      } else {
        this.visit(child, scope);
      }
    }
  }

  private decoratedDefinition(node: Node, scope: Scope): void {
    const decorators = node.namedChildren.filter((c): c is Node => c?.type === 'decorator');
    const definition = node.childForFieldName('definition');
    if (definition?.type === 'function_definition') this.functionDefinition(definition, node, scope, decorators);
    else if (definition?.type === 'class_definition') this.classDefinition(definition, node, scope, decorators);
  }

  private functionDefinition(node: Node, whole: Node, scope: Scope, decorators: Node[]): void {
    const outer = new FunctionScope([]);
    // Decorators, defaults and annotations run when the `def` runs, in the enclosing scope.
    for (const d of decorators) this.visit(d, scope);
    const params = this.parameters(node.childForFieldName('parameters'), scope);
    this.visitField(node, 'return_type', scope);
    const body = new FunctionScope(params);
    this.visitField(node, 'body', body);
    const { free, globalWrites } = body.result();
    scope.deferRead(free);
    for (const g of globalWrites) scope.bind(g);
    const name = node.childForFieldName('name');
    if (name) scope.bindDefinition(name.text, 'function', whole, [...free, ...collectReads(decorators, whole, this, outer)]);
  }

  private classDefinition(node: Node, whole: Node, scope: Scope, decorators: Node[]): void {
    for (const d of decorators) this.visit(d, scope);
    this.visitField(node, 'superclasses', scope);
    const recorder = new RecordingScope(scope);
    const body = new ClassScope(recorder);
    this.visitField(node, 'body', body);
    const name = node.childForFieldName('name');
    if (name) scope.bindDefinition(name.text, 'class', whole, [...recorder.names, ...collectReads(decorators, whole, this, new FunctionScope([]))]);
  }

  private lambda(node: Node, scope: Scope): void {
    const params = this.parameters(node.childForFieldName('parameters'), scope);
    const body = new FunctionScope(params);
    this.visitField(node, 'body', body);
    scope.deferRead(body.result().free);
  }

  /** Parameter names; default values and annotations are visited in the enclosing scope. */
  private parameters(node: Node | null, scope: Scope): string[] {
    const names: string[] = [];
    for (const p of node?.namedChildren ?? []) {
      if (!p) continue;
      switch (p.type) {
        case 'identifier':
          names.push(p.text);
          break;
        case 'default_parameter':
        case 'typed_default_parameter': {
          const name = p.childForFieldName('name');
          if (name) names.push(name.text);
          this.visitField(p, 'type', scope);
          this.visitField(p, 'value', scope);
          break;
        }
        case 'typed_parameter': {
          const id = p.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'list_splat_pattern' || c?.type === 'dictionary_splat_pattern');
          const name = id?.type === 'identifier' ? id : id?.namedChildren.find((c) => c?.type === 'identifier');
          if (name) names.push(name.text);
          this.visitField(p, 'type', scope);
          break;
        }
        case 'list_splat_pattern':
        case 'dictionary_splat_pattern': {
          const id = p.namedChildren.find((c) => c?.type === 'identifier');
          if (id) names.push(id.text);
          break;
        }
        default:
          break;
      }
    }
    return names;
  }

  private comprehension(node: Node, scope: Scope): void {
    const clauses = node.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause' || c?.type === 'if_clause');
    const inner = new ComprehensionScope(scope);
    clauses.forEach((clause, i) => {
      if (clause.type === 'for_in_clause') {
        // The first iterable is evaluated in the enclosing scope; later ones see earlier targets.
        this.visitField(clause, 'right', i === 0 ? scope : inner);
        this.target(clause.childForFieldName('left'), inner);
      } else {
        for (const c of clause.namedChildren) if (c) this.visit(c, inner);
      }
    });
    this.visitField(node, 'body', inner);
  }

  private importStatement(node: Node, scope: Scope): void {
    const fromModule = node.type === 'import_from_statement' ? node.childForFieldName('module_name') : null;
    const moduleText = fromModule ? squash(fromModule.text) : undefined;
    if (fromModule && node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      scope.bindStarImport(moduleText!);
      return;
    }
    for (const name of node.childrenForFieldName('name')) {
      if (!name) continue;
      if (name.type === 'aliased_import') {
        const real = squash(name.childForFieldName('name')?.text ?? '');
        const alias = name.childForFieldName('alias')?.text ?? real;
        scope.bindImport(fromModule
          ? { name: alias, module: moduleText!, statement: `from ${moduleText} import ${real} as ${alias}` }
          : { name: alias, module: real, statement: `import ${real} as ${alias}` });
      } else {
        const dotted = squash(name.text);
        scope.bindImport(fromModule
          ? { name: dotted, module: moduleText!, statement: `from ${moduleText} import ${dotted}` }
          : { name: dotted.split('.')[0], module: dotted, statement: `import ${dotted}` });
      }
    }
  }

  private matchStatement(node: Node, scope: Scope): void {
    this.visitField(node, 'subject', scope);
    for (const clause of node.childForFieldName('body')?.namedChildren ?? []) {
      if (clause?.type !== 'case_clause') continue;
      for (const pattern of clause.namedChildren) {
        if (!pattern) continue;
        if (pattern.type === 'case_pattern') this.pattern(pattern, scope);
        else if (pattern.type === 'if_clause') this.visit(pattern, scope);
      }
      this.visitField(clause, 'consequence', scope);
    }
  }

  /** Match patterns: a bare name captures, a dotted name is a value to compare, a class is read. */
  private pattern(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'dotted_name': {
        const ids = node.namedChildren.filter((c): c is Node => c?.type === 'identifier');
        if (ids.length === 1 && ids[0].text !== '_') scope.bind(ids[0].text);
        else if (ids.length > 1) scope.read(ids[0].text);
        return;
      }
      case 'class_pattern': {
        const [cls, ...rest] = node.namedChildren;
        const root = cls?.namedChildren[0];
        if (root) scope.read(root.text);
        for (const r of rest) if (r) this.pattern(r, scope);
        return;
      }
      case 'keyword_pattern': {
        const [, value] = node.namedChildren;
        if (value) this.pattern(value, scope);
        return;
      }
      case 'splat_pattern': {
        const id = node.namedChildren.find((c) => c?.type === 'identifier');
        if (id && id.text !== '_') scope.bind(id.text);
        return;
      }
      case 'as_pattern': {
        const [inner] = node.namedChildren;
        if (inner) this.pattern(inner, scope);
        for (const id of node.childForFieldName('alias')?.descendantsOfType('identifier') ?? []) if (id) scope.bind(id.text);
        return;
      }
      case 'string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
        return;
      default:
        for (const c of node.namedChildren) if (c) this.pattern(c, scope);
    }
  }
}

/** Forwards everything to a parent scope and remembers which names were read through it. */
class RecordingScope implements Scope {
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

/** Names a definition's decorators, defaults and annotations read (they run where the `def` is). */
function collectReads(decorators: Node[], whole: Node, walker: Walker, scratch: FunctionScope): string[] {
  const def = whole.type === 'decorated_definition' ? whole.childForFieldName('definition') : whole;
  const recorder = new RecordingScope(scratch);
  for (const d of decorators) walker.visit(d, recorder);
  for (const p of def?.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    for (const field of ['value', 'type']) for (const c of p.childrenForFieldName(field)) if (c) walker.visit(c, recorder);
  }
  const ret = def?.childForFieldName('return_type');
  if (ret) walker.visit(ret, recorder);
  const supers = def?.childForFieldName('superclasses');
  if (supers) walker.visit(supers, recorder);
  return [...recorder.names];
}

/** `a` in `a.b.c[0]`. */
function rootName(node: Node): string | undefined {
  let n: Node | null = node;
  while (n && (n.type === 'attribute' || n.type === 'subscript' || n.type === 'call' || n.type === 'parenthesized_expression')) {
    n = n.type === 'attribute' ? n.childForFieldName('object') : n.type === 'subscript' ? n.childForFieldName('value') : n.type === 'call' ? n.childForFieldName('function') : n.namedChildren[0];
  }
  return n?.type === 'identifier' ? n.text : undefined;
}

function squash(s: string): string {
  return s.replace(/\s+/g, '');
}

function dedent(text: string, column: number): string {
  if (column === 0) return text;
  const prefix = new RegExp(`^[ \\t]{0,${column}}`);
  return text.split('\n').map((line, i) => (i === 0 ? line : line.replace(prefix, ''))).join('\n');
}

function multiLineStringLines(root: Node): number[] {
  const lines: number[] = [];
  for (const s of root.descendantsOfType(['string', 'concatenated_string'])) {
    if (!s) continue;
    for (let row = s.startPosition.row + 1; row <= s.endPosition.row; row++) lines.push(row);
  }
  return [...new Set(lines)].sort((a, b) => a - b);
}

function moduleLiterals(root: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const stmt of root.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) continue;
    const value = literalValue(right);
    if (value !== NOT_LITERAL) out[left.text] = value;
  }
  return out;
}

const NOT_LITERAL = Symbol('not a literal');

/** A Python literal as JSON: numbers, plain strings, booleans, None, and lists or tuples of those. */
function literalValue(node: Node): unknown {
  switch (node.type) {
    case 'integer': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isSafeInteger(n) ? n : NOT_LITERAL;
    }
    case 'float': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : NOT_LITERAL;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'unary_operator': {
      const operand = node.namedChildren[0];
      const v = operand ? literalValue(operand) : NOT_LITERAL;
      return typeof v === 'number' && node.text.trim().startsWith('-') ? -v : v;
    }
    case 'string': {
      const m = /^(['"])(.*)\1$/s.exec(node.text);
      return m && !/[\\\n]/.test(m[2]) && node.namedChildren.every((c) => c?.type !== 'interpolation') ? m[2] : NOT_LITERAL;
    }
    case 'list':
    case 'tuple': {
      const items = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment').map(literalValue);
      return items.includes(NOT_LITERAL) ? NOT_LITERAL : items;
    }
    default:
      return NOT_LITERAL;
  }
}

function syntaxProblems(root: Node, text: string): SyntaxProblem[] {
  const out: SyntaxProblem[] = [];
  const walk = (n: Node) => {
    if (out.length >= 5) return;
    if (n.isMissing) {
      out.push({ line: n.startPosition.row, column: n.startPosition.column, message: `missing \`${n.type}\`` });
      return;
    }
    if (n.type === 'ERROR') {
      const snippet = text.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 30)).split('\n')[0];
      out.push({ line: n.startPosition.row, column: n.startPosition.column, message: `invalid syntax near \`${snippet}\`` });
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return out;
}
