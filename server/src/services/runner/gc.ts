import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import type { Store } from '../store/store';
import { liveRunLocks } from './runLock';

/**
 * `cellflow gc`: removes the files in .cellflow/artifacts/ that no cached step result and no recorded
 * run refers to. Refused while a pipeline runs (its outputs are written before they are recorded);
 * a step's temporary files are left alone.
 */
export function collectGarbage(root: string, store: Store, options: { dryRun: boolean }): { removed: string[]; kept: number; bytes: number } {
  const running = liveRunLocks(path.join(root, '.cellflow', 'locks'));
  if (running.length) throw new InvalidInput(`a pipeline is running (${running.join(', ')}); run gc once it ends`);
  const dir = path.join(root, '.cellflow', 'artifacts');
  if (!fs.existsSync(dir)) return { removed: [], kept: 0, bytes: 0 };
  const referenced = store.referencedArtifactFiles();
  const removed: string[] = [];
  let kept = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.tmp-')) continue;
    if (referenced.has(entry.name)) {
      kept++;
      continue;
    }
    const file = path.join(dir, entry.name);
    bytes += fs.statSync(file).size;
    if (!options.dryRun) fs.rmSync(file, { force: true });
    removed.push(entry.name);
  }
  return { removed: removed.sort(), kept, bytes };
}
