import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCommitSha } from '../core/store/rules';

/**
 * The commit checked out in the repository that holds `dir`, read from .git without running git; only
 * ever a commit sha (the store refuses anything else), never what a damaged or odd HEAD holds.
 */
export function gitCommit(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const git = path.join(d, '.git');
    if (fs.existsSync(git)) return readHead(gitDir(git));
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

function gitDir(git: string): string {
  // A worktree or submodule has a .git file pointing at the real directory.
  if (fs.statSync(git).isFile()) {
    const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(git, 'utf8'));
    if (m) return path.resolve(path.dirname(git), m[1].trim());
  }
  return git;
}

function readHead(dir: string): string | undefined {
  try {
    const head = fs.readFileSync(path.join(dir, 'HEAD'), 'utf8').trim();
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
    if (!ref) return sha(head);
    const loose = path.join(dir, ref);
    if (fs.existsSync(loose)) return sha(fs.readFileSync(loose, 'utf8').trim());
    const packed = path.join(dir, 'packed-refs');
    if (!fs.existsSync(packed)) return undefined;
    for (const line of fs.readFileSync(packed, 'utf8').split('\n')) {
      const [id, name] = line.split(' ');
      if (name === ref) return sha(id);
    }
  } catch {
    // An unreadable repository has no commit to record.
  }
  return undefined;
}

const sha = (text: string): string | undefined => (isCommitSha(text) ? text : undefined);
