import { CELLFLOW_VERSION } from '../core/version';
import type { NativeModuleStatus, ServerStatus } from '../protocol';

const started = Date.now();

export function serverStatus(openDocuments: number): ServerStatus {
  return {
    version: CELLFLOW_VERSION,
    pid: process.pid,
    node: process.version,
    abi: process.versions.modules,
    execPath: process.execPath,
    execArgv: process.execArgv,
    uptimeMs: Date.now() - started,
    openDocuments,
    nativeModules: [probeBetterSqlite3()],
    memory: (({ rss, heapUsed, heapTotal }) => ({ rss, heapUsed, heapTotal }))(process.memoryUsage()),
  };
}

/**
 * Loads better-sqlite3 the way the experiment store will, so an ABI mismatch between this runtime and
 * the module's build shows up here, with the runtime named, rather than as a failure deep in a feature.
 */
function probeBetterSqlite3(): NativeModuleStatus {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(':memory:');
    try {
      const row = db.prepare('select sqlite_version() as v').get() as { v: string };
      return { name: 'better-sqlite3', ok: true, detail: `SQLite ${row.v}` };
    } finally {
      db.close();
    }
  } catch (err) {
    return { name: 'better-sqlite3', ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
