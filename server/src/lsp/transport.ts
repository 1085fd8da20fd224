import { format } from 'node:util';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';

/**
 * The server's connection over stdio (the only transport the extension and the tests start it with),
 * with the reader in our hands:
 * - a framing error (bytes that are not an LSP message header) makes the server exit non-zero with the
 *   reason, so the client says why and can start a fresh one; vscode-jsonrpc would otherwise drop the
 *   rest of its input and leave the server deaf;
 * - the client going away (stdin closed without a shutdown) ends the server cleanly: nothing it holds is
 *   unsaved, so that is not a crash (vscode-languageserver exits 1 there).
 * stdout carries the protocol, so console output goes to the client's log instead.
 */
export function stdioConnection(dieWith: (reason: string) => never, beforeExit: () => void): Connection {
  const reader = new StreamMessageReader(process.stdin);
  const connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  reader.onError((err) => dieWith(`its input is not the Language Server Protocol (${err.message.split('\n')[0]}); the editor can start a fresh server`));
  reader.onClose(() => {
    beforeExit();
    process.exit(0);
  });
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const send = level === 'debug' ? 'log' : level;
    // The one place that touches console: to send what dependencies print to the client's log.
    // eslint-disable-next-line no-console
    console[level] = (...args: unknown[]) => connection.console[send](format(...args));
  }
  return connection;
}
