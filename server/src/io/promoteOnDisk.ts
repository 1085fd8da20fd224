import type { NotebookAnalyzer } from '../core/notebook/analysis';
import type { Notebook } from '../core/notebook/notebook';
import { lockPathFor } from '../core/pipeline/lockFile';
import { promote, type PromoteResult } from '../core/promote/promote';
import { readIfExists, writeAll } from './files';

/**
 * Promotion as the CLI does it: the pipeline, its lock and the step's code file read from disk, and
 * every file the promotion makes written back (all or none).
 */
export function promoteOnDisk(
  request: { notebook: Notebook; notebookPath: string; cells: Array<number | string>; stepId?: string; pipelinePath: string },
  analyzer: NotebookAnalyzer,
): PromoteResult {
  const result = promote(
    {
      ...request,
      pipelineText: readIfExists(request.pipelinePath),
      lockText: readIfExists(lockPathFor(request.pipelinePath)),
      readFile: readIfExists,
    },
    analyzer,
  );
  writeAll(result.files);
  return result;
}
