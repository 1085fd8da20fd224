import { KeyTable } from '../yaml/blockYaml';
import type { DuplicateKey, Unsupported, YamlError, YNode } from '../yaml/nodes';
import { parseYaml } from '../yaml/positionedYaml';
import type { Lines } from '../text/lineIndex';
import type { StepMemo } from './model';
import { CellRef, Pipeline, Step, StepSource } from './schema';

/** The format's keys, which the YAML fast path hands out as shared strings. */
const FORMAT_KEYS = new KeyTable([Pipeline, Step, StepSource, CellRef].flatMap((s) => Object.keys(s.shape)));

/** A YAML problem found while parsing, with its absolute offset. */
export interface ParseProblem {
  kind: 'syntax' | 'duplicate-key' | 'unsupported' | 'multiple-documents' | 'empty';
  start: number;
  end: number;
  message: string;
  /** duplicate-key: where the key was first set. */
  firstStart?: number;
}

/**
 * One step of the pipeline. Its nodes' offsets are relative to `base` (so that a step that only moved,
 * because text above it changed, is reused from the cache as it is); add `base` for document offsets.
 */
export interface ParsedStep {
  index: number;
  base: number;
  /** The step's mapping node (or whatever node the item is), relative to base. */
  node: YNode;
  value: unknown;
  /** What checks worked out from this step's text, shared by every parse that reuses it. */
  memo: StepMemo;
}

export interface ParsedPipeline {
  text: string;
  lines: Lines;
  /** The document's root node (absolute offsets), its `steps` value ignored; null when empty or broken. */
  root: YNode | null;
  /** The root's value with `steps` set to []: the steps are in `steps`. */
  headerValue: unknown;
  steps: ParsedStep[];
  problems: ParseProblem[];
  /** Whether the steps came from the incremental path (the rest is the same either way). */
  chunked: boolean;
  /** The text has anchors or aliases: its parts depend on each other, so it is never cut into steps. */
  anchors?: boolean;
}

/**
 * A cached step item. Its node offsets are relative to `origin`: 0 for an item parsed alone, the
 * item's start in the file for one cut from a whole-file parse (so nothing needs copying); the item's
 * current start minus `origin` is the base to add.
 */
interface Chunk {
  text: string;
  origin: number;
  node?: YNode;
  value?: unknown;
  problems: ParseProblem[];
  memo: StepMemo;
}

interface Layout {
  /** Offset of the first step item and of the end of the steps block. */
  blockStart: number;
  blockEnd: number;
  itemStarts: number[];
}

/**
 * Parses pipeline files, reusing work across edits: the `steps:` block is cut into its items and each
 * item's parse is cached by its text, so typing in one step re-parses that step, not the file. A file
 * in another shape (flow-style steps, odd indentation) is parsed whole; both paths give the same model.
 */
export class PipelineParser {
  private chunks = new Map<string, Chunk>();
  private previous: { text: string; layout: Layout } | undefined;
  private header: { text: string; root: YNode | null; value: unknown; problems: ParseProblem[] } | undefined;

  /** `incremental: false` parses every text whole (a reference for tests and benchmarks). */
  constructor(private readonly options: { incremental?: boolean } = {}) {}

  parse(text: string, lines: Lines): ParsedPipeline {
    const layout = this.options.incremental === false ? undefined : (this.previous && shiftLayout(this.previous.text, this.previous.layout, text)) ?? findLayout(text);
    this.previous = layout ? { text, layout } : undefined;
    if (layout) {
      const chunked = this.parseChunked(text, lines, layout);
      if (chunked) return chunked;
    }
    this.chunks = new Map();
    this.header = undefined;
    return parseWhole(text, lines);
  }

