import type { Range } from './text/lineIndex';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * A problem found in a file, the same value whether the language server publishes it or the CLI prints
 * it. `code` is stable: tests, quick fixes and users' suppressions key on it.
 */
export interface Diagnostic {
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** What a quick fix needs (a suggestion, a step id, a param name); carried to the editor unchanged. */
  data?: Record<string, unknown>;
}

export type DiagnosticCode =
  | 'binary-file'
  | 'invalid-utf8'
  | 'file-too-large'
  | 'empty-file'
  | 'yaml-syntax'
  | 'multiple-documents'
  | 'duplicate-key'
  | 'unsupported-yaml'
  | 'missing-key'
  | 'unknown-key'
  | 'wrong-type'
  | 'invalid-value'
  // across steps
  | 'duplicate-step-id'
  | 'unknown-step'
  | 'dependency-cycle'
  | 'unresolved-read'
  | 'conflicting-writes'
  | 'unknown-param'
  | 'unused-param'
  | 'unknown-output'
  // files the pipeline names
  | 'missing-code-file'
  | 'missing-notebook'
  | 'unreadable-notebook'
  | 'missing-cell'
  | 'missing-file'
  | 'refused-path'
  // versions
  | 'stale-step'
  | 'code-edited';
