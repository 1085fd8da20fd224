import type { Notebook } from './notebook';

/** The text of the nearest markdown heading above a cell, if any. */
export function headingAbove(nb: Notebook, index: number): string | undefined {
  for (let i = Math.min(index, nb.cells.length) - 1; i >= 0; i--) {
    const cell = nb.cells[i];
    if (cell.kind !== 'markdown') continue;
    const headings = [...cell.source.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)];
    if (headings.length) return headings[headings.length - 1][1];
  }
  return undefined;
}

/** A step id from free text: `## Load the data!` → `load_the_data`. */
export function toStepId(text: string): string {
  const id = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[`*_~[\]()]/g, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return /^[a-z_]/.test(id) ? id : `step_${id}`;
}

/** A step id for cells, from the heading above the first, unique among `taken`. */
export function suggestStepId(nb: Notebook, firstCell: number, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = toStepId(headingAbove(nb, firstCell) ?? `cell_${firstCell}`) || `cell_${firstCell}`;
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}
