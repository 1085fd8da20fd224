import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { FileProblem } from '../../core/errors';
import { FOREIGN_CHECK, MIGRATIONS, SCHEMA_VERSION } from '../../core/store/schema';

/** A store that cannot be used as it is, named by its path; never a reason to overwrite it. */
export class StoreError extends FileProblem {}

const SQLITE_HEADER = 'SQLite format 3\u0000';

export interface OpenOptions {
  /** Create the file (and its folder) when missing. Default true. */
  create?: boolean;
  readonly?: boolean;
}

/**
 * Opens (or creates) a store file: WAL so that readers never wait for writers, a busy timeout so that
 * concurrent writers queue instead of failing, foreign keys on, and the schema migrated forward. A file
 * that is not SQLite, is damaged, or was written by a newer Cellflow is refused untouched.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  const exists = fs.existsSync(file);
  if (exists) {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(16);
      const read = fs.readSync(fd, head, 0, 16, 0);
      if (read > 0 && head.subarray(0, read).toString('latin1') !== SQLITE_HEADER.slice(0, read)) {
        throw new StoreError(file, `is not a Cellflow store (not an SQLite database); Cellflow will not touch it. Move it away, or point CELLFLOW_STORE at another file`);
      }
    } finally {
      fs.closeSync(fd);
    }
  } else if (options.create === false) {
    throw new StoreError(file, 'no store here yet: nothing has been logged in this workspace');
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  let db: Database.Database;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw new StoreError(file, `cannot be opened: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 10000');
    // Reading the schema touches the file's first pages: a damaged file says so here. Refusals come
    // before anything that writes (switching to WAL rewrites the header).
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    refuseForeign(db, file);
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // The file may come with a cloned repository: never let its schema run functions on our behalf.
    db.pragma('trusted_schema = OFF');
    migrate(db, file, options.readonly ?? false);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = (err as { code?: string }).code ?? '';
    const damaged = /CORRUPT|NOTADB/.test(code);
    throw new StoreError(file, damaged ? `is damaged (${(err as Error).message}); Cellflow will not write to it. Restore it from a backup or move it away` : `cannot be used: ${(err as Error).message}`);
  }
  return db;
}

/** A store from a newer Cellflow, or the SQLite database of another program: neither is ours to change. */
function refuseForeign(db: Database.Database, file: string): void {
  const { version: current, tables, ours } = db.prepare(FOREIGN_CHECK).get() as { version: number; tables: number; ours: number };
  if (current > SCHEMA_VERSION) {
    throw new StoreError(file, `was written by a newer Cellflow (store schema v${current}; this Cellflow knows up to v${SCHEMA_VERSION}). Update Cellflow; it will not downgrade the store`);
  }
  // Version 0 with no tables is a new, empty file. Tables at version 0, or a version without our
  // tables, belong to another program (many set user_version).
  if ((current === 0 && tables > 0) || (current > 0 && ours < 2)) {
    throw new StoreError(file, 'is an SQLite database of something else (it has tables, but no Cellflow schema); Cellflow will not touch it. Point CELLFLOW_STORE at another file');
  }
}

function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const current = version();
  if (current === SCHEMA_VERSION) return;
  if (readonly) throw new StoreError(file, `needs its schema upgraded from v${current} to v${SCHEMA_VERSION}, which a read-only open cannot do`);
  // IMMEDIATE takes the write lock first, so that two processes opening a new store migrate it once.
  db.transaction(() => {
    const at = version();
    for (const m of MIGRATIONS) {
      if (m.version <= at) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
