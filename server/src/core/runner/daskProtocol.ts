import { z } from 'zod';

/**
 * What python/cellflow/_dask_driver.py says on stdout, one JSON object a line, and the store writes a
 * step on a worker sends back through it (python/cellflow/_relay.py). Checked here, so that a driver of
 * another version, or a step that writes nonsense, is refused with a message instead of half-applied.
 */

const text = z.string();
const runId = z.string().min(1);
/** JSON has no infinity: the relay sends it as text, as JavaScript names it. */
const metricValue = z.union([z.number(), z.literal('Infinity'), z.literal('-Infinity')]).transform((v) => (typeof v === 'number' ? v : v === 'Infinity' ? Infinity : -Infinity));

export const storeRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('params'), runId, values: z.record(z.string(), text) }),
  z.object({ op: z.literal('tags'), runId, values: z.record(z.string(), text) }),
  z.object({ op: z.literal('metrics'), runId, metrics: z.array(z.object({ key: text, value: metricValue, step: z.number().int(), timestamp: z.number().int() })) }),
  z.object({ op: z.literal('artifact'), runId, path: text }),
  z.object({ op: z.literal('input'), runId, context: text, name: text.nullable(), digest: text, schema: text.nullable(), rows: z.number().int().nullable(), source: text.nullable() }),
  z.object({ op: z.literal('register_model'), name: text, path: text, runId: runId.nullable() }),
  z.object({ op: z.literal('set_alias'), name: text, version: z.number().int(), alias: text }),
]);
export type StoreRequest = z.infer<typeof storeRequest>;

const worker = z.object({ address: text, nthreads: z.number().int().positive(), python: text.optional(), version: text.optional() });
export type DaskWorker = z.infer<typeof worker>;

export const driverEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected'), scheduler: text, workers: z.array(worker) }),
  z.object({ event: z.literal('fatal'), message: text }),
  z.object({ event: z.literal('started'), id: text, worker: text, pid: z.number().int() }),
  z.object({ event: z.literal('log'), id: text, stream: z.enum(['stdout', 'stderr']), text }),
  z.object({ event: z.literal('harness'), id: text, data: z.record(z.string(), z.unknown()) }),
  z.object({ event: z.literal('store'), id: text, request: z.record(z.string(), z.unknown()) }),
  z.object({ event: z.literal('done'), id: text, exit: z.number().int().nullable().optional(), signal: text.nullable().optional(), cancelled: z.boolean().optional(), error: text.optional() }),
]);
export type DriverEvent = z.infer<typeof driverEvent>;

/** A line from the driver, or why it is not one. */
export function parseDriverLine(line: string): { ok: true; event: DriverEvent } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, error: `not JSON: ${line.slice(0, 200)}` };
  }
  const r = driverEvent.safeParse(json);
  return r.success ? { ok: true, event: r.data } : { ok: false, error: `not a driver event (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}): ${line.slice(0, 200)}` };
}

/** A relayed store write, or the message the step sees when it is not one. */
export function parseStoreRequest(request: unknown): { ok: true; request: StoreRequest } | { ok: false; error: string } {
  const r = storeRequest.safeParse(request);
  if (r.success) return { ok: true, request: r.data };
  const op = typeof request === 'object' && request && 'op' in request ? String((request as { op: unknown }).op) : '(none)';
  const issue = r.error.issues[0];
  return { ok: false, error: `Cellflow's store cannot take the ${op} write: ${issue?.path.join('.') || 'op'}: ${issue?.message}` };
}

/**
 * The interpreter the cluster's steps run on, for their cache key: the workers' (all the same), or why
 * not. Keyed so, a step reused locally is reused on the cluster when both run the same Python.
 */
export function clusterPython(workers: DaskWorker[]): { ok: true; path: string; version: string } | { ok: false; error: string } {
  const kinds = new Map(workers.map((w) => [`${w.python} ${w.version}`, w]));
  if (kinds.size !== 1 || !workers[0]?.python || !workers[0].version) {
    return { ok: false, error: `the workers run different Pythons (${[...kinds.keys()].join('; ')}); a step's cached result names its interpreter, so give every worker the same one` };
  }
  return { ok: true, path: workers[0].python, version: workers[0].version };
}
