import type { DuplicateKey, YMap, YNode, YPair, YScalar, YSeq } from './nodes';
import { resolvePlain, setKey } from './scalars';

/**
 * A fast path for the YAML that pipeline files are made of: block mappings and lists, one-line flow
 * lists and mappings, plain and one-line quoted scalars, comments. It builds the same positioned tree
 * and values as the js-yaml path, in one pass over the text with no event list in between, which makes
 * a cold lint of a large pipeline about three times faster. Anything outside that subset (anchors,
 * tags, block scalars, multi-line scalars, escapes, tabs, a lone CR, several documents, odd indentation)
 * returns undefined, and the caller parses with js-yaml, which also reports every error: this path
 * never decides that a text is invalid. A differential property test holds the two paths equal.
 */
export interface BlockYamlResult {
  root: YNode;
  value: unknown;
  duplicates: DuplicateKey[];
}

/**
 * What this path leaves to js-yaml wherever it appears: tabs, controls, BOM, surrogates, and a CR that
 * is not part of a CRLF line break (CRLF files, as Windows editors save them, take this path).
 */
const UNHANDLED_CHARS = /[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\uD800-\uDFFF\uFEFF\uFFFE\uFFFF]|\r(?!\n)/;
/** Well under js-yaml's maxDepth (100), which it reports as an error. */
const MAX_DEPTH = 64;
/** YAML limits implicit keys to 1024 characters; js-yaml reports longer ones. */
const MAX_KEY = 1000;

const SPACE = 32;
const NL = 10;
const CR = 13;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const COMMA = 44;
const SQUOTE = 39;
const DQUOTE = 34;
const BACKSLASH = 92;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/**
 * The keys a caller expects, handed out as the same string objects every time: a key costs no new
 * string, and objects built with them share their shapes.
 */
export class KeyTable {
  private readonly byLength: Array<string[] | undefined> = [];

  constructor(keys: Iterable<string>) {
    for (const k of new Set(keys)) (this.byLength[k.length] ??= []).push(k);
  }

  find(text: string, start: number, end: number): string {
    const candidates = this.byLength[end - start];
    if (candidates) for (const k of candidates) if (text.startsWith(k, start)) return k;
    return text.slice(start, end);
  }
}

const NO_KEYS = new KeyTable([]);

/** The ASCII characters a plain scalar in a flow collection must look at: space, `:` and the flow indicators. */
const FLOW_PLAIN = new Uint8Array(128);
for (const c of ' :,[]{}') FLOW_PLAIN[c.charCodeAt(0)] = 1;

/** Thrown inside the parser to leave the fast path; never escapes parseBlockYaml. */
const BAIL = Symbol('bail');

