import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotebookAnalyzer } from '../../server/src/core/notebook/analysis';
import { parseNotebook } from '../../server/src/core/notebook/notebook';
import { pythonParser } from '../../server/src/io/pythonParser';
import { SHARED_NOTEBOOKS } from '../support/paths';
import { median, ms, p90, report, sample } from './stats';

const FIXTURE = 'handson-ml3_02_end_to_end_machine_learning_project.ipynb';
const TARGET_MS = 150;

/**
 * Analysing the 286-cell fixture notebook (parse the .ipynb, then every code cell's reads, writes,
 * imports and definitions with tree-sitter-python), cold, against a plain JSON.parse of the same file.
 */
export async function benchNotebookAnalysis(): Promise<Record<string, unknown>> {
  const file = path.join(SHARED_NOTEBOOKS, FIXTURE);
  console.log(`\nNotebook analysis: ${FIXTURE}`);
  if (!fs.existsSync(file)) {
    console.log(`  skipped: ${file} is not here`);
    return { skipped: true };
  }
  const text = fs.readFileSync(file, 'utf8');
  const parser = await pythonParser();
  const baseline = sample(() => JSON.parse(text));
  const cold = sample(() => new NotebookAnalyzer(parser).notebook(parseNotebook(text, FIXTURE)));
  // After a one-cell edit in the editor: the analyzer re-parses only the changed cell.
  const warm = new NotebookAnalyzer(parser);
  const nb = parseNotebook(text, FIXTURE);
  warm.notebook(nb);
  const target = nb.cells.find((c) => c.kind === 'code')!;
  let n = 0;
  const edit = sample(() => {
    target.source += `\nx_${n++} = 1`;
    warm.notebook(nb);
  });
  const cells = nb.cells.length;
  const code = nb.cells.filter((c) => c.kind === 'code').length;
  console.log(`  ${cells} cells (${code} code), ${(text.length / 1024).toFixed(0)} KB; median of ${cold.length} runs`);
  console.log(report('baseline: JSON.parse of the same file', median(baseline), {}));
  console.log(report('full analysis, cold', median(cold), { target: TARGET_MS, baseline: { label: 'JSON.parse', value: median(baseline) } }));
  console.log(`  ${''.padEnd(44)}p90 ${ms(p90(cold)).trim()}`);
  console.log(report('re-analysis after a one-cell edit (cached)', median(edit), { baseline: { label: 'JSON.parse', value: median(baseline) } }));
  const comments = commentRuns(parser);
  return { cells, codeCells: code, jsonParseMs: median(baseline), coldMs: median(cold), coldP90Ms: p90(cold), afterEditMs: median(edit), targetMs: TARGET_MS, comments };
}

/**
 * Time grows with the input, not its square: a cell of 4,000 comment lines against one of 4,000 code
 * lines (tree-sitter-python's scanner made runs of comment lines quadratic: 4.6 s for 4,000).
 */
function commentRuns(parser: Awaited<ReturnType<typeof pythonParser>>): Record<string, number> {
  const lines = 4000;
  const cell = (line: (i: number) => string) => ({ index: 0, kind: 'code' as const, source: `x = 1\n${Array.from({ length: lines }, (_, i) => line(i)).join('\n')}\ny = x\n`, tags: [] });
  const analyze = (source: ReturnType<typeof cell>) => sample(() => new NotebookAnalyzer(parser).notebook({ path: 'nb.ipynb', nbformat: 4, nbformatMinor: 4, language: 'python', cells: [source] }));
  const code = median(analyze(cell((i) => `v${i} = ${i}`)));
  const comments = median(analyze(cell((i) => `# note ${i}: why the line below does what it does`)));
  console.log(report(`a cell of ${lines} code lines (baseline)`, code, {}));
  console.log(report(`a cell of ${lines} comment lines`, comments, { baseline: { label: 'code lines', value: code } }));
  return { codeLinesMs: code, commentLinesMs: comments };
}
