import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipelineStatus } from '../core/promote/status';
import { lockPathFor } from '../core/pipeline/lockFile';
import { loadNotebookFile, readInside } from '../io/files';
import { findWorkspaceRoot } from '../io/storeLocation';
import { terminalSafe as safe } from '../core/text/terminalSafe';

/** `cellflow pipeline show <file> [--json]`. */
export function runPipelineShow(file: string, json: boolean): number {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    process.stderr.write(`cellflow pipeline show: ${file}: no such file\n`);
    return 2;
  }
  // The notebooks and lock the pipeline names are read by the workspace rules: the pipeline may come from anyone.
  const root = findWorkspaceRoot(path.dirname(abs), {});
  const lock = lockPathFor(abs);
  const status = pipelineStatus(abs, text, (nb) => loadNotebookFile(nb, path.relative(process.cwd(), nb), root), readInside(lock, root, path.relative(process.cwd(), lock)));
  if (json) {
    const out = {
      name: status.name,
      steps: status.steps.map((s) => ({
        id: s.id,
        version: s.version,
        dependsOn: s.dependsOn,
        reads: s.reads,
        writes: s.writes,
        params: s.params,
        code: s.code,
        source: s.source ? { notebook: s.source.notebook, cells: s.source.cells, hash: s.source.hash } : null,
        stale: s.stale,
        ...(s.staleReason ? { staleReason: s.staleReason } : {}),
        currentCells: s.currentCells,
      })),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`pipeline ${safe(status.name)} (${status.steps.length} step${status.steps.length === 1 ? '' : 's'})\n`);
  for (const s of status.steps) {
    process.stdout.write(`  ${safe(s.id)} v${s.version}${s.stale ? `  STALE: ${safe(s.staleReason ?? '')}` : ''}\n`);
    process.stdout.write(`    depends on: ${safe(s.dependsOn.join(', ') || '-')}; reads: ${safe(s.reads.join(', ') || '-')}; writes: ${safe(s.writes.join(', ') || '-')}\n`);
  }
  return 0;
}
