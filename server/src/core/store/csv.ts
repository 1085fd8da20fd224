import type { RunSummary } from './types';

/**
 * Runs as CSV (RFC 4180): one row per run, one column per attribute, param, latest metric and tag.
 * Text that a spreadsheet would run as a formula (= + - @ at the start) is prefixed with an apostrophe,
 * as OWASP advises for CSV export; numbers are written as numbers.
 */
export function runsToCsv(runs: RunSummary[]): string {
  const keys = (pick: (r: RunSummary) => Record<string, unknown>) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const params = keys((r) => r.params);
  const metrics = keys((r) => r.metrics);
  const tags = keys((r) => r.tags);
  const header = ['run_id', 'experiment', 'name', 'status', 'start_time', 'end_time', 'pipeline', 'step_id', 'step_version', 'git_commit', ...params.map((k) => `params.${k}`), ...metrics.map((k) => `metrics.${k}`), ...tags.map((k) => `tags.${k}`)];
  const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
  const rows = runs.map((r) => [
    text(r.id),
    text(r.experiment),
    text(r.name),
    text(r.status),
    iso(r.startTime),
    iso(r.endTime),
    text(r.pipeline),
    text(r.stepId),
    r.stepVersion === null ? '' : String(r.stepVersion),
    text(r.gitCommit),
    ...params.map((k) => text(r.params[k], true)),
    ...metrics.map((k) => (r.metrics[k] === undefined ? '' : String(r.metrics[k]))),
    ...tags.map((k) => text(r.tags[k])),
  ]);
  return [header.map((h) => text(h)), ...rows].map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

function text(value: string | null | undefined, numbersAllowed = false): string {
  if (value === null || value === undefined) return '';
  let v = value;
  const looksNumeric = numbersAllowed && v.trim() !== '' && Number.isFinite(Number(v));
  if (/^[=+\-@\t\r]/.test(v) && !looksNumeric) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
