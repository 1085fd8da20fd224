/** Times `fn` `runs` times after `warmup` untimed runs; returns the samples in ms. */
export function sample(fn: () => unknown, runs = 15, warmup = 3): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))];
}

export const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;

/** One result line: the measure, its target and its ratio to the baseline measured in the same run. */
export function report(label: string, value: number, opts: { target?: number; baseline?: { label: string; value: number } }): string {
  const parts = [`  ${label.padEnd(44)}${ms(value)}`];
  if (opts.target !== undefined) parts.push(`target < ${opts.target} ms ${value < opts.target ? 'PASS' : 'FAIL'}`);
  if (opts.baseline) parts.push(`${(value / opts.baseline.value).toFixed(1)}x ${opts.baseline.label}`);
  return parts.join('   ');
}
