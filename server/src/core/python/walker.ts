import type { Node } from 'web-tree-sitter';
import { ClassScope, ComprehensionScope, FunctionScope, RecordingScope, type Scope } from './scopes';
import { DEFAULT_UPDATE_RULES, methodUpdates, type UpdateRules } from './updates';

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const TARGET_GROUPS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list', 'parenthesized_expression', 'as_pattern_target', 'list_splat_pattern', 'list_splat']);

/** Visits statements and expressions, telling the scope what each name does. */
export class Walker {
  constructor(private readonly rules: UpdateRules = DEFAULT_UPDATE_RULES) {}

  visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'identifier':
        scope.read(node.text);
        return;
      case 'call':
        this.call(node, scope);
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
      case 'named_expression':
        this.namedExpression(node, scope);
        return;
      case 'for_statement':
        this.forStatement(node, scope);
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
        for (const id of declaredNames(node)) scope.declareGlobal(id);
        return;
      case 'nonlocal_statement':
        for (const id of declaredNames(node)) scope.declareNonlocal(id);
        return;
      case 'delete_statement':
        this.deleteStatement(node, scope);
        return;
      case 'match_statement':
        this.matchStatement(node, scope);
        return;
      case 'type_alias_statement':
        this.typeAlias(node, scope);
        return;
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

  /**
   * A call reads what it names; a method call on a name's object, or a known in-place function given
   * the name, also changes it (./updates.ts says when).
   */
  private call(node: Node, scope: Scope): void {
    for (const child of node.namedChildren) if (child) this.visit(child, scope);
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (fn?.type === 'attribute') {
      const receiver = fn.childForFieldName('object');
      const root = receiver && plainRoot(receiver);
      const method = fn.childForFieldName('attribute')?.text;
      if (root && method && methodUpdates(method, passesInplace(args))) scope.mutate(root);
    }
    if (fn && (fn.type === 'identifier' || fn.type === 'attribute') && this.rules.inPlaceFunctions.has(squash(fn.text))) {
      const first = args?.namedChildren.find((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment');
      const root = first && plainRoot(first);
      if (root) scope.mutate(root);
    }
  }

  private namedExpression(node: Node, scope: Scope): void {
    this.visitField(node, 'value', scope);
    const name = node.childForFieldName('name');
    if (name) scope.bindWalrus(name.text);
  }

  private forStatement(node: Node, scope: Scope): void {
    this.visitField(node, 'right', scope);
    this.target(node.childForFieldName('left'), scope);
    this.visitField(node, 'body', scope);
    this.visitField(node, 'alternative', scope);
  }

  private deleteStatement(node: Node, scope: Scope): void {
    for (const t of node.namedChildren) if (t) this.deleteTarget(t, scope);
  }

  private typeAlias(node: Node, scope: Scope): void {
    const left = node.childForFieldName('left');
    const name = left?.descendantsOfType('identifier')[0];
    this.visitField(node, 'right', scope);
    if (name) scope.bind(name.text);
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

  /**
   * `with open(p) as fh:` binds a resource for the block (a file, a lock, a session), closed after it:
   * not data a later step could take, and often nothing pickle can write. Temporary, like `except … as`.
   */
  private withItem(node: Node, scope: Scope): void {
    const value = node.childForFieldName('value');
    if (value?.type === 'as_pattern') {
      const [expr] = value.namedChildren;
      if (expr) this.visit(expr, scope);
      for (const id of value.childForFieldName('alias')?.descendantsOfType('identifier') ?? []) if (id) scope.bindTemporary(id.text);
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
      case 'dotted_name':
        dottedPattern(node, scope);
        return;
      case 'class_pattern':
        this.classPattern(node, scope);
        return;
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
      case 'as_pattern':
        this.asPattern(node, scope);
        return;
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

  /** `Point(x=0, y=y0)`: the class is read, its argument patterns matched. */
  private classPattern(node: Node, scope: Scope): void {
    const [cls, ...rest] = node.namedChildren;
    const root = cls?.namedChildren[0];
    if (root) scope.read(root.text);
    for (const r of rest) if (r) this.pattern(r, scope);
  }

  /** `<pattern> as name`. */
  private asPattern(node: Node, scope: Scope): void {
    const [inner] = node.namedChildren;
    if (inner) this.pattern(inner, scope);
    for (const id of node.childForFieldName('alias')?.descendantsOfType('identifier') ?? []) if (id) scope.bind(id.text);
  }
}

/** A bare name in a pattern captures (but `_`); a dotted name is a value to compare. */
function dottedPattern(node: Node, scope: Scope): void {
  const ids = node.namedChildren.filter((c): c is Node => c?.type === 'identifier');
  if (ids.length === 1 && ids[0].text !== '_') scope.bind(ids[0].text);
  else if (ids.length > 1) scope.read(ids[0].text);
}

/** The names a `global` or `nonlocal` statement declares. */
function declaredNames(node: Node): string[] {
  const out: string[] = [];
  for (const id of node.namedChildren) if (id?.type === 'identifier') out.push(id.text);
  return out;
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

/**
 * `a` in `a`, `a.b.c` or `a["k"].b`: a name whose object the expression is part of. Not through a call
 * (`df.groupby("k")` is a new object) nor a literal.
 */
function plainRoot(node: Node): string | undefined {
  let n: Node | null = node;
  while (n && (n.type === 'attribute' || n.type === 'subscript' || n.type === 'parenthesized_expression')) {
    n = n.type === 'attribute' ? n.childForFieldName('object') : n.type === 'subscript' ? n.childForFieldName('value') : n.namedChildren[0];
  }
  return n?.type === 'identifier' ? n.text : undefined;
}

/** `inplace=True` among a call's arguments. */
function passesInplace(args: Node | null): boolean {
  for (const a of args?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'inplace' && a.childForFieldName('value')?.type === 'true') return true;
  }
  return false;
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
