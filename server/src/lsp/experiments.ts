import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import type { RecordedOutputs } from '../core/pipeline/features/checksBlock';
import { runsToCsv } from '../core/store/csv';
import { jsonSafe } from '../core/store/format';
import { MAX_RUNS_PER_PAGE } from '../core/store/search';
import {
  ExperimentsRequest,
  ExportRunsCsvRequest,
  LineageRequest,
  ModelsRequest,
  RegisterModelRequest,
  RunDetailsRequest,
  RunOutputsRequest,
  RunsRequest,
  SetAliasRequest,
  StoreChangedNotification,
} from '../protocol';
import { onRequest } from './requests';
import type { Store } from '../services/store/store';
import type { RunSummary } from '../core/store/types';
import { folderKey, StoreRegistry } from './stores';

/** Most runs one export or comparison reads: one page of a search. */
const MAX_RUNS = MAX_RUNS_PER_PAGE;

/**
 * The experiment store over LSP: the Runs and Model Registry views, the compare webview and the
 * store commands ask here; the server owns the only native SQLite binding in the editor.
 */
export interface Experiments {
  setFolders(uris: string[]): void;
  /** The columns the last run of a step recorded for each table output; none without a store or a run. */
  recordedOutputs(pipelinePath: string, stepId: string): RecordedOutputs;
  /** The latest run of a pipeline with its step runs, and the root its log paths are relative to. */
  lastPipelineRun(pipelinePath: string): { root: string; run: RunSummary; steps: RunSummary[] } | undefined;
  /** How many runs and model versions descend from a step version (its lineage downstream); none without a store. */
  descendants(pipelinePath: string, stepId: string, version: number): { runs: number; modelVersions: number } | undefined;
  /** Called after any process writes a store (the CLI's runs included). */
  onStoreChanged(listener: () => void): void;
  dispose(): void;
}

export function registerExperiments(connection: Connection): Experiments {
  const listeners: Array<() => void> = [];
  const stores = new StoreRegistry((folder) => {
    void connection.sendNotification(StoreChangedNotification.method, { folder });
    for (const l of listeners) l();
  });
  const handle = <P extends { folder: string }, R>(spec: Parameters<typeof onRequest<P, R>>[1], fn: (p: P) => R) =>
    onRequest(connection, spec, (params: P) => jsonSafe(fn({ ...params, folder: folderKey(params.folder) })));

  handle(ExperimentsRequest, ({ folder }) => {
    const { state, store } = stores.open(folder);
    return { ...state, experiments: store ? stores.use(folder, (s) => s.listExperiments()) : [] };
  });
  handle(RunsRequest, ({ folder, ...query }) => {
    const { store } = stores.open(folder);
    return store ? stores.use(folder, (s) => s.searchRuns(query)) : { runs: [] };
  });
  handle(RunDetailsRequest, ({ folder, runIds, maxPoints }) => ({ runs: stores.use(folder, (s) => s.runDetails(runIds.slice(0, MAX_RUNS), maxPoints)) }));
  handle(RunOutputsRequest, ({ folder, runId }) => stores.use(folder, (s) => s.runOutputs(runId)));
  handle(ModelsRequest, ({ folder }) => {
    const { state, store } = stores.open(folder);
    return { ...state, models: store ? stores.use(folder, (s) => s.listModels()) : [] };
  });
  handle(LineageRequest, ({ folder, kind, id }) => ({ edges: stores.use(folder, (s) => s.lineageOf(kind, id)) }));
  handle(RegisterModelRequest, ({ folder, name, artifactPath, runId }) => stores.use(folder, (s) => s.registerModel(name, artifactPath, runId)));
  handle(SetAliasRequest, ({ folder, name, version, alias }) => {
    stores.use(folder, (s) => s.setAlias(name, version, alias));
    return null;
  });
  handle(ExportRunsCsvRequest, ({ folder, runIds, experiment, filter }) =>
    stores.use(folder, (store) => {
      const runs = runIds ? store.runSummaries(runIds.slice(0, MAX_RUNS)) : store.searchRuns({ experiment, filter, limit: MAX_RUNS }).runs;
      return { csv: runsToCsv(runs), count: runs.length, ...(runs.length === MAX_RUNS ? { capped: MAX_RUNS } : {}) };
    }),
  );

  /** `read` on the store of the folder holding a pipeline, with the pipeline's path as the store keys it; undefined without one. */
  const forPipeline = <T>(pipelinePath: string, read: (store: Store, rel: string, root: string) => T | undefined): T | undefined => {
    const folder = stores.folders().find((f) => pipelinePath.startsWith(f + path.sep));
    if (!folder) return undefined;
    try {
      const { state, store } = stores.open(folder);
      return store ? read(store, path.relative(state.root, pipelinePath).split(path.sep).join('/'), state.root) : undefined;
    } catch {
      return undefined; // a store that cannot be read offers nothing; the Runs view says why
    }
  };

  return {
    setFolders: (uris) => stores.setFolders(uris.map((u) => folderKey(URI.parse(u).fsPath))),
    recordedOutputs: (pipelinePath, stepId) =>
      forPipeline(pipelinePath, (store, rel) => {
        const outputs = store.latestCachedStep(rel, stepId)?.outputs ?? {};
        return Object.fromEntries(Object.entries(outputs).flatMap(([name, o]) => (o.columns?.length ? [[name, o.columns]] : [])));
      }) ?? {},
    lastPipelineRun: (pipelinePath) =>
      forPipeline(pipelinePath, (store, rel, root) => {
        const last = store.lastPipelineRun(rel);
        return last && { root, ...last };
      }),
    descendants: (pipelinePath, stepId, version) =>
      forPipeline(pipelinePath, (store, rel) => {
        const down = store.lineageDown('step-version', `${rel}#${stepId}@${version}`);
        const count = (kind: string) => new Set(down.filter((e) => e.toKind === kind).map((e) => e.toId)).size;
        return { runs: count('run'), modelVersions: count('model-version') };
      }),
    onStoreChanged: (listener) => listeners.push(listener),
    dispose: () => stores.dispose(),
  };
}
