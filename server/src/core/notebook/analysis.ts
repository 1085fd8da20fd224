import type { Parser } from 'web-tree-sitter';
import { analyzeCell } from '../python/analyze';
import type { CellAnalysis } from '../python/cellAnalysis';
import { DEFAULT_UPDATE_RULES, type UpdateRules } from '../python/updates';
import type { Notebook } from './notebook';

/**
 * Analyses a notebook's code cells, remembering results by source text so that a re-promotion or a
 * status refresh after a one-cell edit re-parses one cell, not the notebook.
 */
export class NotebookAnalyzer {
  private readonly cache = new Map<string, CellAnalysis>();

  constructor(
    readonly parser: Parser,
    private readonly capacity = 5000,
    /** Which calls change objects in place; fixed per analyzer, since results are cached by source. */
    readonly rules: UpdateRules = DEFAULT_UPDATE_RULES,
  ) {}

  cell(source: string): CellAnalysis {
    let a = this.cache.get(source);
    if (a) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(source);
    } else {
      a = analyzeCell(this.parser, source, this.rules);
    }
    this.cache.set(source, a);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return a;
  }

  /** Every code cell's analysis, by cell index (markdown and raw cells have none). */
  notebook(nb: Notebook): Map<number, CellAnalysis> {
    const out = new Map<number, CellAnalysis>();
    for (const c of nb.cells) if (c.kind === 'code') out.set(c.index, this.cell(c.source));
    return out;
  }
}
