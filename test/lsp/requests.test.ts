import * as assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc/node';
import * as protocol from '../../server/src/protocol';
import { ServerStatusRequest, type ServerStatus } from '../../server/src/protocol';
import { customMethods } from '../../server/src/lsp/requestParams';
import { LspClient } from '../support/lspClient';

/** Params of the wrong shape for every custom message: each field a request takes, as the wrong type. */
const WRONG = { folder: 42, notebook: 'not a notebook', path: 7, cells: 'all', runIds: 'abc', runId: 5, pipelinePath: [], name: null, version: '1', alias: 3, limit: 'ten' };

describe('custom requests with params of the wrong shape', function () {
  this.timeout(30_000);
  let lsp: LspClient;
  before(async () => {
    lsp = new LspClient();
    await lsp.initialize();
  });
  after(() => lsp.kill());

  it('cover every custom message the protocol declares, client to server', () => {
    const declared = Object.values(protocol).flatMap((v) => (typeof v === 'object' && v !== null && 'method' in v && typeof v.method === 'string' ? [v.method] : []));
    // The messages the server sends rather than takes.
    const fromServer = [protocol.StoreChangedNotification.method, protocol.RunEventNotification.method, protocol.DriftProgressNotification.method, protocol.BenchProgressNotification.method, protocol.SweepProgressNotification.method];
    const toServer = declared.filter((m) => !fromServer.includes(m));
    assert.deepEqual([...customMethods()].sort(), toServer.sort());
  });

  for (const method of customMethods()) {
    const isNotification = [protocol.NotebookChangedNotification, protocol.NotebookClosedNotification, protocol.WorkspaceTrustedNotification].some((n) => n.method === method);
    it(`${method}: ${isNotification ? 'dropped without harm' : 'answered InvalidParams naming the field, not a JavaScript error'}`, async () => {
      if (isNotification) {
        await lsp.connection.sendNotification(method, WRONG);
      } else {
        const err = await lsp.connection.sendRequest(method, WRONG).then(
          () => assert.fail('answered as if the params were fine'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof ResponseError, String(err));
        assert.equal(err.code, -32602, err.message);
        assert.match(err.message, new RegExp(`^${method}: \\w+: `));
        assert.doesNotMatch(err.message, /TypeError|Cannot read|undefined is not|at \w+ \(/);
      }
      const status = await lsp.request(ServerStatusRequest, null) as ServerStatus;
      assert.equal(status.pid, lsp.process.pid, 'the server still answers');
    });
  }
});
