import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import type { TensorInfo } from '../../core/bench/result';

type Ort = typeof import('onnxruntime-node');
export type Session = import('onnxruntime-node').InferenceSession;

let ort: Ort | undefined;

/** onnxruntime-node, loaded on first use: a native module, only ever in the CLI's process. */
export async function loadRuntime(): Promise<Ort> {
  ort ??= await import('onnxruntime-node');
  return ort;
}

/** The runtime once loadRuntime() has loaded it. */
export function runtime(): Ort {
  if (!ort) throw new Error('onnxruntime-node is used before loadRuntime()');
  return ort;
}

/** An Identity model of one float, encoded once (onnx-proto): enough to ask a provider whether it can start here. */
const PROBE_MODEL = Buffer.from('CAgSCGNlbGxmbG93OjsKEAoBeBIBeSIISWRlbnRpdHkSBXByb2JlWg8KAXgSCgoICAESBAoCCAFiDwoBeRIKCggIARIECgIIAUIECgAQEQ==', 'base64');

export interface Providers {
  present: string[];
  unavailable: Array<{ ep: string; reason: string }>;
}

/**
 * The execution providers this onnxruntime-node offers and can start on this machine. One that is
 * not bundled (cuda, tensorrt) is there when its library is; each one wanted (all, by default) is
 * tried on a one-node model, so "bundled but no GPU" is said up front, with the reason.
 */
export async function providers(wanted?: string[]): Promise<Providers> {
  const o = await loadRuntime();
  const present: string[] = [];
  const unavailable: Providers['unavailable'] = [];
  for (const b of o.listSupportedBackends()) {
    if (!b.bundled && !fs.existsSync(path.join(binaryDir(), `libonnxruntime_providers_${b.name}.so`))) {
      unavailable.push({ ep: b.name, reason: providerError(b.name, '', false) });
      continue;
    }
    if (wanted && !wanted.includes(b.name) && b.name !== 'cpu') continue; // cpu always: the fallback to name
    try {
      const s = await o.InferenceSession.create(PROBE_MODEL, { executionProviders: [b.name], logSeverityLevel: 4 });
      await s.release();
      present.push(b.name);
    } catch (err) {
      unavailable.push({ ep: b.name, reason: providerError(b.name, (err as Error).message, b.bundled) });
    }
  }
  return { present, unavailable };
}

/** Where onnxruntime-node keeps this platform's libraries. */
function binaryDir(): string {
  return path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why a provider cannot start, in words, from onnxruntime's message. */
export function providerError(ep: string, message: string, bundled = true): string {
  if (/WebGPU adapter|No supported adapters/i.test(message)) return 'bundled, but this machine offers no WebGPU adapter (no GPU, or no Vulkan driver: libvulkan1 and the GPU vendor\'s ICD)';
  if (/Failed to load shared library|cannot open shared object|Failed to load library/i.test(message) || !bundled) {
    return `not installed: onnxruntime-node fetches the ${ep} provider at install time only when asked (ONNXRUNTIME_NODE_INSTALL_CUDA=v12 npm install onnxruntime-node), and libonnxruntime_providers_${ep}.so is not in ${binaryDir()}`;
  }
  return firstLine(message);
}

export interface OpenOptions {
  ep: string;
  threads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  outputsOnGpu: boolean;
}

/** A session on the model for one provider; an unreadable model or a provider that fails is an InvalidInput naming the file and the cause. */
export async function openSession(file: string, shownAs: string, o: OpenOptions): Promise<Session> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new InvalidInput(`${shownAs}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return await (await loadRuntime()).InferenceSession.create(bytes, {
      executionProviders: [o.ep],
      graphOptimizationLevel: o.graphOptimizationLevel,
      ...(o.threads > 0 ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
      ...(o.outputsOnGpu && o.ep === 'webgpu' ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new InvalidInput(`${shownAs}: ${modelError((err as Error).message, o.ep)}`);
  }
}

/** onnxruntime's load and run errors, said plainly. */
export function modelError(message: string, ep: string): string {
  if (/protobuf parsing failed|ModelProto|Invalid model|Load model .* failed|No graph was found/i.test(message)) return 'not an ONNX model, or a truncated one (onnxruntime could not parse it)';
  if (/WebGPU adapter|Failed to load shared library|Failed to load library|cannot open shared object/i.test(message)) return `the ${ep} provider cannot start here: ${providerError(ep, message)}`;
  if (/bad_alloc|Failed to allocate|out of memory|OOM/i.test(message)) return `out of memory on ${ep} (${firstLine(message)}): try a smaller batch`;
  const invalidDims = /Got invalid dimensions for input: (\S+) for the following indices\s+index: (\d+) Got: (\d+) Expected: (\d+)/.exec(message);
  if (invalidDims) return `input ${invalidDims[1]}: dimension ${invalidDims[2]} is ${invalidDims[3]}, the model expects ${invalidDims[4]}`;
  if (/Could not find an implementation|NOT_IMPLEMENTED/i.test(message)) return `${ep} has no kernel for an operator of this model (${firstLine(message)})`;
  return firstLine(message);
}

function firstLine(message: string): string {
  // onnxruntime prefixes its source location: keep what it says, not where.
  return message.split('\n')[0].replace(/^\/onnxruntime_src\/\S+ \S+ /, '').replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '').trim();
}

/** The model's inputs and outputs as its metadata gives them (symbolic dims as their names). */
export function tensors(session: Session): { inputs: TensorInfo[]; outputs: TensorInfo[] } {
  const of = (meta: ReadonlyArray<{ name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> }>) => meta.map((m) => ({ name: m.name, type: m.isTensor ? String(m.type) : 'non-tensor', dims: [...(m.shape ?? [])] }));
  return { inputs: of(session.inputMetadata as never), outputs: of(session.outputMetadata as never) };
}
