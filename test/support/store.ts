import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Store } from '../../server/src/services/store/store';
import { DIST } from './paths';

/** Debian's Python, which has the packages; the python3 on PATH may not. */
export const PYTHON = '/usr/bin/python3';
export const PYTHON_PATH = path.join(DIST, 'python');

/** An empty workspace folder in the temp directory, with its store path. */
export function scratchWorkspace(): { dir: string; db: string; open: () => Store; cleanup: () => void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-store-')));
  const db = path.join(dir, '.cellflow', 'cellflow.db');
  const opened: Store[] = [];
  return {
    dir,
    db,
    open: () => {
      const s = new Store(db, dir);
      opened.push(s);
      return s;
    },
    cleanup: () => {
      for (const s of opened) if (s.db.open) s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function pythonEnv(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The test's own CELLFLOW_* variables must not leak into the script's store choice.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELLFLOW_')));
  return { ...base, PYTHONPATH: PYTHON_PATH, PYTHONDONTWRITEBYTECODE: '1', CELLFLOW_WORKSPACE: cwd, ...env };
}

/** Runs a Python script that uses the built `cellflow` client, as a step or notebook would. */
export function python(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): PythonResult {
  const r = spawnSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8', env: pythonEnv(cwd, env), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Fails the test with Python's stderr unless the script exited 0. */
export function assertExitedOk(r: PythonResult): void {
  assert.equal(r.code, 0, `python exited ${r.code}:\n${r.stderr}`);
}

/** The same, in the background. */
export function spawnPython(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(PYTHON, ['-c', script], { cwd, env: pythonEnv(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the exit code (or signal) once the child is gone, with what it wrote to stderr. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Every file under `dir` with the sha256 of its bytes, to show that nothing in it changed. */
export function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Overwrites the header of a table's root page, so every read of that table finds the file damaged. */
export function damageTable(file: string, table: string): void {
  const db = new BetterSqlite3(file, { readonly: true });
  const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(8, 0xff), 0, 8, (root - 1) * pageSize);
  fs.closeSync(fd);
}
