import * as fs from 'node:fs';
import * as path from 'node:path';
import { categoricalColumn, MAX_CATEGORIES, type ColumnData } from '../../core/drift/report';
import type { SortPool } from './sortPool';
import { sortNumbers } from './sortedColumn';
import { InvalidInput } from '../../core/errors';

/**
 * CSV and Parquet files through DuckDB (@duckdb/node-api, loaded on first use: a native module,
 * never in the extension host). One streaming pass per file: DuckDB parses on its threads while
 * this one takes each chunk's columns (numbers as doubles, text counted by value), so memory holds
 * the numeric columns once and nothing else. README, "Data in", says why DuckDB and what it measured.
 */

type Connection = import('@duckdb/node-api').DuckDBConnection;
type Vector = import('@duckdb/node-api').DuckDBVector;

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const CATEGORICAL = /^(VARCHAR|BOOLEAN)$/;

/** Doubles allocated up front for a file's numeric columns together (256 MB). */
const INITIAL_VALUES = 1 << 25;

let instance: Promise<import('@duckdb/node-api').DuckDBInstance> | undefined;

async function connect(): Promise<Connection> {
  const duck = await import('@duckdb/node-api');
  instance ??= duck.DuckDBInstance.create(':memory:');
  return (await instance).connect();
}

export interface ReadOptions {
  /** Only these columns. */
  columns?: string[];
  /** Rows read so far, after each chunk. */
  onRows?(rows: number): void;
  /** Sorts the numeric columns off this thread; without one they are sorted here. */
  sorter?: SortPool;
}

/** A file's columns as the drift report takes them. Malformed input is an InvalidInput naming the file and, for CSV, the line. */
export async function readTable(file: string, shownAs: string, o: ReadOptions = {}): Promise<{ rows: number; columns: ColumnData[] }> {
  const connection = await connect();
  try {
    let source: string;
    let described: Array<{ name: string; type: string }>;
    try {
      ({ source, columns: described } = await describe(connection, file));
    } catch (err) {
      throw await readError(connection, file, shownAs, (err as Error).message);
    }
    const wanted = described.filter((c) => !o.columns || o.columns.includes(c.name));
    // Numbers come as doubles with NULL as NaN, so a chunk's values are one Float64Array with no validity mask to consult.
    const select = wanted.map((c) => (NUMERIC.test(c.type) ? `coalesce(${ident(c.name)}::DOUBLE, 'NaN'::DOUBLE)` : CATEGORICAL.test(c.type) ? `${ident(c.name)}::VARCHAR` : 'NULL')).join(', ');
    const expected = await expectedRows(connection, file, source);
    // Sized for the file, but never more than 256 MB at first across the columns (a guess, and a
    // big file may be wide): past that they grow.
    const numeric = wanted.filter((c) => NUMERIC.test(c.type)).length;
    const capacity = Math.max(1 << 12, Math.min(expected, Math.floor(INITIAL_VALUES / Math.max(1, numeric))));
    const builders = wanted.map((c) => (NUMERIC.test(c.type) ? new NumberColumn(capacity) : CATEGORICAL.test(c.type) ? new TextColumn() : undefined));
    let rows = 0;
    if (wanted.length) {
      try {
        const result = await connection.stream(`SELECT ${select} FROM ${source}`);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
          const count = chunk.rowCount;
          for (let i = 0; i < builders.length; i++) builders[i]?.add(chunk.getColumnVector(i), count);
          rows += count;
          o.onRows?.(rows);
        }
      } catch (err) {
        throw await readError(connection, file, shownAs, (err as Error).message);
      }
    } else {
      rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
    }
    const columns = await Promise.all(wanted.map(async (c, i): Promise<ColumnData> => (await builders[i]?.finish(c.name, c.type, rows, o.sorter)) ?? { name: c.name, type: c.type, kind: 'other', rows, nulls: 0, distinct: 0 }));
    return { rows, columns };
  } finally {
    connection.closeSync();
  }
}

