import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileWrite } from '../core/promote/promote';
import { parseNotebook, NotebookError, type Notebook } from '../core/notebook/notebook';
import { isPipelineFile } from '../core/pipeline/files';
import { FileProblem } from '../core/errors';
import { writeTarget } from './workspaceFile';

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function loadNotebookFile(file: string, shownAs = file): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new NotebookError(shownAs, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message);
  }
  return parseNotebook(text, shownAs);
}

/**
 * Writes every file or, as far as the file system allows, none: all contents go to temporary files
 * first and are renamed into place only once all of them are written. Every target is resolved first
 * (links followed) and must land inside `root`; one that does not refuses the whole write.
 */
export function writeAll(files: FileWrite[], root: string): void {
  const targets = files.map((f) => {
    const target = writeTarget(f.path, root, path.relative(root, f.path) || f.path);
    if (target.kind === 'refused') throw new FileProblem(f.path, target.refusal.message.replace(/^\S+ is /, 'is '));
    return { ...f, path: target.real };
  });
  const temps: Array<{ temp: string; final: string }> = [];
  try {
    for (const f of targets) {
      fs.mkdirSync(path.dirname(f.path), { recursive: true });
      const temp = `${f.path}.cellflow-${process.pid}.tmp`;
      // Exclusive create: a link planted at the temporary name is not followed.
      fs.rmSync(temp, { force: true });
      fs.writeFileSync(temp, f.content, { flag: 'wx' });
      temps.push({ temp, final: f.path });
    }
  } catch (err) {
    for (const t of temps) fs.rmSync(t.temp, { force: true });
    throw err;
  }
  for (const t of temps) fs.renameSync(t.temp, t.final);
}

/** Pipeline files under a folder, sorted, skipping node_modules and dot-folders. */
export function findPipelineFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && isPipelineFile(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}
