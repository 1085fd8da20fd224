/** How far a measurement has got, as the runner reports it. */
export type MeasureProgress = { stage: 'first' } | { stage: 'warmup'; runs: number } | { stage: 'window'; window: number; stableSoFar: boolean };

/** …for one provider at one batch size. */
export type BenchProgress = MeasureProgress & { ep: string; batch: number };

/** "webgpu · batch 8 · window 3": one line for a terminal and for the editor's notification alike. */
export function describeBenchProgress(p: BenchProgress): string {
  const where = `${p.ep} · batch ${p.batch}`;
  return p.stage === 'first' ? `${where} · first inference` : p.stage === 'warmup' ? `${where} · warm-up (${p.runs})` : `${where} · window ${p.window}`;
}
