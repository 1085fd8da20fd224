import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveNodeRuntime, RuntimeNotFoundError } from '../../client/src/serverRuntime';

describe('language server runtime choice', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-runtime-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeNode(sub: string): string {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    const p = path.join(dir, sub, 'node');
    fs.writeFileSync(p, '#!/bin/sh\n');
    fs.chmodSync(p, 0o755);
    return p;
  }

  it('uses the setting when it names an executable', () => {
    const p = fakeNode('custom');
    assert.deepEqual(resolveNodeRuntime(p, ''), { path: p, source: 'setting', env: {} });
  });

  it('refuses a setting that names nothing runnable, saying which setting', () => {
    assert.throws(() => resolveNodeRuntime(path.join(dir, 'nope'), ''), (e: unknown) => e instanceof RuntimeNotFoundError && /cellflow\.server\.nodePath/.test(e.message));
    const notExecutable = path.join(dir, 'plain');
    fs.writeFileSync(notExecutable, '');
    assert.throws(() => resolveNodeRuntime(notExecutable, ''), RuntimeNotFoundError);
  });

  it('takes the first node on PATH, skipping folders without one', () => {
    const second = fakeNode('b');
    fakeNode('c');
    const envPath = [path.join(dir, 'a'), path.join(dir, 'b'), path.join(dir, 'c')].join(path.delimiter);
    assert.deepEqual(resolveNodeRuntime('', envPath), { path: second, source: 'PATH', env: {} });
  });

  it("falls back to the editor's own runtime, run as plain Node", () => {
    const r = resolveNodeRuntime('', path.join(dir, 'empty'));
    assert.equal(r.source, 'editor');
    assert.equal(r.path, process.execPath);
    assert.deepEqual(r.env, { ELECTRON_RUN_AS_NODE: '1' });
  });
});
