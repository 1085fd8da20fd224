import { isMap, isScalar, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { PipelineFileError } from '../errors';
import type { CellRef } from '../pipeline/schema';

/** A step as promotion reads and writes it. */
export interface StepEntry {
  id: string;
  version: number;
  code: string;
  source?: { notebook: string; cells: CellRef[]; hash: string };
  dependsOn: string[];
  reads: string[];
  writes: string[];
  params: string[];
  /** Files it reads from disk, relative to the pipeline file. */
  files?: string[];
}

/** A problem with a pipeline or lock file that stops an edit of it. */

const LIST_KEYS = ['depends-on', 'reads', 'writes', 'params'] as const;

/**
 * A pipeline file opened for editing with `yaml`'s document model, which keeps the user's comments,
 * blank lines, quoting and flow/block choices through the round trip. (Linting uses js-yaml's faster
 * event parser; edits are rare and want fidelity instead.)
 */
export class PipelineDocument {
  private constructor(
    private readonly doc: Document,
    private readonly indentSeq: boolean,
    private readonly file: string,
  ) {}

  static parse(text: string, file: string): PipelineDocument {
    const doc = parseDocument(text, { keepSourceTokens: false });
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      throw new PipelineFileError(file, `the pipeline file has a YAML error (${error.message.split('\n')[0]}); fix it before promoting`, pos ? { line: pos.line, column: pos.col } : undefined);
    }
    if (doc.contents !== null && !isMap(doc.contents)) throw new PipelineFileError(file, 'the pipeline file is not a YAML mapping; fix it before promoting');
    // Keep the file's sequence style: `steps:\n- id: …` (not indented) or `steps:\n  - id: …`.
    const indentSeq = !/^[A-Za-z_][\w-]*:[ \t]*\r?\n-[ \t]/m.test(text);
    return new PipelineDocument(doc, indentSeq, file);
  }

  static template(name: string): string {
    return `# Cellflow pipeline: steps promoted from notebooks with "Cellflow: Promote Cells to Pipeline".\ncellflow: 1\nname: ${name}\nsteps: []\n`;
  }

  get name(): string | undefined {
    const n = this.doc.get('name');
    return typeof n === 'string' ? n : undefined;
  }

  params(): Record<string, unknown> {
    const p = this.doc.get('params');
    return isMap(p) ? (this.resolve(p) as Record<string, unknown>) : {};
  }

  addParams(values: Record<string, unknown>): void {
    if (Object.keys(values).length === 0) return;
    const current = this.doc.get('params', true);
    let p: YAMLMap;
    if (isMap(current)) {
      p = current;
    } else {
      p = new YAMLMap();
      this.insertBefore('steps', 'params', p);
    }
    for (const [k, v] of Object.entries(values)) if (!p.has(k)) p.set(k, v);
  }

  steps(): StepEntry[] {
    return this.stepNodes().map(({ node }) => toEntry(this.resolve(node) as Record<string, unknown>));
  }

  step(id: string): StepEntry | undefined {
    return this.steps().find((s) => s.id === id);
  }

  /** Adds a step at `position` among the steps, or updates the step with its id in place. */
  upsertStep(entry: StepEntry, position?: number): void {
    const seq = this.stepsSeq();
    const existing = this.stepNodes().find((s) => s.id === entry.id);
    if (existing) {
      this.writeFields(existing.node, entry);
      return;
    }
    const node = new YAMLMap();
    node.set('id', entry.id);
    this.writeFields(node, entry);
    seq.items.splice(position ?? seq.items.length, 0, node);
    seq.flow = false;
  }

  removeStep(id: string): void {
    const seq = this.stepsSeq();
    const found = this.stepNodes().find((s) => s.id === id);
    if (found) seq.items.splice(seq.items.indexOf(found.node), 1);
  }

  setDependsOn(id: string, dependsOn: string[]): void {
    const found = this.stepNodes().find((s) => s.id === id);
    if (found) found.node.set('depends-on', flowSeq(dependsOn));
  }

  toString(): string {
    return this.doc.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq: this.indentSeq });
  }

  /**
   * A node's value with aliases resolved to what they name (`TEST_SIZE: *s` is 42, not an alias
   * object), within a budget: an alias bomb is a message, not minutes and gigabytes.
   */
  private resolve(node: YAMLMap): unknown {
    try {
      return node.toJS(this.doc, { maxAliasCount: MAX_ALIAS_EXPANSIONS });
    } catch (err) {
      throw new PipelineFileError(this.file, `the pipeline file's aliases expand too far (${(err as Error).message}); fix it before promoting`);
    }
  }

  private writeFields(node: YAMLMap, e: StepEntry): void {
    node.set('version', e.version);
    node.set('code', e.code);
    if (e.source) {
      const source = new YAMLMap();
      source.set('notebook', e.source.notebook);
      const cells = new YAMLSeq();
      for (const c of e.source.cells) {
        const m = new YAMLMap();
        m.flow = true;
        m.set('index', c.index);
        if (c.id) m.set('id', c.id);
        if (c.hash) m.set('hash', c.hash);
        cells.items.push(m);
      }
      source.set('cells', cells);
      source.set('hash', e.source.hash);
      node.set('source', source);
    }
    node.set('depends-on', flowSeq(e.dependsOn));
    for (const key of LIST_KEYS.slice(1)) {
      const list = key === 'reads' ? e.reads : key === 'writes' ? e.writes : e.params;
      if (list.length || node.has(key)) node.set(key, flowSeq(list));
    }
    if (e.files?.length || node.has('files')) node.set('files', flowSeq(e.files ?? []));
  }

  private stepsSeq(): YAMLSeq {
    let seq = this.doc.get('steps', true);
    if (!isSeq(seq)) {
      seq = new YAMLSeq();
      this.doc.set('steps', seq);
    }
    return seq as YAMLSeq;
  }

  private stepNodes(): Array<{ id: string; node: YAMLMap }> {
    const seq = this.doc.get('steps', true);
    if (!isSeq(seq)) return [];
    return seq.items.filter((n): n is YAMLMap => isMap(n)).map((node) => ({ id: String(node.get('id') ?? ''), node }));
  }

  private insertBefore(beforeKey: string, key: string, value: YAMLMap): void {
    const root = this.doc.contents;
    if (!isMap(root)) {
      this.doc.set(key, value);
      return;
    }
    const at = root.items.findIndex((p) => isScalar(p.key) && p.key.value === beforeKey);
    const pair = this.doc.createPair(key, value);
    if (at < 0) root.items.push(pair);
    else root.items.splice(at, 0, pair);
  }
}

function flowSeq(items: string[]): YAMLSeq {
  const seq = new YAMLSeq();
  seq.flow = true;
  seq.items.push(...items);
  return seq;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** How many times one alias may be expanded in a value (yaml's own guard against alias bombs). */
const MAX_ALIAS_EXPANSIONS = 100;

function toEntry(j: Record<string, unknown>): StepEntry {
  const source = j.source as { notebook?: unknown; cells?: unknown; hash?: unknown } | undefined;
  return {
    id: String(j.id ?? ''),
    version: typeof j.version === 'number' ? j.version : 1,
    code: typeof j.code === 'string' ? j.code : '',
    source:
      source && typeof source.notebook === 'string'
        ? {
            notebook: source.notebook,
            cells: Array.isArray(source.cells) ? (source.cells as CellRef[]).filter((c) => typeof c?.index === 'number') : [],
            hash: typeof source.hash === 'string' ? source.hash : '',
          }
        : undefined,
    dependsOn: strings(j['depends-on']),
    reads: strings(j.reads),
    writes: strings(j.writes),
    params: strings(j.params),
    ...(Array.isArray(j.files) ? { files: strings(j.files) } : {}),
  };
}
