import { UserError } from '../errors';

/**
 * The run filter language: MLflow's (`metrics.acc > 0.9 and params.lr = "0.01"`) with `or`, `not`,
 * parentheses, `in (…)` and `like`. It is parsed to a syntax tree here; search.ts turns the tree into
 * parameterized SQL, so no text of a filter ever becomes SQL.
 */
export type Field =
  | { kind: 'metric' | 'param' | 'tag'; key: string }
  | { kind: 'attribute'; name: Attribute };

export const ATTRIBUTES = ['id', 'name', 'status', 'experiment', 'start_time', 'end_time', 'pipeline', 'step_id', 'step_version', 'git_commit'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'ilike' | 'not like';
export type Value = string | number;

export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; expr: Filter }
  | { kind: 'compare'; field: Field; op: Op; value: Value }
  | { kind: 'in'; field: Field; values: Value[]; negated: boolean };

export class FilterError extends UserError {
  constructor(
    readonly column: number,
    detail: string,
  ) {
    super(`filter, column ${column}: ${detail}`);
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.'; at: number }
  | { kind: 'end'; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    if (/\s/.test(source[i])) {
      i++;
      continue;
    }
    const scanned = scanQuoted(source, i) ?? scanNumber(source, i, tokens[tokens.length - 1]) ?? scanPattern(source, i);
    if (!scanned) throw new FilterError(i + 1, `unexpected \`${source[i]}\``);
    tokens.push(scanned.token);
    i = scanned.end;
  }
  tokens.push({ kind: 'end', at: source.length + 1 });
  return tokens;
}

type Scanned = { token: Token; end: number } | undefined;

// Sticky: each matches at lastIndex only, so scanning never copies the rest of the filter.
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const OPERATOR = /!=|<>|<=|>=|==|=|<|>/y;
const WORD = /[A-Za-z_][\w-]*/y;

/** A quoted value, or a backquoted key (`params.\`learning rate\``), which is never a value. */
function scanQuoted(source: string, start: number): Scanned {
  const quote = source[start];
  if (quote !== '"' && quote !== "'" && quote !== '`') return undefined;
  const at = start + 1;
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= source.length) throw new FilterError(at, `the quoted text is not closed with ${quote}`);
    if (source[i] === '\\' && i + 1 < source.length) {
      text += source[i + 1];
      i += 2;
    } else if (source[i] === quote) {
      return { token: quote === '`' ? { kind: 'word', text, at } : { kind: 'string', text, at }, end: i + 1 };
    } else {
      text += source[i++];
    }
  }
}

/** A number; a leading `-` is a sign where a value may start (after an operator, `(` or `,`), else an error. */
function scanNumber(source: string, start: number, previous: Token | undefined): Scanned {
  NUMBER.lastIndex = start;
  const num = NUMBER.exec(source);
  if (!num) return undefined;
  const signAllowed = previous?.kind === 'op' || (previous?.kind === 'punct' && (previous.text === '(' || previous.text === ','));
  if (source[start] === '-' && !signAllowed) return undefined;
  return { token: { kind: 'number', value: Number(num[0]), at: start + 1 }, end: start + num[0].length };
}

/** Operators, punctuation and words. */
function scanPattern(source: string, start: number): Scanned {
  const at = start + 1;
  const c = source[start];
  OPERATOR.lastIndex = start;
  const op = OPERATOR.exec(source);
  if (op) return { token: { kind: 'op', text: op[0] === '<>' ? '!=' : op[0] === '==' ? '=' : op[0], at }, end: start + op[0].length };
  if (c === '(' || c === ')' || c === ',' || c === '.') return { token: { kind: 'punct', text: c, at }, end: start + 1 };
  WORD.lastIndex = start;
  const word = WORD.exec(source);
  return word ? { token: { kind: 'word', text: word[0], at }, end: start + word[0].length } : undefined;
}

/**
 * Bounds on what a filter may ask, each well past any filter a person writes: deeper nesting would
 * overflow the parser's stack, and more terms would pass SQLite's expression depth (1,000), so either
 * would fail as a crash rather than say what is wrong.
 */
