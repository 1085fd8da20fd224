"""The commit a run was started at, read from .git without running git."""

import os


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
                line = f.read().strip()
            if line.startswith("gitdir:"):
                git = os.path.join(d, line[len("gitdir:"):].strip())
        with open(os.path.join(git, "HEAD")) as f:
            head = f.read().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head[4:].strip()
        loose = os.path.join(git, ref)
        if os.path.exists(loose):
            with open(loose) as f:
                return f.read().strip() or None
        packed = os.path.join(git, "packed-refs")
        if os.path.exists(packed):
            with open(packed) as f:
                for line in f:
                    parts = line.strip().split(" ")
                    if len(parts) == 2 and parts[1] == ref:
                        return parts[0]
    except OSError:
        return None
    return None
