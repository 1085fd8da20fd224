import type { PipelineModel, StepModel } from '../pipeline/model';
import { RUN_COMMANDS } from './commands';
import { resultLabel, type StepResult } from './results';

/** A lens at an offset of the pipeline text; `command` empty for a label that does nothing when clicked. */
export interface RunLens {
  offset: number;
  title: string;
  command: string;
  args: unknown[];
  tooltip?: string;
}

export interface LensState {
  /** Workspace Trust: without it there is nothing to run, so no run lenses. */
  trusted: boolean;
  running: boolean;
  results: Map<string, StepResult>;
  /** When each running step started (Date.now()), for "running 12 s". */
  startedAt: Map<string, number>;
  /** Resolves a step's log (relative to the workspace root) to what openStepLog takes. */
  logTarget(log: string): string;
}

/**
 * "Run Pipeline" (or "Cancel Run") on the first line; "Run Step", "Run From Here" and the last result
 * on each step's first line. A result from an older version of the step says which version it was.
 */
export function runLenses(model: PipelineModel, uri: string, s: LensState, now = Date.now()): RunLens[] {
  const out: RunLens[] = [];
  if (s.trusted) {
    out.push(s.running ? { offset: 0, title: '$(debug-stop) Cancel Run', command: RUN_COMMANDS.cancelRun, args: [uri] } : { offset: 0, title: '$(run-all) Run Pipeline', command: RUN_COMMANDS.runPipeline, args: [uri] });
  }
  for (const step of model.steps) {
    const id = step.id?.value;
    if (!id) continue;
    const offset = stepOffset(step);
    if (s.trusted && !s.running) {
      out.push({ offset, title: '$(play) Run Step', command: RUN_COMMANDS.runStep, args: [uri, id], tooltip: `Run \`${id}\` and what it needs that is not cached` });
      out.push({ offset, title: 'Run From Here', command: RUN_COMMANDS.runFromHere, args: [uri, id], tooltip: `Run \`${id}\` and everything downstream of it` });
    }
    const r = s.results.get(id);
    if (!r) continue;
    const older = r.version !== step.version ? ` (v${r.version})` : '';
    const title = `${resultLabel(r, now, s.startedAt.get(id))}${older}`;
    out.push(r.log ? { offset, title, command: RUN_COMMANDS.openStepLog, args: [s.logTarget(r.log)], tooltip: r.error ?? 'Open the step\'s log' } : { offset, title, command: '', args: [], tooltip: r.error });
  }
  return out;
}

/** A step that failed in the last run, as a diagnostic on its id while that version is current. */
export interface FailedStep {
  start: number;
  end: number;
  message: string;
  log?: string;
}

export function failedSteps(model: PipelineModel, results: Map<string, StepResult>): FailedStep[] {
  const out: FailedStep[] = [];
  for (const step of model.steps) {
    const id = step.id?.value;
    const r = id ? results.get(id) : undefined;
    if (!r || r.status !== 'failed' || r.version !== step.version || !step.id) continue;
    const start = step.id.node.start + step.base;
    out.push({ start, end: step.id.node.end + step.base, message: `\`${id}\` failed in the last run: ${r.error ?? 'see its log'}`, ...(r.log ? { log: r.log } : {}) });
  }
  return out;
}

function stepOffset(step: StepModel): number {
  return step.node.start + step.base;
}
