/**
 * What the store holds, as plain data: the shapes the CLI prints, the language server sends and the
 * webviews draw. No imports, so the protocol module can re-export them to every process.
 */
export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunSummary {
  id: string;
  experiment: string;
  name: string | null;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  pipeline: string | null;
  stepId: string | null;
  stepVersion: number | null;
  gitCommit: string | null;
  /** The pipeline run a step's run belongs to. */
  parentId: string | null;
  params: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface MetricPoint {
  value: number;
  step: number;
  timestamp: number;
}

/** A dataset a run read: keyed by the digest of its content, so the same data logged twice is one dataset. */
export interface RunInput {
  digest: string;
  name: string | null;
  /** JSON: `[[column, type], ...]` in column order, as the logger saw it (a CSV may repeat a name). */
  schema: string | null;
  rowCount: number | null;
  /** Where it was read from: a workspace-relative path, or what the caller said. */
  source: string | null;
  /** Comma-separated: what the run used it for (training, evaluation, ...). */
  context: string | null;
}

/** What a run used and left behind: its input datasets, its artifacts and the model versions registered from it. */
export interface RunOutputs {
  inputs: RunInput[];
  artifacts: Array<{ path: string; sha256: string; size: number }>;
  modelVersions: Array<{ model: string; version: number }>;
}

export interface RunDetail extends RunSummary, RunOutputs {
  /** Each metric's history in step order, thinned for drawing when it is longer than asked for. */
  metricHistory: Record<string, MetricPoint[]>;
  /** How many points each metric has in the store, thinned or not. */
  metricCounts: Record<string, number>;
}

export interface ModelVersion {
  version: number;
  runId: string | null;
  artifactPath: string;
  artifactSha256: string | null;
  createdAt: number;
  aliases: string[];
  /** The latest drift report against this version, when there is one. */
  drift?: { reportId: string; drifted: boolean; share: number; createdAt: number };
  /** The latest benchmark of this version: its fastest result at the smallest batch, and whether it regressed. */
  bench?: { benchmarkId: string; ep: string; batch: number; p50Ms: number; regressed: boolean; createdAt: number };
}

/** A stored benchmark, with its results. */
export interface BenchmarkSummary {
  id: string;
  createdAt: number;
  model: { name: string; version: number } | null;
  modelPath: string;
  modelSha256: string;
  environmentKey: string;
  report: import('../bench/result').BenchReport;
}

/** A stored drift report, without its per-column results. */
export interface DriftReportSummary {
  id: string;
  createdAt: number;
  model: { name: string; version: number } | null;
  reference: string;
  current: string;
  drifted: boolean;
  share: number;
}

export interface ModelSummary {
  name: string;
  description: string | null;
  createdAt: number;
  versions: ModelVersion[];
}

export interface LineageEdge {
  fromKind: string;
  fromId: string;
  toKind: string;
  toId: string;
  relation: string;
  /** 1 for a direct edge into the node asked about, 2 for the one before, and so on. */
  depth: number;
}

export interface ExperimentSummary {
  name: string;
  runs: number;
  /** Start time of its newest run, if any. */
  lastStart: number | null;
}
