import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLES, ROOT } from '../support/paths';
import { startCodeServer, type CodeServer } from './codeServer';
import { openWorkbench } from './workbench';
import { unpromoteExample } from '../support/workspace';

export interface SuiteResult {
  exitCode: number;
  log: string[];
}

export interface SuiteOptions {
  /** Compiled suite module exporting run(), e.g. out/test/editor/index.js */
  suite: string;
  /** Workspace to open; by default a fresh copy of examples/ (tests may write into it). */
  workspace?: string;
  /** A running code-server to reuse; otherwise one is started and stopped for this run. */
  server?: CodeServer;
  timeoutMs?: number;
  onLog?: (line: string) => void;
}

/** Runs an extension-host mocha suite in the real editor and returns its exit code and console output. */
export async function runEditorSuite(options: SuiteOptions): Promise<SuiteResult> {
  const log: string[] = [];
  const workspace = options.workspace ?? copyExamples();
  const server = options.server ?? (await startCodeServer());
  const timeoutMs = options.timeoutMs ?? 180_000;
  const workbench = await openWorkbench(server, {
    folder: workspace,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.resolve(options.suite),
    onLog: (line) => {
      log.push(line);
      options.onLog?.(line);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        log.push(`[harness] the suite did not finish within ${timeoutMs} ms`);
        resolve(124);
      }, timeoutMs);
    });
    const exitCode = await Promise.race([workbench.exitCode, timeout]);
    return { exitCode, log };
  } finally {
    clearTimeout(timer);
    await workbench.close();
    if (!options.server) await server.stop();
    if (!options.workspace) fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** A scratch copy of the examples workspace, unpromoted unless asked. */
export function copyExamples(options: { promoted?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-workspace-'));
  // Without what `npm start` adds there (the example runs' store and models): each test logs its own.
  const local = new Set(['.cellflow', 'models'].map((f) => path.join(EXAMPLES, f)));
  fs.cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => !local.has(src) });
  if (!options.promoted) unpromoteExample(dir);
  return dir;
}