export function parseBlockYaml(text: string, keys: KeyTable = NO_KEYS): BlockYamlResult | undefined {
  if (UNHANDLED_CHARS.test(text)) return undefined;
  try {
    return new BlockParser(text, keys).document();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

class BlockParser {
  /** The current content line: where it starts, its indentation, where its content starts and ends. */
  private lineStart = 0;
  private indent = 0;
  private content = 0;
  /** End of the line's content: its line break, or the CR of a CRLF. */
  private lineEnd = 0;
  /** The line's `\n` (or the text's end). */
  private lineBreak = 0;
  private eof = false;
  private depth = 0;
  /** The value of the node last built: returned this way to spare an object per node. */
  private value: unknown = null;
  private readonly duplicates: DuplicateKey[] = [];
  /**
   * Scratch stacks for the collection being built (nested ones above it): each ends as an array of
   * its exact size, where arrays grown by push would carry spare room, which adds up to megabytes.
   */
  private readonly items: YNode[] = [];
  private readonly itemValues: unknown[] = [];
  private readonly pairs: YPair[] = [];
  private itemsTop = 0;
  private pairsTop = 0;

  constructor(
    private readonly text: string,
    private readonly keys: KeyTable,
  ) {}

  document(): BlockYamlResult | undefined {
    this.seekContent(0);
    if (this.eof) return undefined;
    // Directives, like document markers (seekContent), are the js-yaml path's.
    if (this.text.charCodeAt(this.content) === 37 /* % */) bail();
    const root = this.blockNode(this.indent);
    if (!this.eof) bail();
    return { root, value: this.value, duplicates: this.duplicates };
  }

  /** Moves to the first line at or after `from` with content other than a comment. */
  private seekContent(from: number): void {
    const text = this.text;
    let at = from;
    while (at < text.length) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const stop = end > at && text.charCodeAt(end - 1) === CR ? end - 1 : end;
      let p = at;
      while (p < stop && text.charCodeAt(p) === SPACE) p++;
      if (p < stop && text.charCodeAt(p) !== HASH) {
        // A line that starts with `---` or `...` and a space (or nothing): a document marker at column
        // 0, which ends the document, and an error elsewhere in js-yaml's reading. Either way, its path.
        const c = text.charCodeAt(p);
        if ((c === DASH || c === 46 /* . */) && (p + 3 >= stop || text.charCodeAt(p + 3) === SPACE) && text.startsWith(c === DASH ? '---' : '...', p)) bail();
        this.lineStart = at;
        this.indent = p - at;
        this.content = p;
        this.lineEnd = stop;
        this.lineBreak = end;
        return;
      }
      at = end + 1;
    }
    this.eof = true;
    this.lineStart = this.content = this.lineEnd = this.lineBreak = text.length;
    this.indent = -1;
  }

  private nextLine(): void {
    this.seekContent(this.lineBreak + 1);
  }

  /** The block node whose first line is the current line, at indentation `indent`. */
  private blockNode(indent: number): YNode {
    if (++this.depth > MAX_DEPTH) bail();
    const node = this.isDash(this.content) ? this.blockSeq(indent) : this.blockMap(indent, this.content);
    this.depth--;
    return node;
  }

  private isDash(at: number): boolean {
    if (this.text.charCodeAt(at) !== DASH) return false;
    const next = this.text.charCodeAt(at + 1);
    return at + 1 >= this.lineEnd || next === SPACE;
  }

  /** A block list at `indent`; the current line starts its first item. */
  private blockSeq(indent: number): YSeq {
    const seq: YSeq = { kind: 'seq', flow: false, start: this.content, end: this.content, items: [] };
    const from = this.itemsTop;
    for (;;) {
      const dash = this.content;
      let at = this.skipSpaces(dash + 1);
      let item: YNode;
      if (at >= this.lineEnd || this.text.charCodeAt(at) === HASH) {
        // `-` alone: the item is the block below it; an empty item is the js-yaml path's.
        this.nextLine();
        if (this.eof || this.indent <= indent) bail();
        item = this.blockNode(this.indent);
      } else if (this.isDash(at)) {
        bail();
      } else if (this.keyEnd(at) >= 0) {
        // `- key: value`: a mapping whose keys line up with this first one.
        if (++this.depth > MAX_DEPTH) bail();
        item = this.blockMap(at - this.lineStart, at);
        this.depth--;
      } else {
        item = this.inlineValue(at);
        at = this.endOfLine(item.end);
        this.nextLine();
        if (!this.eof && this.indent > indent) bail();
      }
      this.pushItem(item);
      seq.end = item.end;
      if (this.eof || this.indent < indent) break;
      if (this.indent > indent) bail();
      if (!this.isDash(this.content)) break;
    }
    return this.endSeq(seq, from);
  }

  /** A block mapping at `indent` whose first key is at `first` on the current line. */
  private blockMap(indent: number, first: number): YMap {
    const map: YMap = { kind: 'map', flow: false, start: first, end: first, pairs: [] };
    const values: Record<string, unknown> = {};
    const from = this.pairsTop;
    let at = first;
    for (;;) {
      const colon = this.keyEnd(at);
      if (colon < 0) bail();
      const key = this.plainKey(at, colon);
      let value: YNode;
      let v: unknown = null;
      const after = this.skipSpaces(colon + 1);
      if (after >= this.lineEnd || this.text.charCodeAt(after) === HASH) {
        this.nextLine();
        if (!this.eof && (this.indent > indent || (this.indent === indent && this.isDash(this.content)))) {
          value = this.blockNode(this.indent);
          v = this.value;
        } else {
          value = { kind: 'scalar', start: key.end, end: key.end, text: '', quoted: false };
        }
      } else {
        value = this.inlineValue(after);
        v = this.value;
        this.endOfLine(value.end);
        this.nextLine();
        if (!this.eof && this.indent > indent) bail();
      }
      this.pushPair(from, key, value);
      setKey(values, key.text, v);
      map.end = Math.max(key.end, value.end);
      if (this.eof || this.indent < indent) break;
      if (this.indent > indent || this.isDash(this.content)) bail();
      at = this.content;
    }
    map.pairs = this.pairs.slice(from, this.pairsTop);
    this.pairsTop = from;
    this.value = values;
    return map;
  }

  /**
   * Where the `:` of a plain key starting at `at` is (followed by a space or the line's end), or -1
   * when the line does not start with such a key.
   */
  private keyEnd(at: number): number {
    const text = this.text;
    if (!plainStart(text.charCodeAt(at), text.charCodeAt(at + 1), false)) return -1;
    for (let p = at; p < this.lineEnd; p++) {
      const c = text.charCodeAt(p);
      if (c === COLON) {
        const n = text.charCodeAt(p + 1);
        if (p + 1 >= this.lineEnd || n === SPACE) return p;
      } else if (c === HASH && text.charCodeAt(p - 1) === SPACE) {
        return -1;
      }
    }
    return -1;
  }

  private plainKey(at: number, colon: number): YScalar {
    // `key :` and over-long keys: the js-yaml path.
    if (this.text.charCodeAt(colon - 1) === SPACE || colon - at > MAX_KEY) bail();
    return { kind: 'scalar', start: at, end: colon, text: this.keys.find(this.text, at, colon), quoted: false };
  }

  /** A value that starts and ends on the current line, after a key or a dash. */
  private inlineValue(at: number): YNode {
    const c = this.text.charCodeAt(at);
    if (c === LBRACKET || c === LBRACE) return this.flowNode(at);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(at);
    if (!plainStart(c, this.text.charCodeAt(at + 1), false)) bail();
    const text = this.text;
    let end = at;
    for (let p = at; p < this.lineEnd; p++) {
      const ch = text.charCodeAt(p);
      if (ch === SPACE) {
        if (text.charCodeAt(p + 1) === HASH) break;
        continue;
      }
      // `a: b` or a trailing `:` would make a mapping inside a value: invalid in YAML.
      if (ch === COLON && (p + 1 >= this.lineEnd || text.charCodeAt(p + 1) === SPACE)) bail();
      end = p + 1;
    }
    const s = text.slice(at, end);
    this.value = resolvePlain(s);
    return { kind: 'scalar', start: at, end, text: s, quoted: false };
  }

  /** A one-line quoted scalar without escapes (double) or with `''` (single). */
  private quoted(at: number): YScalar {
    const text = this.text;
    const q = text.charCodeAt(at);
    let s = '';
    let from = at + 1;
    for (let p = at + 1; p < this.lineEnd; p++) {
      const c = text.charCodeAt(p);
      if (q === DQUOTE && c === BACKSLASH) bail();
      if (c !== q) continue;
      if (q === SQUOTE && text.charCodeAt(p + 1) === SQUOTE) {
        s += text.slice(from, p + 1);
        from = p + 2;
        p++;
        continue;
      }
      s += text.slice(from, p);
      this.value = s;
      return { kind: 'scalar', start: at, end: p + 1, text: s, quoted: true };
    }
    return bail();
  }

  /** A flow list or mapping that closes on the same line. */
  private flowNode(at: number): YNode {
    if (++this.depth > MAX_DEPTH) bail();
    const text = this.text;
    const open = text.charCodeAt(at);
    const close = open === LBRACKET ? RBRACKET : RBRACE;
    const isMap = open === LBRACE;
    const map: YMap | undefined = isMap ? { kind: 'map', flow: true, start: at, end: at, pairs: [] } : undefined;
    const seq: YSeq | undefined = isMap ? undefined : { kind: 'seq', flow: true, start: at, end: at, items: [] };
    const record: Record<string, unknown> = {};
    const itemsFrom = this.itemsTop;
    const pairsFrom = this.pairsTop;
    let p = this.skipSpaces(at + 1);
    if (text.charCodeAt(p) !== close) {
      for (;;) {
        if (map) {
          p = this.flowPair(p, pairsFrom, record);
        } else {
          const item = this.flowItem(p);
          this.pushItem(item);
          p = item.end;
        }
        p = this.skipSpaces(p);
        const c = text.charCodeAt(p);
        if (c === close) break;
        if (c !== COMMA || p >= this.lineEnd) bail();
        p = this.skipSpaces(p + 1);
        // A trailing comma, or a line break inside: the js-yaml path.
        if (p >= this.lineEnd || text.charCodeAt(p) === close) bail();
      }
    }
    if (p >= this.lineEnd) bail();
    this.depth--;
    if (map) {
      map.end = p + 1;
      map.pairs = this.pairs.slice(pairsFrom, this.pairsTop);
      this.pairsTop = pairsFrom;
      this.value = record;
      return map;
    }
    seq!.end = p + 1;
    return this.endSeq(seq!, itemsFrom);
  }

  /** One `key: value` of a flow mapping, into its pairs and `record`; returns where it ends. */
  private flowPair(at: number, pairsFrom: number, record: Record<string, unknown>): number {
    const text = this.text;
    const key = this.flowPlain(at, true);
    const p = key.end;
    if (text.charCodeAt(p) !== COLON || text.charCodeAt(p + 1) !== SPACE) bail();
    const value = this.flowItem(this.skipSpaces(p + 1));
    this.pushPair(pairsFrom, key, value);
    setKey(record, key.text, this.value);
    return value.end;
  }

  private flowItem(at: number): YNode {
    const c = this.text.charCodeAt(at);
    if (c === LBRACKET || c === LBRACE) return this.flowNode(at);
    if (c === DQUOTE || c === SQUOTE) return this.quoted(at);
    const node = this.flowPlain(at, false);
    this.value = resolvePlain(node.text);
    return node;
  }

  /** A plain scalar inside a flow collection: it ends at `,`, a bracket, or `: ` (a key's). */
  private flowPlain(at: number, isKey: boolean): YScalar {
    const text = this.text;
    if (!plainStart(text.charCodeAt(at), text.charCodeAt(at + 1), true)) bail();
    let end = at;
    let p = at;
    for (; p < this.lineEnd; p++) {
      const c = text.charCodeAt(p);
      // Most characters of a scalar are none of the few that matter here: one table lookup says so.
      if (c >= 128 || FLOW_PLAIN[c] === 0) {
        end = p + 1;
        continue;
      }
      if (c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE) break;
      if (c === COLON) {
        const n = text.charCodeAt(p + 1);
        if (n === SPACE || n === COMMA || n === LBRACKET || n === RBRACKET || n === LBRACE || n === RBRACE || p + 1 >= this.lineEnd) {
          // A key's colon ends a key; in a list item it would make a one-pair mapping: the js-yaml path.
          if (!isKey) bail();
          break;
        }
      }
      if (c === SPACE) {
        if (text.charCodeAt(p + 1) === HASH) bail();
        continue;
      }
      end = p + 1;
    }
    if (p >= this.lineEnd || end === at) bail();
    if (isKey && end - at > MAX_KEY) bail();
    return { kind: 'scalar', start: at, end, text: isKey ? this.keys.find(text, at, end) : text.slice(at, end), quoted: false };
  }

  private pushItem(item: YNode): void {
    this.items[this.itemsTop] = item;
    this.itemValues[this.itemsTop++] = this.value;
  }

  /** Adds a pair to the mapping whose pairs start at `from`, noting a key it already has. */
  private pushPair(from: number, key: YScalar, value: YNode): void {
    for (let p = from; p < this.pairsTop; p++) {
      const k = this.pairs[p].key as YScalar;
      if (k.text === key.text) {
        this.duplicates.push({ key, first: k });
        break;
      }
    }
    this.pairs[this.pairsTop++] = { key, value };
  }

  private endSeq(seq: YSeq, from: number): YSeq {
    seq.items = this.items.slice(from, this.itemsTop);
    this.value = this.itemValues.slice(from, this.itemsTop);
    this.itemsTop = from;
    return seq;
  }

  private skipSpaces(at: number): number {
    while (at < this.lineEnd && this.text.charCodeAt(at) === SPACE) at++;
    return at;
  }

  /** After a value: only spaces and a comment may follow on its line. */
  private endOfLine(at: number): number {
    const p = this.skipSpaces(at);
    if (p < this.lineEnd && (this.text.charCodeAt(p) !== HASH || p === at)) bail();
    return p;
  }
}

/**
 * Whether a plain scalar may start with `c` (followed by `next`). Indicators cannot start one; `-`,
 * `?` and `:` can when a non-space follows (`-1`, `-x`). Anything doubtful goes to js-yaml.
 */
function plainStart(c: number, next: number, flow: boolean): boolean {
  switch (c) {
    case DASH:
      return next !== SPACE && next === next /* not NaN: not the end */ && next !== NL && next !== CR && !(flow && isFlowIndicator(next));
    case 63: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 38: // &
    case 42: // *
    case 33: // !
    case 124: // |
    case 62: // >
    case SQUOTE:
    case DQUOTE:
    case 37: // %
    case 64: // @
    case 96: // `
    case SPACE:
    case NL:
      return false;
    default:
      return c === c;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

function bail(): never {
  throw BAIL;
}
