import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { NotebookStepsRequest, PromoteRequest, SuggestStepRequest, type NotebookSnapshot } from '../../server/src/protocol';
import { LspClient } from '../support/lspClient';
import { scratchExamples } from '../support/workspace';

function snapshot(file: string): NotebookSnapshot {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  return {
    path: file,
    language: 'python',
    cells: nb.cells.map((c: { cell_type: 'code' | 'markdown'; source: string[]; id?: string; metadata?: { tags?: string[] } }) => ({ kind: c.cell_type, source: c.source.join(''), id: c.id, tags: c.metadata?.tags ?? [] })),
  };
}

describe('promotion over LSP', () => {
  let lsp: LspClient;
  let ws: { dir: string; cleanup: () => void };
  let nb: NotebookSnapshot;
  let pipelinePath: string;

  beforeEach(async () => {
    ws = scratchExamples();
    lsp = new LspClient();
    await lsp.initialize(ws.dir);
    nb = snapshot(path.join(ws.dir, 'notebooks', 'churn.ipynb'));
    pipelinePath = path.join(ws.dir, 'churn.cellflow.yaml');
  });
  afterEach(() => {
    lsp.kill();
    ws.cleanup();
  });

  it('suggests a step id from the heading and returns the files to write, without writing them', async () => {
    assert.deepEqual(await lsp.request(SuggestStepRequest, { notebook: nb, cells: [4], pipelinePath }), { stepId: 'load_data', existing: false });
    const before = fs.readFileSync(pipelinePath, 'utf8');
    const r = await lsp.request(PromoteRequest, { notebook: nb, cells: [4], pipelinePath });
    assert.equal(r.status, 'created');
    assert.deepEqual(r.files.map((f) => path.relative(ws.dir, f.path)), [path.join('steps', 'load_data.py'), 'churn.cellflow.lock', 'churn.cellflow.yaml']);
    assert.equal(fs.readFileSync(pipelinePath, 'utf8'), before, 'the client applies the edit, not the server');
  });

  it('promotes the editor\'s unsaved text, and uses an open pipeline document over the file', async () => {
    nb.cells[4].source = 'customers = pd.read_csv("../data/customers.csv").head(100)';
    const pipelineUri = URI.file(pipelinePath).toString();
    await lsp.open(pipelineUri, fs.readFileSync(pipelinePath, 'utf8').replace('steps: []', 'params:\n  C: 2.0\nsteps: []'));
    const r = await lsp.request(PromoteRequest, { notebook: nb, cells: [8, 10], stepId: 'train', pipelinePath });
    assert.match(r.files[0].content, /C=2/, 'the param value comes from the unsaved pipeline text');
  });

  it('lists a notebook\'s steps with where their cells are, and notices a changed cell', async () => {
    for (const f of (await lsp.request(PromoteRequest, { notebook: nb, cells: [4], pipelinePath })).files) {
      fs.mkdirSync(path.dirname(f.path), { recursive: true });
      fs.writeFileSync(f.path, f.content);
    }
    const fresh = await lsp.request(NotebookStepsRequest, { notebook: nb });
    assert.deepEqual(fresh.steps.map((s) => [s.stepId, s.version, s.cells, s.stale, s.reads, s.writes]), [['load_data', 1, [4], false, [], ['customers']]]);
    nb.cells[4].source += '\ncustomers = customers.dropna()';
    const edited = await lsp.request(NotebookStepsRequest, { notebook: nb });
    assert.equal(edited.steps[0].stale, true);
    assert.match(edited.steps[0].staleReason ?? '', /changed since version 1/);
    assert.deepEqual(await lsp.request(SuggestStepRequest, { notebook: nb, cells: [4], pipelinePath }), { stepId: 'load_data', existing: true });
  });

  it('refuses a promotion whose files would land outside the workspace (a steps folder linked out), and keeps serving', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(ws.dir), 'cellflow-outside-'));
    try {
      fs.rmSync(path.join(ws.dir, 'steps'), { recursive: true, force: true });
      fs.symlinkSync(outside, path.join(ws.dir, 'steps'));
      await assert.rejects(lsp.request(PromoteRequest, { notebook: nb, cells: [4], pipelinePath }), /steps\/load_data\.py: is outside the workspace \(.*\); Cellflow reads and writes files inside it only/);
      assert.deepEqual(fs.readdirSync(outside), []);
      fs.rmSync(path.join(ws.dir, 'steps'));
      assert.equal((await lsp.request(PromoteRequest, { notebook: nb, cells: [4], pipelinePath })).status, 'created', 'the same promotion goes through once the link is gone');
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses cells of another step with data the editor acts on, and moves them when asked', async () => {
    const write = (files: Array<{ path: string; content: string }>) => {
      for (const f of files) {
        fs.mkdirSync(path.dirname(f.path), { recursive: true });
        fs.writeFileSync(f.path, f.content);
      }
    };
    write((await lsp.request(PromoteRequest, { notebook: nb, cells: [4], stepId: 'load_data', pipelinePath })).files);
    const refused = await lsp.request(PromoteRequest, { notebook: nb, cells: [4], stepId: 'load', pipelinePath }).then(
      () => assert.fail('promoting cells of another step must be refused without move'),
      (err: { message: string; data?: unknown }) => err,
    );
    assert.match(refused.message, /cell 4 already belongs to step `load_data`/);
    assert.deepEqual(refused.data, { kind: 'cells-taken', holders: [{ stepId: 'load_data', cells: [4] }] });
    const moved = await lsp.request(PromoteRequest, { notebook: nb, cells: [4], stepId: 'load', pipelinePath, move: true });
    assert.equal(moved.status, 'created');
    assert.ok(moved.warnings.some((w) => w.startsWith('step `load_data` had no other cells and left the pipeline')), moved.warnings.join('\n'));
  });

  it('answers bad input with an error naming the problem, and keeps serving', async () => {
    await assert.rejects(lsp.request(PromoteRequest, { notebook: nb, cells: [0], pipelinePath }), /holds no code cells/);
    await assert.rejects(lsp.request(PromoteRequest, { notebook: { ...nb, language: 'r' }, cells: [4], pipelinePath }), /Cellflow promotes Python cells only/);
    fs.writeFileSync(pipelinePath, 'cellflow: 1\nsteps: [\n');
    await assert.rejects(lsp.request(PromoteRequest, { notebook: nb, cells: [4], pipelinePath }), /churn\.cellflow\.yaml:\d+:\d+: the pipeline file has a YAML error/);
    assert.deepEqual((await lsp.request(NotebookStepsRequest, { notebook: nb })).steps, [], 'a broken pipeline has no steps to show');
    assert.equal(lsp.process.exitCode, null);
  });
});
