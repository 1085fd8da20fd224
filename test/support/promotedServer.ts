import { URI } from 'vscode-uri';
import { LspClient } from './lspClient';
import { promotedWorkspace } from './promotedWorkspace';

export interface PromotedServer {
  lsp: LspClient;
  ws: Awaited<ReturnType<typeof promotedWorkspace>>;
  /** The pipeline's URI. */
  uri: string;
}

/**
 * Mocha hooks giving each test a promoted workspace and a language server initialized on it; the
 * returned object is filled in before each test.
 */
export function usePromotedServer(): PromotedServer {
  const ctx = {} as PromotedServer;
  beforeEach(async () => {
    ctx.ws = await promotedWorkspace();
    ctx.lsp = new LspClient();
    await ctx.lsp.initialize(ctx.ws.dir);
    ctx.uri = URI.file(ctx.ws.pipeline).toString();
  });
  afterEach(() => {
    ctx.lsp?.kill();
    ctx.ws?.cleanup();
  });
  return ctx;
}
