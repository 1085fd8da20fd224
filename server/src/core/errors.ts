/**
 * Errors that are the user's to fix: a file of theirs that cannot be used, a value or argument they gave
 * that Cellflow will not take. The CLI prints one as a single line and exits 2; the language server
 * answers it as an InvalidParams error response; neither treats it as a crash. Anything else that is
 * thrown is a bug and keeps its stack. `isUserError` is the one check both faces use.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/**
 * A problem with one of the user's files (a notebook, a pipeline, a lock file, a store): the message
 * names the file and, where known, the 1-based line and column.
 */
export class FileProblem extends UserError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly position?: { line: number; column: number },
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${detail}`);
  }
}

/** A pipeline file (or its lock) that cannot be read or changed as asked. */
export class PipelineFileError extends FileProblem {}

/** A value or argument Cellflow will not take (a model name, an alias, a cell range, a metric that is not a number). */
export class InvalidInput extends UserError {}

/** Promotion of cells that already belong to other steps, refused unless the user moves them. */
export class CellsTaken extends InvalidInput {
  constructor(
    message: string,
    readonly holders: Array<{ stepId: string; cells: number[] }>,
  ) {
    super(message);
  }
}
