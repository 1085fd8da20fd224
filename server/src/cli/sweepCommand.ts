import { randomUUID } from 'node:crypto';
import { InvalidInput } from '../core/errors';
import { bestTrial, parseValues, planTrials, type Trial } from '../core/sweep/plan';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { openPipelineSession, parseParams, type RunArgs } from './runCommand';

export interface SweepArgs extends Pick<RunArgs, 'pipeline' | 'executor' | 'python' | 'store' | 'jobs'> {
  param: string[];
  strategy?: string;
  trials?: string;
  metric?: string;
  goal?: string;
  json: boolean;
}

interface TrialResult {
  trial: number;
  params: Trial;
  runId?: string;
  status: string;
  steps: Record<string, string>;
  metric?: number;
}

/**
 * `cellflow sweep`: the pipeline once per trial, each a pipeline run tagged with the sweep, reusing
 * every step whose cache key (its params among them) a trial leaves unchanged; the best by --metric,
 * read from the metrics the trial's step runs logged. Exit 0 when every trial succeeded, 1 otherwise.
 */
export async function runSweep(args: SweepArgs, pythonPackages: string): Promise<number> {
  const { strategy, goal, trials, swept } = sweepOptions(args);
  const session = await openPipelineSession({ ...args, force: false, dryRun: false, keepGoing: false, params: [], json: true }, pythonPackages);
  const sweep = `sweep-${randomUUID().slice(0, 8)}`;
  const results: TrialResult[] = [];
  try {
    parseParams(swept.map((p) => `${p.name}=0`), session.declared); // every swept name is a param of the pipeline
    const plan = planTrials(swept, strategy, trials);
    for (const [i, params] of plan.entries()) {
      if (!args.json) process.stderr.write(`trial ${i + 1}/${plan.length}: ${shownParams(params)}\n`);
      const r = await session.run(params, () => undefined);
      const result: TrialResult = { trial: i + 1, params, status: r.status, steps: r.steps as Record<string, string>, ...(r.runId ? { runId: r.runId } : {}) };
      if (r.runId) {
        session.store.setTags(r.runId, { 'cellflow.sweep': sweep, 'cellflow.trial': String(i + 1) });
        const metric = args.metric ? trialMetric(session.store, r.runId, args.metric) : undefined;
        if (metric !== undefined) result.metric = metric;
      }
      results.push(result);
      if (r.status === 'cancelled') break;
    }
  } finally {
    await session.close();
  }
  const best = args.metric ? bestTrial(results, goal) : undefined;
  if (args.json) process.stdout.write(`${JSON.stringify({ sweep, strategy, metric: args.metric ?? null, goal, trials: results, best: best ?? null })}\n`);
  else process.stdout.write(human(sweep, results, best, args.metric));
  return results.every((r) => r.status === 'succeeded') ? 0 : 1;
}

function sweepOptions(args: SweepArgs): { strategy: 'grid' | 'random'; goal: 'min' | 'max'; trials?: number; swept: Array<{ name: string; values: unknown[] }> } {
  if (!args.param.length) throw new InvalidInput('cellflow sweep needs at least one --param NAME=VALUES (0.01,0.1,1 or 0.001:1:log)');
  const strategy = args.strategy ?? 'grid';
  if (strategy !== 'grid' && strategy !== 'random') throw new InvalidInput(`--strategy takes grid or random, not ${JSON.stringify(strategy)}`);
  const goal = args.goal ?? 'max';
  if (goal !== 'min' && goal !== 'max') throw new InvalidInput(`--goal takes min or max, not ${JSON.stringify(goal)}`);
  const trials = args.trials === undefined ? undefined : Number(args.trials);
  if (trials !== undefined && (!Number.isInteger(trials) || trials < 1)) throw new InvalidInput(`--trials takes a whole number of 1 or more, not ${JSON.stringify(args.trials)}`);
  const swept = args.param.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InvalidInput(`--param takes NAME=VALUES, not ${JSON.stringify(p)}`);
    return { name: p.slice(0, eq), values: parseValues(p.slice(eq + 1), `--param ${p.slice(0, eq)}`) };
  });
  return { strategy, goal, ...(trials !== undefined ? { trials } : {}), swept };
}

const shownParams = (params: Trial) => Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');

/** A metric the trial logged: on the pipeline run, or on one of its step runs, run or reused. */
function trialMetric(store: import('../services/store/store').Store, runId: string, name: string): number | undefined {
  const run = store.getRun(runId, 1);
  if (typeof run.metrics[name] === 'number') return run.metrics[name];
  const reused = Object.entries(run.tags).filter(([k]) => k.startsWith('cellflow.reused.')).map(([, v]) => v);
  const children = store.searchRuns({ parentId: runId, limit: 1000 }).runs.map((r) => r.id);
  for (const id of [...children, ...reused]) {
    const m = store.runSummaries([id])[0]?.metrics[name];
    if (typeof m === 'number') return m;
  }
  return undefined;
}

function human(sweep: string, results: TrialResult[], best: TrialResult | undefined, metric?: string): string {
  const lines = results.map((r) => {
    const counts = Object.values(r.steps).reduce<Record<string, number>>((a, s) => ({ ...a, [s]: (a[s] ?? 0) + 1 }), {});
    const steps = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
    return `  ${String(r.trial).padStart(3)}  ${shownParams(r.params)}  ${r.status} (${steps})${r.metric !== undefined ? `  ${metric} ${r.metric}` : ''}`;
  });
  const tail = best ? `\nBest: trial ${best.trial} (${shownParams(best.params)}), ${metric} ${best.metric}, run ${best.runId}.` : metric ? `\nNo trial logged ${metric}.` : '';
  return `${safe(sweep)}: ${results.length} trial${results.length === 1 ? '' : 's'}\n${lines.map(safe).join('\n')}${tail}\n`;
}
