import type { Parser } from 'web-tree-sitter';
import { NotebookAnalyzer } from '../../server/src/core/notebook/analysis';
import { pythonParser } from '../../server/src/io/pythonParser';

let parser: Parser | undefined;

/** The real tree-sitter Python parser, loaded once per test process. */
export async function loadParser(): Promise<Parser> {
  parser ??= await pythonParser();
  return parser;
}

export async function newAnalyzer(): Promise<NotebookAnalyzer> {
  return new NotebookAnalyzer(await loadParser());
}
