import type { Connection } from 'vscode-languageserver/node';
import type { RequestSpec } from '../protocol';

/** Registers a handler for a custom request, typed by its spec in the protocol module. */
export function onRequest<P, R>(connection: Connection, spec: RequestSpec<P, R>, handler: (params: P) => R | Promise<R>): void {
  connection.onRequest(spec.method, (params: P) => handler(params));
}
