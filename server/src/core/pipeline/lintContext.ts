import type { Notebook } from '../notebook/notebook';
import type { PathRefusal } from '../workspacePath';

/**
 * What the linter may know of the files a pipeline names. The CLI answers from disk; the language
 * server from open editors first (unsaved notebooks and step files), then disk, with caches that its
 * file watcher keeps fresh.
 */
export interface LintContext {
  /** Absolute path of the pipeline file; relative paths in it resolve against its folder. */
  pipelinePath: string;
  exists(file: string): boolean;
  /**
   * Why a file the pipeline names is not read at all (outside the workspace, not a regular file, over
   * the size cap); undefined when it may be. A pipeline is untrusted input: lint runs on any cloned
   * repository, in Restricted Mode too. For a refused file, the other methods answer as if it were
   * missing.
   */
  refused?(file: string): PathRefusal | undefined;
  /** `sha256:…` of a file's content, undefined when it does not exist. */
  fileHash(file: string): string | undefined;
  /** A notebook: its model, an Error when it cannot be read, undefined when it does not exist. */
  notebook(file: string): Notebook | Error | undefined;
  /** The pipeline's lock file text, when there is one. */
  lockText(): string | undefined;
  /**
   * A number that changes whenever any file the context answers for may have changed. With it, a
   * step's file checks are kept while its text and the files are unchanged (the language server has
   * one; the CLI, which lints once, does not).
   */
  generation?(): number;
}
