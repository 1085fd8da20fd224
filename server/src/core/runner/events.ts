/** What a step came to in a pipeline run. */
export type StepStatus = 'ran' | 'reused' | 'failed' | 'skipped' | 'cancelled';

/**
 * What a run reports as it goes: the CLI prints these (one JSON object per line with --json), the
 * editor turns them into progress. `reason` says why a step ran ("param C 1 → 2") or was skipped.
 */
export type RunEvent =
  | { event: 'step'; step: string; status: 'started'; version: number; runId: string; reason: string }
  | { event: 'step'; step: string; status: StepStatus; version: number; runId?: string; seconds?: number; reason?: string; error?: string; log?: string }
  | { event: 'step'; step: string; status: 'would-run' | 'reused'; version: number; reason: string; dryRun: true }
  | { event: 'log'; step: string; stream: 'stdout' | 'stderr'; text: string }
  | { event: 'pipeline'; status: 'succeeded' | 'failed' | 'cancelled'; runId?: string; steps: Record<string, StepStatus | 'would-run'>; seconds: number };
