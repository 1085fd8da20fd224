import type { LatencyStats } from './stats';

/** One provider at one batch size. */
export interface BenchResult extends LatencyStats {
  ep: string;
  batch: number;
  sessionCreateMs: number;
  firstInferenceMs: number;
  iterations: number;
  /** Inferences per second, and samples per second (inferences × batch). */
  throughputPerSec: number;
  samplesPerSec: number;
  /** Peak resident memory of the benchmark process so far, in MB. */
  peakRssMb: number;
  /** GPU memory in use, where the provider says (null: it does not). */
  gpuMemoryMb: number | null;
  /** The last windows agreed within the tolerance; false: stopped at --max-seconds, numbers over every window. */
  stable: boolean;
  windows: number;
  /** Which provider ran the nodes, when a node fell back to another (say so, never silently). */
  note?: string;
  /**
   * Decoder models (a later issue): time to first token, inter-token latency and tokens per second,
   * as genai-perf defines them. Absent for one-shot models.
   */
  generation?: { timeToFirstTokenMs: number; interTokenLatencyMs: number; tokensPerSec: number };
}

export interface BenchEnvironment {
  onnxruntime: string;
  node: string;
  platform: string;
  cpu: string;
  cpus: number;
  gpu: string | null;
  /** Intra-op threads (0: onnxruntime's default, one per core). */
  threads: number;
  graphOptimizationLevel: string;
  /** webgpu only: outputs kept on the GPU (preferredOutputLocation 'gpu-buffer'). */
  outputsOnGpu: boolean;
}

export interface TensorInfo {
  name: string;
  type: string;
  dims: Array<number | string>;
}

export interface Regression {
  ep: string;
  batch: number;
  metric: 'p50Ms' | 'throughputPerSec';
  previous: number;
  current: number;
  /** Relative change, signed the way that hurts: +0.15 is 15% slower or 15% less throughput. */
  change: number;
  /** The earlier result compared with: its model version (when there is one) and id. */
  against: { id: string; model?: string };
}

export interface BenchReport {
  model: { path: string; sha256: string; version?: string; inputs: TensorInfo[]; outputs: TensorInfo[] };
  environment: BenchEnvironment;
  results: BenchResult[];
  unavailable: Array<{ ep: string; reason: string }>;
  regressions: Regression[];
  /** "cpu is fastest at batch 1, webgpu from batch 8". */
  fastest?: string;
}

/** What makes two results comparable besides model, provider and batch: the same machine and runtime. */
export function environmentKey(e: BenchEnvironment): string {
  return [e.onnxruntime, e.platform, e.cpu, e.cpus, e.gpu ?? '', e.threads, e.graphOptimizationLevel, e.outputsOnGpu].join('|');
}
