import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileWrite } from '../core/promote/promote';
import { parseNotebook, NotebookError, type Notebook } from '../core/notebook/notebook';
import { isPipelineFile } from '../core/pipeline/files';
import { FileProblem } from '../core/errors';
import { readWorkspaceFile, writeTarget } from './workspaceFile';

/**
 * A file's text when it exists, read by the workspace rules (a regular file inside `root`, under the
 * size cap); a `FileProblem` saying which rule refused it otherwise. For the files a pipeline names.
 */
export function readInside(file: string, root: string, shownAs = file): string | undefined {
  const read = readWorkspaceFile(file, root, { shownAs });
  if (read.kind === 'refused') throw new FileProblem(shownAs, read.refusal.reason);
  return read.kind === 'text' ? read.text : undefined;
}

/**
 * A notebook from disk. With a `root`, only inside it (a notebook a pipeline names); without, anywhere
 * (the one the user names on the command line), but a regular file under the size cap either way, so
 * `/dev/zero` or a FIFO is a message, not a hang.
 */
export function loadNotebookFile(file: string, shownAs = file, root = path.parse(path.resolve(file)).root): Notebook {
  let text: string | undefined;
  try {
    text = readInside(file, root, shownAs);
  } catch (err) {
    throw new NotebookError(shownAs, err instanceof FileProblem ? err.detail : (err as Error).message);
  }
  if (text === undefined) throw new NotebookError(shownAs, 'no such file');
  return parseNotebook(text, shownAs);
}

/**
 * Writes every file or, as far as the file system allows, none: all contents go to temporary files
 * first and are renamed into place only once all of them are written. Every target is resolved first
 * (links followed) and must land inside `root`; one that does not refuses the whole write.
 */
export function writeAll(files: FileWrite[], root: string): void {
  const targets = writeTargets(files, root);
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

/**
 * The files as they would be written, each path resolved (links followed); a `FileProblem` naming the
 * first that would land outside `root` or on something that is not a regular file. The CLI writes what
 * it returns; the language server checks the client's writes with it before answering.
 */
export function writeTargets(files: FileWrite[], root: string): FileWrite[] {
  return files.map((f) => {
    const target = writeTarget(f.path, root, path.relative(root, f.path) || f.path);
    if (target.kind === 'refused') throw new FileProblem(f.path, target.refusal.reason);
    return { ...f, path: target.real };
  });
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
