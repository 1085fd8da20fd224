import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { PipelineLinter, type LintResult } from '../../server/src/core/pipeline/lint';

function pipeline(n: number): string {
  const steps = Array.from({ length: n }, (_, i) =>
    [`  - id: s${i}`, '    version: 1', `    code: steps/s${i}.py`, `    depends-on: [${i ? `s${i - 1}` : ''}]`, `    reads: [${i ? `x${i - 1}` : ''}]`, `    writes: [x${i}]`, '    params: [seed]', ''].join('\n'),
  ).join('');
  return `# generated\ncellflow: 1\nname: big\nparams:\n  seed: 42\nsteps:\n${steps}`;
}

const strip = (r: LintResult) => r.diagnostics;

describe('incremental pipeline parsing', () => {
  it('takes the per-step path on the usual layout, and the whole-file path otherwise', () => {
    const lines = (t: string) => new PipelineLinter().lint(t).parsed!;
    assert.equal(lines(pipeline(3)).chunked, true);
    assert.equal(lines('cellflow: 1\nname: x\nsteps: [{id: a, code: a.py}]\n').chunked, false);
  });

  it('gives exactly the diagnostics of a fresh lint (as the CLI makes) after any sequence of edits', () => {
    const base = pipeline(30);
    const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 12 }), text: fc.oneof(fc.constantFrom('x', ':', '- ', '\n', '  ', '[', ']', 'id: s3', 'depends-on: [s9]', '#', '"', '&a ', '*a', '---\n'), fc.string({ maxLength: 6 })) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 25 }), (edits) => {
        const linter = new PipelineLinter();
        let text = base;
        linter.lint(text);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.text + text.slice(at + e.del);
          const incremental = strip(linter.lint(text));
          const fresh = strip(new PipelineLinter().lint(text));
          assert.deepEqual(incremental, fresh);
        }
      }),
      { numRuns: 600, seed: 42 },
    );
  });

  it('gives a file that parses the same diagnostics as a whole-file parse, whatever it holds wrong', () => {
    const variants = [
      pipeline(40),
      pipeline(40).replace('depends-on: [s3]', 'depends-on: [s30]'),
      pipeline(40).replace('id: s7\n', 'id: s7\n    extra: 1\n'),
      pipeline(40).replace('params: [seed]', 'params: [seeds]'),
      pipeline(40).replace('seed: 42', 'seed: 42\n  unused: 1').replace('cellflow: 1', 'cellflow: 3'),
      pipeline(40).replace('name: big\n', ''),
    ];
    for (const text of variants) {
      const chunked = new PipelineLinter().lint(text);
      assert.equal(chunked.parsed?.chunked, true);
      assert.deepEqual(chunked.diagnostics, new PipelineLinter({ incremental: false }).lint(text).diagnostics);
    }
  });

  it('never keeps a step whose value comes from an anchor elsewhere, so edits to the anchor count', () => {
    const linter = new PipelineLinter();
    const base = pipeline(20).replace('params:\n  seed: 42\n', 'params:\n  seed: 42\nx-common: &common [seed]\n').replace(/params: \[seed\]/g, 'params: *common');
    const first = linter.lint(base);
    assert.deepEqual(first.diagnostics.map((d) => d.code), ['unknown-key'], 'only the extra top-level key');
    const edited = base.replace('&common [seed]', '&common [seeds]');
    assert.deepEqual(linter.lint(edited).diagnostics, new PipelineLinter().lint(edited).diagnostics);
    assert.ok(linter.lint(edited).diagnostics.some((d) => d.code === 'unknown-param'));
  });

  it('leaves a file whose steps sit in a second document to the whole-file parse', () => {
    const text = 'cellflow: 1\nname: a\nsteps: []\n---\nsteps:\n  - id: b\n    code: b.py\n';
    const r = new PipelineLinter().lint(text);
    assert.equal(r.parsed?.chunked, false);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['multiple-documents']);
  });

  it('reuses unchanged steps: an edit in one step re-parses that step only', () => {
    const linter = new PipelineLinter();
    const text = pipeline(200);
    const first = linter.lint(text).parsed!;
    const edited = text.replace('writes: [x100]', 'writes: [x100, extra]');
    const second = linter.lint(edited).parsed!;
    const same = second.steps.filter((s, i) => s.node === first.steps[i].node).length;
    assert.equal(same, 199);
  });
});
