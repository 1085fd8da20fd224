import { parse as parseTolerant, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { FileProblem } from '../errors';
import { LineIndex } from '../text/lineIndex';

export type CellKind = 'code' | 'markdown' | 'raw';

export interface NotebookCell {
  /** 0-based position among all cells. */
  index: number;
  kind: CellKind;
  source: string;
  /** nbformat 4.5+ cell id; absent in older notebooks. */
  id?: string;
  tags: string[];
}

/**
 * A notebook as Cellflow needs it: cells and their language. It comes from an .ipynb file (CLI, server)
 * or from the editor's in-memory notebook (with unsaved edits), in the same shape.
 */
export interface Notebook {
  /** Workspace-relative or absolute path, as the caller names it; used in messages. */
  path: string;
  nbformat: number;
  nbformatMinor: number;
  /** The kernel's language, lower case (`python`); undefined when the notebook does not say. */
  language?: string;
  cells: NotebookCell[];
}

/** A problem with a notebook file, naming the file and, where known, the place in it. */
export class NotebookError extends FileProblem {}

const source = z.union([z.string(), z.array(z.string())]);
const IpynbCell = z.looseObject({
  cell_type: z.enum(['code', 'markdown', 'raw']),
  id: z.string().optional(),
  source,
  metadata: z.looseObject({ tags: z.array(z.string()).optional() }).optional(),
});
const Ipynb = z.looseObject({
  nbformat: z.int(),
  nbformat_minor: z.int().optional(),
  metadata: z
    .looseObject({
      kernelspec: z.looseObject({ language: z.string().optional(), name: z.string().optional() }).optional(),
      language_info: z.looseObject({ name: z.string().optional() }).optional(),
    })
    .optional(),
  cells: z.array(IpynbCell),
});

/** Reads an .ipynb file's text; throws NotebookError with a clear message on anything it cannot use. */
export function parseNotebook(text: string, file: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const problem = jsonProblem(text, err);
    throw new NotebookError(file, `not valid notebook JSON: ${problem.message}`, problem.position);
  }
  if (typeof json === 'object' && json !== null && 'nbformat' in json && typeof json.nbformat === 'number' && json.nbformat < 4) {
    throw new NotebookError(file, `nbformat ${json.nbformat} notebooks are not supported; open and save it in Jupyter to upgrade it to nbformat 4`);
  }
  const parsed = Ipynb.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.map(String).join('.') : 'the top level';
    throw new NotebookError(file, `not a Jupyter notebook: ${where}: ${issue.message}`);
  }
  const nb = parsed.data;
  if (nb.nbformat > 4) throw new NotebookError(file, `nbformat ${nb.nbformat} is newer than Cellflow understands (4)`);
  const meta = nb.metadata;
  const language = (meta?.kernelspec?.language ?? meta?.language_info?.name)?.toLowerCase();
  return {
    path: file,
    nbformat: nb.nbformat,
    nbformatMinor: nb.nbformat_minor ?? 0,
    language,
    cells: nb.cells.map((c, index) => ({
      index,
      kind: c.cell_type,
      source: Array.isArray(c.source) ? c.source.join('') : c.source,
      id: c.id,
      tags: c.metadata?.tags ?? [],
    })),
  };
}

/** Cellflow promotes Python code; a notebook that says it is another language gets a clear refusal. */
export function assertPython(nb: Notebook): void {
  if (nb.language !== undefined && nb.language !== 'python') {
    throw new NotebookError(nb.path, `the notebook's kernel language is ${nb.language}; Cellflow promotes Python cells only`);
  }
}

/** Deeper than this, a notebook is not one (nbformat nests a few levels; outputs a few more). */
const MAX_JSON_DEPTH = 512;

/**
 * Where and why JSON.parse failed. V8's messages do not always carry a position, so the text is
 * parsed again with jsonc-parser, which reports the offset of the first error. jsonc-parser recurses
 * per level, so text nested past MAX_JSON_DEPTH is reported as such, found with a flat scan. The
 * message never quotes the file: it may be anything a pipeline names (a key, a line of a secret).
 */
function jsonProblem(text: string, err: unknown): { message: string; position?: { line: number; column: number } } {
  const deep = nestingPastLimit(text);
  if (deep !== undefined) return { message: `nested deeper than ${MAX_JSON_DEPTH} levels`, position: position(text, deep) };
  const errors: ParseError[] = [];
  parseTolerant(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (!first) return { message: err instanceof Error ? err.message.replace(/, ".*$/s, '') : String(err) };
  const words = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { message: first.offset >= text.length ? `${words} at the end` : words, position: position(text, first.offset) };
}

function position(text: string, offset: number): { line: number; column: number } {
  const p = new LineIndex(text).positionAt(offset);
  return { line: p.line + 1, column: p.character + 1 };
}

/** The offset of the first bracket past MAX_JSON_DEPTH, outside strings; undefined when none is. */
function nestingPastLimit(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
