import * as assert from 'node:assert/strict';
import { addChecksEdit, checkTypeOf } from '../../server/src/core/pipeline/features/checksBlock';
import { lintDocument } from '../../server/src/core/pipeline/lint';

const PIPELINE = `cellflow: 1
name: p
steps:
  - id: load
    code: steps/load.py
    writes: [customers, n]
  - id: clean
    code: steps/clean.py
    depends-on: [load]
    reads: [customers]
    writes: [customers]
    checks:
      customers:
        rows: {min: 1}
`;

const apply = (text: string, e: { start: number; end: number; newText: string }) => text.slice(0, e.start) + e.newText + text.slice(e.end);

describe('Add checks from the columns a step\'s last run recorded (core/pipeline/features/checksBlock)', () => {
  it('maps pandas dtypes to the check types the schema takes', () => {
    assert.deepEqual(['int64', 'Int32', 'uint8', 'float32', 'bool', 'datetime64[ns, UTC]', 'category', 'object', 'string', 'complex128'].map(checkTypeOf), ['int', 'int', 'int', 'float', 'bool', 'datetime', 'category', 'str', 'str', undefined]);
  });

  it('inserts a checks block after the step\'s last key that lints clean and names each recorded column', () => {
    const lint = lintDocument(PIPELINE);
    const edit = addChecksEdit(lint.parsed!, lint.model!, 'load', { customers: [['customer_id', 'object'], ['tenure months', 'int64'], ['yes', 'bool'], ['z', 'complex128']], n: [] });
    assert.ok(edit);
    const text = apply(PIPELINE, edit);
    assert.equal(text.split('\n').slice(5, 14).join('\n'), `    writes: [customers, n]
    checks:
      customers:
        rows: {min: 1}
        columns:
          customer_id: {type: str}
          "tenure months": {type: int}
          "yes": {type: bool}
          z: {}`);
    const after = lintDocument(text);
    assert.deepEqual(after.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'missing-code-file').map((d) => d.message), []);
    assert.deepEqual(after.model!.steps[0].checks.map((c) => c.output.value), ['customers']);
  });

  it('adds nothing to a step with checks, an unknown step, or one with no table recorded', () => {
    const lint = lintDocument(PIPELINE);
    assert.equal(addChecksEdit(lint.parsed!, lint.model!, 'clean', { customers: [['a', 'int64']] }), undefined);
    assert.equal(addChecksEdit(lint.parsed!, lint.model!, 'nope', { customers: [['a', 'int64']] }), undefined);
    assert.equal(addChecksEdit(lint.parsed!, lint.model!, 'load', {}), undefined);
    assert.equal(addChecksEdit(lint.parsed!, lint.model!, 'load', { other: [['a', 'int64']] }), undefined, 'only outputs the step writes');
  });

  it('inserts at the end of a file without a final newline', () => {
    const text = 'cellflow: 1\nname: p\nsteps:\n  - id: load\n    code: steps/load.py';
    const lint = lintDocument(text);
    const edit = addChecksEdit(lint.parsed!, lint.model!, 'load', { df: [['a', 'float64']] })!;
    assert.equal(apply(text, edit), `${text}\n    checks:\n      df:\n        rows: {min: 1}\n        columns:\n          a: {type: float}\n`);
  });
});
