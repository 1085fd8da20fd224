import { categoricalColumn, MAX_CATEGORIES, type ColumnData } from '../../core/drift/report';
import { TableFile } from './tableFile';

/** A table file's columns as the drift report takes them (only `names`, when given). */
export async function readColumns(file: string, shownAs: string, names?: string[], onColumn?: (done: number, total: number) => void): Promise<{ rows: number; columns: ColumnData[] }> {
  const table = await TableFile.open(file, shownAs);
  try {
    const wanted = table.columns.filter((c) => !names || names.includes(c.name));
    const columns: ColumnData[] = [];
    for (const c of wanted) {
      if (c.kind === 'num') {
        const v = await table.numeric(c.name);
        columns.push({ name: c.name, type: c.type, kind: 'num', rows: table.rows, nulls: v.nulls + v.nan + v.inf, distinct: distinctOfSorted(v.sorted), sample: { kind: 'num', sorted: v.sorted } });
      } else if (c.kind === 'cat') {
        const v = await table.categories(c.name, MAX_CATEGORIES);
        columns.push(categoricalColumn(c.name, c.type, table.rows, v.counts, v.nulls, v.distinct));
      } else {
        columns.push({ name: c.name, type: c.type, kind: 'other', rows: table.rows, nulls: 0, distinct: 0 });
      }
      onColumn?.(columns.length, wanted.length);
    }
    return { rows: table.rows, columns };
  } finally {
    table.close();
  }
}

function distinctOfSorted(a: Float64Array): number {
  let n = a.length ? 1 : 0;
  for (let i = 1; i < a.length; i++) if (a[i] !== a[i - 1]) n++;
  return n;
}
