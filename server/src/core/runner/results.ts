import type { RunSummary } from '../store/types';
import type { RunEvent } from './events';

/** What a step came to in the last run of its pipeline, as the editor shows it beside the step. */
export interface StepResult {
  status: 'running' | 'ran' | 'reused' | 'failed' | 'skipped' | 'cancelled';
  version: number;
  seconds?: number;
  /** The failure's last line (an exception's, or the checks that failed). */
  error?: string;
  /** The step's log, relative to the workspace root. */
  log?: string;
  runId?: string;
}

const FROM_STATUS: Partial<Record<RunSummary['status'], StepResult['status']>> = { FINISHED: 'ran', FAILED: 'failed', KILLED: 'cancelled', RUNNING: 'running' };

/**
 * The results a pipeline run left in the store: its step runs, and the steps it reused (tagged
 * `cellflow.reused.<id>` on the pipeline run). Skipped steps leave no run, so they show nothing.
 */
export function resultsFromStore(pipelineRun: RunSummary, stepRuns: RunSummary[], versionOf: (stepId: string) => number | undefined): Map<string, StepResult> {
  const out = new Map<string, StepResult>();
  for (const [key, runId] of Object.entries(pipelineRun.tags)) {
    const id = key.startsWith('cellflow.reused.') ? key.slice('cellflow.reused.'.length) : undefined;
    const version = id === undefined ? undefined : versionOf(id);
    if (id !== undefined && version !== undefined) out.set(id, { status: 'reused', version, runId });
  }
  for (const r of stepRuns) {
    const status = r.stepId ? FROM_STATUS[r.status] : undefined;
    if (!status || !r.stepId) continue;
    out.set(r.stepId, {
      status,
      version: r.stepVersion ?? 0,
      runId: r.id,
      ...(r.endTime !== null ? { seconds: (r.endTime - r.startTime) / 1000 } : {}),
      ...(r.tags['cellflow.error'] ? { error: r.tags['cellflow.error'] } : {}),
      ...(r.tags['cellflow.log'] ? { log: r.tags['cellflow.log'] } : {}),
    });
  }
  return out;
}

/** A run's results as its events arrive: the live view while it runs. */
export function applyRunEvent(results: Map<string, StepResult>, event: RunEvent): void {
  if (event.event !== 'step' || 'dryRun' in event) return;
  if (event.status === 'started') {
    results.set(event.step, { status: 'running', version: event.version, runId: event.runId });
    return;
  }
  results.set(event.step, {
    status: event.status,
    version: event.version,
    ...(event.runId ? { runId: event.runId } : {}),
    ...(event.seconds !== undefined ? { seconds: event.seconds } : {}),
    ...(event.error ? { error: event.error } : {}),
    ...(event.log ? { log: event.log } : {}),
  });
}

/** The lens text beside a step: "✔ ran 2.1 s", "↺ reused", "✘ failed 0.4 s", "– skipped", "⟳ running". */
export function resultLabel(r: StepResult, now = Date.now(), startedAt?: number): string {
  const secs = r.seconds !== undefined ? ` ${formatSeconds(r.seconds)}` : '';
  switch (r.status) {
    case 'running':
      return `$(sync~spin) running${startedAt ? ` ${formatSeconds((now - startedAt) / 1000)}` : ''}`;
    case 'ran':
      return `$(pass) ran${secs}`;
    case 'reused':
      return '$(history) reused';
    case 'failed':
      return `$(error) failed${secs}`;
    case 'skipped':
      return '$(circle-slash) skipped';
    case 'cancelled':
      return `$(debug-stop) cancelled${secs}`;
  }
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
