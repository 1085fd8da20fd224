import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Evidence } from '../../core/maturity/evidence';
import { lockPathFor } from '../../core/pipeline/lockFile';
import { pipelineStatus } from '../../core/promote/status';
import { findPipelineFiles, loadNotebookFile, readInside } from '../../io/files';
import type { Store } from '../store/store';

/** Aliases that say "this version serves". */
const PRODUCTION = new Set(['production', 'prod', 'champion']);

/** The evidence the assessment needs, from the workspace's files and (when there is one) its store. */
export function gatherEvidence(root: string, store: Store | undefined): Evidence {
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const pipelines = findPipelineFiles(root).map((abs) => {
    const text = fs.readFileSync(abs, 'utf8');
    let steps: Array<{ id?: unknown; checks?: unknown }> = [];
    try {
      steps = ((parseYaml(text) as { steps?: unknown } | null)?.steps as typeof steps | undefined) ?? [];
    } catch {
      // a broken pipeline file: the linter says why; here it has no checks and no steps
    }
    let promoted = 0;
    try {
      const lock = lockPathFor(abs);
      promoted = pipelineStatus(abs, text, (nb) => loadNotebookFile(nb, rel(nb), root), readInside(lock, root, rel(lock))).steps.filter((s) => s.source).length;
    } catch {
      promoted = 0;
    }
    const list = Array.isArray(steps) ? steps : [];
    const checks = list.reduce((n, s) => n + (s && typeof s.checks === 'object' && s.checks ? Object.keys(s.checks).length : 0), 0);
    return { file: rel(abs), steps: list.length, promotedSteps: promoted, checks, stepsWithoutChecks: list.filter((s) => s && !s.checks && typeof s.id === 'string').map((s) => s.id as string) };
  });
  const workflows = workflowFiles(root).map((f) => workflowFacts(f, rel(f)));
  const facts = store?.maturityFacts() ?? { runs: 0, pipelineRuns: 0, models: [], benchmarks: 0, driftChecked: [], retrainedAfterDrift: [], sweeps: 0 };
  const production = facts.models.flatMap((m) => m.aliasVersions.filter((a) => PRODUCTION.has(a.alias)).map((a) => `${m.name}@${a.version}`));
  return {
    git: hasGit(root),
    pipelines,
    runs: facts.runs,
    pipelineRuns: facts.pipelineRuns,
    models: facts.models.map((m) => ({ name: m.name, versions: m.versions, aliases: m.aliasVersions.map((a) => a.alias) })),
    production: [...new Set(production)],
    productionChecked: production.filter((p) => facts.driftChecked.includes(p)),
    benchmarks: facts.benchmarks,
    workflows,
    retrainedAfterDrift: facts.retrainedAfterDrift,
    sweeps: facts.sweeps,
    fullLineage: store ? production.filter((p) => store.lineageOf('model-version', p).some((e) => e.fromKind === 'cell-hash')) : [],
  };
}

function hasGit(root: string): boolean {
  for (let d = path.resolve(root); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** GitHub Actions workflows of the repository the workspace is in (at its root or above it). */
function workflowFiles(root: string): string[] {
  for (let d = path.resolve(root); ; d = path.dirname(d)) {
    const dir = path.join(d, '.github', 'workflows');
    if (fs.existsSync(dir)) return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
    if (fs.existsSync(path.join(d, '.git')) || path.dirname(d) === d) return [];
  }
}

/** What a workflow does with Cellflow: its `run:` lines and its triggers. */
function workflowFacts(file: string, shown: string): Evidence['workflows'][number] {
  let doc: { on?: unknown; true?: unknown; jobs?: Record<string, { steps?: Array<{ run?: unknown }> }> } = {};
  try {
    doc = (parseYaml(fs.readFileSync(file, 'utf8')) as typeof doc | null) ?? {};
  } catch {
    return { file: shown, lints: false, runs: false, drift: false, bench: false, scheduled: false, onData: false };
  }
  const runs = Object.values(doc.jobs ?? {}).flatMap((j) => (j?.steps ?? []).map((s) => (typeof s?.run === 'string' ? s.run : '')));
  const calls = (re: RegExp) => runs.some((r) => r.split('\n').some((l) => re.test(l)));
  const on = (doc.on ?? doc.true) as Record<string, unknown> | string | string[] | undefined; // YAML 1.1 reads a bare `on:` key as true
  const triggers = typeof on === 'string' ? { [on]: {} } : Array.isArray(on) ? Object.fromEntries(on.map((k) => [k, {}])) : (on ?? {});
  const paths = [triggers.push, triggers.pull_request].flatMap((t) => ((t as { paths?: unknown } | undefined)?.paths as string[] | undefined) ?? []);
  return {
    file: shown,
    lints: calls(/\bcellflow(\.js)?\s+lint\b/),
    runs: calls(/\bcellflow(\.js)?\s+run\b/),
    drift: calls(/\bcellflow(\.js)?\s+drift\b.*--fail-on-drift/),
    bench: calls(/\bcellflow(\.js)?\s+bench\b.*--fail-on-regression/),
    scheduled: 'schedule' in triggers,
    onData: paths.some((p) => /data|\.csv|\.parquet/.test(p)),
  };
}
