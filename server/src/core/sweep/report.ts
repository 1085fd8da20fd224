import type { Trial } from './plan';

/** One trial of a sweep: its params, the pipeline run it made, each step's outcome, and the metric it logged. */
export interface SweepTrial {
  trial: number;
  params: Trial;
  runId?: string;
  status: string;
  steps: Record<string, string>;
  metric?: number;
}

/** What `cellflow sweep --json` prints. */
export interface SweepReport {
  sweep: string;
  strategy: 'grid' | 'random';
  metric: string | null;
  goal: 'min' | 'max';
  trials: SweepTrial[];
  best: SweepTrial | null;
}

/** A `{"progress": …}` line of `cellflow sweep --log-progress`: a trial starting, or done. */
export type SweepProgress =
  | { phase: 'trial'; trial: number; of: number; params: Trial }
  | { phase: 'done'; trial: number; of: number; status: string; metric?: number };

export const shownParams = (params: Trial): string => Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');

/** One line for the terminal and the editor's progress notification. */
export function describeSweepProgress(p: SweepProgress): string {
  return p.phase === 'trial' ? `trial ${p.trial}/${p.of}: ${shownParams(p.params)}` : `trial ${p.trial}/${p.of} ${p.status}${p.metric !== undefined ? ` (${Number(p.metric.toPrecision(6))})` : ''}`;
}
