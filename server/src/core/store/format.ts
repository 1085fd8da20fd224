/**
 * A metric value short enough for a tree row or a table cell: `0.912345` → `0.9123`,
 * `123456789.5` → `1.235e+8`; integers as they are. Shared by the CLI, the views and the webviews.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}
