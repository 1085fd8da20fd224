/** The most characters a value's preview takes (a hover, a completion's detail, an outline entry). */
export const PREVIEW_CHARS = 200;

/**
 * A value as JSON, cut at `maxChars` with `…`. The walk stops when the budget is spent, so a value
 * whose YAML aliases make it exponentially large (a billion laughs under `params:`) costs no more than
 * a small one: JSON.stringify would try to build the whole string and fail after seconds.
 */
export function previewValue(value: unknown, maxChars = PREVIEW_CHARS): string {
  const out: string[] = [];
  let left = maxChars;
  const put = (s: string): boolean => {
    if (left <= 0) return false;
    out.push(s.length > left ? s.slice(0, left) : s);
    left -= s.length;
    return left > 0;
  };
  const walk = (v: unknown): boolean => {
    if (Array.isArray(v)) {
      if (!put('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(',')) || !walk(v[i])) return false;
      return put(']');
    }
    if (v !== null && typeof v === 'object') {
      if (!put('{')) return false;
      let first = true;
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        if ((!first && !put(',')) || !put(`${JSON.stringify(k)}:`) || !walk((v as Record<string, unknown>)[k])) return false;
        first = false;
      }
      return put('}');
    }
    return put(JSON.stringify(v) ?? 'null');
  };
  const whole = walk(value);
  const text = out.join('');
  return whole ? text : `${text}…`;
}
