import * as assert from 'node:assert/strict';
import { cellHash, normalizeSource, stepHash } from '../../server/src/core/notebook/hash';
import { headingAbove, suggestStepId, toStepId } from '../../server/src/core/notebook/headings';
import { locateCells } from '../../server/src/core/notebook/locate';
import { assertPython, NotebookError, parseNotebook, type Notebook } from '../../server/src/core/notebook/notebook';

function ipynb(cells: Array<{ cell_type: string; source: string; id?: string }>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: { kernelspec: { language: 'python', name: 'python3' } }, cells: cells.map((c) => ({ metadata: {}, ...c, source: c.source.split(/(?<=\n)/) })), ...extra });
}

function throwsNotebookError(fn: () => unknown, message: RegExp, position?: { line: number; column: number }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NotebookError, String(e));
    assert.match(e.message, message);
    if (position) assert.deepEqual(e.position, position);
    return true;
  });
}

describe('notebooks', () => {
  it('reads cells with their index, kind, source, id and tags', () => {
    const text = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { language_info: { name: 'python' } },
      cells: [
        { cell_type: 'markdown', id: 'm1', metadata: {}, source: ['# Title\n', 'text'] },
        { cell_type: 'code', id: 'c1', metadata: { tags: ['parameters'] }, source: 'SEED = 1', outputs: [], execution_count: null },
      ],
    });
    const nb = parseNotebook(text, 'nb.ipynb');
    assert.equal(nb.language, 'python');
    assert.deepEqual(nb.cells, [
      { index: 0, kind: 'markdown', source: '# Title\ntext', id: 'm1', tags: [] },
      { index: 1, kind: 'code', source: 'SEED = 1', id: 'c1', tags: ['parameters'] },
    ]);
  });

  it('names the file and the place of broken JSON', () => {
    throwsNotebookError(() => parseNotebook('{\n  "cells": [\n    {"cell_type": "code",}\n  ]\n}', 'broken.ipynb'), /^broken\.ipynb:3:26: not valid notebook JSON/, { line: 3, column: 26 });
    throwsNotebookError(() => parseNotebook('{"cells": [', 'cut.ipynb'), /^cut\.ipynb:1:12: not valid notebook JSON/);
  });

  it('refuses nbformat 3 with the way to upgrade', () => {
    throwsNotebookError(() => parseNotebook(JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }), 'old.ipynb'), /nbformat 3 notebooks are not supported; open and save it in Jupyter/);
  });

  it('says what is wrong with JSON that is not a notebook', () => {
    throwsNotebookError(() => parseNotebook('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', 'odd.ipynb'), /^odd\.ipynb: not a Jupyter notebook: cells\.0\.source/);
    throwsNotebookError(() => parseNotebook('[1, 2]', 'list.ipynb'), /not a Jupyter notebook/);
  });

  it('refuses a notebook whose kernel is not Python', () => {
    const nb = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: { kernelspec: { language: 'R', name: 'ir' } }, cells: [] }), 'r.ipynb');
    throwsNotebookError(() => assertPython(nb), /kernel language is r; Cellflow promotes Python cells only/);
    assert.doesNotThrow(() => assertPython({ ...nb, language: undefined }), 'a notebook that does not say is taken as Python');
  });

  it('hashes normalized source: line endings and trailing blanks do not matter, content does', () => {
    assert.equal(normalizeSource('\n\nx = 1   \r\ny = 2\n\n'), 'x = 1\ny = 2');
    assert.equal(cellHash('x = 1\r\n'), cellHash('x = 1'));
    assert.notEqual(cellHash('x = 1'), cellHash('x = 2'));
    assert.notEqual(cellHash('x=1'), cellHash('x = 1'));
    assert.match(cellHash('x'), /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(stepHash(['a', 'b']), stepHash(['a\nb']), 'cell boundaries count');
  });

  it('suggests a step id from the nearest markdown heading above', () => {
    const nb = parseNotebook(ipynb([
      { cell_type: 'markdown', source: '# Churn\nintro' },
      { cell_type: 'code', source: 'import pandas' },
      { cell_type: 'markdown', source: 'Some text\n## Load the Data!\nmore' },
      { cell_type: 'code', source: 'df = 1' },
    ]), 'nb.ipynb');
    assert.equal(headingAbove(nb, 3), 'Load the Data!');
    assert.equal(headingAbove(nb, 1), 'Churn');
    assert.equal(suggestStepId(nb, 3, []), 'load_the_data');
    assert.equal(suggestStepId(nb, 3, ['load_the_data']), 'load_the_data_2');
    assert.equal(suggestStepId(nb, 0, []), 'cell_0');
    assert.equal(toStepId('2. Évaluer le modèle'), 'step_2_evaluer_le_modele');
  });

  it('cuts a long heading into a step id at a word boundary, never mid-word', () => {
    assert.equal(toStepId('Fine-tune the pretrained transformer on the labelled customer reviews'), 'fine_tune_the_pretrained_transformer_on');
    assert.equal(toStepId('Supercalifragilisticexpialidocious_and_then_some_more_words'), 'supercalifragilisticexpialidocious_and');
    assert.equal(toStepId('a'.repeat(60)), 'a'.repeat(40), 'one word longer than the limit is cut');
    assert.equal(toStepId('Exactly forty characters long heading xx'), 'exactly_forty_characters_long_heading_xx');
  });

  describe('finding promoted cells again', () => {
    const cells = (sources: string[], ids?: string[]): Notebook => ({
      path: 'nb.ipynb',
      nbformat: 4,
      nbformatMinor: 4,
      language: 'python',
      cells: sources.map((source, index) => ({ index, kind: 'code', source, tags: [], ...(ids ? { id: ids[index] } : {}) })),
    });

    it('follows cell ids through moves and edits (nbformat 4.5)', () => {
      const nb = cells(['a = 1', 'b = 2 # edited', 'c = 3'], ['x', 'y', 'z']);
      const [loc] = locateCells(nb, [{ index: 0, id: 'y', hash: cellHash('b = 2') }]);
      assert.ok(loc.found);
      assert.equal(loc.cell.index, 1);
      assert.equal(loc.how, 'id');
      assert.equal(loc.changed, true);
    });

    it('finds an unchanged cell that moved by its hash, nearest to where it was (nbformat 4.4)', () => {
      const nb = cells(['new = 0', 'x = 1', 'y = 2', 'x = 1']);
      const [loc] = locateCells(nb, [{ index: 2, hash: cellHash('x = 1') }]);
      assert.ok(loc.found);
      assert.equal(loc.cell.index, 1, 'the nearer of two identical cells');
      assert.equal(loc.how, 'hash');
      assert.equal(loc.changed, false);
    });

    it('finds a cell that changed and moved by its similarity to the promoted source', () => {
      const old = 'train, test = split(data, test_size=0.2, seed=42)';
      const nb = cells(['inserted = 1', 'a = 1', 'b = 2', 'train, test = split(data, test_size=0.25, seed=42)']);
      const [loc] = locateCells(nb, [{ index: 2, hash: cellHash(old) }], [old]);
      assert.ok(loc.found);
      assert.equal(loc.cell.index, 3);
      assert.equal(loc.how, 'similar');
      assert.equal(loc.changed, true);
    });

    it('takes a changed cell at its old index, and reports a missing one', () => {
      const nb = cells(['a = 1', 'b = 99']);
      const [changed, missing] = locateCells(nb, [{ index: 1, hash: cellHash('b = 2') }, { index: 5, hash: cellHash('gone') }]);
      assert.ok(changed.found && changed.how === 'index' && changed.changed);
      assert.equal(missing.found, false);
    });
  });
});
