import { constructFromEvents, getScalarValue, parseEvents, COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, YAMLException, type Event, type MappingEvent, type ScalarEvent, type SequenceEvent } from 'js-yaml';
import { parseBlockYaml, type KeyTable } from './blockYaml';
import type { DuplicateKey, Unsupported, YDocument, YamlError, YMap, YNode, YScalar, YSeq } from './nodes';
import { resolvePlain, setKey } from './scalars';

/**
 * A YAML text parsed into positioned nodes (./nodes.ts), with the plain JS value of each document: by
 * the fast path when the text is in its subset, else from js-yaml's event stream (fast, and it keeps
 * offsets).
 */
export type YamlParseResult =
  /** anchors: the text has anchors or aliases, whose values tie one part of it to another. */
  | { ok: true; documents: YDocument[]; duplicates: DuplicateKey[]; unsupported: Unsupported[]; anchors: boolean }
  | { ok: false; error: YamlError };

/** `keys`: the mapping keys the caller expects, which the fast path hands out without new strings. */
export function parseYaml(text: string, keys?: KeyTable): YamlParseResult {
  const block = parseBlockYaml(text, keys);
  if (block) return { ok: true, documents: [{ start: 0, root: block.root, value: block.value }], duplicates: block.duplicates, unsupported: [], anchors: false };
  return parseYamlEvents(text);
}

/** The general path: js-yaml's event parser, for any YAML and for every error message. */
export function parseYamlEvents(text: string): YamlParseResult {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (err) {
    return { ok: false, error: toYamlError(err, text) };
  }
  const duplicates: DuplicateKey[] = [];
  const unsupported: Unsupported[] = [];
  const builder = new TreeBuilder(text, events, duplicates, unsupported);
  const documents = builder.documents();
  // js-yaml's constructor rejects complex keys outright; the tree's own values skip them instead.
  if (builder.needsConstructor && unsupported.length === 0) {
    // Tags, anchors or complex keys: let js-yaml construct the values. It is slower, so the common case
    // (plain YAML) builds values in the same pass as the tree instead.
    try {
      // json: later duplicate keys win instead of throwing; duplicates are reported from the tree.
      const values = constructFromEvents(events, { source: text, json: true });
      documents.forEach((doc, i) => (doc.value = values[i] ?? null));
    } catch (err) {
      return { ok: false, error: toYamlError(err, text) };
    }
  }
  return { ok: true, documents, duplicates, unsupported, anchors: builder.anchors };
}

function toYamlError(err: unknown, text: string): YamlError {
  if (err instanceof YAMLException) {
    const offset = err.mark ? Math.min(err.mark.position, text.length) : 0;
    return { offset, message: err.reason };
  }
  return { offset: 0, message: err instanceof Error ? err.message : String(err) };
}

class TreeBuilder {
  private index = 0;
  /** The value of the node node() last built: returned this way to spare an object per node. */
  private value: unknown = null;
  /** Set when the document uses features whose values only js-yaml's constructor gets right. */
  needsConstructor = false;
  /** Set when the document has anchors or aliases. */
  anchors = false;

  constructor(
    private readonly text: string,
    private readonly events: Event[],
    private readonly duplicates: DuplicateKey[],
    private readonly unsupported: Unsupported[],
  ) {}

  documents(): YDocument[] {
    const docs: YDocument[] = [];
    let lastEnd = 0;
    while (this.index < this.events.length) {
      const ev = this.events[this.index++];
      if (ev.type !== EVENT_ID.DOCUMENT) continue;
      const root = this.peekIs(EVENT_ID.POP) ? null : this.node(lastEnd, true);
      const value = root ? this.value : null;
      this.expectPop();
      const start = docs.length === 0 ? 0 : this.documentStart(lastEnd, root);
      docs.push({ start, root, value });
      if (root) lastEnd = root.end;
    }
    return docs;
  }

  private peekIs(type: number): boolean {
    return this.events[this.index]?.type === type;
  }

  private expectPop(): void {
    if (this.peekIs(EVENT_ID.POP)) this.index++;
  }

  /**
   * Builds the node at the cursor, leaving its JS value in `this.value` when `wantValue` (a mapping
   * key's own value is never needed); `prevEnd` places empty scalars, which carry no offsets.
   */
  private node(prevEnd: number, wantValue: boolean): YNode {
    const ev = this.events[this.index++];
    switch (ev.type) {
      case EVENT_ID.SCALAR:
        return this.scalar(ev, prevEnd, wantValue);
      case EVENT_ID.ALIAS:
        this.needsConstructor = true;
        this.anchors = true;
        this.value = null;
        return { kind: 'alias', start: ev.anchorStart - 1, end: ev.anchorEnd, name: this.text.slice(ev.anchorStart, ev.anchorEnd) };
      case EVENT_ID.MAPPING:
        return this.mapping(ev);
      case EVENT_ID.SEQUENCE:
        return this.sequence(ev);
      default:
        // A DOCUMENT or POP where a node should be: the stream is malformed; keep going with an empty node.
        this.value = null;
        return { kind: 'scalar', start: prevEnd, end: prevEnd, text: '', quoted: false };
    }
  }

