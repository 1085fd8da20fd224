import * as path from 'node:path';

/**
 * Whether `target` (an absolute path, symbolic links already resolved) lies inside the folder `root`
 * (resolved the same way). A name that merely starts with two dots (`..foo`) is inside; `..` itself, or
 * anything under it, is not. Pure: the caller resolves real paths.
 */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Why Cellflow will not read or write a path; the message says which rule refused it. `reason` is the
 * message without the path in front ("is a FIFO, not a regular file; …"), for messages that name the
 * file their own way.
 */
export type PathRefusal = { rule: 'outside-workspace' | 'not-a-regular-file' | 'too-large' | 'invalid-path'; message: string; reason: string };

function refusal(rule: PathRefusal['rule'], shown: string, reason: string): PathRefusal {
  return { rule, message: `${shown} ${reason}`, reason };
}

/** A path no file system takes (a NUL byte), refused before it reaches one; control characters shown escaped. */
export function invalidPath(shown: string): PathRefusal | undefined {
  return shown.includes('\0') ? refusal('invalid-path', JSON.stringify(shown), 'is not a path: it holds a NUL byte') : undefined;
}

export function outsideWorkspace(shown: string, root: string): PathRefusal {
  return refusal('outside-workspace', shown, `is outside the workspace (${root}); Cellflow reads and writes files inside it only`);
}

export function notARegularFile(shown: string, kind: string): PathRefusal {
  return refusal('not-a-regular-file', shown, `is ${kind}, not a regular file; Cellflow reads regular files only`);
}

export function tooLarge(shown: string, bytes: number, max: number): PathRefusal {
  return refusal('too-large', shown, `is ${formatBytes(bytes)}, over the ${formatBytes(max)} Cellflow reads for it`);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}
