/** The editor commands that run pipelines: the server's lenses name them, the client registers them. */
export const RUN_COMMANDS = {
  runPipeline: 'cellflow.runPipeline',
  runStep: 'cellflow.runStep',
  runFromHere: 'cellflow.runFromHere',
  cancelRun: 'cellflow.cancelRun',
  openStepLog: 'cellflow.openStepLog',
  setJupyterToken: 'cellflow.setJupyterToken',
} as const;

export type RunCommand = (typeof RUN_COMMANDS)[keyof typeof RUN_COMMANDS];

/**
 * Every run command. The activation bundle registers each as a stub that loads the run commands
 * (with the language client's bundle) on first use, so activation stays small.
 */
export const RUN_COMMAND_IDS: readonly RunCommand[] = Object.values(RUN_COMMANDS);
