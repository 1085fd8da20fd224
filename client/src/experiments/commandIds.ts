/**
 * Commands over the experiment store. The activation bundle registers each of these as a stub that
 * loads the experiments bundle (views, webview host) on first use, so activation stays small.
 */
export const EXPERIMENT_COMMANDS = [
  'cellflow.refreshExperiments',
  'cellflow.showMoreRuns',
  'cellflow.compareRuns',
  'cellflow.exportRunsCsv',
  'cellflow.registerModel',
  'cellflow.setAlias',
  'cellflow.revealRun',
  'cellflow.revealModelVersion',
  'cellflow.openStep',
  'cellflow.copyPythonPath',
  'cellflow.benchmarkModel',
  'cellflow.showLineage',
  'cellflow.refreshMaturity',
  'cellflow.maturityNextStep',
  'cellflow.sweepPipeline',
  'cellflow.registerBestRun',
] as const;

export type ExperimentCommand = (typeof EXPERIMENT_COMMANDS)[number];
