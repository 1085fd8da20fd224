import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeEol, sha256 } from '../core/notebook/hash';
import { parseNotebook, type Notebook } from '../core/notebook/notebook';
import type { LintContext } from '../core/pipeline/lintContext';
import { lockPathFor } from '../core/pipeline/lockFile';
import { readIfExists } from './files';

/** What the CLI's linter knows of other files: the disk, each file read at most once per run. */
export function diskContext(pipelinePath: string, notebooks = new Map<string, Notebook | Error | undefined>()): LintContext {
  return {
    pipelinePath,
    exists: (file) => fs.existsSync(file),
    fileHash: (file) => {
      const text = readIfExists(file);
      return text === undefined ? undefined : sha256(normalizeEol(text));
    },
    notebook: (file) => {
      if (!notebooks.has(file)) {
        const text = readIfExists(file);
        let nb: Notebook | Error | undefined;
        try {
          nb = text === undefined ? undefined : parseNotebook(text, path.basename(file));
        } catch (err) {
          nb = err instanceof Error ? err : new Error(String(err));
        }
        notebooks.set(file, nb);
      }
      return notebooks.get(file);
    },
    lockText: () => readIfExists(lockPathFor(pipelinePath)),
  };
}
