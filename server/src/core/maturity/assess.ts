import type { Evidence } from './evidence';

/** The five levels of "MLOps Maturity Model: From Notebooks to Production AI". */
export const LEVELS = ['ad hoc', 'managed', 'defined', 'automated', 'optimized'] as const;

/** An unmet criterion's next step, as an action the editor can take for the user. */
export type Action = 'generate-ci' | 'add-checks' | 'register-best' | 'promote' | 'check-drift' | 'set-alias' | 'sweep';

export interface Criterion {
  id: string;
  level: 1 | 2 | 3 | 4;
  title: string;
  met: boolean;
  /** What was found (files, runs, versions), met or not. */
  evidence: string;
  /** The next step when unmet. */
  next?: string;
  action?: Action;
  /** The step an add-checks action is for. */
  target?: { pipeline: string; step: string };
}

export interface Assessment {
  level: number;
  label: (typeof LEVELS)[number];
  criteria: Criterion[];
  /** The first unmet criterion of the lowest level not reached. */
  nextStep?: Criterion;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const list = (xs: string[], max = 3) => `${xs.slice(0, max).join(', ')}${xs.length > max ? `, and ${xs.length - max} more` : ''}`;

type Rule = Omit<Criterion, 'met' | 'evidence' | 'next' | 'action' | 'target'> & { check(e: Evidence): Pick<Criterion, 'met' | 'evidence' | 'next' | 'action' | 'target'> };

/** Each criterion once, with its level; the level is the highest whose criteria, and those below, all hold. */
const RULES: Rule[] = [
  {
    id: 'pipelines', level: 1, title: 'Notebooks promoted into versioned pipelines',
    check: (e) => {
      const promoted = e.pipelines.filter((p) => p.promotedSteps > 0);
      return promoted.length
        ? { met: true, evidence: `${list(promoted.map((p) => p.file))}: ${plural(promoted.reduce((n, p) => n + p.promotedSteps, 0), 'promoted step')}` }
        : { met: false, evidence: e.pipelines.length ? `${list(e.pipelines.map((p) => p.file))}, with no step promoted from a notebook` : 'no pipeline file (*.cellflow.yaml)', next: 'Promote a notebook\'s cells to a pipeline (Promote to Pipeline on the notebook toolbar)', action: 'promote' };
    },
  },
  {
    id: 'git', level: 1, title: 'The workspace is under version control',
    check: (e) => (e.git ? { met: true, evidence: 'a git repository' } : { met: false, evidence: 'no .git folder at or above the workspace', next: 'Put the workspace in git (git init; commit the pipeline, its steps and lock file)' }),
  },
  {
    id: 'tracking', level: 2, title: 'Runs are tracked',
    check: (e) => (e.runs ? { met: true, evidence: `${plural(e.runs, 'run')} in the store, ${plural(e.pipelineRuns, 'pipeline run')}` } : { met: false, evidence: 'no run in the store', next: 'Run the pipeline (cellflow run), or log runs with the Python client' }),
  },
  {
    id: 'registry', level: 2, title: 'Models are registered, with aliases',
    check: (e) => {
      const aliased = e.models.filter((m) => m.aliases.length);
      if (aliased.length) return { met: true, evidence: list(aliased.map((m) => `${m.name} (${m.aliases.map((a) => `@${a}`).join(' ')})`)) };
      return e.models.length
        ? { met: false, evidence: `${list(e.models.map((m) => m.name))} registered, no alias`, next: 'Give the version in use an alias (Set Model Alias: staging, production)', action: 'set-alias' }
        : { met: false, evidence: 'no model registered', next: 'Register the best run\'s model (Register Model in the Runs view)', action: 'register-best' };
    },
  },
  {
    id: 'validation', level: 2, title: 'Pipelines validate their data',
    check: (e) => {
      const checked = e.pipelines.filter((p) => p.checks > 0);
      const without = e.pipelines.flatMap((p) => p.stepsWithoutChecks.map((step) => ({ pipeline: p.file, step })));
      return checked.length
        ? { met: true, evidence: `${plural(checked.reduce((n, p) => n + p.checks, 0), 'check')} in ${list(checked.map((p) => p.file))}` }
        : without.length
          ? { met: false, evidence: 'no checks block in any pipeline', next: `Add checks to step ${without[0].pipeline}#${without[0].step} (the columns its last run wrote)`, action: 'add-checks', target: without[0] }
          : { met: false, evidence: e.pipelines.length ? 'no checks block in any pipeline' : 'no pipeline', next: 'Add a checks block to a step' };
    },
  },
  {
    id: 'monitoring', level: 2, title: 'Production versions are checked for drift',
    check: (e) => {
      if (!e.production.length) return { met: false, evidence: 'no version has the @production alias', next: 'Point @production at the version in use, then check it for drift', action: 'set-alias' };
      const missing = e.production.filter((p) => !e.productionChecked.includes(p));
      return missing.length
        ? { met: false, evidence: `no drift report for ${list(missing)}`, next: `Check ${missing[0]} against this month's data (the Data Drift view, or cellflow drift --reference ${missing[0]} --current <file> --save)`, action: 'check-drift' }
        : { met: true, evidence: `drift reports for ${list(e.productionChecked)}` };
    },
  },
  {
    id: 'ci', level: 3, title: 'CI lints, runs the pipeline, and gates on drift and benchmarks',
    check: (e) => {
      const full = e.workflows.filter((w) => w.lints && w.runs && w.drift && w.bench);
      if (full.length) return { met: true, evidence: list(full.map((w) => w.file)) };
      const partial = e.workflows.map((w) => `${w.file} (${[!w.lints && 'no lint', !w.runs && 'no run', !w.drift && 'no drift gate', !w.bench && 'no benchmark gate'].filter(Boolean).join(', ')})`);
      return { met: false, evidence: partial.length ? list(partial) : 'no CI workflow calls cellflow', next: 'Generate a CI workflow (lint, cellflow run, cellflow drift --fail-on-drift, cellflow bench --fail-on-regression)', action: 'generate-ci' };
    },
  },
  {
    id: 'triggers', level: 3, title: 'Pipelines run on a schedule or when data changes',
    check: (e) => {
      const t = e.workflows.filter((w) => w.runs && (w.scheduled || w.onData));
      return t.length ? { met: true, evidence: list(t.map((w) => `${w.file} (${[w.scheduled && 'schedule', w.onData && 'data changes'].filter(Boolean).join(', ')})`)) } : { met: false, evidence: 'no workflow runs the pipeline on a schedule or on data changes', next: 'Run the pipeline from CI on a schedule (on: schedule) or when data/ changes (on: push: paths)', action: 'generate-ci' };
    },
  },
  {
    id: 'retraining', level: 4, title: 'Models are retrained after drift',
    check: (e) => (e.retrainedAfterDrift.length ? { met: true, evidence: `${list(e.retrainedAfterDrift)} registered after a drifted report` } : { met: false, evidence: 'no version registered after a drift report of its predecessor drifted', next: 'When a version drifts, re-run its pipeline (the Data Drift view offers Re-run Pipeline) and register the new model' }),
  },
  {
    id: 'sweeps', level: 4, title: 'Hyperparameters are searched',
    // A sweep's trials are runs tagged cellflow.sweep (cellflow sweep tags them so; so can any other search).
    check: (e) => (e.sweeps ? { met: true, evidence: plural(e.sweeps, 'sweep') } : { met: false, evidence: 'no sweep in the store', next: 'Sweep the pipeline\'s params (cellflow sweep <pipeline> --param NAME=VALUES --metric NAME)', action: 'sweep' }),
  },
  {
    id: 'lineage', level: 4, title: 'The production version\'s lineage reaches its notebook cells',
    check: (e) => {
      if (!e.production.length) return { met: false, evidence: 'no @production version', next: 'Point @production at a version a pipeline trained', action: 'set-alias' };
      const missing = e.production.filter((p) => !e.fullLineage.includes(p));
      return missing.length ? { met: false, evidence: `${list(missing)}: no chain back to a cell`, next: 'Train the production model with the pipeline (cellflow run), so its version comes from a step run of promoted cells' } : { met: true, evidence: `${list(e.fullLineage)}: cell → step version → run → version` };
    },
  },
];

/** The workspace's level, each criterion met or not with its evidence, and the next step to take. */
export function assess(e: Evidence): Assessment {
  const criteria: Criterion[] = RULES.map(({ check, ...rule }) => {
    const r = check(e);
    return { ...rule, met: r.met, evidence: r.evidence, ...(r.met ? {} : { next: r.next, ...(r.action ? { action: r.action } : {}), ...(r.target ? { target: r.target } : {}) }) };
  });
  let level = 0;
  for (const l of [1, 2, 3, 4] as const) {
    if (criteria.filter((c) => c.level === l).every((c) => c.met)) level = l;
    else break;
  }
  const nextStep = criteria.find((c) => c.level === level + 1 && !c.met);
  return { level, label: LEVELS[level], criteria, ...(nextStep ? { nextStep } : {}) };
}

/** The ids of every criterion, for tests and the view. */
export const CRITERIA_IDS = RULES.map((r) => r.id);
