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
  /** 0-based first and last line in the cell (decorators included), and whether it starts at column 0. */
  line: number;
  endLine: number;
  topLevel: boolean;
}

/**
 * A module-level statement that may be setup of an imported module or of the process (`np.random.seed(0)`,
 * `openai.api_key = os.environ["KEY"]`, `load_dotenv()`): kept by promotion for later steps when `root`
 * is an import.
 */
export interface SetupStatement {
  /** 0-based first and last line in the cell. */
  line: number;
  endLine: number;
  text: string;
  /** The name the statement acts on (`np`, `openai`, `load_dotenv`). */
  root: string;
  /** `root` was imported in this cell, before the statement. */
  importedHere: boolean;
  /** Other names it reads (`os` in `os.environ["KEY"]`, `SEED` in `np.random.seed(SEED)`). */
  reads: string[];
  /** Its effect is on the whole process (seeding, environment, warnings), not on `root` alone. */
  processWide: boolean;
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
  /** Data names the cell binds at module level, or binds and then changes (imports and definitions are listed apart). */
  writes: string[];
  /**
   * Names from before the cell that it changes in place (`grid.fit(X, y)`, `df["x"] = …`,
   * `random.shuffle(deck)`) without binding them first: data to write, or modules being set up, which
   * promotion tells apart against the earlier cells.
   */
  updates: string[];
  /** Module-level statements that may be setup (see SetupStatement). */
  setup: SetupStatement[];
  /** Literal paths of files it reads (`pd.read_csv("data/x.csv")`), as written: relative to the notebook's folder. */
  fileReads: string[];
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
