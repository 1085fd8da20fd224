import { InvalidInput } from '../errors';
import { executionOrder, stepDependencies } from '../pipeline/graph';
import type { PipelineModel } from '../pipeline/model';
import { closest } from '../text/suggest';

/** A step as the runner plans it: its id and what it depends on. */
export interface PlannedStep {
  id: string;
  dependsOn: readonly string[];
}

/** What to run: every step, one step and what it needs, or one step and everything after it. */
export type Selection = { kind: 'all' } | { kind: 'step'; id: string } | { kind: 'from'; id: string };

/**
 * The steps a selection takes in, in the given (execution) order. `--step ID` is the step and its
 * upstream closure (reused where cached); `--from ID` also takes everything downstream of it; and
 * only the selected step (and, for --from, its downstream) may be forced.
 */
export function selectSteps(steps: readonly PlannedStep[], selection: Selection): { take: Set<string>; targets: Set<string> } {
  const ids = new Set(steps.map((s) => s.id));
  if (selection.kind === 'all') return { take: ids, targets: ids };
  if (!ids.has(selection.id)) {
    const near = closest(selection.id, [...ids]);
    throw new InvalidInput(`there is no step \`${selection.id}\` in the pipeline${near ? `; did you mean \`${near}\`?` : ''} (steps: ${[...ids].join(', ') || 'none'})`);
  }
  const byId = new Map(steps.map((s) => [s.id, s]));
  const upstream = (roots: Iterable<string>) => {
    const out = new Set<string>();
    const visit = (id: string) => {
      if (out.has(id)) return;
      out.add(id);
      for (const d of byId.get(id)?.dependsOn ?? []) if (byId.has(d)) visit(d);
    };
    for (const r of roots) visit(r);
    return out;
  };
  if (selection.kind === 'step') return { take: upstream([selection.id]), targets: new Set([selection.id]) };
  const downstream = new Set([selection.id]);
  // Steps come in execution order, so one pass finds every step that depends on a taken one.
  for (const s of steps) if (s.dependsOn.some((d) => downstream.has(d))) downstream.add(s.id);
  return { take: upstream(downstream), targets: downstream };
}

/** The steps of a model in execution order, as the runner plans them (ones that cannot be ordered left out). */
export function plannedSteps(model: PipelineModel): PlannedStep[] {
  const byId = new Map(model.steps.filter((s) => s.id).map((s) => [s.id!.value, s]));
  return executionOrder(stepDependencies(model)).levels.flat().map((id) => ({ id, dependsOn: byId.get(id)!.dependsOn.map((d) => d.value) }));
}