  /**
   * The per-step path. Its results equal a whole-file parse's for any file that parses (a property
   * test holds it to that); where the file has a syntax error, it reports each broken step (and the
   * header) apart and still checks the rest, whichever way the file was reached, cold or by edits.
   */
  private parseChunked(text: string, lines: Lines, layout: Layout): ParsedPipeline | undefined {
    const starts = layout.itemStarts;
    const texts = starts.map((s, i) => text.slice(s, i + 1 < starts.length ? starts[i + 1] : layout.blockEnd));
    const misses = texts.filter((t) => !this.chunks.has(t)).length;
    let whole: ParsedPipeline | undefined;
    // From cold, one parse of the whole file is faster than a thousand small ones; it fills the cache.
    if (misses > 8 && misses > texts.length / 4) {
      whole = parseWhole(text, lines);
      if (whole.anchors) return undefined;
      if (!hasSyntaxError(whole) && !this.fillFromWhole(whole, texts, starts, text, layout)) return undefined;
    }
    let result = this.assemble(text, lines, layout, texts, starts);
    if (result && hasSyntaxError(result)) {
      // A step that does not parse alone may still parse in its file (an alias to an anchor in
      // another step): the whole file decides.
      whole ??= parseWhole(text, lines);
      if (whole.anchors) return undefined;
      if (!hasSyntaxError(whole)) {
        if (!this.fillFromWhole(whole, texts, starts, text, layout)) return undefined;
        result = this.assemble(text, lines, layout, texts, starts);
      }
    }
    return result;
  }

  private assemble(text: string, lines: Lines, layout: Layout, texts: string[], starts: number[]): ParsedPipeline | undefined {
    // The cache keeps the chunks of this text only; when it holds exactly those (as after a cold
    // parse), it stays as it is rather than being copied.
    const same = this.chunks.size === texts.length && texts.every((t) => this.chunks.has(t));
    const next = same ? this.chunks : new Map<string, Chunk>();
    const steps: ParsedStep[] = [];
    const problems: ParseProblem[] = [];
    for (let i = 0; i < texts.length; i++) {
      let chunk = this.chunks.get(texts[i]) ?? next.get(texts[i]);
      if (!chunk) chunk = parseChunk(texts[i]);
      if (chunk === undefined) return undefined;
      if (!same) next.set(texts[i], chunk);
      const base = starts[i] - chunk.origin;
      for (const p of chunk.problems) problems.push({ ...p, start: p.start + base, end: p.end + base, firstStart: p.firstStart === undefined ? undefined : p.firstStart + base });
      if (chunk.node) steps.push({ index: i, base, node: chunk.node, value: chunk.value, memo: chunk.memo });
    }
    this.chunks = next;

    const hText = headerText(text, layout);
    if (this.header?.text !== hText) {
      const h = parseWhole(hText, lines);
      // The header's `steps:` is empty here by construction; the items are the chunks.
      this.header = { text: hText, root: h.root, value: isRecord(h.headerValue) ? { ...h.headerValue, steps: [] } : h.headerValue, problems: h.problems };
    }
    return { text, lines, root: this.header.root, headerValue: this.header.value, steps, problems: [...this.header.problems, ...problems], chunked: true };
  }

  /** Cuts a whole-file parse into the cache, when its step items line up with the layout's. */
  private fillFromWhole(whole: ParsedPipeline, texts: string[], starts: number[], text: string, layout: Layout): boolean {
    if (whole.steps.length !== texts.length) return false;
    const next = new Map<string, Chunk>();
    for (let i = 0; i < texts.length; i++) {
      const s = whole.steps[i];
      const start = starts[i];
      const end = start + texts[i].length;
      if (s.node.start < start || s.node.end > end) return false;
      const problems = whole.problems.length ? whole.problems.filter((p) => p.start >= start && p.start < end) : NO_PROBLEMS;
      next.set(texts[i], { text: texts[i], origin: start, node: s.node, value: s.value, problems, memo: s.memo });
    }
    this.chunks = next;
    const value = whole.headerValue;
    this.header = {
      text: headerText(text, layout),
      root: withoutSteps(whole.root),
      value: isRecord(value) ? { ...value, steps: [] } : value,
      problems: whole.problems.filter((p) => p.start < layout.blockStart || p.start >= layout.blockEnd),
    };
    return true;
  }
}

const NO_PROBLEMS: ParseProblem[] = [];

