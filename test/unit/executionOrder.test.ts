import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { executionOrder, stepDependencies, type StepDependencies } from '../../server/src/core/pipeline/graph';
import { lintDocument } from '../../server/src/core/pipeline/lint';
import { PipelineDocument } from '../../server/src/core/promote/pipelineDocument';
import { promotedWorkspace } from '../support/promotedWorkspace';

/** `{ b: ['a'] }` → steps in key order, each depending on the listed ids. */
const graph = (deps: Record<string, string[]>): StepDependencies[] => Object.entries(deps).map(([id, dependsOn]) => ({ id, dependsOn }));

describe('execution order: topological levels of depends-on', () => {
  it('orders a chain one step per level', () => {
    assert.deepEqual(executionOrder(graph({ a: [], b: ['a'], c: ['b'] })), { levels: [['a'], ['b'], ['c']], unordered: [] });
  });

  it('puts the two sides of a diamond in one level', () => {
    assert.deepEqual(executionOrder(graph({ top: [], left: ['top'], right: ['top'], bottom: ['right', 'left'] })).levels, [['top'], ['left', 'right'], ['bottom']]);
  });

  it('runs independent branches side by side, in file order within a level', () => {
    const order = executionOrder(graph({ b1: [], a1: [], a2: ['a1'], b2: ['b1'], join: ['a2', 'b2'] }));
    assert.deepEqual(order, { levels: [['b1', 'a1'], ['a2', 'b2'], ['join']], unordered: [] });
  });

  it('places a step after its deepest dependency, whatever the file order', () => {
    assert.deepEqual(executionOrder(graph({ late: ['mid', 'root'], mid: ['root'], root: [] })).levels, [['root'], ['mid'], ['late']]);
  });

  it('leaves a cycle out of the levels, with the steps it blocks, and orders the rest', () => {
    const order = executionOrder(graph({ a: [], x: ['a', 'z'], y: ['x'], z: ['y'], after: ['y'], free: ['a'] }));
    assert.deepEqual(order.levels, [['a'], ['free']]);
    assert.deepEqual(order.unordered, [
      { id: 'x', reason: 'cycle', cycle: ['x', 'y', 'z'] },
      { id: 'y', reason: 'cycle', cycle: ['x', 'y', 'z'] },
      { id: 'z', reason: 'cycle', cycle: ['x', 'y', 'z'] },
      { id: 'after', reason: 'blocked', by: ['y'] },
    ]);
  });

  it('takes a step that depends on itself for a cycle of one', () => {
    assert.deepEqual(executionOrder(graph({ a: [], me: ['a', 'me'], next: ['me'] })), {
      levels: [['a']],
      unordered: [
        { id: 'me', reason: 'cycle', cycle: ['me'] },
        { id: 'next', reason: 'blocked', by: ['me'] },
      ],
    });
  });

  it('leaves out a step with an unknown dependency, and what depends on it', () => {
    assert.deepEqual(executionOrder(graph({ a: [], b: ['a', 'gone', 'lost'], c: ['b', 'a'] })), {
      levels: [['a']],
      unordered: [
        { id: 'b', reason: 'unknown-dependency', unknown: ['gone', 'lost'] },
        { id: 'c', reason: 'blocked', by: ['b'] },
      ],
    });
  });

  it('leaves out a second step with an id already used; depends-on names the first', () => {
    assert.deepEqual(executionOrder(graph({ a: [], b: ['a'] }).concat({ id: 'a', dependsOn: [] })), { levels: [['a'], ['b']], unordered: [{ id: 'a', reason: 'duplicate-id' }] });
  });

  it('counts a repeated depends-on entry once, and handles an empty pipeline', () => {
    assert.deepEqual(executionOrder(graph({ a: [], b: ['a', 'a'] })).levels, [['a'], ['b']]);
    assert.deepEqual(executionOrder([]), { levels: [], unordered: [] });
  });

  it('orders a 40,000-step chain without overflowing the stack', () => {
    const steps = Array.from({ length: 40_000 }, (_, i) => ({ id: `s${i}`, dependsOn: i ? [`s${i - 1}`] : [] }));
    const order = executionOrder(steps);
    assert.equal(order.levels.length, 40_000);
    assert.deepEqual(order.levels[39_999], ['s39999']);
    const looped = executionOrder([{ id: 's0', dependsOn: ['s39999'] }, ...steps.slice(1)]);
    assert.equal(looped.levels.length, 0);
    assert.equal(looped.unordered.length, 40_000);
  });

  describe('on the promoted workspace of the LSP diagnostics fixtures', () => {
    let ws: Awaited<ReturnType<typeof promotedWorkspace>>;
    before(async () => {
      ws = await promotedWorkspace();
    });
    after(() => ws.cleanup());

    it('orders load_data → clean → train, from the pipeline document and from the linter\'s model alike', () => {
      const text = fs.readFileSync(ws.pipeline, 'utf8');
      const want = { levels: [['load_data'], ['clean'], ['train']], unordered: [] };
      assert.deepEqual(executionOrder(PipelineDocument.parse(text, 'churn.cellflow.yaml').steps()), want);
      assert.deepEqual(executionOrder(stepDependencies(lintDocument(text).model!)), want);
    });

    it('reports the dependency-cycle fixture\'s three steps as a cycle, as the linter does', () => {
      const text = fs.readFileSync(ws.pipeline, 'utf8').replace('depends-on: []', 'depends-on: [train]');
      const result = lintDocument(text);
      assert.deepEqual(result.diagnostics.find((d) => d.code === 'dependency-cycle')?.data, { cycle: ['load_data', 'train', 'clean'] });
      const order = executionOrder(stepDependencies(result.model!));
      assert.deepEqual(order.levels, []);
      assert.deepEqual(order.unordered.map((u) => [u.id, u.reason]), [['load_data', 'cycle'], ['clean', 'cycle'], ['train', 'cycle']]);
    });

    it('leaves out the unknown-step fixture\'s step and those after it', () => {
      const text = fs.readFileSync(ws.pipeline, 'utf8').replace('depends-on: [load_data]', 'depends-on: [load_dta]');
      const order = executionOrder(stepDependencies(lintDocument(text).model!));
      assert.deepEqual(order, { levels: [['load_data']], unordered: [{ id: 'clean', reason: 'unknown-dependency', unknown: ['load_dta'] }, { id: 'train', reason: 'blocked', by: ['clean'] }] });
    });
  });
});
