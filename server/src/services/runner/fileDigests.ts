import * as fs from 'node:fs';
import { hashFd } from '../../io/hashFile';
import type { Store } from '../store/store';

/**
 * sha256 of files, kept in the store by path, size, mtime (ns) and inode: a re-run over unchanged
 * gigabytes stats them instead of reading them again (what `dvc repro` users wait minutes for).
 */
export class FileDigests {
  private readonly known = new Map<string, string>();

  constructor(private readonly store: Store | undefined) {}

  /** `sha256:…` of a file's bytes; throws ENOENT for a missing one. */
  digest(file: string): string {
    const cached = this.known.get(file);
    if (cached) return cached;
    const st = fs.statSync(file, { bigint: true });
    const fact = { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() };
    const stored = this.store?.fileDigest(file);
    let sha: string;
    if (stored && stored.size === fact.size && stored.mtimeNs === fact.mtimeNs && stored.ino === fact.ino) {
      sha = stored.sha256;
    } else {
      sha = hashFile(file);
      this.store?.saveFileDigest(file, { ...fact, sha256: sha });
    }
    this.known.set(file, sha);
    return sha;
  }
}

/** `sha256:…` of a file's bytes. */
export function hashFile(file: string): string {
  return `sha256:${hashFd(fs.openSync(file, 'r')).sha256}`;
}
