import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lintPipeline } from '../../server/src/core/pipeline/lint';
import { decodeUtf8 } from '../../server/src/core/text/decode';
import { cellflow } from '../support/cli';
import { EXAMPLES, ROOT } from '../support/paths';

describe('cellflow CLI', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-cli-'));
    fs.writeFileSync(path.join(dir, 'good.cellflow.yaml'), 'cellflow: 1\nname: good\nsteps: []\n');
    fs.writeFileSync(path.join(dir, 'bad.cellflow.yaml'), 'cellflow: 1\nname: bad\nsteps:\n  - id: a\n    cod: a.py\n');
    fs.mkdirSync(path.join(dir, 'nested', 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'nested', 'warn.cellflow.yml'), 'cellflow: 1\nname: n\nsteps: []\n');
    fs.writeFileSync(path.join(dir, 'nested', 'node_modules', 'skip.cellflow.yaml'), 'not: [valid\n');
    fs.writeFileSync(path.join(dir, 'nested', 'notes.yaml'), 'not: [valid\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints its version and help', () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    assert.deepEqual(cellflow(['--version']), { code: 0, stdout: `${version}\n`, stderr: '' });
    const help = cellflow(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /cellflow lint \[paths\.\.\.\] \[--json\]/);
  });

  it('exits 2 on an unknown command or option, saying what was wrong', () => {
    const r = cellflow(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    const o = cellflow(['lint', '--jsno']);
    assert.equal(o.code, 2);
    assert.match(o.stderr, /Unknown option '--jsno'/);
  });

  it('lints a clean file with exit code 0', () => {
    const r = cellflow(['lint', path.join(dir, 'good.cellflow.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 file checked: 0 errors, 0 warnings/);
  });

  it('prints file:line:column: severity: message [code] and exits 1 on an error', () => {
    const file = path.join(dir, 'bad.cellflow.yaml');
    const r = cellflow(['lint', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:5: error: Unknown key \`cod\` in \`steps\\[0\\]\`; did you mean \`code\`\\? \\[unknown-key\\]$`, 'm'));
  });

  it('searches directories for pipeline files, skipping node_modules and other YAML', () => {
    const r = cellflow(['lint', '--json'], dir);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.files.map((f: { path: string }) => f.path).sort(), ['bad.cellflow.yaml', 'good.cellflow.yaml', path.join('nested', 'warn.cellflow.yml')]);
    assert.equal(out.errorCount, 2);
    assert.equal(r.code, 1);
  });

  it('reports in JSON exactly what the core linter (and so the editor) reports', () => {
    const file = path.join(dir, 'bad.cellflow.yaml');
    const out = JSON.parse(cellflow(['lint', '--json', file]).stdout);
    const core = lintPipeline(decodeUtf8(fs.readFileSync(file))).map(({ range, severity, code, message }) => ({ range, severity, code, message }));
    assert.deepEqual(out.files[0].diagnostics.map((d: { range: unknown; severity: string; code: string; message: string }) => ({ range: d.range, severity: d.severity, code: d.code, message: d.message })), core);
    assert.deepEqual(
      out.files[0].diagnostics.map((d: { line: number; column: number; endLine: number; endColumn: number }) => [d.line, d.column, d.endLine, d.endColumn]),
      core.map((d) => [d.range.start.line + 1, d.range.start.character + 1, d.range.end.line + 1, d.range.end.character + 1]),
    );
  });

  it('gives a clear message for each kind of bad input and never crashes', () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['binary.cellflow.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff]), /binary-file/],
      ['empty.cellflow.yaml', Buffer.alloc(0), /empty-file/],
      ['latin1.cellflow.yaml', Buffer.from('cellflow: 1\nname: caf\xe9\nsteps: []\n', 'latin1'), /:2:10: error: The file is not valid UTF-8.*\[invalid-utf8\]/],
      ['utf16.cellflow.yaml', Buffer.from('\ufeffcellflow: 1\n', 'utf16le'), /binary-file/],
    ];
    for (const [name, bytes, expected] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const r = cellflow(['lint', file]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stdout, expected, name);
      assert.equal(r.stderr, '', name);
    }
  });

  it('lints a 5 MB pipeline file, down to its last line', function () {
    this.timeout(60000);
    const file = path.join(dir, 'big.cellflow.yaml');
    const steps = Array.from({ length: 140_000 }, (_, i) => `  - id: s${i}\n    code: steps/s${i}.py\n`).join('');
    fs.writeFileSync(file, `cellflow: 1\nname: big\nsteps:\n${steps}  - id: broken\n    code: 5\n`);
    assert.ok(fs.statSync(file).size > 5_000_000);
    const r = cellflow(['lint', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /:280005:11: error: `code` in `steps\[140000\]` must be a string, not the integer 5\./);
  });

  it('warns about a file over the lint limit without reading it', function () {
    this.timeout(60000);
    const file = path.join(dir, 'huge.cellflow.yaml');
    fs.writeFileSync(file, Buffer.alloc(9 * 1024 * 1024, 0x20));
    const r = cellflow(['lint', file]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /1:1: warning: This pipeline file is 9\.0 MB; Cellflow lints files up to 8\.0 MB.*\[file-too-large\]/);
  });

  it('exits 2 when a path does not exist', () => {
    const r = cellflow(['lint', path.join(dir, 'missing.cellflow.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing\.cellflow\.yaml: no such file or directory/);
  });

  it('finds the example workspace clean', () => {
    const r = cellflow(['lint', EXAMPLES]);
    assert.equal(r.code, 0, r.stdout);
  });
});
