import * as fs from 'node:fs';
import type { Diagnostic } from '../core/diagnostic';
import { DEFAULT_MAX_BYTES, fileTooLarge, lintPipeline } from '../core/pipeline/lint';
import { decodeUtf8 } from '../core/text/decode';
import * as path from 'node:path';
import { diskContext, type DiskFacts } from '../io/diskContext';
import { findPipelineFiles } from '../io/files';
import { terminalSafe as safe } from '../core/text/terminalSafe';

export interface FileReport {
  path: string;
  diagnostics: Diagnostic[];
}

export interface LintOutput {
  json: boolean;
}

/** `cellflow lint`: the core linter over files and directories, printed for people or as JSON. */
export function runLint(paths: string[], options: LintOutput): number {
  const files: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      process.stderr.write(`cellflow lint: ${p}: no such file or directory\n`);
      return 2;
    }
    if (stat.isDirectory()) files.push(...findPipelineFiles(p));
    else files.push(p);
  }
  const reports = files.map(lintFile);
  const errors = count(reports, 'error');
  const warnings = count(reports, 'warning');
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ files: reports.map(toJson), errorCount: errors, warningCount: warnings }, null, 2)}\n`);
  } else {
    for (const r of reports) {
      for (const d of r.diagnostics) {
        process.stdout.write(`${safe(r.path)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${safe(d.message)} [${d.code}]\n`);
      }
    }
    process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return errors > 0 ? 1 : 0;
}

/** Files read once per run, however many pipelines name them. */
const namedFiles = new Map<string, DiskFacts>();

export function lintFile(file: string): FileReport {
  const size = fs.statSync(file).size;
  if (size > DEFAULT_MAX_BYTES) return { path: file, diagnostics: [fileTooLarge(size, DEFAULT_MAX_BYTES)] };
  return { path: file, diagnostics: lintPipeline(decodeUtf8(fs.readFileSync(file)), { context: diskContext(path.resolve(file), namedFiles) }) };
}

function count(reports: FileReport[], severity: Diagnostic['severity']): number {
  return reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === severity).length, 0);
}

function toJson(r: FileReport) {
  return {
    path: r.path,
    diagnostics: r.diagnostics.map((d) => ({
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
      severity: d.severity,
      code: d.code,
      message: d.message,
      range: d.range,
    })),
  };
}
