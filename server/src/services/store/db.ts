import * as fs from 'node:fs';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { FileProblem } from '../../core/errors';
import { fill, STORE_DAMAGED, STORE_DISK_FULL, STORE_LINKED_OUT, STORE_LOCKED, STORE_NOT_A_FILE, STORE_READ_ONLY, STORE_WRITE_FAILED } from '../../core/store/refusals';
import { FOREIGN_CHECK, MIGRATIONS, SCHEMA_VERSION } from '../../core/store/schema';
import { storeLinkedOut } from '../../io/storeLocation';
import { describeKind } from '../../io/workspaceFile';

/** What is wrong with a store, for callers that act on it (a read-only store can still be read). */
export type StoreProblem = 'damaged' | 'read-only' | 'needs-upgrade' | 'other';

/** A store that cannot be used as it is, named by its path; never a reason to overwrite it. */
export class StoreError extends FileProblem {
  constructor(file: string, detail: string, readonly problem: StoreProblem = 'other') {
    super(file, detail);
  }
}

const SQLITE_HEADER = 'SQLite format 3\u0000';
const BUSY_SECONDS = 10;
/** The largest store read into memory when its folder cannot be written (see readOnlySnapshot). */
export const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

export interface OpenOptions {
  /** Create the file (and its folder) when missing. Default true. */
  create?: boolean;
  /** Read only: no WAL switch, no migration, nothing written (the store's folder may not be writable). */
  readonly?: boolean;
  /** The workspace: a store path inside it must not lead out of it through a link. */
  workspaceRoot?: string;
}

/**
 * Opens (or creates) a store file: WAL so that readers never wait for writers, a busy timeout so that
 * concurrent writers queue instead of failing, foreign keys on, and the schema migrated forward. A file
 * that is not SQLite, is damaged, or was written by a newer Cellflow is refused untouched.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  const readonly = options.readonly ?? false;
  if (options.workspaceRoot !== undefined) refuseLinkedOut(file, options.workspaceRoot);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  // A folder or a FIFO is never opened (opening a FIFO would wait for a writer).
  if (stat && !stat.isFile()) throw new StoreError(file, fill(STORE_NOT_A_FILE, { kind: describeKind(stat) }));
  if (stat) {
    refuseNonSqlite(file);
  } else if (options.create === false || readonly) {
    throw new StoreError(file, 'no store here yet: nothing has been logged in this workspace');
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  let db: Database.Database;
  try {
    db = new BetterSqlite3(file, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new StoreError(file, `cannot be opened: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_SECONDS * 1000}`);
    // Reading the schema touches the file's first pages: a damaged file says so here. Refusals come
    // before anything that writes (switching to WAL rewrites the header).
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      const snapshot = readonly ? readOnlySnapshot(file, err) : undefined;
      if (!snapshot) throw err;
      db.close();
      db = snapshot;
    }
    refuseForeign(db, file);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // The file may come with a cloned repository: never let its schema run functions on our behalf.
    db.pragma('trusted_schema = OFF');
    migrate(db, file, readonly);
  } catch (err) {
    db.close();
    throw storeFailure(file, err);
  }
  return db;
}

/** Refuses a store path inside the workspace that a symbolic link leads out of it (io/storeLocation's rule). */
export function refuseLinkedOut(file: string, workspaceRoot: string): void {
  const target = storeLinkedOut(file, workspaceRoot);
  if (target !== undefined) throw new StoreError(file, fill(STORE_LINKED_OUT, { root: workspaceRoot, target }));
}

function refuseNonSqlite(file: string): void {
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
}

/**
 * A WAL store read only, in a folder this process cannot write, when SQLite refused it. SQLite reads a
 * WAL database through its -shm index. When the last writer closed cleanly, -wal and -shm are gone and
 * SQLite cannot create -shm here (SQLITE_READONLY_DIRECTORY or SQLITE_CANTOPEN); better-sqlite3 takes
 * no URI, so `?immutable=1` is not an option. But with no -wal, the main file holds every committed page:
 * a copy of it in memory, marked as a rollback-journal database, is the store as it stands. When -wal
 * and -shm exist (a writer is open, or crashed) SQLite reads them itself, read-only, and this is not
 * needed; -wal without -shm cannot be read here, and stays refused.
 */
function readOnlySnapshot(file: string, err: unknown): Database.Database | undefined {
  const code = (err as { code?: string }).code ?? '';
  if (!/^SQLITE_(READONLY|CANTOPEN)/.test(code)) return undefined;
  if (walHasFrames(file)) {
    throw new StoreError(file, `cannot be read from a folder this process cannot write (${(err as Error).message}): its last changes are in ${path.basename(file)}-wal, which SQLite reads only with ${path.basename(file)}-shm beside it, and it cannot create that here. Open the store once where it can be written`, 'read-only');
  }
  const size = fs.statSync(file).size;
  if (size > MAX_SNAPSHOT_BYTES) {
    throw new StoreError(file, `cannot be read from a folder this process cannot write (${(err as Error).message}): it is ${Math.round(size / 1024 / 1024)} MB, more than Cellflow copies into memory for it. Open it once where it can be written, or copy it elsewhere`, 'read-only');
  }
  const bytes = fs.readFileSync(file);
  // A writer that started meanwhile left a -wal: the copy may be torn, and SQLite can read the store now.
  if (walHasFrames(file) || bytes.subarray(0, 16).toString('latin1') !== SQLITE_HEADER) return undefined;
  // Bytes 18 and 19 are the file format's write and read versions: 2 is WAL, 1 a rollback journal.
  if (bytes[18] === 2) bytes[18] = 1;
  if (bytes[19] === 2) bytes[19] = 1;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new BetterSqlite3(bytes, { readonly: true });
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  return db;
}

function walHasFrames(file: string): boolean {
  return (fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0;
}

/**
 * What SQLite said about a store file, as a StoreError that names the file and is worded as the Python
 * client words it (refusals.ts); anything that is not an SQLite error is returned as it is. The CLI and
 * the language server pass every error from a store through this, so a damaged page deep in the file
 * reads as a message, not a stack trace.
 */
export function storeFailure(file: string, err: unknown): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const error = err.message;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return new StoreError(file, fill(STORE_DAMAGED, { error }), 'damaged');
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new StoreError(file, fill(STORE_LOCKED, { seconds: String(BUSY_SECONDS) }));
  if (code === 'SQLITE_FULL') return new StoreError(file, fill(STORE_DISK_FULL, { error }));
  if (/^SQLITE_IOERR_(READ|SHORT_READ)/.test(code)) return new StoreError(file, `cannot be read (${error})`);
  if (code.startsWith('SQLITE_IOERR')) return new StoreError(file, fill(STORE_WRITE_FAILED, { error }));
  if (code.startsWith('SQLITE_READONLY')) return new StoreError(file, fill(STORE_READ_ONLY, { error }), 'read-only');
  if (code.startsWith('SQLITE_CANTOPEN')) return new StoreError(file, `cannot be opened (${error})`, 'read-only');
  return new StoreError(file, `cannot be used: ${error}`);
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
  if (readonly) throw new StoreError(file, `needs its schema upgraded from v${current} to v${SCHEMA_VERSION}, which a read-only open cannot do`, 'needs-upgrade');
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
