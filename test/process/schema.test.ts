import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { pipelineJsonSchema } from '../../server/src/core/pipeline/schema';
import { lintPipeline } from '../../server/src/core/pipeline/lint';
import { parseYaml } from '../../server/src/core/yaml/positionedYaml';
import { DIST, EXAMPLES } from '../support/paths';

function valueOf(text: string): unknown {
  const r = parseYaml(text);
  assert.ok(r.ok);
  return r.documents[0].value;
}

describe('pipeline JSON Schema', () => {
  const schema = pipelineJsonSchema();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('is the file the build ships for yamlValidation', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(DIST, 'schema', 'pipeline.schema.json'), 'utf8'));
    assert.deepEqual(shipped, schema);
    const manifest = JSON.parse(fs.readFileSync(path.join(DIST, '..', 'package.json'), 'utf8'));
    assert.equal(manifest.contributes.yamlValidation[0].url, './dist/schema/pipeline.schema.json');
  });

  it('accepts the example pipeline', () => {
    const text = fs.readFileSync(path.join(EXAMPLES, 'churn.cellflow.yaml'), 'utf8');
    assert.deepEqual(lintPipeline(text), []);
    assert.ok(validate(valueOf(text)), JSON.stringify(validate.errors));
  });

  const rejected: Array<[string, string]> = [
    ['an unknown key', 'cellflow: 1\nname: x\nsteps: []\nextra: 1\n'],
    ['a missing step code', 'cellflow: 1\nname: x\nsteps:\n  - id: a\n'],
    ['a bad hash', `cellflow: 1\nname: x\nsteps:\n  - id: a\n    code: a.py\n    source: {notebook: n.ipynb, cells: [{index: 0}], hash: md5:1}\n`],
    ['an absolute code path', 'cellflow: 1\nname: x\nsteps:\n  - id: a\n    code: /etc/a.py\n'],
    ['version 0', 'cellflow: 1\nname: x\nsteps:\n  - id: a\n    code: a.py\n    version: 0\n'],
    ['format version 2', 'cellflow: 2\nname: x\nsteps: []\n'],
  ];
  for (const [what, text] of rejected) {
    it(`rejects ${what}, as the linter does`, () => {
      assert.equal(validate(valueOf(text)), false);
      assert.ok(lintPipeline(text).some((d) => d.severity === 'error'));
    });
  }
});
