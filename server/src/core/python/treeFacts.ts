import type { Node } from 'web-tree-sitter';
import type { SyntaxProblem } from './cellAnalysis';

export function multiLineStringLines(root: Node): number[] {
  const lines: number[] = [];
  for (const s of root.descendantsOfType(['string', 'concatenated_string'])) {
    if (!s) continue;
    for (let row = s.startPosition.row + 1; row <= s.endPosition.row; row++) lines.push(row);
  }
  return [...new Set(lines)].sort((a, b) => a - b);
}

export function moduleLiterals(root: Node): Record<string, unknown> {
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

export function syntaxProblems(root: Node, text: string): SyntaxProblem[] {
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

/** Whether the cell awaits outside any function: IPython allows it, a step's run() cannot. */
export function hasTopLevelAwait(root: Node): boolean {
  for (const a of root.descendantsOfType('await')) {
    let n = a?.parent ?? null;
    while (n && n.type !== 'function_definition' && n.type !== 'lambda') n = n.parent;
    if (!n) return true;
  }
  return false;
}

/** Functions whose first argument, a literal path, is a file the cell reads. */
const FILE_READERS = new Set(['open', 'read_csv', 'read_parquet', 'read_excel', 'read_json', 'read_feather', 'read_pickle', 'read_table', 'read_fwf', 'read_hdf', 'read_sql', 'load', 'loadtxt', 'genfromtxt', 'fromfile', 'imread', 'read_text', 'read_bytes']);

/**
 * Literal paths the cell reads: `pd.read_csv("data/customers.csv")`, `open("config.json")`,
 * `np.load("x.npy")`. Not URLs, not `open(…, "w")` and not paths built at run time, which cannot be
 * known here (the user lists those under `files:` by hand).
 */
export function literalFileReads(root: Node): string[] {
  const out: string[] = [];
  for (const call of root.descendantsOfType('call')) {
    const fn = call?.childForFieldName('function');
    const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.type === 'identifier' ? fn.text : undefined;
    if (!call || !name || !FILE_READERS.has(name)) continue;
    const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
    const first = args[0];
    const value = first && first.type !== 'keyword_argument' ? literalValue(first) : NOT_LITERAL;
    if (typeof value !== 'string' || !value || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    if (name === 'open' && writesMode(args)) continue;
    if (!out.includes(value)) out.push(value);
  }
  return out;
}

function writesMode(args: Node[]): boolean {
  const mode = args[1] && args[1].type !== 'keyword_argument' ? args[1] : args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'mode')?.childForFieldName('value');
  const value = mode ? literalValue(mode) : 'r';
  return typeof value !== 'string' || /[wax+]/.test(value);
}
