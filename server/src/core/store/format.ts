/**
 * A metric value short enough for a tree row or a table cell: `0.912345` → `0.9123`,
 * `123456789.5` → `1.235e+8`; integers as they are. Shared by the CLI, the views and the webviews.
 */
export function formatNumber(value: number | string): string {
  // Infinities arrive as text over JSON (see jsonSafe).
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/**
 * A value made fit for JSON, which has no infinities: JSON.stringify would turn a metric of Infinity
 * (a diverged loss, say) into null. They become the strings "Infinity" and "-Infinity"; NaN, which the
 * store refuses, becomes null. Used for the CLI's --json output and everything the server sends.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? (Number.isNaN(value) ? null : String(value)) : value;
}

/** jsonSafe(x) is what JSON.parse(JSON.stringify(x, jsonReplacer)) gives, without the text in between. */
export function jsonSafe<T>(value: T): T {
  if (typeof value === 'number') return jsonReplacer('', value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const safe = typeof v === 'object' || (typeof v === 'number' && !Number.isFinite(v)) ? jsonSafe(v) : v;
      if (safe !== v) (copy ??= value.slice())[i] = safe;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const safe = typeof v === 'object' || (typeof v === 'number' && !Number.isFinite(v)) ? jsonSafe(v) : v;
    if (safe !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = safe;
  }
  return (copy ?? value) as T;
}
