import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isInside } from '../../server/src/core/workspacePath';
import { readWorkspaceFile, workspaceFileStatus } from '../../server/src/io/workspaceFile';

describe('reading a file a pipeline names: regular files inside the workspace only', () => {
  let root: string;
  let outside: string;
  before(() => {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-read-')));
    root = path.join(base, 'ws');
    outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(root, 'notebooks'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'notebooks', 'a.ipynb'), '{"cells": []}');
    fs.writeFileSync(path.join(root, '..foo'), 'inside, despite its name');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'root:x:0:0');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
    fs.symlinkSync(path.join(root, 'notebooks', 'a.ipynb'), path.join(root, 'link-in.ipynb'));
    fs.symlinkSync('/dev/zero', path.join(root, 'zero.ipynb'));
    execFileSync('mkfifo', [path.join(root, 'fifo.ipynb')]);
    fs.writeFileSync(path.join(root, 'big.py'), Buffer.alloc(2048, 'x'));
  });
  after(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  const read = (p: string, maxBytes?: number) => readWorkspaceFile(path.resolve(root, p), root, { shownAs: p, maxBytes });

  it('reads a regular file inside, through a link that stays inside, and a name that starts with two dots', () => {
    assert.deepEqual(read('notebooks/a.ipynb'), { kind: 'text', text: '{"cells": []}' });
    assert.deepEqual(read('link-in.ipynb'), { kind: 'text', text: '{"cells": []}' });
    assert.deepEqual(read('..foo'), { kind: 'text', text: 'inside, despite its name' });
  });

  it('says a missing file is missing', () => {
    assert.deepEqual(read('notebooks/none.ipynb'), { kind: 'missing' });
  });

  it('refuses a missing path outside as outside, so a pipeline cannot probe which files exist there', () => {
    fs.symlinkSync(path.join(outside, 'not-yet.txt'), path.join(root, 'dangling-out.txt'));
    try {
      for (const p of ['../outside/none.txt', '/nonexistent/none.txt', 'dangling-out.txt']) assert.equal(read(p).kind === 'refused' && read(p).kind, 'refused', p);
      for (const p of ['../outside/secret.txt', '../outside/none.txt']) {
        const r = read(p);
        assert.equal(r.kind === 'refused' ? r.refusal.rule : r.kind, 'outside-workspace', `${p}: the same answer whether it exists or not`);
      }
    } finally {
      fs.rmSync(path.join(root, 'dangling-out.txt'));
    }
  });

  it('refuses paths that climb out, absolute ones, links that point out, /dev/zero and its own stdin, naming the rule', () => {
    for (const p of ['../outside/secret.txt', path.join(outside, 'secret.txt'), 'link-out.txt', 'zero.ipynb', '/dev/zero', '/proc/self/fd/0', '/dev/stdin', '../../../../etc/passwd']) {
      const r = read(p);
      assert.equal(r.kind, 'refused', p);
      if (r.kind === 'refused') {
        assert.equal(r.refusal.rule, 'outside-workspace', p);
        assert.equal(r.refusal.message, `${p} is outside the workspace (${root}); Cellflow reads and writes files inside it only`);
        assert.doesNotMatch(r.refusal.message, /root:x/, 'never the content');
      }
    }
  });

  it('refuses a FIFO inside the workspace without blocking, and a folder', () => {
    assert.deepEqual(read('fifo.ipynb'), { kind: 'refused', refusal: { rule: 'not-a-regular-file', message: 'fifo.ipynb is a FIFO, not a regular file; Cellflow reads regular files only', reason: 'is a FIFO, not a regular file; Cellflow reads regular files only' } });
    assert.deepEqual(read('notebooks'), { kind: 'refused', refusal: { rule: 'not-a-regular-file', message: 'notebooks is a folder, not a regular file; Cellflow reads regular files only', reason: 'is a folder, not a regular file; Cellflow reads regular files only' } });
    assert.deepEqual(workspaceFileStatus(path.join(root, 'fifo.ipynb'), root, 'fifo.ipynb'), { kind: 'refused', refusal: { rule: 'not-a-regular-file', message: 'fifo.ipynb is a FIFO, not a regular file; Cellflow reads regular files only', reason: 'is a FIFO, not a regular file; Cellflow reads regular files only' } });
    assert.deepEqual(workspaceFileStatus(path.join(root, 'notebooks', 'a.ipynb'), root), { kind: 'file' });
  });

  it('refuses a file over the size cap before reading it', () => {
    assert.deepEqual(read('big.py', 1024), { kind: 'refused', refusal: { rule: 'too-large', message: 'big.py is 2.0 KB, over the 1.0 KB Cellflow reads for it', reason: 'is 2.0 KB, over the 1.0 KB Cellflow reads for it' } });
    assert.equal(read('big.py', 4096).kind, 'text');
  });

  it('refuses a path with a NUL byte before it reaches the file system', () => {
    assert.deepEqual(read('steps/a\u0000.py'), { kind: 'refused', refusal: { rule: 'invalid-path', message: `${JSON.stringify(path.join(root, 'steps/a\u0000.py'))} is not a path: it holds a NUL byte`, reason: 'is not a path: it holds a NUL byte' } });
  });

  it('isInside: the root itself and its parent are not inside; ..foo and nested paths are', () => {
    assert.equal(isInside('/w', '/w'), false);
    assert.equal(isInside('/w', '/'), false);
    assert.equal(isInside('/w', '/w2/x'), false);
    assert.equal(isInside('/w', '/w/..foo'), true);
    assert.equal(isInside('/w', '/w/a/b'), true);
  });
});
