"""The commit a run was started at, read from .git as server/src/io/git.ts reads it."""

import os

from ._schema import COMMIT_SHA_LENGTHS

_HEX = frozenset("0123456789abcdef")


def _sha(text):
    # Only a commit id as git writes it; a damaged or odd HEAD records no commit (the store refuses it).
    return text if len(text) in COMMIT_SHA_LENGTHS and _HEX.issuperset(text) else None


def git_commit(root):
    """The sha checked out in the repository holding `root`, or None."""
    d = root
    while True:
        git = os.path.join(d, ".git")
        if os.path.exists(git):
            break
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up
    try:
        if os.path.isfile(git):
            # A worktree or submodule has a .git file pointing at the real directory.
            with open(git) as f:
                for line in f:
                    if line.startswith("gitdir:"):
                        git = os.path.join(d, line[len("gitdir:"):].strip())
                        break
        with open(os.path.join(git, "HEAD")) as f:
            head = f.read().strip()
        if not head.startswith("ref:"):
            return _sha(head)
        ref = head[4:].strip()
        loose = os.path.join(git, ref)
        if os.path.exists(loose):
            with open(loose) as f:
                return _sha(f.read().strip())
        packed = os.path.join(git, "packed-refs")
        if os.path.exists(packed):
            with open(packed) as f:
                for line in f:
                    parts = line.rstrip("\n").split(" ")
                    if len(parts) >= 2 and parts[1] == ref:
                        return _sha(parts[0])
    except (OSError, UnicodeDecodeError):
        return None
    return None
