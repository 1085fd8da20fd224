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

/** Why Cellflow will not read or write a path; the message says which rule refused it. */
export type PathRefusal =
  | { rule: 'outside-workspace'; message: string }
  | { rule: 'not-a-regular-file'; message: string }
  | { rule: 'too-large'; message: string }
  | { rule: 'invalid-path'; message: string };

/** A path no file system takes (a NUL byte), refused before it reaches one; control characters shown escaped. */
export function invalidPath(shown: string): PathRefusal | undefined {
  return shown.includes('\0') ? { rule: 'invalid-path', message: `${JSON.stringify(shown)} is not a path: it holds a NUL byte` } : undefined;
}

export function outsideWorkspace(shown: string, root: string): PathRefusal {
  return { rule: 'outside-workspace', message: `${shown} is outside the workspace (${root}); Cellflow reads and writes files inside it only` };
}

export function notARegularFile(shown: string, kind: string): PathRefusal {
  return { rule: 'not-a-regular-file', message: `${shown} is ${kind}, not a regular file; Cellflow reads regular files only` };
}

export function tooLarge(shown: string, bytes: number, max: number): PathRefusal {
  return { rule: 'too-large', message: `${shown} is ${formatBytes(bytes)}, over the ${formatBytes(max)} Cellflow reads for it` };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}
