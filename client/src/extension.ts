import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_COMMAND_IDS, type CompareToWebview, type NotebookStep, type RepromoteFromPipeline, type ServerStatus } from '../../server/src/protocol';
import { registerCommands } from './commands';
import { EXPERIMENT_COMMANDS } from './experiments/commandIds';
import type { Experiments } from './experiments/experimentCommands';
import type { DriftView } from './experiments/driftView';
import type { RegistryTree } from './experiments/registryTree';
import type { RunsTree } from './experiments/runsTree';
import type { LanguageServerController } from './languageServer';
import { promoteAndApply, promoteFromEditor } from './promoteCommand';
import { NotebookSync } from './notebookSync';
import type { RunCommands } from './runCommands';
import { StepStatusBar, type RepromoteArgs } from './stepStatusBar';
import { ServerStatusBar, type ServerState } from './statusBar';

/** What the extension exports: used by other extensions and by Cellflow's own editor tests. */
export interface CellflowApi {
  serverState(): ServerState;
  onDidChangeServerState: vscode.Event<ServerState>;
  serverStatus(): Promise<ServerStatus>;
  /** The steps promoted from a notebook, as its cell status bar shows them. */
  notebookSteps(notebook: vscode.NotebookDocument): Promise<NotebookStep[]>;
  /** The Runs and Model Registry views' data, and what the Compare Runs page was last given to draw. */
  experiments(): { runs: RunsTree; registry: RegistryTree; compared(): CompareToWebview | undefined; drift: DriftView };
}

let server: LanguageServerController | undefined;

/**
 * Activation does the least it can: the language client library (most of the client's code) is a
 * separate bundle, loaded and started right after activate() returns. Measured by `npm run bench`.
 */
export function activate(context: vscode.ExtensionContext): CellflowApi {
  const log = vscode.window.createOutputChannel('Cellflow', { log: true });
  const statusBar = new ServerStatusBar();
  context.subscriptions.push(log, statusBar);
  const stateChanged = new vscode.EventEmitter<ServerState>();
  context.subscriptions.push(stateChanged);

  let controller: LanguageServerController | undefined;
  let runs: RunCommands | undefined;
  const ready = new Promise<LanguageServerController>((resolve) => {
    setImmediate(() => {
      // A bundle of its own, loaded after activation returns: a path, so esbuild leaves it to run time.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LanguageServerController: Controller, RunCommands: Runs } = require(path.join(__dirname, 'languageServer.js')) as typeof import('./languageServer');
      controller = new Controller(context, log, statusBar);
      runs = new Runs(context, ready);
      context.subscriptions.push(runs);
      server = controller;
      context.subscriptions.push(controller, controller.onDidChangeState((s) => stateChanged.fire(s)));
      void controller.start();
      resolve(controller);
    });
  });

  registerCommands(context, ready, log);
  // The Runs and Model Registry views, and their commands, are a bundle of their own too: loaded with
  // the language client, or by the first of their commands, whichever comes first.
  let experiments: Experiments | undefined;
  const loadExperiments = (): Experiments => {
    if (!experiments) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { registerExperiments } = require(path.join(__dirname, 'experiments.js')) as typeof import('./experiments/experimentCommands');
      experiments = registerExperiments(context, ready);
    }
    return experiments;
  };
  void ready.then(() => loadExperiments()).catch((err: unknown) => log.error(`Loading the experiment views: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
  for (const id of EXPERIMENT_COMMANDS) context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => loadExperiments().execute(id, args)));
  for (const id of RUN_COMMAND_IDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        await ready;
        return runs!.execute(id, args);
      }),
    );
  }
  const steps = new StepStatusBar(ready);
  context.subscriptions.push(
    steps,
    new NotebookSync(ready),
    vscode.commands.registerCommand('cellflow.promoteCells', async (cell?: unknown) => {
      const result = await promoteFromEditor(ready, cell);
      if (result) steps.refresh();
      return result;
    }),
    vscode.commands.registerCommand('cellflow.repromoteFromPipeline', async (args: RepromoteFromPipeline) => {
      const uri = vscode.Uri.file(path.resolve(path.dirname(args.pipelinePath), args.notebook));
      const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.fsPath === uri.fsPath) ?? (await vscode.workspace.openNotebookDocument(uri));
      const found = (await steps.steps(notebook)).find((s) => s.pipelinePath === args.pipelinePath && s.stepId === args.stepId);
      if (!found || found.cells.length === 0) {
        void vscode.window.showErrorMessage(`Cellflow: the cells of step "${args.stepId}" are no longer in ${vscode.workspace.asRelativePath(uri)}.`);
        return undefined;
      }
      const result = await promoteAndApply(await ready, { notebook, cells: found.cells, pipelinePath: args.pipelinePath, stepId: args.stepId });
      steps.refresh();
      return result;
    }),
    vscode.commands.registerCommand('cellflow.repromoteStep', async (args: RepromoteArgs) => {
      const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === args.notebookUri);
      if (!notebook) return undefined;
      const result = await promoteAndApply(await ready, { notebook, cells: args.cells, pipelinePath: args.pipelinePath, stepId: args.stepId });
      steps.refresh();
      return result;
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cellflow.server.nodePath')) void ready.then((c) => c.restart());
    }),
  );
  return {
    serverState: () => controller?.state ?? { kind: 'starting' },
    onDidChangeServerState: stateChanged.event,
    serverStatus: () => ready.then((c) => c.status()),
    notebookSteps: (notebook) => steps.steps(notebook),
    experiments: () => {
      const e = loadExperiments();
      return { runs: e.runs, registry: e.registry, compared: () => e.compared(), drift: e.drift };
    },
  };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
