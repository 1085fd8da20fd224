import * as fs from 'node:fs';
import type { TensorInfo } from '../../core/bench/result';
import { InvalidInput } from '../../core/errors';

type Given = Record<string, { type: string; dims: number[]; data: unknown }>;
export type InputsFor = (batch: number, inputs: TensorInfo[]) => Given;

/** numpy dtypes (little-endian or byte-sized) and the tensor types they are. */
const DTYPES: Record<string, { type: string; make: (b: ArrayBuffer, o: number, n: number) => ArrayLike<number | bigint> }> = {
  f4: { type: 'float32', make: (b, o, n) => new Float32Array(b, o, n) },
  f8: { type: 'float64', make: (b, o, n) => new Float64Array(b, o, n) },
  f2: { type: 'float16', make: (b, o, n) => new Uint16Array(b, o, n) },
  i1: { type: 'int8', make: (b, o, n) => new Int8Array(b, o, n) },
  u1: { type: 'uint8', make: (b, o, n) => new Uint8Array(b, o, n) },
  b1: { type: 'bool', make: (b, o, n) => new Uint8Array(b, o, n) },
  i2: { type: 'int16', make: (b, o, n) => new Int16Array(b, o, n) },
  u2: { type: 'uint16', make: (b, o, n) => new Uint16Array(b, o, n) },
  i4: { type: 'int32', make: (b, o, n) => new Int32Array(b, o, n) },
  u4: { type: 'uint32', make: (b, o, n) => new Uint32Array(b, o, n) },
  i8: { type: 'int64', make: (b, o, n) => new BigInt64Array(b, o, n) },
  u8: { type: 'uint64', make: (b, o, n) => new BigUint64Array(b, o, n) },
};

/**
 * Real inputs for a benchmark: a .npy array (the model's one input, rows taken in turn to fill each
 * batch), or a CSV whose columns are named after the inputs (one value per row each) or, for a model
 * with one two-dimensional input, whose rows are its samples.
 */
export async function inputsFromFile(file: string, shownAs: string): Promise<InputsFor> {
  if (!fs.existsSync(file)) throw new InvalidInput(`--inputs ${shownAs}: no such file`);
  if (/\.npy$/i.test(file)) return npyInputs(readNpy(file, shownAs), shownAs);
  if (/\.(csv|tsv)$/i.test(file)) return csvInputs(await readCsv(file, shownAs), shownAs);
  throw new InvalidInput(`--inputs ${shownAs}: give a .npy or a .csv file`);
}

interface Npy {
  type: string;
  shape: number[];
  values: ArrayLike<number | bigint>;
}

/** The .npy format (version 1-3): magic, a header dict, then the data in C order. */
function readNpy(file: string, shownAs: string): Npy {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new InvalidInput(`--inputs ${shownAs}: not a .npy file (no \\x93NUMPY magic)`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([<>|=])(\w\d)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !order || shape === undefined) throw new InvalidInput(`--inputs ${shownAs}: a .npy header Cellflow cannot read (${header.trim()})`);
  const dtype = DTYPES[descr[2]];
  if (!dtype || descr[1] === '>') throw new InvalidInput(`--inputs ${shownAs}: dtype ${descr[1]}${descr[2]} is not one Cellflow reads (little-endian ${Object.keys(DTYPES).join(', ')})`);
  if (order === 'True') throw new InvalidInput(`--inputs ${shownAs}: a Fortran-ordered array; save it with np.ascontiguousarray first`);
  const dims = shape.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const size = Number(descr[2].slice(1));
  if (buf.length - start < count * size) throw new InvalidInput(`--inputs ${shownAs}: truncated (${buf.length - start} bytes of data, ${count * size} expected)`);
  const data = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + count * size);
  return { type: dtype.type, shape: dims, values: dtype.make(data, 0, count) };
}

