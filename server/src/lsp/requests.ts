import { ErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver/node';
import { CellsTaken, isUserError } from '../core/errors';
import type { NotificationSpec, RequestErrorData, RequestSpec } from '../protocol';
import { describeInvalid, paramsSchema } from './requestParams';

/**
 * Registers a handler for a custom request, typed by its spec in the protocol module. Params that are
 * not the request's shape, and errors that are the user's to fix (a file, a value), come back as
 * InvalidParams with a message; anything else is a bug and goes up as one.
 */
export function onRequest<P, R>(connection: Connection, spec: RequestSpec<P, R>, handler: (params: P, token: CancellationToken) => R | Promise<R>): void {
  const schema = paramsSchema(spec.method);
  connection.onRequest(spec.method, async (raw: unknown, token: CancellationToken) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new ResponseError(ErrorCodes.InvalidParams, describeInvalid(spec.method, parsed.error));
    try {
      return await handler(parsed.data as P, token);
    } catch (err) {
      throw asResponseError(err);
    }
  });
}

/** A user error as the InvalidParams answer that carries it, with data the client can act on; a bug as it is. */
export function asResponseError(err: unknown): unknown {
  if (err instanceof CellsTaken) return new ResponseError<RequestErrorData>(ErrorCodes.InvalidParams, err.message, { kind: 'cells-taken', holders: err.holders });
  if (isUserError(err)) return new ResponseError(ErrorCodes.InvalidParams, err.message);
  return err;
}

/** A custom notification's handler; one of the wrong shape is dropped with a line in the log (it has no answer to carry an error). */
export function onNotification<P>(connection: Connection, spec: NotificationSpec<P>, handler: (params: P) => void): void {
  const schema = paramsSchema(spec.method);
  connection.onNotification(spec.method, (raw: unknown) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) connection.console.warn(`ignored ${describeInvalid(spec.method, parsed.error)}`);
    else handler(parsed.data as P);
  });
}
