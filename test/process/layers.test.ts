import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/paths';

const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs the project's layering rules (.dependency-cruiser.cjs) over a tree of files, as `npm run lint:layers` does. */
function cruise(cwd: string, ...paths: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', ...paths], { cwd, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A scratch tree shaped like the repository, with the files given (path → source). */
function tree(files: Record<string, string>): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-layers-'));
  fs.copyFileSync(path.join(ROOT, 'tsconfig.base.json'), path.join(dir, 'tsconfig.base.json'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('the layering rules (dependency-cruiser)', function () {
  this.timeout(60_000);

  it('hold for the repository as it is', () => {
    const r = cruise(ROOT, 'server/src', 'client/src', 'media');
    assert.equal(r.code, 0, r.out);
  });

  it('fail on a deliberately wrong import in each layer, naming the rule', () => {
    const t = tree({
      'server/src/services/store/db.ts': 'export const db = 1;\n',
      'server/src/io/files.ts': "import * as fs from 'node:fs';\nexport const read = fs.readFileSync;\n",
      'server/src/protocol.ts': 'export const PROTOCOL = 1;\n',
      'server/src/lsp/main.ts': "export { db } from '../services/store/db';\n",
      'server/src/cli/main.ts': "export { db } from '../lsp/main';\n",
      // core reaching into services, into the file system, and into a native module
      'server/src/core/store/model.ts': "import { db } from '../../services/store/db';\nexport const model = db;\n",
      'server/src/core/pipeline/read.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'server/src/core/pipeline/native.ts': "import type Database from 'better-sqlite3';\nexport type Db = Database.Database;\n",
      // a type-only cycle
      'server/src/core/a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
      'server/src/core/b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
      // the client past the protocol module
      'client/src/view.ts': "import { model } from '../../server/src/core/store/model';\nimport { PROTOCOL } from '../../server/src/protocol';\nexport const v = [model, PROTOCOL];\n",
    });
    try {
      const r = cruise(t.dir, 'server/src', 'client/src');
      assert.notEqual(r.code, 0, 'the rules must fail');
      for (const rule of ['core-is-pure', 'core-no-io', 'core-no-native', 'no-cycles', 'client-through-protocol', 'faces-apart']) {
        assert.match(r.out, new RegExp(`error ${rule}:`), `${rule} is reported:\n${r.out}`);
      }
      assert.match(r.out, /core-is-pure: server\/src\/core\/store\/model\.ts → server\/src\/services\/store\/db\.ts/);
      assert.doesNotMatch(r.out, /client\/src\/view\.ts → server\/src\/protocol\.ts/, 'the protocol module is the client\'s way in');
    } finally {
      t.cleanup();
    }
  });
});
