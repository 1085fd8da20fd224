import type { Magic } from './ipython';

// What the analysis of one cell finds. analyze.ts builds it; the scopes and tree walks it uses fill in
// parts of it, so the types live in a module of their own rather than in analyze.ts.

/** A module-level name an import binds, with the smallest statement that binds it again. */
export interface ImportBinding {
  name: string;
  module: string;
  statement: string;
}

/** A module-level function or class a cell defines, with what it needs from the module when it runs. */
export interface Definition {
  name: string;
  kind: 'function' | 'class';
  /** Its source (decorators included), dedented to column 0. */
  source: string;
  /** Module names its body and signature read: imports, other definitions or data. */
  freeNames: string[];
}

export interface SyntaxProblem {
  /** 0-based, in the cell. */
  line: number;
  column: number;
  message: string;
}

export interface CellAnalysis {
  /** Names the cell reads that it did not bind first: its inputs. Builtins are left out. */
  reads: string[];
  /** Data names the cell binds or changes at module level (imports and definitions are listed apart). */
  writes: string[];
  /** Names from before the cell that it deletes. */
  deletes: string[];
  imports: ImportBinding[];
  definitions: Definition[];
  /** Modules imported with `from m import *`: the names they bind cannot be known. */
  starImports: string[];
  magics: Magic[];
  /** Set when a cell magic makes the whole cell something other than Python (`%%bash`). */
  foreignCellMagic?: string;
  syntaxErrors: SyntaxProblem[];
  /** The cell as Python: IPython-only lines replaced, line for line. */
  python: string;
  /** 0-based lines that start inside a multi-line string: re-indenting them would change the string. */
  stringLines: number[];
  /** Module-level `NAME = <literal>` assignments, as JSON values (a parameters cell's defaults). */
  literals: Record<string, unknown>;
  /** `await` outside any function, which IPython runs but a step function cannot. */
  topLevelAwait: boolean;
}