  /** A tag or an anchor needs js-yaml's constructor for the values; an anchor may also be aliased. */
  private noteTagAndAnchor(ev: ScalarEvent | MappingEvent | SequenceEvent): void {
    if (ev.tagStart >= 0 || ev.anchorStart >= 0) this.needsConstructor = true;
    if (ev.anchorStart >= 0) this.anchors = true;
  }

  private scalar(ev: ScalarEvent, prevEnd: number, wantValue: boolean): YScalar {
    this.noteTagAndAnchor(ev);
    const quoted = ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED;
    const empty = ev.valueStart < 0;
    const start = empty ? prevEnd : ev.valueStart - (quoted ? 1 : 0);
    const end = empty ? prevEnd : ev.valueEnd + (quoted ? 1 : 0);
    const text = empty ? '' : ev.fast ? this.text.slice(ev.valueStart, ev.valueEnd) : getScalarValue(this.text, ev);
    if (wantValue) this.value = ev.style === SCALAR_STYLE.PLAIN ? resolvePlain(text) : text;
    return { kind: 'scalar', start, end: this.trimEnd(start, end), text, quoted };
  }

  private mapping(ev: MappingEvent): YMap {
    this.noteTagAndAnchor(ev);
    const map: YMap = { kind: 'map', flow: ev.style === COLLECTION_STYLE.FLOW, start: ev.start, end: ev.start, pairs: [] };
    const value: Record<string, unknown> = {};
    let cursor = ev.start;
    while (this.index < this.events.length && !this.peekIs(EVENT_ID.POP)) {
      const key = this.node(cursor, false);
      let itemNode: YNode;
      let itemValue: unknown = null;
      if (this.peekIs(EVENT_ID.POP)) itemNode = emptyAfter(key);
      else {
        itemNode = this.node(key.end, true);
        itemValue = this.value;
      }
      map.pairs.push({ key, value: itemNode });
      cursor = Math.max(key.end, itemNode.end);
      if (key.kind === 'scalar') {
        setKey(value, key.text, itemValue);
        this.checkDuplicate(map, key);
      } else if (key.kind === 'alias') {
        this.needsConstructor = true;
      } else {
        this.unsupported.push({ node: key, message: `a mapping key must be a plain value, not a ${key.kind === 'seq' ? 'list' : 'mapping'}` });
      }
    }
    this.expectPop();
    map.end = map.flow ? this.closingBracket(cursor, '}') : cursor;
    this.value = value;
    return map;
  }

  /**
   * Duplicate keys: a linear scan of the pairs before the last, which for the small mappings pipelines
   * are made of costs less than a Map per mapping (and less garbage to collect).
   */
  private checkDuplicate(map: YMap, key: YScalar): void {
    const last = map.pairs.length - 1;
    for (let p = 0; p < last; p++) {
      const k = map.pairs[p].key;
      if (k.kind === 'scalar' && k.text === key.text) {
        this.duplicates.push({ key, first: k });
        return;
      }
    }
  }

  private sequence(ev: SequenceEvent): YSeq {
    this.noteTagAndAnchor(ev);
    const seq: YSeq = { kind: 'seq', flow: ev.style === COLLECTION_STYLE.FLOW, start: ev.start, end: ev.start, items: [] };
    const value: unknown[] = [];
    let cursor = ev.start;
    while (this.index < this.events.length && !this.peekIs(EVENT_ID.POP)) {
      const item = this.node(cursor, true);
      seq.items.push(item);
      value.push(this.value);
      cursor = item.end;
    }
    this.expectPop();
    seq.end = seq.flow ? this.closingBracket(cursor, ']') : cursor;
    this.value = value;
    return seq;
  }

  /** Block scalars end after their last line break; a range should end on the last content line. */
  private trimEnd(start: number, end: number): number {
    while (end > start && isSpace(this.text.charCodeAt(end - 1))) end--;
    return end;
  }

  private closingBracket(from: number, bracket: string): number {
    const at = this.text.indexOf(bracket, from);
    return at < 0 ? from : at + 1;
  }

  private documentStart(prevEnd: number, root: YNode | null): number {
    const marker = this.text.indexOf('---', prevEnd);
    if (marker >= 0 && (root === null || marker <= root.start)) return marker;
    return root?.start ?? prevEnd;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function emptyAfter(node: YNode): YScalar {
  return { kind: 'scalar', start: node.end, end: node.end, text: '', quoted: false };
}

export type YPath = ReadonlyArray<string | number>;

/** The node at a JSON-style path, or the deepest existing ancestor's node with how far the path got. */
export function nodeAtPath(root: YNode, path: YPath): { node: YNode; depth: number } {
  let node = root;
  for (let depth = 0; depth < path.length; depth++) {
    const seg = path[depth];
    let next: YNode | undefined;
    if (node.kind === 'map') next = node.pairs.find((p) => p.key.kind === 'scalar' && p.key.text === String(seg))?.value;
    else if (node.kind === 'seq' && typeof seg === 'number') next = node.items[seg];
    if (!next) return { node, depth };
    node = next;
  }
  return { node, depth: path.length };
}

/** The key node of `key` in the mapping at `path`. */
export function keyNodeAtPath(root: YNode, path: YPath, key: string): YNode | undefined {
  const { node, depth } = nodeAtPath(root, path);
  if (depth !== path.length || node.kind !== 'map') return undefined;
  return node.pairs.find((p) => p.key.kind === 'scalar' && p.key.text === key)?.key;
}
