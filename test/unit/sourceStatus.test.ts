import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Diagnostic } from '../../server/src/core/diagnostic';
import { lintDocument } from '../../server/src/core/pipeline/lint';
import { lockPathFor, parseLock } from '../../server/src/core/pipeline/lockFile';
import { PipelineDocument } from '../../server/src/core/promote/pipelineDocument';
import { pipelineStatus } from '../../server/src/core/promote/status';
import { stepOfCells } from '../../server/src/core/promote/stepOfCells';
import { LineIndex } from '../../server/src/core/text/lineIndex';
import { diskContext } from '../../server/src/io/diskContext';
import { loadNotebookFile } from '../../server/src/io/files';
import { promotedWorkspace } from '../support/promotedWorkspace';

type Ws = Awaited<ReturnType<typeof promotedWorkspace>>;

/** Codes by which the linter says a step's source is not what it was promoted from. */
const STALE_CODES = new Set(['stale-step', 'missing-cell', 'missing-notebook', 'unreadable-notebook']);

interface Rawbook {
  cells: Array<{ cell_type: string; id?: string; source: string[] | string }>;
  nbformat_minor: number;
}

function editNotebook(ws: Ws, change: (nb: Rawbook) => void): void {
  const nb = JSON.parse(fs.readFileSync(ws.notebook, 'utf8')) as Rawbook;
  change(nb);
  fs.writeFileSync(ws.notebook, JSON.stringify(nb));
}

/** Per step id: what the linter says (stale or not, and the cells a stale-step names) and what the status says. */
function bothViews(ws: Ws) {
  const text = fs.readFileSync(ws.pipeline, 'utf8');
  const result = lintDocument(text, { context: diskContext(ws.pipeline) });
  const lines = new LineIndex(text);
  const status = pipelineStatus(ws.pipeline, text, (p) => loadNotebookFile(p), fs.readFileSync(lockPathFor(ws.pipeline), 'utf8'));
  return result.model!.steps.map((s) => {
    const first = lines.positionAt(s.node.start + s.base).line;
    const last = lines.positionAt(s.node.end + s.base).line;
    const own = result.diagnostics.filter((d: Diagnostic) => STALE_CODES.has(d.code) && d.range.start.line >= first && d.range.start.line <= last);
    const st = status.steps.find((x) => x.id === s.id?.value)!;
    const staleStep = own.find((d) => d.code === 'stale-step');
    return {
      id: s.id!.value,
      lint: { stale: own.length > 0, codes: own.map((d) => d.code), cells: staleStep?.data?.cells },
      status: { stale: st.stale, reason: st.staleReason, cells: st.currentCells },
    };
  });
}

/** The two views agree: the same steps are stale, and a stale-step names the cells the status bar shows. */
function assertAgree(views: ReturnType<typeof bothViews>): void {
  for (const v of views) {
    assert.equal(v.lint.stale, v.status.stale, `${v.id}: lint ${JSON.stringify(v.lint)} vs status ${JSON.stringify(v.status)}`);
    if (v.lint.cells !== undefined) assert.deepEqual(v.lint.cells, v.status.cells, `${v.id}: the cells`);
  }
}

const staleIds = (views: ReturnType<typeof bothViews>) => views.filter((v) => v.status.stale).map((v) => v.id);

describe('whether a step is stale: the linter and the status bar decide it in one place', () => {
  let ws: Ws;
  beforeEach(async () => {
    ws = await promotedWorkspace();
  });
  afterEach(() => ws.cleanup());

  it('agree on a freshly promoted pipeline: nothing is stale', () => {
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), []);
  });

  it('agree when a cell is edited', () => {
    editNotebook(ws, (nb) => (nb.cells[6].source = ['customers = customers.dropna()']));
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), ['clean']);
    assert.deepEqual(views.find((v) => v.id === 'clean')!.lint.codes, ['stale-step']);
  });

  it('agree when cells move: a cell inserted above shifts them, and none is stale', () => {
    editNotebook(ws, (nb) => nb.cells.unshift({ cell_type: 'code', id: 'new0', source: ['x = 1'] }));
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), []);
    assert.deepEqual(views.find((v) => v.id === 'train')!.status.cells, [9, 11]);
  });

  it('agree when cells move in a notebook without cell ids (found by their hash)', () => {
    editNotebook(ws, (nb) => {
      for (const c of nb.cells) delete c.id;
      nb.nbformat_minor = 4;
      nb.cells.splice(1, 0, { cell_type: 'markdown', source: ['# inserted'] });
    });
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), []);
    assert.deepEqual(views.find((v) => v.id === 'load_data')!.status.cells, [5]);
  });

  it('agree when a cell is deleted', () => {
    editNotebook(ws, (nb) => nb.cells.splice(8, 1));
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), ['train']);
  });

  it('agree when the notebook cannot be read', () => {
    fs.writeFileSync(ws.notebook, '{"cells": [');
    const views = bothViews(ws);
    assertAgree(views);
    assert.deepEqual(staleIds(views), ['load_data', 'clean', 'train']);
    for (const v of views) {
      assert.deepEqual(v.lint.codes, ['unreadable-notebook']);
      assert.match(v.status.reason!, /^its notebook cannot be read: /);
    }
  });
});

describe('which step some cells form: one function for promotion and the editor\'s suggestion', () => {
  let ws: Ws;
  beforeEach(async () => {
    ws = await promotedWorkspace();
  });
  afterEach(() => ws.cleanup());

  const find = (selected: number[]) => {
    const steps = PipelineDocument.parse(fs.readFileSync(ws.pipeline, 'utf8'), 'churn.cellflow.yaml').steps();
    const lock = parseLock(fs.readFileSync(lockPathFor(ws.pipeline), 'utf8'), 'lock');
    return stepOfCells(steps, loadNotebookFile(ws.notebook), 'notebooks/churn.ipynb', selected, lock)?.id;
  };

  it('finds the step whose cells are exactly the selected code cells, wherever they moved', () => {
    assert.equal(find([4]), 'load_data');
    assert.equal(find([10, 8]), 'train', 'in any order');
    assert.equal(find([7, 8, 9, 10]), 'train', 'markdown cells in the selection are not promoted, so they do not count');
    assert.equal(find([8]), undefined, 'part of a step is not that step');
    assert.equal(find([4, 6]), undefined);
    assert.equal(find([3]), undefined, 'no code cell');
    editNotebook(ws, (nb) => nb.cells.unshift({ cell_type: 'code', id: 'new0', source: ['x = 1'] }));
    assert.equal(find([5]), 'load_data');
    assert.equal(find([4]), undefined);
  });

  it('does not take a step with a missing cell for the cells that remain', () => {
    editNotebook(ws, (nb) => nb.cells.splice(10, 1));
    assert.equal(find([8]), undefined);
  });
});
