import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';

/**
 * A CSV or Parquet file opened with DuckDB (@duckdb/node-api, loaded on first use: a native module,
 * never in the extension host): its columns and their types, and each column's values as the drift
 * tests take them. README, "Data in", says why DuckDB and what it measured.
 */

type Duck = typeof import('@duckdb/node-api');
type Connection = import('@duckdb/node-api').DuckDBConnection;

export type ColumnKind = 'num' | 'cat' | 'other';

export interface TableColumn {
  name: string;
  /** DuckDB's type, as it inferred it (BIGINT, DOUBLE, VARCHAR, DATE, …). */
  type: string;
  kind: ColumnKind;
}

export interface NumericValues {
  /** The finite values, sorted. */
  sorted: Float64Array;
  /** Empty cells (NULL), NaN, and ±inf: each counted, none tested. */
  nulls: number;
  nan: number;
  inf: number;
}

export interface CategoryValues {
  counts: Map<string, number>;
  nulls: number;
  /** Distinct non-null values, even when `counts` was cut at the limit. */
  distinct: number;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const CATEGORICAL = /^(VARCHAR|BOOLEAN)$/;

let instance: Promise<import('@duckdb/node-api').DuckDBInstance> | undefined;

async function connect(): Promise<Connection> {
  const duck: Duck = await import('@duckdb/node-api');
  instance ??= duck.DuckDBInstance.create(':memory:');
  return (await instance).connect();
}

let tables = 0;

export class TableFile {
  private constructor(
    readonly file: string,
    readonly rows: number,
    readonly columns: TableColumn[],
    private readonly connection: Connection,
    private readonly table: string,
  ) {}

  /** Reads the whole file once into an in-memory table; a malformed file is an InvalidInput naming it and, from DuckDB, the line. */
  static async open(file: string, shownAs = file): Promise<TableFile> {
    const connection = await connect();
    const table = `t${++tables}`;
    const reader = /\.parquet$/i.test(file) ? 'read_parquet' : 'read_csv';
    const quoted = `'${path.resolve(file).replace(/'/g, "''")}'`;
    // RFC 4180 CSV, strictly: DuckDB's lenient default would take a broken file as one odd column.
    const options = reader === 'read_csv' ? `, delim=${/\.tsv$/i.test(file) ? "'\t'" : "','"}, quote='"', escape='"', header=true, strict_mode=true, skip=0` : '';
    try {
      await connection.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${reader}(${quoted}${options})`);
    } catch (err) {
      const message = (err as Error).message;
      const why = lineError(message) ?? (reader === 'read_csv' ? await strictReadError(connection, file, quoted) : undefined);
      connection.closeSync();
      throw new InvalidInput(`${shownAs}: ${why ?? describeReadError(message)}`);
    }
    const described = (await connection.runAndReadAll(`DESCRIBE ${table}`)).getRowObjects() as Array<{ column_name: string; column_type: string }>;
    const columns = described.map((d): TableColumn => ({ name: d.column_name, type: d.column_type, kind: NUMERIC.test(d.column_type) ? 'num' : CATEGORICAL.test(d.column_type) ? 'cat' : 'other' }));
    const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
    return new TableFile(file, rows, columns, connection, table);
  }

  async numeric(name: string): Promise<NumericValues> {
    const c = ident(name);
    const [nulls, nan, inf] = (await this.connection.runAndReadAll(`SELECT count(*) FILTER (WHERE ${c} IS NULL), count(*) FILTER (WHERE isnan(${c}::DOUBLE)), count(*) FILTER (WHERE isinf(${c}::DOUBLE)) FROM ${this.table}`)).getRows()[0].map(Number);
    const sorted = new Float64Array(this.rows - nulls - nan - inf);
    const result = await this.connection.run(`SELECT ${c}::DOUBLE FROM ${this.table} WHERE ${c} IS NOT NULL AND isfinite(${c}::DOUBLE)`);
    let at = 0;
    for (const chunk of await result.fetchAllChunks()) {
      const vector = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) sorted[at++] = vector.getItem(i) as number;
    }
    sorted.sort();
    return { sorted, nulls, nan, inf };
  }

  /** Counts by value as text, at most `limit` distinct values kept. */
  async categories(name: string, limit: number): Promise<CategoryValues> {
    const c = ident(name);
    const [distinct, nulls] = (await this.connection.runAndReadAll(`SELECT count(DISTINCT ${c}), count(*) FILTER (WHERE ${c} IS NULL) FROM ${this.table}`)).getRows()[0].map(Number);
    const counts = new Map<string, number>();
    if (distinct <= limit) {
      const rows = (await this.connection.runAndReadAll(`SELECT ${c}::VARCHAR, count(*) FROM ${this.table} WHERE ${c} IS NOT NULL GROUP BY 1`)).getRows();
      for (const [v, n] of rows) counts.set(String(v), Number(n));
    }
    return { counts, nulls, distinct };
  }

  close(): void {
    try {
      this.connection.closeSync();
    } catch {
      // already closed
    }
  }
}

/**
 * When DuckDB's sniffer gives up on a CSV it says so without a line: read it again as plain
 * comma-separated text with the header's number of fields, which names the first line that breaks.
 */
async function strictReadError(connection: Connection, file: string, quoted: string): Promise<string | undefined> {
  const fields = headerFields(file);
  if (!fields) return undefined;
  const columns = Array.from({ length: fields }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
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

/** DuckDB's message, its first lines: "CSV Error on Line: 3 …", without the hints about sniffer options. */
function describeReadError(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const keep = lines.filter((l) => !/^(Possible Solution|Possible fixes|\* |Parser options|file =|delimiter =|quote =|escape =|new_line =|header =|skip_rows =|comment =|strict_mode =|date_format =|timestamp_format =|null_padding =|sample_size =|ignore_errors =|all_varchar =)/i.test(l));
  return keep.slice(0, 3).join(' ').replace(/^(Invalid Input Error|IO Error|Conversion Error): /, '') || 'cannot be read';
}
