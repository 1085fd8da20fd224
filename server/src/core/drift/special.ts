/**
 * The special functions the drift tests need, in double precision: log-gamma, the regularized
 * incomplete gamma functions (chi-square and normal tails come from them), the normal CDF as scipy's
 * ndtr computes it. Accurate to a few units in the last place where the tests compare them with scipy.
 */

// Lanczos approximation, g = 607/128, 15 terms (as in Boost and Godfrey's tables): ~1e-15 relative.
const LANCZOS_G = 607 / 128;
const LANCZOS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174, -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
  -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.2174396181152126432e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4, -0.2619083840158140867e-4,
  0.36899182659531622704e-5,
];
const HALF_LOG_2PI = 0.91893853320467274178;

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  if (x >= 15) return stirlingLogGamma(x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Stirling's series with its first eight correction terms: exact to rounding for x ≥ 15. */
function stirlingLogGamma(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 * (1 / 156 - r2 * (3617 / 122400))))))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
}

const EPS = 1e-17;
const MAX_ITER = 100_000;

/** P(a, x), the regularized lower incomplete gamma function. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  return x < a + 1 ? lowerSeries(a, x) : 1 - upperFraction(a, x);
}

/** Q(a, x) = 1 − P(a, x), computed directly in the upper tail so that small tails keep their digits. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x);
}

function prefix(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * prefix(a, x);
}

/** The continued fraction for Q, by the modified Lentz method. */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h * prefix(a, x);
}

/** The chi-square distribution's survival function, P(X > x) with k degrees of freedom (scipy's chi2.sf). */
export function chi2Sf(x: number, k: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return gammaQ(k / 2, x / 2);
}

/** erfc(x) for x ≥ 0, as Q(1/2, x²). */
function erfcPositive(x: number): number {
  return gammaQ(0.5, x * x);
}

/** The standard normal CDF, in the steps scipy's ndtr takes (so that 1 − ndtr rounds as scipy's does). */
export function ndtr(a: number): number {
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  let y: number;
  if (z < Math.SQRT1_2) y = 0.5 + 0.5 * erf(x);
  else {
    y = 0.5 * erfcPositive(z);
    if (x > 0) y = 1 - y;
  }
  return y;
}

function erf(x: number): number {
  const p = gammaP(0.5, x * x);
  return x < 0 ? -p : p;
}
