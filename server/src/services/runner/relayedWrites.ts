import type { StoreRequest } from '../../core/runner/daskProtocol';
import type { Store } from '../store/store';

/**
 * A store write a step on a Dask worker sent (python/cellflow/_relay.py), made here with the store's
 * own methods, so that it is checked and recorded exactly as the same write from a local step is.
 * Returns what the step's call returns (a model version number, an artifact's path). Only the step's
 * own run is reachable from a worker (as cellflow._relay says): a write naming another is refused.
 */
export function applyStoreRequest(store: Store, stepRunId: string, r: StoreRequest): unknown {
  const runId = 'runId' in r ? r.runId : null;
  if (runId && runId !== stepRunId) throw new Error(`a step on a Dask worker can write only its own run (${stepRunId}), not ${runId}`);
  switch (r.op) {
    case 'params':
      return store.logParams(r.runId, r.values);
    case 'tags':
      return store.setTags(r.runId, r.values);
    case 'metrics':
      return store.logMetrics(r.runId, r.metrics);
    case 'artifact':
      return store.logArtifact(r.runId, r.path).path;
    case 'input':
      return store.logInput(r.runId, {
        digest: r.digest,
        ...(r.name !== null ? { name: r.name } : {}),
        ...(r.schema !== null ? { schema: JSON.parse(r.schema) as Array<[string, string]> } : {}),
        ...(r.rows !== null ? { rowCount: r.rows } : {}),
        ...(r.source !== null ? { source: r.source } : {}),
        context: r.context,
      });
    case 'register_model':
      return store.registerModel(r.name, r.path, r.runId ?? undefined).version;
    case 'set_alias':
      return store.setAlias(r.name, r.version, r.alias);
  }
}
