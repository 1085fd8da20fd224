import * as fs from 'node:fs';
import * as path from 'node:path';

/** The commit checked out in the repository that holds `dir`, read from .git without running git. */
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
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    const loose = path.join(dir, ref);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim() || undefined;
    const packed = path.join(dir, 'packed-refs');
    if (!fs.existsSync(packed)) return undefined;
    for (const line of fs.readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && /^[0-9a-f]{40}$/.test(sha)) return sha;
    }
  } catch {
    // An unreadable repository has no commit to record.
  }
  return undefined;
}
