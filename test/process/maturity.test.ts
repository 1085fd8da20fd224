import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Assessment } from '../../server/src/core/maturity/assess';
import { ciWorkflow } from '../../server/src/core/maturity/workflow';
import { Store } from '../../server/src/services/store/store';
import { CLI } from '../support/cli';
import { scratchExamples } from '../support/workspace';

const PYTHON = '/usr/bin/python3';

describe('cellflow maturity: the workspace against the five-level model, from evidence', function () {
  this.timeout(300_000);
  let dir: string;
  let cleanup: () => void;
  const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 150_000 });
  const assessed = (cwd: string): Assessment => {
    const r = cli(cwd, 'maturity', '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Assessment;
  };
  const unmet = (a: Assessment) => a.criteria.filter((c) => !c.met).map((c) => c.id);
  before(() => ({ dir, cleanup } = scratchExamples({ promoted: true })));
  after(() => cleanup());

  it('level 0 (ad hoc): an empty folder, everything unmet, the first step is to promote a notebook', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-adhoc-'));
    try {
      const a = assessed(empty);
      assert.equal(a.level, 0);
      assert.deepEqual(unmet(a), ['pipelines', 'git', 'tracking', 'registry', 'validation', 'monitoring', 'ci', 'triggers', 'retraining', 'sweeps', 'lineage']);
      assert.equal(a.criteria[0].evidence, 'no pipeline file (*.cellflow.yaml)');
      assert.equal(a.criteria[0].action, 'promote');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('level 1 (managed): a promoted pipeline in git; runs, the registry, and monitoring are next', () => {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const a = assessed(dir);
    assert.equal(a.level, 1);
    assert.deepEqual(unmet(a).filter((id) => ['pipelines', 'git', 'tracking', 'registry', 'validation', 'monitoring'].includes(id)), ['tracking', 'registry', 'monitoring']);
    assert.match(a.criteria.find((c) => c.id === 'pipelines')!.evidence, /^churn\.cellflow\.yaml: 5 promoted steps$/);
    assert.match(a.criteria.find((c) => c.id === 'validation')!.evidence, /checks? in churn\.cellflow\.yaml/);
  });

  it('level 2 (defined): runs tracked, a production alias, its drift checked; CI is next', () => {
    assert.equal(cli(dir, 'run', 'churn.cellflow.yaml', '--python', PYTHON).status, 0);
    let a = assessed(dir);
    assert.equal(a.level, 1, 'a registered model without an alias, no drift report: still 1');
    assert.equal(a.criteria.find((c) => c.id === 'registry')!.action, 'set-alias');
    const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
    store.setAlias('churn-model', 1, 'production');
    store.close();
    assert.equal(cli(dir, 'drift', '--reference', 'churn-model@production', '--current', 'data/customers_recent.csv', '--python', PYTHON, '--save').status, 0);
    a = assessed(dir);
    assert.equal(a.level, 2);
    assert.deepEqual(unmet(a), ['ci', 'triggers', 'retraining', 'sweeps']);
    assert.equal(a.criteria.find((c) => c.id === 'ci')!.action, 'generate-ci');
    assert.equal(a.criteria.find((c) => c.id === 'lineage')!.met, true, 'the pipeline trained the production version');
  });

  it('level 3 (automated): the generated workflow lints, runs, gates on drift and benchmarks, on a schedule and on data', () => {
    const yaml = ciWorkflow({ pipelines: ['churn.cellflow.yaml'], drift: { model: 'churn-model@production', current: 'data/customers_recent.csv' }, bench: 'churn-mlp@staging', workdir: '.', python: '3.11' });
    fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.github', 'workflows', 'cellflow.yml'), yaml);
    const a = assessed(dir);
    assert.equal(a.level, 3);
    assert.deepEqual(unmet(a), ['retraining', 'sweeps']);
    assert.equal(a.criteria.find((c) => c.id === 'triggers')!.evidence, '.github/workflows/cellflow.yml (schedule, data changes)');
  });

  it('level 4 (optimized): a version retrained after the drifted report, and a sweep', () => {
    // --force re-runs every step; the train step registers the model again: churn-model v2.
    assert.equal(cli(dir, 'run', 'churn.cellflow.yaml', '--python', PYTHON, '--force').status, 0);
    const store = new Store(path.join(dir, '.cellflow', 'cellflow.db'), dir);
    const [model] = store.listModels();
    assert.deepEqual(model.versions.map((v) => v.version), [2, 1]);
    store.setAlias('churn-model', 2, 'production');
    // What `cellflow sweep` tags its trials with.
    store.setTags(model.versions[0].runId!, { 'cellflow.sweep': 'sweep-1' });
    store.close();
    let a = assessed(dir);
    assert.deepEqual(unmet(a), ['monitoring'], 'the new production version has no drift report yet');
    assert.equal(a.level, 1, 'and a level is only as high as everything below it');
    assert.equal(cli(dir, 'drift', '--reference', 'churn-model@production', '--current', 'data/customers.csv', '--python', PYTHON, '--save').status, 0);
    a = assessed(dir);
    assert.equal(a.level, 4);
    assert.deepEqual(unmet(a), []);
    assert.equal(a.criteria.find((c) => c.id === 'retraining')!.evidence, 'churn-model@2 registered after a drifted report');
  });

  it('writes a workflow that is valid YAML and calls only real cellflow commands and flags', () => {
    const yaml = ciWorkflow({ pipelines: ['churn.cellflow.yaml', 'other pipeline.cellflow.yaml'], drift: { model: 'churn@production', current: 'data/new.csv' }, bench: 'churn@staging', workdir: 'ml', python: '3.11' });
    const doc = parseYaml(yaml) as { jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }>; on: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.on).sort(), ['push', 'schedule', 'workflow_dispatch']);
    const help = cli(dir, '--help').stdout;
    const calls = doc.jobs.pipeline.steps.flatMap((s) => (s.run?.startsWith('cellflow ') ? [s.run] : []));
    assert.equal(calls.length, 5);
    for (const call of calls) {
      const [, sub, ...rest] = call.split(' ');
      assert.ok(help.includes(`cellflow ${sub} `), `cellflow ${sub} is a command`);
      for (const flag of rest.filter((w) => w.startsWith('--'))) assert.ok(help.includes(flag), `${call}: ${flag} is a flag of cellflow ${sub}`);
    }
  });
});