/** Parses the whole text; steps are the items of the root's `steps` list, with base 0. */
export function parseWhole(text: string, lines: Lines): ParsedPipeline {
  const result: ParsedPipeline = { text, lines, root: null, headerValue: null, steps: [], problems: [], chunked: false };
  const parsed = parseYaml(text, FORMAT_KEYS);
  if (!parsed.ok) {
    result.problems.push(syntaxProblem(text, parsed.error));
    return result;
  }
  result.anchors = parsed.anchors;
  const [first, ...others] = parsed.documents;
  for (const doc of others) result.problems.push({ kind: 'multiple-documents', start: doc.start, end: lines.lineEnd(lines.positionAt(doc.start).line), message: 'A pipeline file holds one YAML document; remove this second one or move it to its own file.' });
  result.problems.push(...duplicateProblems(parsed.duplicates), ...unsupportedProblems(parsed.unsupported));
  if (!first || first.root === null) {
    result.problems.push({ kind: 'empty', start: 0, end: lines.lineEnd(0), message: 'This pipeline file is empty: it needs `cellflow: 1`, a `name` and a list of `steps`.' });
    return result;
  }
  result.root = first.root;
  const value = first.value;
  if (isRecord(value) && Array.isArray(value.steps) && first.root.kind === 'map') {
    const stepsNode = first.root.pairs.find((p) => p.key.kind === 'scalar' && p.key.text === 'steps')?.value;
    if (stepsNode?.kind === 'seq') result.steps = stepsNode.items.map((node, index) => ({ index, base: 0, node, value: (value.steps as unknown[])[index], memo: {} }));
    result.headerValue = { ...value, steps: [] };
  } else {
    result.headerValue = value;
  }
  return result;
}

function parseChunk(text: string): Chunk | undefined {
  const parsed = parseYaml(text, FORMAT_KEYS);
  if (!parsed.ok) return { text, origin: 0, problems: [syntaxProblem(text, parsed.error)], memo: {} };
  const [doc, ...rest] = parsed.documents;
  // Anything but one list item is a shape this path does not handle: parse the file whole instead.
  if (rest.length || doc?.root?.kind !== 'seq' || doc.root.items.length !== 1) return undefined;
  return { text, origin: 0, node: doc.root.items[0], value: (doc.value as unknown[])[0], problems: [...duplicateProblems(parsed.duplicates), ...unsupportedProblems(parsed.unsupported)], memo: {} };
}

/**
 * Where the `steps:` block and its items are, when the file has the usual shape: a top-level `steps:`
 * key with a block list under it, each item starting with `- ` at one indentation.
 */
function findLayout(text: string): Layout | undefined {
  const head = /^steps[ \t]*:[ \t]*(?:#.*)?$/m.exec(text);
  if (!head) return undefined;
  // A `steps:` in a second document is not the pipeline's: leave such files to the whole-file parse.
  if (/^(?:---|\.\.\.)(?:[ \t]|$)/m.test(text.slice(0, head.index))) return undefined;
  const from = head.index + head[0].length;
  // A few native regex scans instead of a loop over lines: this runs on every keystroke.
  const first = /^([ \t]*)(\S)/gm;
  first.lastIndex = from;
  let m = first.exec(text);
  while (m && m[2] === '#') m = first.exec(text);
  if (!m || m[2] !== '-' || m[1].includes('\t')) return undefined;
  const indent = m[1].length;
  // The block ends at the next line that starts at column 0 with anything but a comment or a dash.
  const endRe = /^[^\s#-]/gm;
  endRe.lastIndex = from;
  const end = endRe.exec(text);
  const blockEnd = end ? end.index : text.length;
  const block = text.slice(0, blockEnd);
  // Within it, a line indented less than the items (or with tabs), or a line at the items' indentation
  // that is not an item (`  key: v` under `steps:`), is a shape this path does not handle: one scan.
  const shallow = indent > 0 ? ` {0,${indent - 1}}[^\\s#]|` : '';
  const odd = new RegExp(`^(?:\\t|${shallow} {${indent}}[^\\s#-])`, 'gm');
  odd.lastIndex = from;
  if (odd.exec(block)) return undefined;
  const itemRe = new RegExp(`^ {${indent}}-(?:[ \\t]|$)`, 'gm');
  itemRe.lastIndex = from;
  const itemStarts: number[] = [];
  for (let item = itemRe.exec(block); item; item = itemRe.exec(block)) itemStarts.push(item.index);
  return itemStarts.length ? { blockStart: itemStarts[0], blockEnd, itemStarts } : undefined;
}

/**
 * The previous layout moved past an edit that stayed inside one step item and changed no line's role
 * (no item began or ended, nothing moved out of the block): the common case while typing, and much
 * cheaper than scanning the whole file again.
 */
function shiftLayout(old: string, layout: Layout, text: string): Layout | undefined {
  const p = commonPrefix(old, text);
  if (p === old.length && p === text.length) return layout;
  const q = commonSuffix(old, text, Math.min(old.length, text.length) - p);
  const starts = layout.itemStarts;
  // The item the edit is in: it must begin before the edit and the next must begin after it.
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  const item = lo;
  const itemStart = starts[item];
  const next = item + 1 < starts.length ? starts[item + 1] : layout.blockEnd;
  const oldEnd = old.length - q;
  if (p < itemStart || oldEnd >= next || (item + 1 >= starts.length && layout.blockEnd < old.length && oldEnd >= layout.blockEnd)) return undefined;
  // Item starts are line starts; the dash follows the item's indentation. It must stay untouched.
  let indent = 0;
  while (old.charCodeAt(itemStart + indent) === 32) indent++;
  if (p <= itemStart + indent + 1) return undefined;
  // The new text's edited lines (after the item's first line) must all be deeper than the items.
  const newEnd = text.length - q;
  let lineStart = text.lastIndexOf('\n', p - 1) + 1;
  if (lineStart <= itemStart) lineStart = text.indexOf('\n', itemStart) + 1 || text.length;
  for (let at = lineStart; at <= newEnd && at < text.length; ) {
    const eol = text.indexOf('\n', at);
    const end = eol < 0 ? text.length : eol;
    const line = text.slice(at, end);
    const content = line.trimStart();
    if (content && !content.startsWith('#') && (line.length - content.length <= indent || line.startsWith('\t'))) return undefined;
    if (eol < 0) break;
    at = eol + 1;
  }
  const delta = text.length - old.length;
  return {
    blockStart: layout.blockStart,
    blockEnd: layout.blockEnd + delta,
    itemStarts: starts.map((s, i) => (i > item ? s + delta : s)),
  };
}

const BLOCK = 4096;

/**
 * The length of the common start of two texts: whole blocks compared natively first, then characters.
 * A loop over characters alone would cost a few milliseconds per keystroke in a large file.
 */
function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p + BLOCK <= max && a.slice(p, p + BLOCK) === b.slice(p, p + BLOCK)) p += BLOCK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return p;
}