/**
 * About how many rows a file holds, to size the columns once: Parquet says in its footer; a CSV's
 * size over its first lines' mean length, a little over. Arrays grown by doubling cost copies and,
 * being large and outside the heap, a full garbage collection each (a third of a 1M-row read).
 */
async function expectedRows(connection: Connection, file: string, source: string): Promise<number> {
  try {
    if (/\.parquet$/i.test(file)) return Number((await connection.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(Math.min(size, 256 * 1024));
      const n = fs.readSync(fd, head, 0, head.length, 0);
      let lines = 0;
      for (let i = head.indexOf(10) + 1; i > 0 && i < n; i = head.indexOf(10, i) + 1) lines++; // after the header
      const first = head.indexOf(10) + 1;
      return lines ? Math.ceil((1.05 * (size - first)) / ((n - first) / lines)) : 0;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** A numeric column: finite values into an array sized for the file; NULL, NaN and ±inf counted, not kept. */
class NumberColumn {
  private values: Float64Array;
  private length = 0;
  private missing = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }

  add(vector: Vector, count: number): void {
    if (this.length + count > this.values.length) {
      const grown = new Float64Array(Math.max(Math.ceil(this.values.length * 1.5), this.length + count));
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
    }
    // The double vector's own array when it has one (@duckdb/node-api 1.5 keeps it as `items`; the
    // version is pinned), else its values one by one: toArray() consults the validity mask per item,
    // which took 40% of a 1M-row read.
    const items = (vector as unknown as { items?: unknown }).items;
    const chunk = items instanceof Float64Array ? items.subarray(0, count) : (vector.toArray() as Array<number | null>);
    for (let i = 0; i < count; i++) {
      const v = chunk[i];
      if (typeof v === 'number' && Number.isFinite(v)) this.values[this.length++] = v;
      else this.missing++;
    }
  }

  async finish(name: string, type: string, rows: number, sorter: SortPool | undefined): Promise<ColumnData> {
    const values = this.values.subarray(0, this.length);
    this.values = new Float64Array(0); // the buffer is the sorter's now
    const { sorted, distinct } = sorter ? await sorter.sort(values) : sortNumbers(values);
    return { name, type, kind: 'num', rows, nulls: this.missing, distinct, sample: { kind: 'num', sorted } };
  }
}

/** A text column counted by value, no further than MAX_CATEGORIES + 1 distinct values (ids and free text stop there). */
class TextColumn {
  private readonly counts = new Map<string, number>();
  private overflow = false;
  private missing = 0;

  add(vector: Vector): void {
    for (const v of vector.toArray() as Array<string | null>) {
      if (v === null) {
        this.missing++;
        continue;
      }
      const key = String(v);
      const n = this.counts.get(key);
      if (n !== undefined) this.counts.set(key, n + 1);
      else if (this.counts.size <= MAX_CATEGORIES) this.counts.set(key, 1);
      else this.overflow = true;
    }
  }

  finish(name: string, type: string, rows: number): ColumnData {
    return categoricalColumn(name, type, rows, this.counts, this.missing, this.overflow ? MAX_CATEGORIES + 1 : this.counts.size);
  }
}

/**
 * The file's columns, and the table function that reads it with them. A CSV is sniffed once, with
 * sniff_csv, and then read with what it found (auto_detect off): letting DESCRIBE and the read each
 * sniff cost a second pass, half a second per 500-column file.
 */
async function describe(connection: Connection, file: string): Promise<{ source: string; columns: Array<{ name: string; type: string }> }> {
  const quoted = literal(path.resolve(file));
  if (/\.parquet$/i.test(file)) {
    const source = `read_parquet(${quoted})`;
    const rows = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects() as Array<{ column_name: string; column_type: string }>;
    return { source, columns: rows.map((d) => ({ name: d.column_name, type: d.column_type })) };
  }
  // RFC 4180 CSV, strictly, from the first line: DuckDB's lenient default would take a broken file
  // as one odd column, or skip the rows before a break.
  const dialect = `delim=${/\.tsv$/i.test(file) ? "'\\t'" : "','"}, quote='"', escape='"', header=true, strict_mode=true, skip=0`;
  const [sniffed] = (await connection.runAndReadAll(`SELECT Columns, Prompt FROM sniff_csv(${quoted}, ${dialect})`)).getRowObjectsJson() as Array<{ Columns: Array<{ name: string; type: string }>; Prompt: string }>;
  const columns = sniffed.Columns.map((c) => ({ name: String(c.name), type: String(c.type) }));
  // The date formats the sniffer settled, as it wrote them in its own read_csv call. Not its
  // new_line: given back as '\r\n' it reads no rows at all (DuckDB 1.5), and the reader finds
  // line ends by itself.
  const found = [...sniffed.Prompt.matchAll(/\b(dateformat|timestampformat)='((?:[^']|'')*)'/g)].map((m) => `${m[1]}=${literal(m[2])}`);
  const types = columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ');
  return { source: `read_csv(${quoted}, auto_detect=false, ${dialect}, ${[...found, `columns={${types}}`].join(', ')})`, columns };
}

/** A SQL string literal. */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

async function readError(connection: Connection, file: string, shownAs: string, message: string): Promise<InvalidInput> {
  const why = lineError(message) ?? (/\.parquet$/i.test(file) ? undefined : await strictReadError(connection, file));
  return new InvalidInput(`${shownAs}: ${why ?? describeReadError(message)}`);
}

/**
 * When DuckDB's sniffer gives up on a CSV it says so without a line: read it again as plain
 * comma-separated text with the header's number of fields, which names the first line that breaks.
 */
async function strictReadError(connection: Connection, file: string): Promise<string | undefined> {
  const fields = headerFields(file);
  if (!fields) return undefined;
  const columns = Array.from({ length: fields }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const quoted = literal(path.resolve(file));
  try {
    await connection.run(`SELECT count(*) FROM read_csv(${quoted}, auto_detect=false, delim=',', quote='"', escape='"', header=true, strict_mode=true, columns={${columns}})`);
    return undefined;
  } catch (err) {
    return lineError((err as Error).message);
  }
}

/** "line 3: expected 2 fields, found 3" from DuckDB's CSV error, when it names a line. */
function lineError(m: string): string | undefined {
  const line = /CSV Error on Line: (\d+)/.exec(m)?.[1];
  if (!line) return undefined;
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(m);
  const cast = /Could not convert string "([^"]*)" to '(\w+)'/.exec(m);
  let why = 'cannot be parsed';
  if (counts) why = `expected ${counts[1]} fields, found ${counts[2]}`;
  else if (/unterminated quote/i.test(m)) why = 'a quoted value is never closed';
  else if (cast) why = `"${cast[1]}" is not a ${cast[2]}, as the rows before it were`;
  return `line ${line}: ${why}`;
}

/** The number of fields on the first line (quotes respected); undefined for an empty file. */
function headerFields(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    const end = text.search(/\r?\n/);
    const first = end < 0 ? text : text.slice(0, end);
    if (!first) return undefined;
    let count = 1;
    let quoted = false;
    for (const ch of first) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) count++;
    }
    return count;
  } finally {
    fs.closeSync(fd);
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** DuckDB's message, its first lines, without the hints about sniffer options. */
function describeReadError(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const keep = lines.filter((l) => !/^(Possible Solution|Possible fixes|\* |Parser options|The search space|Delimiter Candidates|Quote\/Escape|Comment Candidates|Encoding|file =|delimiter =|quote =|escape =|new_line =|header =|skip_rows =|comment =|strict_mode =|date_format =|timestamp_format =|null_padding =|sample_size =|ignore_errors =|all_varchar =)/i.test(l));
  return keep.slice(0, 2).join(' ').replace(/^(Invalid Input Error|IO Error|Conversion Error|Binder Error): /, '') || 'cannot be read';
}
