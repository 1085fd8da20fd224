import * as fs from 'node:fs';
import * as path from 'node:path';
import { invalidPath, isInside, notARegularFile, outsideWorkspace, tooLarge, type PathRefusal } from '../core/workspacePath';

/** The most any file a pipeline names is read for (a notebook, a step's code, a lock): 64 MB. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

export type WorkspaceRead = { kind: 'text'; text: string } | { kind: 'missing' } | { kind: 'refused'; refusal: PathRefusal };

/**
 * Reads a file that a pipeline or a store names: untrusted input, since lint runs on any cloned
 * repository. Only a regular file whose real path (symbolic links resolved) is inside `root`, and only
 * up to `maxBytes`. A device (`/dev/zero`), a FIFO, the server's own stdin (`/proc/self/fd/0`) or a
 * folder is refused without blocking: the file is opened non-blocking and checked with fstat before a
 * byte is read, so a path swapped between the check and the open cannot slip through either.
 */
export function readWorkspaceFile(file: string, root: string, options: { maxBytes?: number; shownAs?: string } = {}): WorkspaceRead {
  const shown = options.shownAs ?? file;
  const maxBytes = options.maxBytes ?? MAX_READ_BYTES;
  const found = locate(file, root, shown);
  if (found.kind !== 'inside') return found;
  const { real } = found;
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') return { kind: 'refused', refusal: notARegularFile(shown, 'a folder') };
    throw err;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'refused', refusal: notARegularFile(shown, describeKind(stat)) };
    if (stat.size > maxBytes) return { kind: 'refused', refusal: tooLarge(shown, stat.size, maxBytes) };
    // Read what fstat promised and one byte more: a file that grew past the cap meanwhile is refused too.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size + 1, maxBytes + 1));
    let length = 0;
    for (let n; length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > maxBytes) return { kind: 'refused', refusal: tooLarge(shown, length, maxBytes) };
    return { kind: 'text', text: buffer.toString('utf8', 0, length) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The real path of an existing file if it is inside `root`; else missing, or the rule that refuses it. */
function locate(file: string, root: string, shown: string): { kind: 'inside'; real: string } | { kind: 'missing' } | { kind: 'refused'; refusal: PathRefusal } {
  const invalid = invalidPath(file);
  if (invalid) return { kind: 'refused', refusal: invalid };
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    // A missing path outside is refused all the same: "does not exist" would tell a pipeline from
    // anywhere which files exist outside the workspace. Links are followed as a write would follow them.
    return isInside(realRoot(root), resolveForWrite(file)) ? { kind: 'missing' } : { kind: 'refused', refusal: outsideWorkspace(shown, root) };
  }
  return isInside(realRoot(root), real) ? { kind: 'inside', real } : { kind: 'refused', refusal: outsideWorkspace(shown, root) };
}

/** Whether a path names a regular file inside `root` (for checks that need no content). */
export function workspaceFileStatus(file: string, root: string, shownAs = file): { kind: 'file' } | { kind: 'missing' } | { kind: 'refused'; refusal: PathRefusal } {
  const found = locate(file, root, shownAs);
  if (found.kind !== 'inside') return found;
  const stat = fs.statSync(found.real, { throwIfNoEntry: false });
  if (!stat) return { kind: 'missing' };
  return stat.isFile() ? { kind: 'file' } : { kind: 'refused', refusal: notARegularFile(shownAs, describeKind(stat)) };
}

/**
 * Where a write to `file` would land, symbolic links resolved (the deepest folder that exists, then the
 * rest of the path; the file itself when it is a link), if that is inside `root`; else the refusal. A
 * `steps` folder that links outside, or a store file that links to another, is refused before anything
 * is written.
 */
export function writeTarget(file: string, root: string, shownAs = file): { kind: 'inside'; real: string } | { kind: 'refused'; refusal: PathRefusal } {
  const invalid = invalidPath(file);
  if (invalid) return { kind: 'refused', refusal: invalid };
  const real = resolveForWrite(file);
  if (!isInside(realRoot(root), real)) return { kind: 'refused', refusal: outsideWorkspace(shownAs, root) };
  const stat = fs.statSync(real, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) return { kind: 'refused', refusal: notARegularFile(shownAs, describeKind(stat)) };
  return { kind: 'inside', real };
}

/** Links followed before giving up on a chain (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * Where a write to `file` would land: its real path as far as it exists, then the rest of it. A link
 * whose target does not exist yet is followed too, since writing through it creates that target
 * (realpath alone stops at such a link, and the rest would look as if it were inside).
 */
export function resolveForWrite(file: string): string {
  let pending = path.resolve(file);
  for (let links = 0; links < MAX_LINKS; links++) {
    let existing = pending;
    const rest: string[] = [];
    for (;;) {
      try {
        existing = fs.realpathSync(existing);
        break;
      } catch {
        const up = path.dirname(existing);
        if (up === existing) break;
        rest.unshift(path.basename(existing));
        existing = up;
      }
    }
    if (!rest.length) return existing;
    let target: string;
    try {
      target = fs.readlinkSync(path.join(existing, rest[0]));
    } catch {
      return path.join(existing, ...rest);
    }
    pending = path.join(path.resolve(existing, target), ...rest.slice(1));
  }
  return pending;
}

const roots = new Map<string, string>();

/** A folder's real path (cached: roots are few and asked often), or its absolute path when it has none. */
export function realRoot(root: string): string {
  let real = roots.get(root);
  if (real === undefined) {
    try {
      real = fs.realpathSync(root);
    } catch {
      real = path.resolve(root);
    }
    if (roots.size > 64) roots.clear();
    roots.set(root, real);
  }
  return real;
}

/** What a file that is not a regular one is: "a folder", "a FIFO", "a device", "a socket". */
export function describeKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}
