import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cellflow } from '../support/cli';
import { scratchExamples } from '../support/workspace';

/** A pipeline whose steps name `paths` as their notebook and code file, one step per path. */
function hostilePipeline(paths: string[]): string {
  const steps = paths.map(
    (p, i) => `  - id: s${i}\n    version: 1\n    code: ${JSON.stringify(p)}\n    source:\n      notebook: ${JSON.stringify(p)}\n      cells:\n        - {index: 0, hash: sha256:${'0'.repeat(64)}}\n      hash: sha256:${'0'.repeat(64)}\n`,
  );
  return `cellflow: 1\nname: hostile\nsteps:\n${steps.join('')}`;
}

/** A hang is a failure here, not a stuck suite: every CLI run is killed after this long. */
const HANG_MS = 20_000;

describe('lint and pipeline show read only regular files inside the workspace', () => {
  let ws: ReturnType<typeof scratchExamples>;
  let outside: string;
  beforeEach(() => {
    ws = scratchExamples();
    fs.mkdirSync(path.join(ws.dir, '.cellflow'), { recursive: true });
    outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'cellflow-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.ipynb'), 'root:x:0:0:SECRET_TOKEN=abc');
    fs.symlinkSync(path.join(outside, 'secret.ipynb'), path.join(ws.dir, 'linked.ipynb'));
    execFileSync('mkfifo', [path.join(ws.dir, 'fifo.ipynb')]);
  });
  afterEach(() => {
    ws.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const cases: Array<{ path: (outside: string) => string; rule: string; reason: RegExp }> = [
    { path: () => '../../../../../../dev/zero', rule: 'outside-workspace', reason: /is outside the workspace \(.*\); Cellflow reads and writes files inside it only/ },
    { path: () => '/dev/zero', rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: () => '/dev/stdin', rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: () => '/proc/self/fd/0', rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: () => '/etc/passwd', rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: (o) => path.join(o, 'secret.ipynb'), rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: (o) => `../${path.basename(o)}/secret.ipynb`, rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: () => 'linked.ipynb', rule: 'outside-workspace', reason: /is outside the workspace/ },
    { path: () => 'fifo.ipynb', rule: 'not-a-regular-file', reason: /is a FIFO, not a regular file; Cellflow reads regular files only/ },
    { path: () => 'notebooks', rule: 'not-a-regular-file', reason: /is a folder, not a regular file/ },
    { path: () => 'steps\u0000.py', rule: 'invalid-path', reason: /is not a path: it holds a NUL byte/ },
  ];

  it('cellflow lint answers at once with the rule that refused each path, never quoting the file', () => {
    const paths = cases.map((c) => c.path(outside));
    fs.writeFileSync(path.join(ws.dir, 'hostile.cellflow.yaml'), hostilePipeline(paths));
    const r = cellflow(['lint', '--json', 'hostile.cellflow.yaml'], ws.dir, { timeoutMs: HANG_MS });
    assert.equal(r.code, 1, `exit 1 (errors found), not a hang or a crash: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { files: Array<{ diagnostics: Array<{ code: string; message: string; line: number }> }> };
    const refused = report.files[0].diagnostics.filter((d) => d.code === 'refused-path');
    cases.forEach((c, i) => {
      const forStep = refused.filter((d) => d.message.includes(`\`s${i}\``));
      assert.equal(forStep.length, 2, `the code file and the notebook of s${i} (${JSON.stringify(paths[i])}) are refused: ${JSON.stringify(report.files[0].diagnostics.filter((d) => d.message.includes(`\`s${i}\``)))}`);
      for (const d of forStep) assert.match(d.message, c.reason, paths[i]);
      assert.match(forStep[0].message, /^The code file of `s\d+`, /);
      assert.match(forStep[1].message, /^The source notebook of `s\d+`, /);
    });
    assert.doesNotMatch(r.stdout, /root:x|SECRET_TOKEN/, 'no content of a refused file');
    assert.ok(!report.files[0].diagnostics.some((d) => d.code === 'missing-notebook' || d.code === 'unreadable-notebook' || d.code === 'missing-code-file'), 'a refused path is refused, not reported missing');
  });

  it('the human output names the refused path and why, with the code refused-path', () => {
    fs.writeFileSync(path.join(ws.dir, 'hostile.cellflow.yaml'), hostilePipeline(['fifo.ipynb']));
    const r = cellflow(['lint', 'hostile.cellflow.yaml'], ws.dir, { timeoutMs: HANG_MS });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /hostile\.cellflow\.yaml:\d+:\d+: error: The source notebook of `s0`, fifo\.ipynb, is a FIFO, not a regular file; Cellflow reads regular files only\. \[refused-path\]/);
  });

  it('cellflow pipeline show does not block on a FIFO or read /dev/zero the pipeline names', () => {
    for (const p of ['fifo.ipynb', '../../../../../../dev/zero', '/proc/self/fd/0']) {
      fs.writeFileSync(path.join(ws.dir, 'hostile.cellflow.yaml'), hostilePipeline([p]));
      const r = cellflow(['pipeline', 'show', '--json', 'hostile.cellflow.yaml'], ws.dir, { timeoutMs: HANG_MS });
      assert.equal(r.code, 0, `${p}: ${r.stderr}`);
      const shown = JSON.parse(r.stdout) as { steps: Array<{ stale: boolean; staleReason?: string }> };
      assert.equal(shown.steps[0].stale, true, p);
      assert.match(shown.steps[0].staleReason ?? '', /is a FIFO, not a regular file|is outside the workspace/, p);
    }
  });

  it('a lock file that is a link to a file outside is not read', () => {
    fs.writeFileSync(path.join(outside, 'lock.json'), '{"SECRET_TOKEN": 1}');
    fs.writeFileSync(path.join(ws.dir, 'hostile.cellflow.yaml'), hostilePipeline(['notebooks/churn.ipynb']));
    fs.symlinkSync(path.join(outside, 'lock.json'), path.join(ws.dir, 'hostile.cellflow.lock'));
    const r = cellflow(['lint', '--json', 'hostile.cellflow.yaml'], ws.dir, { timeoutMs: HANG_MS });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /SECRET_TOKEN/);
  });
});
