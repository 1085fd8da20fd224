import * as path from 'node:path';
import { InvalidInput } from '../core/errors';
import { NotebookAnalyzer } from '../core/notebook/analysis';
import { updateRules } from '../core/python/updates';
import { pythonParser } from '../io/pythonParser';
import { loadNotebookFile } from '../io/files';
import { promoteOnDisk } from '../io/promoteOnDisk';

export interface PromoteArgs {
  notebook: string;
  cells: string;
  step?: string;
  pipeline: string;
  json: boolean;
  move?: boolean;
  /** Functions that change their first argument in place, beyond the known ones. */
  inPlaceFunctions?: string[];
}

/**
 * `3,5-7,e5b4a7c6` → [3, 5, 6, 7, 'e5b4a7c6']: indices, ranges of indices, or cell ids. Ranges are
 * checked against the notebook's cell count before they are expanded, so `0-999999999` is a message,
 * not a billion-entry list.
 */
export function parseCellList(list: string, cellCount: number): Array<number | string> {
  const out: Array<number | string> = [];
  const last = `the notebook has ${cellCount} cell${cellCount === 1 ? '' : 's'}, 0 to ${cellCount - 1}`;
  for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new InvalidInput(`--cells: the range ${part} runs backwards`);
      if (b >= cellCount) throw new InvalidInput(`--cells: the range ${part} runs past the last cell (${last})`);
      for (let i = a; i <= b; i++) out.push(i);
    } else if (/^\d+$/.test(part)) {
      if (Number(part) >= cellCount) throw new InvalidInput(`--cells: there is no cell ${part} (${last})`);
      out.push(Number(part));
    } else {
      out.push(part);
    }
  }
  return out;
}

export async function runPromote(args: PromoteArgs): Promise<number> {
  const notebookPath = path.resolve(args.notebook);
  const pipelinePath = path.resolve(args.pipeline);
  const notebook = loadNotebookFile(notebookPath, args.notebook);
  const analyzer = new NotebookAnalyzer(await pythonParser(), undefined, updateRules(args.inPlaceFunctions));
  const result = promoteOnDisk({ notebook, notebookPath, cells: parseCellList(args.cells, notebook.cells.length), stepId: args.step, pipelinePath, move: args.move }, analyzer);
  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ status: result.status, step: result.step, files: result.files.map((f) => rel(f.path)), warnings: result.warnings }, null, 2)}\n`);
  } else {
    const s = result.step;
    const verb = { created: 'Created', 'new-version': 'Made a new version of', relocated: 'Updated the cell positions of', restored: 'Wrote the code file of', unchanged: 'Nothing changed in' }[result.status];
    process.stdout.write(`${verb} step \`${s.id}\` v${s.version} in ${args.pipeline}\n`);
    process.stdout.write(`  reads: ${s.reads.join(', ') || '-'}\n  writes: ${s.writes.join(', ') || '-'}\n  params: ${s.params.join(', ') || '-'}\n  depends on: ${s.dependsOn.join(', ') || '-'}\n`);
    if (result.files.length) process.stdout.write(`  wrote: ${result.files.map((f) => rel(f.path)).join(', ')}\n`);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  }
  return 0;
}
