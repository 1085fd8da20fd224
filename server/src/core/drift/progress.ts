/** How far a drift report has got: rows read from each side, then columns tested. */
export type DriftProgress = { stage: 'read'; side: 'reference' | 'current'; rows: number } | { stage: 'test'; column: string; done: number; total: number };

/** One line for a terminal and for the editor's progress notification alike. */
export function describeProgress(p: DriftProgress): string {
  return p.stage === 'read' ? `reading the ${p.side === 'reference' ? 'reference' : 'current data'}: ${p.rows.toLocaleString('en-US')} rows` : `testing ${p.done + 1}/${p.total}: ${p.column}`;
}
