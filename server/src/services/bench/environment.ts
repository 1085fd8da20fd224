import * as fs from 'node:fs';
import * as os from 'node:os';
import type { BenchEnvironment } from '../../core/bench/result';
import { runtime } from './onnxRuntime';

/** The machine and runtime a result belongs to: results are compared only within the same one. */
export function environment(o: { threads: number; graphOptimizationLevel: string; outputsOnGpu: boolean }): BenchEnvironment {
  const cpus = os.cpus();
  return {
    onnxruntime: runtime().env.versions.node ?? runtime().env.versions.common,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    gpu: gpuName(),
    threads: o.threads,
    graphOptimizationLevel: o.graphOptimizationLevel,
    outputsOnGpu: o.outputsOnGpu,
  };
}

/** The NVIDIA driver's name for the first GPU (/proc, no process started), else null. */
function gpuName(): string | null {
  try {
    const dir = '/proc/driver/nvidia/gpus';
    const first = fs.readdirSync(dir)[0];
    const info = fs.readFileSync(`${dir}/${first}/information`, 'utf8');
    return /^Model:\s*(.+)$/m.exec(info)?.[1].trim() ?? null;
  } catch {
    return null;
  }
}
