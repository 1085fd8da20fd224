import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { CellRef, Pipeline, Step } from '../../server/src/core/pipeline/schema';
import { compilePredicate } from '../../server/src/core/zodPredicate';

const hash = `sha256:${'0a'.repeat(32)}`;
const validCell = fc.record({ index: fc.nat({ max: 50 }), id: fc.constantFrom('c1', 'x'), hash: fc.constant(hash) }, { requiredKeys: ['index'] });
const validStep = fc.record(
  {
    id: fc.constantFrom('train', 's_1', '_x', 'a-b'),
    description: fc.constantFrom('Trains.', ''),
    version: fc.integer({ min: 1, max: 9 }),
    code: fc.constantFrom('steps/a.py', 'a.py'),
    source: fc.record({ notebook: fc.constant('n.ipynb'), cells: fc.array(validCell, { minLength: 1, maxLength: 3 }), hash: fc.constant(hash) }),
    'depends-on': fc.array(fc.constantFrom('a', 'b-c'), { maxLength: 3 }),
    reads: fc.array(fc.constantFrom('df', 'x_1'), { maxLength: 3 }),
    writes: fc.array(fc.constantFrom('model'), { maxLength: 2 }),
    params: fc.array(fc.constantFrom('seed', 'lr-max'), { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'code'] },
);

/** Values a YAML file could give a field: the right type, the wrong type, and edge cases of each. */
const yamlValue = fc.oneof(
  fc.constantFrom('', 'a', '1a', 'a b', '/abs.py', 'C:\\x.py', 'sha256:00', hash, hash.toUpperCase(), 'a-b', 'x_1', '__proto__'),
  fc.constantFrom(0, 1, -1, 1.5, 2 ** 53, NaN, Infinity, -0),
  fc.constantFrom(true, false, null),
  fc.constantFrom([], ['a'], [1], [''], ['a-b'], [{}], [{ index: 0 }], [{ index: -1 }]),
  fc.constantFrom({}, { index: 0 }, { index: 0, extra: 1 }, { notebook: 'n.ipynb', cells: [{ index: 0 }], hash }),
);

/** A valid value with one to three parts changed: removed, replaced, or an unknown key added. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const edit = fc.record({ path: fc.array(fc.nat({ max: 8 }), { minLength: 1, maxLength: 4 }), op: fc.constantFrom('delete', 'replace', 'add', 'proto'), value: yamlValue });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([v, edits]) => {
    const copy = structuredClone(v) as Record<string, unknown>;
    for (const e of edits) {
      // Walk down the value by the path's numbers, as far as it goes.
      let target: Record<string, unknown> = copy;
      for (const n of e.path.slice(0, -1)) {
        const keys = Object.keys(target);
        const next = keys.length ? target[keys[n % keys.length]] : undefined;
        if (typeof next !== 'object' || next === null) break;
        target = next as Record<string, unknown>;
      }
      const keys = Object.keys(target);
      const key = keys.length ? keys[e.path[e.path.length - 1] % keys.length] : 'id';
      if (e.op === 'delete') delete target[key];
      else if (e.op === 'replace') target[key] = structuredClone(e.value);
      else if (e.op === 'add') target.extra = structuredClone(e.value);
      else Object.defineProperty(target, '__proto__', { value: structuredClone(e.value), enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}

describe('yes-only checks compiled from zod schemas', () => {
  const step = compilePredicate(Step);

  it('accepts exactly the steps zod accepts, valid or changed', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(validStep, mutated(validStep)), (v) => {
        const ok = Step.safeParse(v).success;
        assert.equal(step(v), ok, JSON.stringify(v));
        if (ok) accepted++;
      }),
      { numRuns: 5000, seed: 3 },
    );
    assert.ok(accepted > 1000, `valid steps were generated (${accepted})`);
  });

  it('accepts exactly the pipeline headers and cell references zod accepts', () => {
    const header = compilePredicate(Pipeline);
    const cell = compilePredicate(CellRef);
    const validHeader = fc.record(
      { cellflow: fc.constant(1), name: fc.constantFrom('churn', 'a-b'), description: fc.constant('d'), params: fc.dictionary(fc.constantFrom('seed', 'lr', 'a-b'), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.oneof(fc.integer(), fc.constant('x'))))), steps: fc.constant([]) },
      { requiredKeys: ['cellflow', 'name', 'steps'] },
    );
    fc.assert(
      fc.property(fc.oneof(validHeader, mutated(validHeader)), fc.oneof(validCell, mutated(validCell)), (h, c) => {
        // zod takes any value under a `__proto__` param name; the check leaves such headers to it.
        if (header(h)) assert.ok(Pipeline.safeParse(h).success, JSON.stringify(h));
        else if (!JSON.stringify(h).includes('__proto__')) assert.equal(Pipeline.safeParse(h).success, false, JSON.stringify(h));
        assert.equal(cell(c), CellRef.safeParse(c).success, JSON.stringify(c));
      }),
      { numRuns: 3000, seed: 5 },
    );
  });

  it('never accepts what zod rejects, whatever the value', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (v) => {
        if (step(v)) assert.ok(Step.safeParse(v).success);
      }),
      { numRuns: 3000, seed: 9 },
    );
  });

  it('leaves schemas with checks it does not know to zod', () => {
    const unknown = [
      z.email(),
      z.string().refine((s) => s.length > 2),
      z.string().transform((s) => s.length),
      z.object({ a: z.string() }).catchall(z.number()),
      z.array(z.string().startsWith('x')),
      z.number().multipleOf(2),
    ];
    for (const schema of unknown) assert.equal(compilePredicate(schema as z.ZodType)('a@b.co'), false);
    // Cases a second reader found (none reachable from YAML today): each must be zod's to decide.
    const zods: Array<[z.ZodType, unknown]> = [
      [z.number().int(), 1.5],
      [z.xor([z.string(), z.string().min(1)]), 'a'],
      [z.object({ a: z.string().exactOptional() }), { a: undefined }],
      [z.object({ toString: z.string().optional() }), {}],
      [z.record(z.string(), z.string()), new Date()],
      [z.record(z.string(), z.string()), new Uint8Array(0)],
    ];
    for (const [schema, value] of zods) {
      assert.equal(schema.safeParse(value).success, false, 'zod refuses it');
      assert.equal(compilePredicate(schema)(value), false, String(schema.def.type));
    }
    assert.equal(compilePredicate(z.number().int())(2), true);
    assert.equal(compilePredicate(z.array(z.string().startsWith('x')))(['x']), false);
    assert.equal(compilePredicate(z.object({ a: z.string() }))({ a: 'x', extra: 1 }), true, 'a plain object strips unknown keys');
  });
});
