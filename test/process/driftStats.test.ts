import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { kolmogorovSf } from '../../server/src/core/drift/ks';
import { runStatTest, type ColumnSample, type StatTestName } from '../../server/src/core/drift/stattests';
import { ROOT } from '../support/paths';
import { PYTHON } from '../support/store';

/** A seeded generator (mulberry32), so a failure names a case that comes back. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const normal = (r: () => number, mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

interface Case {
  test: StatTestName;
  ref: Array<number | string>;
  cur: Array<number | string>;
  numeric: boolean;
  what: string;
}

const sample = (values: Array<number | string>, numeric: boolean): ColumnSample => {
  if (numeric) return { kind: 'num', sorted: Float64Array.from(values as number[]).sort() };
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return { kind: 'cat', counts, n: values.length };
};

function cases(): Case[] {
  const out: Case[] = [];
  const r = rng(20261202);
  const num = (n: number, mean: number, sd: number, digits?: number) =>
    Array.from({ length: n }, () => {
      const v = normal(r, mean, sd);
      return digits === undefined ? v : Math.round(v * 10 ** digits) / 10 ** digits;
    });
  const cat = (n: number, weights: number[]) =>
    Array.from({ length: n }, () => {
      let u = r() * weights.reduce((a, b) => a + b, 0);
      for (let i = 0; i < weights.length; i++) if ((u -= weights[i]) < 0) return `c${i}`;
      return `c${weights.length - 1}`;
    });
  // Sizes across the KS branches: equal sizes (the square formula), unequal (the lattice walk),
  // and over 10,000 (kstwo at round(mn/(m+n))), with shifts from none to large, ties from rounding.
  const sizes: Array<[number, number]> = [[1, 1], [3, 5], [20, 20], [50, 37], [200, 200], [800, 1200], [1000, 3000], [500, 12000], [3000, 20000], [10000, 10000], [20000, 30000]];
  for (const [n1, n2] of sizes) {
    for (const shift of [0, 0.05, 0.3, 1.5]) {
      for (const digits of [undefined, 1]) {
        const ref = num(n1, 0, 1, digits);
        const cur = num(n2, shift, 1 + shift / 3, digits);
        for (const test of ['ks', 'wasserstein', 'jensenshannon', 'kl_div', 'psi', 'hellinger'] as const) {
          if (n1 * n2 > 2e8 && test !== 'ks') continue;
          out.push({ test, ref, cur, numeric: true, what: `${test} n=${n1}/${n2} shift ${shift}${digits === undefined ? '' : ' rounded'}` });
        }
      }
    }
  }
  // Few distinct numbers (counted by value), and categories, for chi-square, Z, JS, KL, PSI, Hellinger.
  for (const [n1, n2] of [[10, 10], [100, 60], [1000, 5000], [4000, 4000]]) {
    for (const w of [[1, 1], [5, 1], [1, 2, 3], [1, 1, 1, 1, 1, 1, 1, 0.01]]) {
      const ref = cat(n1, w);
      const cur = cat(n2, w.map((x, i) => (i === 0 ? x * 1.5 : x)));
      for (const test of ['chisquare', 'z', 'jensenshannon', 'kl_div', 'psi', 'hellinger'] as const) {
        if (test === 'z' && w.length > 2) continue;
        if (test === 'chisquare' && [...new Set(cur)].some((c) => !ref.includes(c))) continue;
        out.push({ test, ref, cur, numeric: false, what: `${test} categories ${w.join(':')} n=${n1}/${n2}` });
      }
    }
    const small = num(n1, 2, 1, 0);
    const later = num(n2, 2.3, 1, 0);
    for (const test of ['jensenshannon', 'kl_div', 'psi', 'hellinger'] as const) out.push({ test, ref: small, cur: later, numeric: true, what: `${test} integers n=${n1}/${n2}` });
  }
  return out;
}

function kstwoPoints(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of [1, 2, 5, 10, 50, 100, 140, 141, 500, 1000, 5000, 20000, 100000, 200000]) {
    for (const x of [0.001, 0.005, 0.01, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.7, 0.95]) out.push([n, x]);
  }
  return out;
}

function close(actual: number | null, expected: number | null, rel = 1e-9): boolean {
  if (actual === null || expected === null) return actual === expected;
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (actual === expected) return true;
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(actual), Math.abs(expected));
}

describe('drift statistics against scipy (Debian python3-scipy 1.10)', function () {
  this.timeout(300_000);
  const all = cases();
  const points = kstwoPoints();
  let reference: { cases: Array<[number, number | null]>; kstwo: number[] };
  before(() => {
    const input = JSON.stringify({ cases: all.map(({ test, ref, cur, numeric }) => ({ test, ref, cur, numeric })), kstwo: points });
    reference = JSON.parse(execFileSync(PYTHON, [path.join(ROOT, 'test', 'support', 'drift_reference.py')], { input, encoding: 'utf8', maxBuffer: 1 << 30 }));
  });

  it('every test statistic and p-value equals scipy\'s to 1e-9 relative, on many shapes and sizes', () => {
    const wrong: string[] = [];
    all.forEach((c, i) => {
      const got = runStatTest(c.test, sample(c.ref, c.numeric), sample(c.cur, c.numeric));
      const [statistic, pValue] = reference.cases[i];
      if (!close(got.statistic, statistic) || !close(got.pValue, pValue)) wrong.push(`${c.what}: ${got.statistic} / ${got.pValue}, scipy ${statistic} / ${pValue}`);
    });
    assert.deepEqual(wrong, [], `${wrong.length} of ${all.length} differ`);
    assert.ok(all.length > 300, `${all.length} cases`);
  });

  it('the distribution of the one-sample statistic (kstwo.sf) equals scipy\'s on every branch', () => {
    const wrong = points.filter(([n, x], i) => !close(kolmogorovSf(n, x), reference.kstwo[i])).map(([n, x]) => `n=${n} x=${x}: ${kolmogorovSf(n, x)}, scipy ${reference.kstwo[points.findIndex(([a, b]) => a === n && b === x)]}`);
    assert.deepEqual(wrong, []);
  });
});
