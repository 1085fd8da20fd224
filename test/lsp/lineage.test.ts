import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageGraphRequest, NotebookStepsRequest, type NotebookSnapshot } from '../../server/src/protocol';
import { CLI } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { scratchExamples } from '../support/workspace';
import { waitFor } from '../support/waitFor';

describe('lineage over LSP: the graph request and what descends from a promoted cell', function () {
  this.timeout(180_000);
  let dir: string;
  let cleanup: () => void;
  let lsp: LspClient;
  before(() => {
    ({ dir, cleanup } = scratchExamples({ promoted: true }));
  });
  after(() => {
    lsp?.kill();
    cleanup();
  });

  it('a promoted cell\'s step counts the runs and model versions descending from it once the pipeline has run', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const file = path.join(dir, 'notebooks', 'churn.ipynb');
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<{ cell_type: 'code' | 'markdown' | 'raw'; source: string[] | string; id?: string; metadata?: { tags?: string[] } }> };
    const notebook: NotebookSnapshot = { path: file, cells: nb.cells.map((c) => ({ kind: c.cell_type, source: Array.isArray(c.source) ? c.source.join('') : c.source, ...(c.id ? { id: c.id } : {}), tags: c.metadata?.tags ?? [] })) };
    const before = (await lsp.request(NotebookStepsRequest, { notebook })).steps.find((s) => s.stepId === 'train')!;
    assert.equal(before.descendants, undefined, 'no store yet: nothing descends');
    const run = spawnSync(process.execPath, [CLI, 'run', 'churn.cellflow.yaml', '--python', '/usr/bin/python3'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const train = await waitFor(async () => (await lsp.request(NotebookStepsRequest, { notebook })).steps.find((s) => s.stepId === 'train' && s.descendants), 'the counts once the store exists', 30_000);
    // train's own run and evaluate's, which read its model; the version train registered.
    assert.deepEqual(train.descendants, { runs: 2, modelVersions: 1 });
    const load = (await lsp.request(NotebookStepsRequest, { notebook })).steps.find((s) => s.stepId === 'load')!;
    assert.deepEqual(load.descendants, { runs: 5, modelVersions: 1 }, 'every step after load used its data');
    const graph = await lsp.request(LineageGraphRequest, { folder: dir, ref: 'churn-model@1' });
    assert.equal(graph.root, 'model-version:churn-model@1');
  });
});
