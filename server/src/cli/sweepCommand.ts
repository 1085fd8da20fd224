import { randomUUID } from 'node:crypto';
import { InvalidInput } from '../core/errors';
import { defaultGoal } from '../core/store/ranking';
import { bestTrial, parseValues, planTrials } from '../core/sweep/plan';
import { describeSweepProgress, shownParams, type SweepProgress, type SweepReport, type SweepTrial } from '../core/sweep/report';
import type { Store } from '../services/store/store';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { openPipelineSession, parseParams, type RunArgs } from './runCommand';

export interface SweepArgs extends Pick<RunArgs, 'pipeline' | 'executor' | 'python' | 'store' | 'jobs'> {
  param: string[];
  strategy?: string;
  trials?: string;
  metric?: string;
  goal?: string;
  json: boolean;
  /** With --json: `{"progress": …}` lines as trials start and end, for the editor. */
  logProgress?: boolean;
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
  const results: SweepTrial[] = [];
  try {
    parseParams(swept.map((p) => `${p.name}=0`), session.declared); // every swept name is a param of the pipeline
    const plan = planTrials(swept, strategy, trials);
    const report = (p: SweepProgress) => {
      if (args.json && args.logProgress) process.stdout.write(`${JSON.stringify({ progress: p })}\n`);
      else if (!args.json) process.stderr.write(`${describeSweepProgress(p)}\n`);
    };
    for (const [i, params] of plan.entries()) {
      report({ phase: 'trial', trial: i + 1, of: plan.length, params });
      const r = await session.run(params, () => undefined);
      const result: SweepTrial = { trial: i + 1, params, status: r.status, steps: r.steps as Record<string, string>, ...(r.runId ? { runId: r.runId } : {}) };
      if (r.runId) {
        session.store.setTags(r.runId, { 'cellflow.sweep': sweep, 'cellflow.trial': String(i + 1) });
        session.store.logParams(r.runId, params); // the trial's values, on its run: what Compare Runs charts
        const metrics = rollUpMetrics(session.store, r.runId);
        const metric = args.metric ? metrics[args.metric] : undefined;
        if (metric !== undefined) result.metric = metric;
      }
      results.push(result);
      report({ phase: 'done', trial: i + 1, of: plan.length, status: r.status, ...(result.metric !== undefined ? { metric: result.metric } : {}) });
      if (r.status === 'cancelled') break;
    }
  } finally {
    await session.close();
  }
  const best = args.metric ? bestTrial(results, goal) : undefined;
  const out: SweepReport = { sweep, strategy, metric: args.metric ?? null, goal, trials: results, best: best ?? null };
  if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(human(sweep, results, best, args.metric));
  return results.every((r) => r.status === 'succeeded') ? 0 : 1;
}

function sweepOptions(args: SweepArgs): { strategy: 'grid' | 'random'; goal: 'min' | 'max'; trials?: number; swept: Array<{ name: string; values: unknown[] }> } {
  if (!args.param.length) throw new InvalidInput('cellflow sweep needs at least one --param NAME=VALUES (0.01,0.1,1 or 0.001:1:log)');
  const strategy = args.strategy ?? 'grid';
  if (strategy !== 'grid' && strategy !== 'random') throw new InvalidInput(`--strategy takes grid or random, not ${JSON.stringify(strategy)}`);
  const goal = args.goal ?? defaultGoal(args.metric ?? '');
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

/**
 * The metrics a trial's steps logged (the ones it ran, and the earlier runs of those it reused),
 * logged again on the trial's pipeline run, so that Compare Runs on the trials shows each one's
 * metrics beside its params. The pipeline run's own metrics win.
 */
function rollUpMetrics(store: Store, runId: string): Record<string, number> {
  const run = store.getRun(runId, 1);
  const reused = Object.entries(run.tags).filter(([k]) => k.startsWith('cellflow.reused.')).map(([, v]) => v);
  const children = store.searchRuns({ parentId: runId, limit: 1000 }).runs.map((r) => r.id);
  const found: Record<string, number> = {};
  for (const step of store.runSummaries([...children, ...reused])) {
    for (const [k, v] of Object.entries(step.metrics)) if (!(k in found) && !(k in run.metrics)) found[k] = v;
  }
  if (Object.keys(found).length) store.logMetrics(runId, Object.entries(found).map(([key, value]) => ({ key, value })));
  return { ...found, ...run.metrics };
}

function human(sweep: string, results: SweepTrial[], best: SweepTrial | undefined, metric?: string): string {
  const lines = results.map((r) => {
    const counts = Object.values(r.steps).reduce<Record<string, number>>((a, s) => ({ ...a, [s]: (a[s] ?? 0) + 1 }), {});
    const steps = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
    return `  ${String(r.trial).padStart(3)}  ${shownParams(r.params)}  ${r.status} (${steps})${r.metric !== undefined ? `  ${metric} ${r.metric}` : ''}`;
  });
  const tail = best ? `\nBest: trial ${best.trial} (${shownParams(best.params)}), ${metric} ${best.metric}, run ${best.runId}.` : metric ? `\nNo trial logged ${metric}.` : '';
  return `${safe(sweep)}: ${results.length} trial${results.length === 1 ? '' : 's'}\n${lines.map(safe).join('\n')}${tail}\n`;
}
