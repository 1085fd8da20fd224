/** What the assessment looks at, gathered from the workspace's files and its store (services do that). */
export interface Evidence {
  /** The workspace is a git repository (a .git folder at or above its root). */
  git: boolean;
  pipelines: Array<{ file: string; steps: number; promotedSteps: number; checks: number; stepsWithoutChecks: string[] }>;
  runs: number;
  pipelineRuns: number;
  models: Array<{ name: string; versions: number; aliases: string[] }>;
  /** `name@version` of each version the production alias (or champion) points at. */
  production: string[];
  /** Production versions with at least one drift report. */
  productionChecked: string[];
  benchmarks: number;
  workflows: Array<{ file: string; lints: boolean; runs: boolean; drift: boolean; bench: boolean; scheduled: boolean; onData: boolean }>;
  /** Model versions registered after a drift report of an earlier version of the same model drifted. */
  retrainedAfterDrift: string[];
  sweeps: number;
  /** Production versions whose lineage reaches back to a notebook cell through a step version and a run. */
  fullLineage: string[];
}
