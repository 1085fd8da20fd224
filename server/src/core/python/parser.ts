import type { Parser, Tree } from 'web-tree-sitter';

/** Parses with a parser from io/pythonParser; the caller deletes the tree when done. */
export function parse(parser: Parser, source: string): Tree {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
