import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/** sha256 (hex) and size of what an open file holds, read in blocks so a large one does not sit in memory; closes it. */
export function hashFd(fd: number): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; size += n) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}
