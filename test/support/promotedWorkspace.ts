import * as path from 'node:path';
import { loadNotebookFile, readInside, writeAll } from '../../server/src/io/files';
import { lockPathFor } from '../../server/src/core/pipeline/lockFile';
import { promote } from '../../server/src/core/promote/promote';
import { newAnalyzer } from './python';
import { scratchExamples } from './workspace';

/**
 * A copy of examples/ with load_data (cell 4), clean (cell 6) and train (cells 8 and 10) promoted
 * through the real promotion code: a pipeline, step files and a lock, as a user would have them.
 */
export async function promotedWorkspace(): Promise<{ dir: string; pipeline: string; notebook: string; cleanup: () => void }> {
  const ws = scratchExamples();
  const pipeline = path.join(ws.dir, 'churn.cellflow.yaml');
  const notebook = path.join(ws.dir, 'notebooks', 'churn.ipynb');
  const analyzer = await newAnalyzer();
  for (const [cells, stepId] of [[[4], 'load_data'], [[6], 'clean'], [[8, 10], 'train']] as const) {
    const texts = { pipelineText: readInside(pipeline, ws.dir), lockText: readInside(lockPathFor(pipeline), ws.dir) };
    const r = promote({ notebook: loadNotebookFile(notebook), notebookPath: notebook, cells: [...cells], stepId, pipelinePath: pipeline, ...texts }, analyzer);
    writeAll(r.files, ws.dir);
  }
  return { ...ws, pipeline, notebook };
}
