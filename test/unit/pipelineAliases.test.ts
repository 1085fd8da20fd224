import * as assert from 'node:assert/strict';
import { PipelineFileError } from '../../server/src/core/errors';
import { PipelineDocument } from '../../server/src/core/promote/pipelineDocument';

describe('YAML aliases in a pipeline file, as promotion reads it', () => {
  it('resolve to the values they name, in params and in steps', () => {
    const doc = PipelineDocument.parse('cellflow: 1\nname: x\nparams: {SEED: &s 42, TEST_SIZE: *s}\nsteps:\n  - id: a\n    code: steps/a.py\n    reads: &r [customers]\n  - id: b\n    code: steps/b.py\n    reads: *r\n', 'p.cellflow.yaml');
    assert.deepEqual(doc.params(), { SEED: 42, TEST_SIZE: 42 });
    assert.deepEqual(doc.steps().map((s) => s.reads), [['customers'], ['customers']]);
  });

  it('refuse an alias bomb with a message naming the file, at once', () => {
    let text = 'cellflow: 1\nname: x\nparams:\n  a: &a [x, x, x, x, x, x, x, x, x]\n';
    let previous = 'a';
    for (const k of 'bcdefghi') {
      text += `  ${k}: &${k} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
      previous = k;
    }
    const doc = PipelineDocument.parse(`${text}steps: []\n`, 'p.cellflow.yaml');
    assert.throws(() => doc.params(), (err: unknown) => err instanceof PipelineFileError && /^p\.cellflow\.yaml: the pipeline file's aliases expand too far/.test(err.message));
  });
});
