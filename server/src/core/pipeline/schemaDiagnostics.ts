import { z } from 'zod';
import type { Diagnostic } from '../diagnostic';
import type { LineIndex } from '../text/lineIndex';
import { closest } from '../text/suggest';
import { keyNodeAtPath, nodeAtPath, type YDocument, type YNode, type YPath } from '../yaml/positionedYaml';
import { Pipeline } from './schema';

type Issue = z.core.$ZodIssue;

/** Schema violations of a parsed pipeline document, each at the exact node it concerns. */
export function schemaDiagnostics(doc: YDocument & { root: YNode }, lines: LineIndex): Diagnostic[] {
  const result = Pipeline.safeParse(doc.value);
  if (result.success) return [];
  const out: Diagnostic[] = [];
  for (const issue of result.error.issues) out.push(...issueDiagnostics(issue, doc, lines));
  return out;
}

function issueDiagnostics(issue: Issue, doc: YDocument & { root: YNode }, lines: LineIndex): Diagnostic[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const range = (node: YNode) => lines.rangeOf(node.start, node.end);

  if (issue.code === 'unrecognized_keys') {
    const known = objectKeysAt(path);
    return issue.keys.map((key) => {
      const node = keyNodeAtPath(doc.root, path, key) ?? nodeAtPath(doc.root, path).node;
      const guess = closest(key, known);
      const hint = guess ? `; did you mean \`${guess}\`?` : known.length ? `; expected one of ${known.map((k) => `\`${k}\``).join(', ')}.` : '.';
      return { range: range(node), severity: 'error', code: 'unknown-key', message: `Unknown key \`${key}\` in ${describePath(path)}${hint}` };
    });
  }

  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  if (issue.code === 'invalid_type' && typeof last === 'string' && isMissing(doc.value, path)) {
    const parent = nodeAtPath(doc.root, parentPath).node;
    const what = fieldDescription(path);
    const headEnd = Math.min(parent.end, lines.lineEnd(lines.positionAt(parent.start).line));
    return [{
      range: lines.rangeOf(parent.start, headEnd),
      severity: 'error',
      code: 'missing-key',
      message: `Missing required key \`${last}\` in ${describePath(parentPath)}${what ? ` (${lowerFirst(what)})` : ''}.`,
    }];
  }

  const { node } = nodeAtPath(doc.root, path);
  // An empty value has no width of its own; underline its key instead.
  const target = node.start === node.end && typeof last === 'string' ? (keyNodeAtPath(doc.root, parentPath, last) ?? node) : node;
  const subject = path.length === 0 ? 'A pipeline file' : typeof last === 'number' ? describePath(path) : `\`${last}\` in ${describePath(parentPath)}`;

  if (issue.code === 'invalid_type') {
    const actual = valueAtPath(doc.value, path);
    return [{
      range: range(target),
      severity: 'error',
      code: 'wrong-type',
      message: `${subject} must be ${expectedPhrase(isInteger(path) ? 'int' : issue.expected)}, not ${describeValue(actual)}.`,
    }];
  }
  if (issue.code === 'invalid_key') {
    const keyNode = typeof last === 'string' ? keyNodeAtPath(doc.root, parentPath, last) : undefined;
    return [{ range: range(keyNode ?? target), severity: 'error', code: 'invalid-value', message: `Invalid key \`${String(last)}\`: ${issue.issues[0]?.message ?? issue.message}.` }];
  }
  return [{ range: range(target), severity: 'error', code: 'invalid-value', message: `${subject}: ${issue.message}.` }];
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
