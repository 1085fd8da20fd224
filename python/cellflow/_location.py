"""Where the store is, found as server/src/io/storeLocation.ts finds it."""

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
