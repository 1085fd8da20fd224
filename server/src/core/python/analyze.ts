import type { Parser } from 'web-tree-sitter';
import type { CellAnalysis, SetupStatement } from './cellAnalysis';
import { maskIPython } from './ipython';
import { parse } from './parser';
import { ModuleScope } from './scopes';
import { setupStatement } from './setup';
import { hasTopLevelAwait, literalFileReads, moduleLiterals, multiLineStringLines, syntaxProblems } from './treeFacts';
import { DEFAULT_UPDATE_RULES, type UpdateRules } from './updates';
import { Walker } from './walker';

/**
 * What a notebook cell reads, writes, imports and defines, from tree-sitter-python's syntax tree and
 * Python's scoping rules: function and comprehension locals, class bodies and lambda parameters are not
 * the cell's names; assignment through an attribute or subscript (`df["x"] = …`) changes `df`.
 */
export function analyzeCell(parser: Parser, source: string, rules: UpdateRules = DEFAULT_UPDATE_RULES): CellAnalysis {
  const masked = maskIPython(source);
  const empty: CellAnalysis = {
    reads: [],
    writes: [],
    updates: [],
    setup: [],
    fileReads: [],
    deletes: [],
    imports: [],
    definitions: [],
    starImports: [],
    magics: masked.magics,
    syntaxErrors: [],
    python: masked.python,
    stringLines: [],
    literals: {},
    topLevelAwait: false,
  };
  if (masked.foreignCellMagic) return { ...empty, foreignCellMagic: masked.foreignCellMagic };
  const tree = parse(parser, masked.python);
  try {
    const module = new ModuleScope(masked.python);
    const walker = new Walker(rules);
    const setup: SetupStatement[] = [];
    for (const stmt of tree.rootNode.namedChildren) {
      if (!stmt) continue;
      walker.visit(stmt, module);
      const candidate = setupStatement(stmt, module, walker);
      if (candidate) setup.push(candidate);
    }
    module.finish();
    return {
      ...empty,
      reads: [...module.reads],
      writes: [...module.writes],
      updates: [...module.updates],
      setup,
      deletes: [...module.deletes],
      imports: module.imports,
      definitions: module.definitions,
      starImports: module.starImports,
      syntaxErrors: tree.rootNode.hasError ? syntaxProblems(tree.rootNode, masked.python) : [],
      stringLines: multiLineStringLines(tree.rootNode),
      literals: moduleLiterals(tree.rootNode),
      fileReads: literalFileReads(tree.rootNode),
      topLevelAwait: hasTopLevelAwait(tree.rootNode),
    };
  } finally {
    tree.delete();
  }
}
