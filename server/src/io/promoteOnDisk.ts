import type { NotebookAnalyzer } from '../core/notebook/analysis';
import type { Notebook } from '../core/notebook/notebook';
import { lockPathFor } from '../core/pipeline/lockFile';
import { promote, type PromoteResult } from '../core/promote/promote';
import * as path from 'node:path';
import { readIfExists, writeAll } from './files';
import { findWorkspaceRoot } from './storeLocation';

/**
 * Promotion as the CLI does it: the pipeline, its lock and the step's code file read from disk, and
 * every file the promotion makes written back (all or none), inside the workspace: the nearest folder up
 * from the pipeline holding .cellflow/ or .git, else the pipeline's folder.
 */
export function promoteOnDisk(
  request: { notebook: Notebook; notebookPath: string; cells: Array<number | string>; stepId?: string; pipelinePath: string; workspaceRoot?: string },
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
  writeAll(result.files, request.workspaceRoot ?? findWorkspaceRoot(path.dirname(request.pipelinePath), {}));
  return result;
}
