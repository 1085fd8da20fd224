import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError, storeFailure } from '../services/store/db';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { Store } from '../services/store/store';
import type { StoreState } from '../protocol';

/** How often the store files are stat'ed for writes by other processes (the Python client, the CLI). */
const POLL_MS = 250;
const SETTLE_MS = 100;

interface Entry {
  /** The workspace root the store's paths are relative to, found the way the CLI and Python find it. */
  root: string;
  file: string;
  store?: Store;
  /** The inode opened: a store deleted or replaced on disk is reopened. */
  ino?: number;
  /** The open store's change stamp when the views were last told: see changedSince(). */
  stamp?: string;
  problem?: string;
  unwatch: () => void;
}

/**
 * The experiment store of each workspace folder, opened on first use and never created by reading,
 * watched so that writes from any process reach the views. fs.watchFile polls stat(), which sees
 * files that do not exist yet and the WAL file that every commit grows, where inotify watches would
 * need the folder to exist first.
 */
export class StoreRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly onChange: (folder: string) => void) {}

  /** Keeps one entry per workspace folder; folders that went away are closed. */
  setFolders(folders: string[]): void {
    for (const [folder, entry] of this.entries) {
      if (!folders.includes(folder)) {
        this.close(entry);
        this.entries.delete(folder);
      }
    }
    for (const folder of folders) if (!this.entries.has(folder)) this.entries.set(folder, this.watch(folder));
  }

  folders(): string[] {
    return [...this.entries.keys()];
  }

  /** The folder's store (undefined when nothing has been logged there) and its state. */
  open(folder: string): { state: StoreState; store?: Store } {
    const entry = this.entries.get(folder);
    if (!entry) throw new StoreError(folder, 'is not a folder of this workspace');
    const state = (): StoreState => ({ storePath: entry.file, root: entry.root, exists: fs.existsSync(entry.file), ...(entry.problem ? { problem: entry.problem } : {}) });
    if (entry.store || entry.problem) return { state: state(), store: entry.store };
    if (!fs.existsSync(entry.file)) return { state: state() };
    try {
      entry.store = openStore(entry);
      entry.ino = fs.statSync(entry.file).ino;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      entry.problem = err.message;
    }
    return { state: state(), store: entry.store };
  }

  /**
   * Runs `use` on the folder's store; what SQLite says about the file becomes a StoreError naming it.
   * A store found damaged is closed and its problem kept, so the views show it instead of the runs.
   */
  use<T>(folder: string, use: (store: Store) => T): T {
    const store = this.require(folder);
    try {
      return use(store);
    } catch (err) {
      const failure = storeFailure(store.file, err);
      const entry = this.entries.get(folder);
      if (failure instanceof StoreError && failure.problem === 'damaged' && entry?.store === store) {
        store.close();
        entry.store = undefined;
        entry.problem = failure.message;
      }
      throw failure;
    }
  }

  /** The folder's store, or a clear error when there is none to use. */
  require(folder: string): Store {
    const { state, store } = this.open(folder);
    if (store) return store;
    throw new StoreError(state.storePath, state.problem ?? 'no store here yet: nothing has been logged in this workspace');
  }

  dispose(): void {
    for (const entry of this.entries.values()) this.close(entry);
    this.entries.clear();
  }

  private watch(folder: string): Entry {
    // A folder inside a repository logs where Python run from it logs: the nearest .cellflow/ or .git up.
    const root = findWorkspaceRoot(folder);
    const file = storePath(root);
    const entry: Entry = { root, file, unwatch: () => undefined };
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A problem may have been fixed, or the file replaced: look again on the next request.
        entry.problem = undefined;
        const ino = statIno(file);
        if (entry.store && ino !== entry.ino) {
          entry.store.close();
          entry.store = undefined;
        }
        if (changedSince(entry)) this.onChange(folder);
      }, SETTLE_MS);
    };
    const files = [file, `${file}-wal`];
    for (const f of files) fs.watchFile(f, { interval: POLL_MS, persistent: false }, changed);
    entry.unwatch = () => {
      clearTimeout(timer);
      for (const f of files) fs.unwatchFile(f, changed);
    };
    return entry;
  }

  private close(entry: Entry): void {
    entry.unwatch();
    entry.store?.close();
    entry.store = undefined;
  }
}

/**
 * Whether the store's content changed since the views were last told. Every re-read of a tree drops
 * the handles of its rows until they are read again, so a click on a row's action then loses its row:
 * file touches that change nothing (checkpoints, a client closing) are not passed on. A store not
 * open here, or one that cannot say, counts as changed.
 */
function changedSince(entry: Entry): boolean {
  if (!entry.store) {
    entry.stamp = undefined;
    return true;
  }
  let stamp: string | undefined;
  try {
    stamp = entry.store.changeStamp();
  } catch {
    stamp = undefined; // a damaged store: the next request says so
  }
  const changed = stamp === undefined || stamp !== entry.stamp;
  entry.stamp = stamp;
  return changed;
}

/** The store to write, or, in a folder this process cannot write, to read only (the views still list). */
function openStore(entry: Entry): Store {
  try {
    return new Store(entry.file, entry.root, { create: false });
  } catch (err) {
    if (err instanceof StoreError && err.problem === 'read-only') return new Store(entry.file, entry.root, { create: false, readonly: true });
    throw err;
  }
}

function statIno(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

/** A folder path as the registry keys it. */
export function folderKey(folder: string): string {
  return path.resolve(folder);
}