export const FILTER_LIMITS = { depth: 64, terms: 200, listValues: 1000, orderTerms: 20, length: 100_000 } as const;

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Enters one level of nesting (a parenthesis or a `not`), refusing past the limit. */
  private nested<T>(at: number, parse: () => T): T {
    if (++this.depth > FILTER_LIMITS.depth) throw new FilterError(at, `the filter nests deeper than ${FILTER_LIMITS.depth} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private term(at: number): void {
    if (++this.terms > FILTER_LIMITS.terms) throw new FilterError(at, `the filter has more than ${FILTER_LIMITS.terms} comparisons; narrow it in steps, or use \`in (…)\``);
  }

  parse(): Filter {
    const f = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new FilterError(t.at, `expected \`and\`, \`or\` or the end, found ${describe(t)}`);
    return f;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t.kind === 'word' && t.text.toLowerCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }

  private or(): Filter {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Filter {
    let left = this.not();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.not() };
    return left;
  }

  private not(): Filter {
    const at = this.peek().at;
    if (this.keyword('not')) return this.nested(at, () => ({ kind: 'not', expr: this.not() }));
    return this.primary();
  }

  private primary(): Filter {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.i++;
      const inner = this.nested(t.at, () => this.or());
      const close = this.next();
      if (close.kind !== 'punct' || close.text !== ')') throw new FilterError(close.at, `expected \`)\`, found ${describe(close)}`);
      return inner;
    }
    this.term(t.at);
    const field = this.field();
    if (this.keyword('in')) return { kind: 'in', field, values: this.list(), negated: false };
    if (this.keyword('not')) {
      if (this.keyword('in')) return { kind: 'in', field, values: this.list(), negated: true };
      if (this.keyword('like')) return { kind: 'compare', field, op: 'not like', value: this.value() };
      throw new FilterError(this.peek().at, 'expected `in` or `like` after `not`');
    }
    if (this.keyword('like')) return { kind: 'compare', field, op: 'like', value: this.value() };
    if (this.keyword('ilike')) return { kind: 'compare', field, op: 'ilike', value: this.value() };
    const op = this.next();
    if (op.kind !== 'op') throw new FilterError(op.at, `expected a comparison (=, !=, <, <=, >, >=, like, in) after ${fieldText(field)}, found ${describe(op)}`);
    return { kind: 'compare', field, op: op.text as Op, value: this.value() };
  }

  /** A field and nothing after it (an order term). */
  onlyField(): Field {
    const field = this.field();
    const t = this.peek();
    if (t.kind !== 'end') throw new FilterError(t.at, `expected \`asc\`, \`desc\` or \`,\` after ${fieldText(field)}, found ${describe(t)}`);
    return field;
  }

  field(): Field {
    const t = this.next();
    if (t.kind !== 'word') throw new FilterError(t.at, `expected a field such as metrics.acc, params.lr, tags.team or status, found ${describe(t)}`);
    const dot = this.peek();
    if (dot.kind === 'punct' && dot.text === '.') {
      this.i++;
      const key = this.next();
      if (key.kind !== 'word' && key.kind !== 'string') throw new FilterError(key.at, `expected a name after \`${t.text}.\``);
      const prefix = t.text.toLowerCase();
      const kind = prefix === 'metrics' || prefix === 'metric' ? 'metric' : prefix === 'params' || prefix === 'param' ? 'param' : prefix === 'tags' || prefix === 'tag' ? 'tag' : prefix === 'attributes' || prefix === 'attribute' || prefix === 'attr' ? 'attribute' : undefined;
      if (!kind) throw new FilterError(t.at, `unknown field kind \`${t.text}\`: use metrics., params., tags. or attributes.`);
      if (kind === 'attribute') return attribute(key.text, key.at);
      return { kind, key: key.text };
    }
    return attribute(t.text, t.at);
  }

  private value(): Value {
    const t = this.next();
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return t.value;
    throw new FilterError(t.at, `expected a number or a quoted string, found ${describe(t)}`);
  }

  private list(): Value[] {
    const open = this.next();
    if (open.kind !== 'punct' || open.text !== '(') throw new FilterError(open.at, 'expected `(` to start the list');
    const values = [this.value()];
    for (;;) {
      const t = this.next();
      if (t.kind === 'punct' && t.text === ')') return values;
      if (t.kind !== 'punct' || t.text !== ',') throw new FilterError(t.at, `expected \`,\` or \`)\` in the list, found ${describe(t)}`);
      if (values.length >= FILTER_LIMITS.listValues) throw new FilterError(t.at, `a list holds at most ${FILTER_LIMITS.listValues} values`);
      values.push(this.value());
    }
  }
}

const ATTRIBUTE_ALIASES: Record<string, Attribute> = { run_id: 'id', run_name: 'name', experiment_name: 'experiment', step: 'step_id' };

function attribute(name: string, at: number): Field {
  const n = name.toLowerCase();
  const found = (ATTRIBUTES as readonly string[]).includes(n) ? (n as Attribute) : ATTRIBUTE_ALIASES[n];
  if (!found) throw new FilterError(at, `unknown attribute \`${name}\`: use one of ${ATTRIBUTES.join(', ')}, or metrics., params., tags.`);
  return { kind: 'attribute', name: found };
}

function fieldText(f: Field): string {
  return f.kind === 'attribute' ? f.name : `${f.kind}s.${f.key}`;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'the end';
    case 'number':
      return `\`${t.value}\``;
    case 'string':
      return `"${t.text}"`;
    default:
      return `\`${t.text}\``;
  }
}

export function parseFilter(source: string): Filter | undefined {
  if (source.length > FILTER_LIMITS.length) throw new FilterError(1, `the filter is ${source.length} characters long; at most ${FILTER_LIMITS.length}`);
  if (!source.trim()) return undefined;
  return new Parser(tokenize(source)).parse();
}

export interface OrderBy {
  field: Field;
  descending: boolean;
}

/** `metrics.acc desc, start_time` → order terms. */
export function parseOrderBy(source: string): OrderBy[] {
  if (!source.trim()) return [];
  if (source.length > FILTER_LIMITS.length) throw new FilterError(1, `the order is ${source.length} characters long; at most ${FILTER_LIMITS.length}`);
  const parts = source.split(',');
  if (parts.length > FILTER_LIMITS.orderTerms) throw new FilterError(1, `the order has ${parts.length} terms; at most ${FILTER_LIMITS.orderTerms}`);
  return parts.map((part) => {
    const term = part.trim();
    // No backtracking pattern over the whole term: a long run of spaces must not cost n².
    const direction = /\s(asc|desc)$/i.exec(term);
    const fieldText = direction ? term.slice(0, direction.index).trim() : term;
    if (!fieldText) throw new FilterError(1, `cannot read the order \`${part.slice(0, 80)}\``);
    const field = new Parser(tokenize(fieldText)).onlyField();
    return { field, descending: direction?.[1].toLowerCase() === 'desc' };
  });
}
