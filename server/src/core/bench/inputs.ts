import { InvalidInput } from '../errors';

/** The tensor element types onnxruntime-node takes, as its metadata names them. */
export const TENSOR_TYPES = ['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string'] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

export interface TensorSpec {
  name: string;
  type: string;
  /** Fixed sizes, or the symbolic name of a dynamic dimension ('' when it has none). */
  dims: Array<number | string>;
}

/** Names that say "the batch": resolved from --batch. */
const BATCH = /^(n|b|bs|batch|batch_?size|batches|num_?samples|unk__\d+|-1)$/i;

/**
 * Each input's concrete dims at one batch size: `--shape` by input name (`input_ids=1x128`, the whole
 * shape) or by dimension name (`sequence=128`), batch dims from the batch, a dynamic first dim taken
 * as the batch too. Anything else left dynamic is an error naming the input and the dimension.
 */
export function resolveDims(inputs: TensorSpec[], batch: number, shapes: Record<string, number[]>, file: string): Map<string, number[]> {
  const names = new Set(inputs.map((i) => i.name));
  const dimNames = new Set(inputs.flatMap((i) => i.dims.filter((d): d is string => typeof d === 'string' && d !== '')));
  for (const key of Object.keys(shapes)) {
    if (!names.has(key) && !dimNames.has(key)) throw new InvalidInput(`--shape ${key}: ${file} has no input or dimension of that name (inputs: ${[...names].join(', ') || 'none'}${dimNames.size ? `; dimensions: ${[...dimNames].join(', ')}` : ''})`);
    if (!names.has(key) && shapes[key].length !== 1) throw new InvalidInput(`--shape ${key}: a dimension takes one size (${key}=128), not ${shapes[key].join('x')}`);
  }
  const out = new Map<string, number[]>();
  for (const input of inputs) {
    const whole = shapes[input.name];
    if (whole) {
      if (whole.length !== input.dims.length) throw new InvalidInput(`--shape ${input.name}=${whole.join('x')}: ${input.name} has ${input.dims.length} dimensions (${shown(input.dims)})`);
      whole.forEach((d, i) => {
        const want = input.dims[i];
        if (typeof want === 'number' && want >= 0 && want !== d) throw new InvalidInput(`--shape ${input.name}=${whole.join('x')}: dimension ${i} of ${input.name} is fixed at ${want}`);
      });
      out.set(input.name, whole);
      continue;
    }
    out.set(
      input.name,
      input.dims.map((d, i) => {
        if (typeof d === 'number' && d >= 0) return d;
        const name = typeof d === 'string' ? d : '';
        if (name && shapes[name]) return shapes[name][0];
        // A batch by name, or a dynamic first dimension not named like a sequence.
        if (BATCH.test(name) || (i === 0 && !/seq|len|token|time|step/i.test(name))) return batch;
        throw new InvalidInput(`${file}: input ${input.name} has a dynamic dimension ${name ? `"${name}"` : i} (${shown(input.dims)}): give its size with --shape ${name || input.name}=${name ? '128' : input.dims.map((x) => (typeof x === 'number' && x >= 0 ? x : 1)).join('x')}`);
      }),
    );
  }
  return out;
}

function shown(dims: Array<number | string>): string {
  return `[${dims.map((d) => (typeof d === 'number' && d >= 0 ? d : d === '' || typeof d === 'number' ? '?' : d)).join(', ')}]`;
}

/** `1x128` or `1,128` as sizes; throws on anything else. */
export function parseDims(text: string, flag: string): number[] {
  const parts = text.split(/[x,]/);
  const dims = parts.map(Number);
  if (!text || dims.some((d, i) => !Number.isInteger(d) || d < 1 || parts[i].trim() === '')) throw new InvalidInput(`${flag}: sizes are positive integers joined by x (1x128), not ${JSON.stringify(text)}`);
  return dims;
}

/** A small deterministic generator (mulberry32): the same inputs for every run of a benchmark. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | string[];

/**
 * Values for one input: floats in [−1, 1), integers in [0, 10) (valid ids for any vocabulary, valid
 * indices for small tables), booleans as 0/1 bytes, strings "a"; float16 as its bits (Uint16Array).
 */
export function generate(type: string, dims: number[], seed: number): TensorData {
  const n = dims.reduce((a, b) => a * b, 1);
  const r = random(seed);
  const ints = (make: (n: number) => Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array) => {
    const a = make(n);
    for (let i = 0; i < n; i++) a[i] = Math.floor(r() * 10);
    return a;
  };
  const bigs = (make: (n: number) => BigInt64Array | BigUint64Array) => {
    const a = make(n);
    for (let i = 0; i < n; i++) a[i] = BigInt(Math.floor(r() * 10));
    return a;
  };
  switch (type) {
    case 'float32':
    case 'float64': {
      const a = type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = 2 * r() - 1;
      return a;
    }
    case 'float16': {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = toHalf(2 * r() - 1);
      return a;
    }
    case 'int8':
      return ints((k) => new Int8Array(k));
    case 'uint8':
      return ints((k) => new Uint8Array(k));
    case 'int16':
      return ints((k) => new Int16Array(k));
    case 'uint16':
      return ints((k) => new Uint16Array(k));
    case 'int32':
      return ints((k) => new Int32Array(k));
    case 'uint32':
      return ints((k) => new Uint32Array(k));
    case 'int64':
      return bigs((k) => new BigInt64Array(k));
    case 'uint64':
      return bigs((k) => new BigUint64Array(k));
    case 'bool': {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = r() < 0.5 ? 1 : 0;
      return a;
    }
    case 'string':
      return Array.from({ length: n }, () => 'a');
    default:
      throw new InvalidInput(`inputs of type ${type} cannot be generated (Cellflow makes ${TENSOR_TYPES.join(', ')}); give real ones with --inputs`);
  }
}

/** IEEE half-precision bits of a number in [−1, 1] (round to nearest). */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp <= 0) return sign; // below half's normal range: zero is close enough for timing inputs
  return sign | ((exp << 10) + ((mant + 0x1000) >>> 13)); // a carry out of the mantissa bumps the exponent
}