/** The length of the common end of two texts, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let q = 0;
  while (q + BLOCK <= max && a.slice(a.length - q - BLOCK, a.length - q) === b.slice(b.length - q - BLOCK, b.length - q)) q += BLOCK;
  while (q < max && a.charCodeAt(a.length - 1 - q) === b.charCodeAt(b.length - 1 - q)) q++;
  return q;
}

/**
 * The file without its step items, offsets unchanged: the items become spaces (line breaks kept), so
 * the header parses alone and its nodes keep their places.
 */
function headerText(text: string, layout: Layout): string {
  const suffix = text.slice(layout.blockEnd);
  if (suffix.trim() === '') return text.slice(0, layout.blockStart);
  return text.slice(0, layout.blockStart) + text.slice(layout.blockStart, layout.blockEnd).replace(/[^\r\n]/g, ' ') + suffix;
}

/**
 * The root without its step items, which the header keeps while the step texts change under it: the
 * steps are the chunks, whose nodes are current.
 */
function withoutSteps(root: YNode | null): YNode | null {
  if (root?.kind !== 'map') return root;
  return {
    ...root,
    pairs: root.pairs.map((p) => (p.key.kind === 'scalar' && p.key.text === 'steps' ? { key: p.key, value: { kind: 'seq', flow: false, start: p.key.end, end: p.key.end, items: [] } } : p)),
  };
}

function hasSyntaxError(p: ParsedPipeline): boolean {
  return p.problems.some((x) => x.kind === 'syntax');
}

function syntaxProblem(text: string, error: YamlError): ParseProblem {
  return { kind: 'syntax', start: error.offset, end: tokenEnd(text, error.offset), message: `YAML syntax error: ${error.message}.` };
}

function duplicateProblems(duplicates: DuplicateKey[]): ParseProblem[] {
  return duplicates.map(({ key, first }) => ({ kind: 'duplicate-key', start: key.start, end: key.end, firstStart: first.start, message: `Duplicate key \`${key.kind === 'scalar' ? key.text : '?'}\`` }));
}

function unsupportedProblems(unsupported: Unsupported[]): ParseProblem[] {
  return unsupported.map(({ node, message }) => ({ kind: 'unsupported', start: node.start, end: node.end, message: `Unsupported YAML: ${message}.` }));
}

/** End of the token at `offset`, so a syntax error underlines a word, not a point. */
function tokenEnd(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && !/\s/.test(text[end])) end++;
  return end === offset && offset < text.length && text[offset] !== '\n' && text[offset] !== '\r' ? offset + 1 : end;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
