import { createHash } from 'node:crypto';

/**
 * The form of a cell's source that its hash covers: line endings, trailing spaces and blank lines at the
 * start or end do not make a new version; anything else does.
 */
export function normalizeSource(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/[ \t]+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

export function cellHash(source: string): string {
  return sha256(normalizeSource(source));
}

/** A step's content hash: its cells' normalized sources, in order (JSON keeps cell boundaries apart). */
export function stepHash(sources: string[]): string {
  return sha256(JSON.stringify(sources.map(normalizeSource)));
}

/** Line endings do not make a code file "edited": an editor may save it with CRLF. */
export function normalizeEol(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