function npyInputs(npy: Npy, shownAs: string): InputsFor {
  return (batch, inputs) => {
    if (inputs.length !== 1) throw new InvalidInput(`--inputs ${shownAs}: a .npy file holds one array, and the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}): give a CSV with a column per input`);
    const [input] = inputs;
    if (npy.type !== input.type) throw new InvalidInput(`--inputs ${shownAs}: ${npy.type} values, and input ${input.name} takes ${input.type}`);
    if (npy.shape.length !== input.dims.length) throw new InvalidInput(`--inputs ${shownAs}: an array of shape (${npy.shape.join(', ')}), and input ${input.name} has ${input.dims.length} dimensions`);
    const row = npy.shape.slice(1).reduce((a, b) => a * b, 1);
    const rows = npy.shape[0] ?? 1;
    const Ctor = (npy.values as unknown as { constructor: new (n: number) => { [i: number]: number | bigint } }).constructor;
    const out = new Ctor(batch * row);
    for (let b = 0; b < batch; b++) for (let k = 0; k < row; k++) out[b * row + k] = npy.values[(b % rows) * row + k];
    return { [input.name]: { type: input.type, dims: [batch, ...npy.shape.slice(1)], data: out } };
  };
}

interface Csv {
  names: string[];
  rows: Array<Array<number | string | null>>;
}

async function readCsv(file: string, shownAs: string): Promise<Csv> {
  const duck = await import('@duckdb/node-api');
  const instance = await duck.DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const quoted = `'${file.replace(/'/g, "''")}'`;
    const r = await c.runAndReadAll(`SELECT * FROM read_csv(${quoted}, header=true, strict_mode=true) LIMIT 100000`);
    return { names: r.columnNames(), rows: r.getRowsJson() as Array<Array<number | string | null>> };
  } catch (err) {
    throw new InvalidInput(`--inputs ${shownAs}: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    c.closeSync();
  }
}

function csvInputs(csv: Csv, shownAs: string): InputsFor {
  if (!csv.rows.length) throw new InvalidInput(`--inputs ${shownAs}: no rows`);
  return (batch, inputs) => {
    const byName = inputs.every((i) => csv.names.includes(i.name));
    const pick = (b: number) => csv.rows[b % csv.rows.length];
    if (byName) {
      return Object.fromEntries(inputs.map((input) => {
        const col = csv.names.indexOf(input.name);
        const dims = input.dims.length === 1 ? [batch] : [batch, ...input.dims.slice(1).map(() => 1)];
        return [input.name, { type: input.type, dims, data: typed(input.type, Array.from({ length: batch }, (_, b) => pick(b)[col]), shownAs, input.name) }];
      }));
    }
    if (inputs.length === 1 && inputs[0].dims.length === 2) {
      const [input] = inputs;
      const width = typeof input.dims[1] === 'number' && input.dims[1] > 0 ? input.dims[1] : csv.names.length;
      if (width !== csv.names.length) throw new InvalidInput(`--inputs ${shownAs}: ${csv.names.length} columns, and input ${input.name} takes ${width} features per row`);
      return { [input.name]: { type: input.type, dims: [batch, width], data: typed(input.type, Array.from({ length: batch }, (_, b) => pick(b)).flat(), shownAs, input.name) } };
    }
    throw new InvalidInput(`--inputs ${shownAs}: its columns (${csv.names.join(', ')}) are not named after the model's inputs (${inputs.map((i) => i.name).join(', ')})`);
  };
}

function typed(type: string, values: Array<number | string | null>, shownAs: string, input: string): unknown {
  if (type === 'string') return values.map((v) => String(v ?? ''));
  const nums = values.map((v) => {
    const x = typeof v === 'number' ? v : Number(v);
    if (v === null || !Number.isFinite(x)) throw new InvalidInput(`--inputs ${shownAs}: ${JSON.stringify(v)} for input ${input} is not a number`);
    return x;
  });
  switch (type) {
    case 'float32':
      return Float32Array.from(nums);
    case 'float64':
      return Float64Array.from(nums);
    case 'int32':
      return Int32Array.from(nums);
    case 'int64':
      return BigInt64Array.from(nums.map((x) => BigInt(Math.trunc(x))));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(nums);
    default:
      throw new InvalidInput(`--inputs ${shownAs}: input ${input} takes ${type}, which Cellflow does not fill from a CSV (float32, float64, int32, int64, uint8, bool, string)`);
  }
}
