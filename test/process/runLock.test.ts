import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunLock } from '../../server/src/services/runner/runLock';

describe('the run lock', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-lock-'));
    file = path.join(dir, 'locks', 'p.lock');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const holder = (pid: number) => JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString() });

  it('refuses a second run while the first holds it, and frees it on release', () => {
    const lock = RunLock.acquire(file, 'p.cellflow.yaml');
    fs.writeFileSync(file, holder(process.ppid)); // as if a live runner held it
    assert.throws(() => RunLock.acquire(file, 'p.cellflow.yaml'), /p\.cellflow\.yaml is already running \(pid \d+/);
    fs.writeFileSync(file, holder(process.pid));
    lock.release();
    assert.ok(!fs.existsSync(file));
  });

  it('takes over a lock whose runner is gone', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, holder(2 ** 22 + 12345)); // above pid_max: no such process
    const lock = RunLock.acquire(file, 'p.cellflow.yaml');
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('release leaves a lock another runner has taken since', () => {
    const lock = RunLock.acquire(file, 'p.cellflow.yaml');
    fs.writeFileSync(file, holder(process.ppid));
    lock.release();
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.ppid, 'the other runner still holds it');
  });

  it('waits out a takeover in progress, and ignores one left by a runner that died in it', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, holder(2 ** 22 + 12345));
    fs.writeFileSync(`${file}.takeover`, '1');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${file}.takeover`, old, old);
    const lock = RunLock.acquire(file, 'p.cellflow.yaml');
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
    assert.ok(!fs.existsSync(`${file}.takeover`));
    lock.release();
  });
});
