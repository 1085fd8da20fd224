/**
 * A problem with one of the user's files (a notebook, a pipeline, a lock file): the message names the
 * file and, where known, the 1-based line and column. The CLI prints it as one line; the language
 * server returns it as an error response; neither treats it as a crash.
 */
export class FileProblem extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly position?: { line: number; column: number },
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${detail}`);
    this.name = new.target.name;
  }
}
