import type { Parser, Tree } from 'web-tree-sitter';

/**
 * Parses a cell with a parser from io/pythonParser; the caller deletes the tree when done.
 *
 * Full-line comments are blanked first (same length, so every offset holds): tree-sitter-python's
 * scanner looks ahead over the whole run of comment lines at every line end, which makes a run of n
 * comment lines cost n² (1,000 lines 0.35 s, 4,000 lines 4.6 s; a 200 MB notebook ran 22 minutes),
 * where blank lines cost nothing. Comments carry nothing the analysis reads. A `#` line that is really
 * inside a multi-line string is not a comment: then the cell is parsed as it is.
 */
export function parse(parser: Parser, source: string): Tree {
  const blanked = blankCommentLines(source);
  if (blanked.rows.length) {
    const tree = parseText(parser, blanked.text);
    if (!rowsInsideStrings(tree, blanked.rows)) return tree;
    tree.delete();
  }
  return parseText(parser, source);
}

function parseText(parser: Parser, text: string): Tree {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** The text with each line whose first non-blank character is `#` turned to spaces, and those rows. */
export function blankCommentLines(source: string): { text: string; rows: number[] } {
  const rows: number[] = [];
  const parts: string[] = [];
  let row = 0;
  let start = 0;
  let kept = 0;
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end < 0) end = source.length;
    let i = start;
    while (i < end && (source[i] === ' ' || source[i] === '\t')) i++;
    if (source[i] === '#' && i < end) {
      rows.push(row);
      parts.push(source.slice(kept, i), ' '.repeat(end - i - (source[end - 1] === '\r' ? 1 : 0)));
      kept = source[end - 1] === '\r' ? end - 1 : end;
    }
    row++;
    start = end + 1;
  }
  if (!rows.length) return { text: source, rows };
  parts.push(source.slice(kept));
  return { text: parts.join(''), rows };
}

function rowsInsideStrings(tree: Tree, rows: number[]): boolean {
  const blanked = new Set(rows);
  for (const s of tree.rootNode.descendantsOfType(['string', 'concatenated_string'])) {
    if (!s) continue;
    for (let r = s.startPosition.row + 1; r <= s.endPosition.row; r++) if (blanked.has(r)) return true;
  }
  return false;
}
