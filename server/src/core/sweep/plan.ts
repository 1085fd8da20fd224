import { InvalidInput } from '../errors';
import { random } from '../bench/inputs';
import { rankBy } from '../store/ranking';

export type Trial = Record<string, unknown>;

/**
 * One `--param NAME=VALUES`: a list (`0.01,0.1,1`; each read as JSON when it is, else text) or a
 * range `LOW:HIGH:lin|log[:COUNT]` (COUNT points, 5 by default, ends included; log: evenly in log
 * space, both ends positive).
 */
export function parseValues(spec: string, flag: string): unknown[] {
  const range = /^([^:,]+):([^:,]+):(lin|log)(?::(\d+))?$/.exec(spec);
  if (range) {
    const [lo, hi, count] = [Number(range[1]), Number(range[2]), range[4] === undefined ? 5 : Number(range[4])];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || count < 2) throw new InvalidInput(`${flag}: a range is LOW:HIGH:lin|log[:COUNT] with numbers and a COUNT of 2 or more, not ${JSON.stringify(spec)}`);
    if (range[3] === 'log' && (lo <= 0 || hi <= 0)) throw new InvalidInput(`${flag}: a log range needs both ends above 0, not ${JSON.stringify(spec)}`);
    return Array.from({ length: count }, (_, i) => {
      const t = i / (count - 1);
      const x = range[3] === 'log' ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
      return Number(x.toPrecision(12));
    });
  }
  const values = spec.split(',').map((v) => v.trim());
  if (!spec.trim() || values.some((v) => v === '')) throw new InvalidInput(`${flag}: give values as a list (0.01,0.1,1) or a range (0.001:1:log), not ${JSON.stringify(spec)}`);
  return values.map((v) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  });
}

/** Every combination, the first param varying slowest (grid), or `trials` draws from the combinations without repeats (random, seeded). */
export function planTrials(params: Array<{ name: string; values: unknown[] }>, strategy: 'grid' | 'random', trials?: number, seed = 1): Trial[] {
  let grid: Trial[] = [{}];
  for (const p of params) grid = grid.flatMap((t) => p.values.map((v) => ({ ...t, [p.name]: v })));
  if (strategy === 'grid') return trials === undefined ? grid : grid.slice(0, trials);
  const r = random(seed);
  const pool = [...grid];
  const out: Trial[] = [];
  const n = Math.min(trials ?? 10, pool.length);
  while (out.length < n) out.push(...pool.splice(Math.floor(r() * pool.length), 1));
  return out;
}

/** The best trial by a metric: the lowest (min) or highest (max) value; trials without it are left out. */
export function bestTrial<T extends { metric?: number }>(trials: T[], goal: 'min' | 'max'): T | undefined {
  return rankBy(trials, (t) => t.metric, goal)[0];
}

/**
 * Values to sweep a param over, offered in the editor from its current value: a log range across two
 * decades around a positive number, a few integers around a whole one, both booleans; else the value.
 */
export function suggestValues(current: unknown): string {
  if (typeof current === 'boolean') return 'true,false';
  if (typeof current !== 'number' || !Number.isFinite(current)) return current === undefined || current === null ? '' : JSON.stringify(current);
  if (Number.isInteger(current) && Math.abs(current) >= 2) return [0.5, 1, 2].map((f) => Math.round(current * f)).join(',');
  if (current > 0) return `${Number((current / 10).toPrecision(6))}:${Number((current * 10).toPrecision(6))}:log:5`;
  return String(current);
}
