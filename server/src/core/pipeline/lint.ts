import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostic';
import { LineIndex } from '../text/lineIndex';
import { parseYaml, type YDocument } from '../yaml/positionedYaml';
import { schemaDiagnostics } from './schemaDiagnostics';

export interface LintOptions {
  /** Larger files get one `file-too-large` warning instead of a lint, so an editor stays responsive. */
  maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Every problem in one pipeline file's text. The language server and `cellflow lint` both call this,
 * so the editor and CI report exactly the same diagnostics.
 */
export function lintPipeline(text: string, options: LintOptions = {}): Diagnostic[] {
  const lines = new LineIndex(text);
  const at = (start: number, end: number, severity: Severity, code: DiagnosticCode, message: string): Diagnostic => ({
    range: lines.rangeOf(start, end),
    severity,
    code,
    message,
  });
  const where = (offset: number) => {
    const p = lines.positionAt(offset);
    return `line ${p.line + 1}, column ${p.character + 1}`;
  };

  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    return [at(nul, nul + 1, 'error', 'binary-file', `This is not UTF-8 text (a NUL character at ${where(nul)}: a binary or UTF-16 file?); a pipeline file is UTF-8 YAML.`)];
  }
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    return [at(bad, bad + 1, 'error', 'invalid-utf8', `The file is not valid UTF-8 (first invalid byte sequence at ${where(bad)}); save it as UTF-8.`)];
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // A UTF-8 file has at most 3 bytes per UTF-16 unit: only count bytes when the limit could be reached.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) return [fileTooLarge(bytes, maxBytes)];
  }

  const parsed = parseYaml(text);
  if (!parsed.ok) {
    const { offset, message } = parsed.error;
    return [at(offset, tokenEnd(text, offset), 'error', 'yaml-syntax', `YAML syntax error: ${message}.`)];
  }
  const diagnostics: Diagnostic[] = [];
  const [first, ...others] = parsed.documents;
  if (!first || first.root === null) {
    return [at(0, lines.lineEnd(0), 'error', 'empty-file', 'This pipeline file is empty: it needs `cellflow: 1`, a `name` and a list of `steps`.')];
  }
  for (const doc of others) {
    diagnostics.push(at(doc.start, lines.lineEnd(lines.positionAt(doc.start).line), 'error', 'multiple-documents', 'A pipeline file holds one YAML document; remove this second one or move it to its own file.'));
  }
  for (const { key, first: original } of parsed.duplicates) {
    const p = lines.positionAt(original.start);
    diagnostics.push(at(key.start, key.end, 'error', 'duplicate-key', `Duplicate key \`${key.kind === 'scalar' ? key.text : '?'}\`: it is already set on line ${p.line + 1}.`));
  }
  for (const { node, message } of parsed.unsupported) {
    diagnostics.push(at(node.start, node.end, 'error', 'unsupported-yaml', `Unsupported YAML: ${message}.`));
  }
  diagnostics.push(...schemaDiagnostics(first as YDocument & { root: NonNullable<YDocument['root']> }, lines));
  return diagnostics.sort(byPosition);
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/** End of the token at `offset`, so a syntax error underlines a word, not a point. */
function tokenEnd(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && !/\s/.test(text[end])) end++;
  return end === offset && offset < text.length && text[offset] !== '\n' && text[offset] !== '\r' ? offset + 1 : end;
}

/** Also used by the CLI, which does not read a file it will not lint. */
export function fileTooLarge(bytes: number, maxBytes: number): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'warning',
    code: 'file-too-large',
    message: `This pipeline file is ${mb(bytes)}; Cellflow lints files up to ${mb(maxBytes)}, so it was not checked. Split the pipeline into smaller files.`,
  };
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
