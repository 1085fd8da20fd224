import * as fs from 'node:fs';
import * as path from 'node:path';
import { categoricalColumn, MAX_CATEGORIES, type ColumnData } from '../../core/drift/report';
import { sortDoubles } from '../../core/drift/sort';
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
}

/** A file's columns as the drift report takes them. Malformed input is an InvalidInput naming the file and, for CSV, the line. */
export async function readTable(file: string, shownAs: string, o: ReadOptions = {}): Promise<{ rows: number; columns: ColumnData[] }> {
  const connection = await connect();
  try {
    const source = sourceOf(file);
    let described: Array<{ name: string; type: string }>;
    try {
      described = ((await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects() as Array<{ column_name: string; column_type: string }>).map((d) => ({ name: d.column_name, type: d.column_type }));
    } catch (err) {
      throw await readError(connection, file, shownAs, (err as Error).message);
    }
    const wanted = described.filter((c) => !o.columns || o.columns.includes(c.name));
    // Numbers come as doubles with NULL as NaN, so a chunk's values are one Float64Array with no validity mask to consult.
    const select = wanted.map((c) => (NUMERIC.test(c.type) ? `coalesce(${ident(c.name)}::DOUBLE, 'NaN'::DOUBLE)` : CATEGORICAL.test(c.type) ? `${ident(c.name)}::VARCHAR` : 'NULL')).join(', ');
    const builders = wanted.map((c) => (NUMERIC.test(c.type) ? new NumberColumn() : CATEGORICAL.test(c.type) ? new TextColumn() : undefined));
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
    const columns = wanted.map((c, i): ColumnData => builders[i]?.finish(c.name, c.type, rows) ?? { name: c.name, type: c.type, kind: 'other', rows, nulls: 0, distinct: 0 });
    return { rows, columns };
  } finally {
    connection.closeSync();
  }
}

/** A numeric column: finite values into a growing array; NULL, NaN and ±inf counted, not kept. */
class NumberColumn {
  private values = new Float64Array(1 << 16);
  private length = 0;
  private missing = 0;

  add(vector: Vector, count: number): void {
    if (this.length + count > this.values.length) {
      const grown = new Float64Array(Math.max(this.values.length * 2, this.length + count));
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

  finish(name: string, type: string, rows: number): ColumnData {
    const sorted = sortDoubles(this.values.subarray(0, this.length).slice());
    this.values = new Float64Array(0);
    let distinct = sorted.length ? 1 : 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
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

function sourceOf(file: string): string {
  const quoted = `'${path.resolve(file).replace(/'/g, "''")}'`;
  if (/\.parquet$/i.test(file)) return `read_parquet(${quoted})`;
  // RFC 4180 CSV, strictly, from the first line: DuckDB's lenient default would take a broken file
  // as one odd column, or skip the rows before a break.
  return `read_csv(${quoted}, delim=${/\.tsv$/i.test(file) ? "'\\t'" : "','"}, quote='"', escape='"', header=true, strict_mode=true, skip=0)`;
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
  const quoted = `'${path.resolve(file).replace(/'/g, "''")}'`;
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
