import * as fs from 'node:fs';

/** A code cell's source, with tags where it needs them (`parameters`). */
export type CellSpec = string | { source: string; tags: string[] };

/** Writes an nbformat 4.5 Python notebook of code cells (ids c0, c1, …), as a test's own notebook. */
export function writeNotebook(file: string, cells: CellSpec[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
    cells: cells.map((c, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      metadata: typeof c === 'string' ? {} : { tags: c.tags },
      execution_count: null,
      outputs: [],
      source: typeof c === 'string' ? c : c.source,
    })),
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}
