"""Where the store is, found as server/src/io/storeLocation.ts finds it, and the rule for "inside the workspace"."""

import os


def workspace_root():
    """CELLFLOW_WORKSPACE, else the nearest folder up holding .cellflow/ or .git, else the working directory."""
    root = os.environ.get("CELLFLOW_WORKSPACE")
    if root:
        return os.path.abspath(root)
    d = os.getcwd()
    while True:
        if os.path.isdir(os.path.join(d, ".cellflow")) or os.path.exists(os.path.join(d, ".git")):
            return d
        up = os.path.dirname(d)
        if up == d:
            return os.getcwd()
        d = up


def store_path(root):
    """CELLFLOW_STORE (relative to the workspace), else <workspace>/.cellflow/cellflow.db."""
    env = os.environ.get("CELLFLOW_STORE")
    return os.path.join(root, env) if env else os.path.join(root, ".cellflow", "cellflow.db")


def is_inside(root, target):
    """Whether `target` lies inside the folder `root` (both absolute, links resolved), as core/workspacePath.ts's
    isInside says: a name that merely starts with two dots (`..foo`) is inside; `..` and what is under it are not."""
    rel = os.path.relpath(target, root)
    return rel not in (".", "..") and not rel.startswith(".." + os.sep) and not os.path.isabs(rel)


def link_out_of_workspace(path, root):
    """Where the store file at `path` really is when that is outside the workspace although `path` itself is
    inside it (a link in .cellflow/ that came with a cloned repository, say); else None. A path outside the
    workspace was named on purpose (CELLFLOW_STORE=/data/runs.db) and is the user's to choose."""
    if not is_inside(os.path.abspath(root), os.path.abspath(path)):
        return None
    # realpath follows a dangling link too: a link to a file not yet created is where SQLite would create it.
    real = os.path.realpath(path)
    return None if is_inside(os.path.realpath(root), real) else real
