import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostic';
import { LineIndex, type Lines } from '../text/lineIndex';
import { pipelineModel } from './buildModel';
import { FileCheckCache, fileDiagnostics } from './fileChecks';
import { GraphCache, graphDiagnostics } from './graph';
import type { LintContext } from './lintContext';
import type { PipelineModel } from './model';
import { PipelineParser, type ParsedPipeline, type ParseProblem } from './parse';
import { schemaDiagnostics } from './schemaDiagnostics';

export interface LintOptions {
  /** Larger files get one `file-too-large` warning instead of a lint, so an editor stays responsive. */
  maxBytes?: number;
  /** The files the pipeline names; without it, only the file itself is checked. */
  context?: LintContext;
  /** Line offsets the caller already has (an editor document's); built from the text otherwise. */
  lines?: Lines;
}

export const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** A lint with what it built on the way, for editor features that need the same parse. */
export interface LintResult {
  diagnostics: Diagnostic[];
  parsed?: ParsedPipeline;
  model?: PipelineModel;
}

/**
 * Lints one document, again and again as it changes, keeping what the stages worked out between lints:
 * the parser's per-step parses (with each step's memo), the graph's id and depends-on findings, and the
 * file checks' lock index and cell statuses. Each stage's cache is created here and handed to that
 * stage, so no stage knows of a later one. The language server keeps one linter per open document; the
 * CLI lints each file once (`lintDocument`).
 */
export class PipelineLinter {
  private readonly parser: PipelineParser;
  private readonly graph = new GraphCache();
  private readonly files: FileCheckCache;

  /**
   * `incremental: false` parses every text whole (a reference for tests and benchmarks). `files`: file
   * check caches to share, which the server keeps per pipeline path so that they outlive a closed
   * document (their entries are keyed by the files' contents, so a reopen finds them still right).
   */
  constructor(options: { incremental?: boolean; files?: FileCheckCache } = {}) {
    this.parser = new PipelineParser({ incremental: options.incremental });
    this.files = options.files ?? new FileCheckCache();
  }

  lint(text: string, options: LintOptions = {}): LintResult {
    const lines = options.lines ?? new LineIndex(text);
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
      return { diagnostics: [at(nul, nul + 1, 'error', 'binary-file', `This is not UTF-8 text (a NUL character at ${where(nul)}: a binary or UTF-16 file?); a pipeline file is UTF-8 YAML.`)] };
    }
    const bad = text.indexOf('\uFFFD');
    if (bad >= 0) {
      return { diagnostics: [at(bad, bad + 1, 'error', 'invalid-utf8', `The file is not valid UTF-8 (first invalid byte sequence at ${where(bad)}); save it as UTF-8.`)] };
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    // A UTF-8 file has at most 3 bytes per UTF-16 unit: only count bytes when the limit could be reached.
    if (text.length * 3 > maxBytes) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > maxBytes) return { diagnostics: [fileTooLarge(bytes, maxBytes)] };
    }

    const parsed = this.parser.parse(text, lines);
    const diagnostics: Diagnostic[] = parsed.problems.map((p) => {
      const d = at(p.start, p.end, 'error', PROBLEM_CODES[p.kind], p.message);
      if (p.kind === 'duplicate-key' && p.firstStart !== undefined) d.message += `: it is already set on line ${lines.positionAt(p.firstStart).line + 1}.`;
      return d;
    });
    if (!parsed.root && parsed.steps.length === 0) return { diagnostics: diagnostics.sort(byPosition), parsed };
    // concat, not push(...): a broken 5 MB file can have more diagnostics than a call has arguments.
    let all = diagnostics.concat(schemaDiagnostics(parsed));
    const model = pipelineModel(parsed);
    all = all.concat(graphDiagnostics(model, lines, this.graph));
    if (options.context) all = all.concat(fileDiagnostics(model, lines, options.context, this.files));
    return { diagnostics: all.sort(byPosition), parsed, model };
  }
}

/**
 * Every problem in one pipeline file's text, linted once. The language server's linters and
 * `cellflow lint` run the same code, so the editor and CI report exactly the same diagnostics.
 */
export function lintPipeline(text: string, options: LintOptions = {}): Diagnostic[] {
  return lintDocument(text, options).diagnostics;
}

export function lintDocument(text: string, options: LintOptions = {}): LintResult {
  return new PipelineLinter().lint(text, options);
}

const PROBLEM_CODES: Record<ParseProblem['kind'], DiagnosticCode> = {
  syntax: 'yaml-syntax',
  'duplicate-key': 'duplicate-key',
  unsupported: 'unsupported-yaml',
  'multiple-documents': 'multiple-documents',
  empty: 'empty-file',
};

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
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
