import type { NotebookAnalyzer } from '../core/notebook/analysis';
import type { Notebook } from '../core/notebook/notebook';
import { lockPathFor } from '../core/pipeline/lockFile';
import { promote, type PromoteResult } from '../core/promote/promote';
import * as path from 'node:path';
import { readInside, writeAll } from './files';
import { findWorkspaceRoot } from './storeLocation';

/**
 * Promotion as the CLI does it: the pipeline, its lock and the step's code file read from disk, and
 * every file the promotion makes written back (all or none), reading and writing only regular files
 * inside the workspace: the nearest folder up from the pipeline holding .cellflow/ or .git, else the
 * pipeline's folder.
 */
export function promoteOnDisk(
  request: { notebook: Notebook; notebookPath: string; cells: Array<number | string>; stepId?: string; pipelinePath: string; workspaceRoot?: string; move?: boolean },
  analyzer: NotebookAnalyzer,
): PromoteResult {
  const root = request.workspaceRoot ?? findWorkspaceRoot(path.dirname(request.pipelinePath), {});
  const shown = (file: string) => path.relative(root, file) || file;
  const read = (file: string) => readInside(file, root, shown(file));
  const result = promote({ ...request, pipelineText: read(request.pipelinePath), lockText: read(lockPathFor(request.pipelinePath)), readFile: read }, analyzer);
  writeAll(result.files, root);
  return result;
}
