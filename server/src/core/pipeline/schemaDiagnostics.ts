import { z } from 'zod';
import type { Diagnostic } from '../diagnostic';
import type { Lines } from '../text/lineIndex';
import { closest } from '../text/suggest';
import type { YNode } from '../yaml/nodes';
import { keyNodeAtPath, nodeAtPath, type YPath } from '../yaml/positionedYaml';
import { compilePredicate } from '../zodPredicate';
import type { ParsedPipeline } from './parse';
import { Pipeline, Step } from './schema';

type Issue = z.core.$ZodIssue;

/** A part of the document validated on its own: the header (base 0) or one step (its item's base). */
interface Part {
  root: YNode;
  value: unknown;
  /** Added to the part's node offsets to get document offsets. */
  base: number;
  /** The part's path in the whole pipeline: [] or ['steps', i]. */
  prefix: YPath;
}

const NO_ISSUES: Issue[] = [];
/** Most values are valid: these answer them without zod's copies; zod explains the rest. */
const headerValid = compilePredicate(Pipeline);
const stepValid = compilePredicate(Step);

/**
 * Schema violations of a parsed pipeline, each at the exact node it concerns. The header and each step
 * are validated apart, so an edit in one step validates that step and the header only.
 */
export function schemaDiagnostics(parsed: ParsedPipeline): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (parsed.root) {
    const header = headerValid(parsed.headerValue) ? undefined : Pipeline.safeParse(parsed.headerValue);
    const part: Part = { root: parsed.root, value: parsed.headerValue, base: 0, prefix: [] };
    if (header && !header.success) for (const issue of header.error.issues) out.push(...issueDiagnostics(issue, part, parsed.lines));
  }
  for (const step of parsed.steps) {
    // Kept in the step's memo: the parser reuses it while the step's text is unchanged.
    let issues = step.memo.issues;
    if (!issues) {
      const r = stepValid(step.value) ? undefined : Step.safeParse(step.value);
      issues = step.memo.issues = !r || r.success ? NO_ISSUES : r.error.issues;
    }
    if (issues.length === 0) continue;
    const part: Part = { root: step.node, value: step.value, base: step.base, prefix: ['steps', step.index] };
    for (const issue of issues) out.push(...issueDiagnostics(issue, part, parsed.lines));
  }
  return out;
}

function issueDiagnostics(issue: Issue, part: Part, lines: Lines): Diagnostic[] {
  const local = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const path = [...part.prefix, ...local];
  const range = (node: YNode) => lines.rangeOf(node.start + part.base, node.end + part.base);

  if (issue.code === 'unrecognized_keys') {
    const known = objectKeysAt(path);
    return issue.keys.map((key) => {
      const node = keyNodeAtPath(part.root, local, key) ?? nodeAtPath(part.root, local).node;
      const guess = closest(key, known);
      const hint = guess ? `; did you mean \`${guess}\`?` : known.length ? `; expected one of ${known.map((k) => `\`${k}\``).join(', ')}.` : '.';
      return { range: range(node), severity: 'error', code: 'unknown-key', message: `Unknown key \`${key}\` in ${describePath(path)}${hint}`, data: { key, suggestion: guess } };
    });
  }

  const parentLocal = local.slice(0, -1);
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  // zod reports a missing key as invalid_type, or invalid_value for a literal such as `cellflow: 1`.
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && typeof last === 'string' && isMissing(part.value, local)) {
    const parent = nodeAtPath(part.root, parentLocal).node;
    const what = fieldDescription(path);
    const start = parent.start + part.base;
    const headEnd = Math.min(parent.end + part.base, lines.lineEnd(lines.positionAt(start).line));
    return [{
      range: lines.rangeOf(start, headEnd),
      severity: 'error',
      code: 'missing-key',
      message: `Missing required key \`${last}\` in ${describePath(parentPath)}${what ? ` (${lowerFirst(what)})` : ''}.`,
    }];
  }

  const { node: found, depth } = nodeAtPath(part.root, local);
  // A whole mapping (the path ends above it, or the issue is about it) is marked by its first line,
  // which is the same whether the file was parsed whole or step by step.
  const node = depth < local.length || (found.kind === 'map' && !found.flow) ? headOf(found, part.base, lines) : found;
  // An empty value has no width of its own; underline its key instead.
  const target = node.start === node.end && typeof last === 'string' ? (keyNodeAtPath(part.root, parentLocal, last) ?? node) : node;
  const subject = path.length === 0 ? 'A pipeline file' : typeof last === 'number' ? describePath(path) : `\`${last}\` in ${describePath(parentPath)}`;

  if (issue.code === 'invalid_type') {
    const actual = valueAtPath(part.value, local);
    return [{
      range: range(target),
      severity: 'error',
      code: 'wrong-type',
      message: `${subject} must be ${expectedPhrase(isInteger(path) ? 'int' : issue.expected)}, not ${describeValue(actual)}.`,
    }];
  }
  if (issue.code === 'invalid_key') {
    const keyNode = typeof last === 'string' ? keyNodeAtPath(part.root, parentLocal, last) : undefined;
    return [{ range: range(keyNode ?? target), severity: 'error', code: 'invalid-value', message: `Invalid key \`${String(last)}\`: ${issue.issues[0]?.message ?? issue.message}.` }];
  }
  return [{ range: range(target), severity: 'error', code: 'invalid-value', message: `${subject}: ${issue.message}.` }];
}

/** A node standing for the first line of `node` (offsets relative to `base`, like the node's). */
function headOf(node: YNode, base: number, lines: Lines): YNode {
  const start = node.start + base;
  const end = Math.min(node.end + base, lines.lineEnd(lines.positionAt(start).line));
  return { kind: 'scalar', start: node.start, end: end - base, text: '', quoted: false };
}

function isMissing(value: unknown, path: YPath): boolean {
  const parent = valueAtPath(value, path.slice(0, -1));
  return typeof parent === 'object' && parent !== null && !Array.isArray(parent) && !Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]);
}

function valueAtPath(value: unknown, path: YPath): unknown {
  let v = value;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** `steps[2].source`, or `the pipeline` at the root: how messages name a place. */
export function describePath(path: YPath): string {
  if (path.length === 0) return 'the pipeline';
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return `\`${s}\``;
}

function expectedPhrase(expected: string): string {
  switch (expected) {
    case 'int':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `\`${value}\``;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
}

/** The schema node at a document path, through lists, records and optionals. */
function schemaAt(path: YPath): z.ZodType | undefined {
  let s: z.ZodType | undefined = Pipeline;
  for (const seg of path) {
    s = s && unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else return undefined;
  }
  return s;
}

function isInteger(path: YPath): boolean {
  const s = schemaAt(path);
  const inner = s && unwrap(s);
  return inner instanceof z.ZodNumber && inner.isInt === true;
}

function unwrap(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The keys a mapping at `path` may have. */
export function objectKeysAt(path: YPath): string[] {
  const s = schemaAt(path);
  const obj = s && unwrap(s);
  return obj instanceof z.ZodObject ? Object.keys(obj.shape) : [];
}

/** The schema's description of the field at `path`, for messages and hovers. */
export function fieldDescription(path: YPath): string | undefined {
  const s = schemaAt(path);
  return s && (s.description ?? unwrap(s).description);
}
