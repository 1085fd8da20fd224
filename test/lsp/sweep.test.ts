import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { lintDocument } from '../../server/src/core/pipeline/lint';
import { AddChecksRequest, SweepRequest, type SweepParams } from '../../server/src/protocol';
import { CLI } from '../support/cli';
import { LspClient } from '../support/lspClient';
import { waitFor } from '../support/waitFor';
import { scratchExamples } from '../support/workspace';

const sweepProcesses = (dir: string) => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(' sweep ') && l.includes(dir));

describe('sweeps and Add Checks over LSP: cellflow/sweep with progress and cancel, cellflow/addChecks from the last run', function () {
  this.timeout(300_000);
  let dir: string;
  let cleanup: () => void;
  let lsp: LspClient | undefined;
  let pipeline: string;
  before(() => {
    ({ dir, cleanup } = scratchExamples({ promoted: true }));
    pipeline = path.join(dir, 'churn.cellflow.yaml');
    process.env.CELLFLOW_PYTHON = '/usr/bin/python3';
  });
  afterEach(() => {
    lsp?.kill();
    lsp = undefined;
  });
  after(() => {
    delete process.env.CELLFLOW_PYTHON;
    cleanup();
  });
  const params = (over: Partial<SweepParams> = {}): SweepParams => ({ folder: dir, pipeline, params: ['C=0.1,1'], metric: 'roc_auc', ...over });

  it('refuses to sweep in an untrusted workspace: a sweep runs the pipeline', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: false });
    await assert.rejects(lsp.request(SweepRequest, params()), /untrusted workspace/);
  });

  it('Add Checks says why there is none before a run, and builds a block from the columns a run recorded', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const uri = URI.file(pipeline).toString();
    const text = fs.readFileSync(pipeline, 'utf8');
    await lsp.open(uri, text);
    assert.match((await lsp.request(AddChecksRequest, { uri, stepId: 'split' })).reason ?? '', /no run of split recorded a table output yet/);
    assert.match((await lsp.request(AddChecksRequest, { uri, stepId: 'load' })).reason ?? '', /load has a checks block already/);
    const run = spawnSync(process.execPath, [CLI, 'run', 'churn.cellflow.yaml', '--python', '/usr/bin/python3'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { edit } = await waitFor(async () => {
      const r = await lsp!.request(AddChecksRequest, { uri, stepId: 'split' });
      return r.edit ? r : undefined;
    }, 'an edit once the store has the run', 30_000);
    assert.ok(edit);
    assert.match(edit.newText, /^ {4}checks:\n {6}X:\n {8}rows: \{min: 1\}\n {8}columns:\n {10}tenure_months: \{type: int\}\n/);
    assert.match(edit.newText, / {6}X_train:\n/);
    const lines = text.split('\n');
    assert.deepEqual(edit.range.start, edit.range.end);
    const after = [...lines.slice(0, edit.range.start.line), ...edit.newText.replace(/\n$/, '').split('\n'), ...lines.slice(edit.range.start.line)].join('\n');
    const lint = lintDocument(after);
    assert.deepEqual(lint.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    assert.ok(lint.model!.steps.find((s) => s.id?.value === 'split')!.checks.some((c) => c.output.value === 'X_train'), 'the block is split\'s');
  });

  it('sweeps a param with a progress notification per trial; a trial reruns only the steps using it', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const report = await lsp.request(SweepRequest, params({ progressToken: 's1' }));
    assert.deepEqual(report.trials.map((t) => [t.params.C, t.status, t.steps.load, t.steps.train]), [[0.1, 'succeeded', 'reused', 'ran'], [1, 'succeeded', 'reused', 'reused']]);
    assert.ok(report.trials.every((t) => typeof t.metric === 'number' && t.metric > 0.5 && t.metric <= 1), 'each trial read its roc_auc');
    assert.equal(report.goal, 'max');
    assert.ok(report.best && report.trials.some((t) => t.runId === report.best!.runId));
    const seen = lsp.sweepProgress.filter((n) => n.progressToken === 's1').map((n) => `${n.progress.phase} ${n.progress.trial}/${n.progress.of}`);
    assert.deepEqual(seen, ['trial 1/2', 'done 1/2', 'trial 2/2', 'done 2/2']);
  });

  it('cancelling the request ends the sweep process and its running trial', async () => {
    lsp = new LspClient();
    await lsp.initialize(dir, { trusted: true });
    const source = new CancellationTokenSource();
    const request = lsp.request(SweepRequest, params({ params: ['C=0.2,0.3,0.4,0.5,0.6,0.7'], progressToken: 's2' }), source.token);
    await waitFor(() => lsp!.sweepProgress.some((n) => n.progressToken === 's2' && n.progress.phase === 'trial'), 'the first trial started', 60_000);
    source.cancel();
    await assert.rejects(request, /cancel/i);
    await waitFor(() => sweepProcesses(dir).length === 0, 'the sweep process gone', 10_000);
    const done = lsp.sweepProgress.filter((n) => n.progressToken === 's2' && n.progress.phase === 'done').length;
    assert.ok(done < 6, `the sweep stopped early (${done} of 6 trials ended)`);
  });
});
