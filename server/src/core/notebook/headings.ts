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

/** The longest step id taken from a heading; longer ones are cut at a word boundary. */
export const MAX_HEADING_ID = 40;

/** A step id from free text: `## Load the data!` → `load_the_data`. */
export function toStepId(text: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[`*_~[\]()]/g, ' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const id = cutAtWord(words, MAX_HEADING_ID);
  return /^[a-z_]/.test(id) ? id : `step_${id}`;
}

/** `words_like_these` cut to at most `max` characters between words; a single longer word is cut. */
function cutAtWord(id: string, max: number): string {
  if (id.length <= max) return id;
  const boundary = id.lastIndexOf('_', max);
  return boundary > 0 ? id.slice(0, boundary) : id.slice(0, max);
}

/** A step id for cells, from the heading above the first, unique among `taken`. */
export function suggestStepId(nb: Notebook, firstCell: number, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = toStepId(headingAbove(nb, firstCell) ?? `cell_${firstCell}`) || `cell_${firstCell}`;
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}_${n}`)) return `${base}_${n}`;
}
