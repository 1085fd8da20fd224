import { z } from 'zod';
import { EXECUTORS } from '../core/runner/executors';
import { MAX_RUNS_PER_PAGE } from '../core/store/search';
import * as P from '../protocol';

/**
 * What each custom request and notification accepts, checked before a handler sees it: a client that
 * sends the wrong shape gets InvalidParams naming the field, never a TypeError from deep inside. The
 * types live in protocol.ts (which the client and webviews import, so it carries no zod); each schema
 * here must produce its message's parameter type, which the compiler checks (`spec`).
 */
type ParamsOf<S> = S extends P.RequestSpec<infer X, unknown> ? X : S extends P.NotificationSpec<infer Y> ? Y : never;

const SCHEMAS = new Map<string, z.ZodType>();

function spec<S extends P.RequestSpec<unknown, unknown> | P.NotificationSpec<unknown>>(message: S, schema: z.ZodType<ParamsOf<S>>): void {
  SCHEMAS.set(message.method, schema);
}

/** The schema of a message's params; every custom message has one (a test sends each a wrong shape). */
export function paramsSchema(method: string): z.ZodType {
  const schema = SCHEMAS.get(method);
  if (!schema) throw new Error(`no params schema for ${method}`);
  return schema;
}

export function customMethods(): string[] {
  return [...SCHEMAS.keys()];
}

const text = z.string();
const names = z.array(z.string());
const cellIndices = z.array(z.number().int().nonnegative());
const snapshot = z.object({
  path: text,
  language: text.optional(),
  cells: z.array(z.object({ kind: z.enum(['code', 'markdown', 'raw']), source: text, id: text.optional(), tags: names })),
});
const scope = { folder: text };
const page = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

spec(P.ServerStatusRequest, z.null().or(z.undefined()).transform(() => null));
spec(P.PromoteRequest, z.object({ notebook: snapshot, cells: cellIndices, stepId: text.optional(), pipelinePath: text, move: z.boolean().optional() }));
spec(P.SuggestStepRequest, z.object({ notebook: snapshot, cells: cellIndices, pipelinePath: text }));
spec(P.NotebookStepsRequest, z.object({ notebook: snapshot }));
spec(P.NotebookChangedNotification, z.object({ notebook: snapshot }));
spec(P.NotebookClosedNotification, z.object({ path: text }));
spec(P.ExperimentsRequest, z.object(scope));
const runsQuery = { experiment: text.optional(), topLevel: z.boolean().optional(), parentId: text.optional(), filter: text.optional(), orderBy: text.optional() };
spec(P.RunsRequest, z.object({ ...scope, ...runsQuery, limit: z.number().int().min(1).max(MAX_RUNS_PER_PAGE).optional(), offset: page.optional() }));
spec(P.RunDetailsRequest, z.object({ ...scope, runIds: names, maxPoints: z.number().int().positive().optional() }));
spec(P.RunOutputsRequest, z.object({ ...scope, runId: text }));
spec(P.ModelsRequest, z.object(scope));
spec(P.LineageRequest, z.object({ ...scope, kind: text, id: text }));
spec(P.RegisterModelRequest, z.object({ ...scope, name: text, artifactPath: text, runId: text.optional() }));
spec(P.SetAliasRequest, z.object({ ...scope, name: text, version: z.number().int().positive(), alias: text }));
spec(P.ExportRunsCsvRequest, z.object({ ...scope, runIds: names.optional(), experiment: text.optional(), filter: text.optional() }));
const selection = z.discriminatedUnion('kind', [z.object({ kind: z.literal('all') }), z.object({ kind: z.enum(['step', 'from']), id: text })]);
spec(
  P.RunPipelineRequest,
  z.object({
    uri: text,
    selection,
    force: z.boolean().optional(),
    executor: z.enum(EXECUTORS).optional(),
    python: text.optional(),
    jupyterUrl: text.optional(),
    jupyterToken: text.optional(),
    dask: z.object({ scheduler: text.optional(), schedulerFile: text.optional(), tlsCa: text.optional(), tlsCert: text.optional(), tlsKey: text.optional() }).optional(),
    runToken: text,
  }),
);
spec(
  P.DriftRequest,
  z.object({ ...scope, reference: z.discriminatedUnion('kind', [z.object({ kind: z.literal('model'), model: text }), z.object({ kind: z.literal('file'), path: text })]), current: text, python: text.optional(), progressToken: text.optional() }),
);
spec(P.DriftHistoryRequest, z.object({ ...scope, model: text }));
spec(
  P.BenchRequest,
  z.object({
    ...scope,
    model: z.discriminatedUnion('kind', [z.object({ kind: z.literal('model'), model: text }), z.object({ kind: z.literal('file'), path: text })]),
    eps: z.array(text).min(1),
    batches: z.array(z.number().int().positive()).min(1),
    progressToken: text.optional(),
    maxSeconds: z.number().positive().optional(),
  }),
);
spec(P.BenchProvidersRequest, z.object(scope));
spec(P.MaturityRequest, z.object(scope));
spec(P.LineageGraphRequest, z.object({ ...scope, ref: text }));
spec(P.CiWorkflowRequest, z.object(scope));
spec(P.AddChecksRequest, z.object({ uri: text, stepId: text }));
spec(
  P.SweepRequest,
  z.object({
    ...scope,
    pipeline: text,
    params: z.array(text).min(1).max(32),
    strategy: z.enum(['grid', 'random']).optional(),
    trials: z.number().int().min(1).max(100_000).optional(),
    metric: text.optional(),
    goal: z.enum(['min', 'max']).optional(),
    python: text.optional(),
    progressToken: text.optional(),
  }),
);
spec(P.BenchHistoryRequest, z.object({ ...scope, model: text }));
spec(P.WorkspaceTrustedNotification, z.object({ trusted: z.literal(true) }));

/** `cellflow/runs: limit: expected number, received string`, for the first thing wrong. */
export function describeInvalid(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.map(String).join('.') : 'params';
  return `${method}: ${where}: ${issue.message}`;
}
