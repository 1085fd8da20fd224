"""Files the client records (artifacts, model files, datasets): inside the workspace only, hashed."""

import hashlib
import os
import stat

from ._errors import file_problem
from ._schema import NO_SUCH_FILE, NOT_A_FILE, OUTSIDE_WORKSPACE


def kind_of(mode):
    """What a file that is not a regular one is, as server/src/io/workspaceFile.ts words it."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def workspace_file(store, path):
    """(real path, root-relative POSIX path) of a file inside the workspace, checked in the order the
    Node writer checks it (exists, inside, a file), or a CellflowError."""
    # A relative path is the caller's, as open() reads it: from the working directory, which may be a
    # folder below the workspace root. What is recorded is relative to the root.
    root = os.path.realpath(store.root)
    real = os.path.realpath(os.path.abspath(path))
    if not os.path.exists(real):
        raise file_problem(path, NO_SUCH_FILE)
    rel = os.path.relpath(real, root)
    if rel == "." or rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        raise file_problem(path, OUTSIDE_WORKSPACE.format(root=store.root))
    if not os.path.isfile(real):
        raise file_problem(path, NOT_A_FILE)
    return real, rel.replace(os.sep, "/")


def hash_file(real):
    """(sha256 hex, size) of a file, read in blocks so that a model of any size can be hashed."""
    h = hashlib.sha256()
    size = 0
    with open(real, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def artifact(store, path):
    """(root-relative path, sha256, size) of a workspace file."""
    real, rel = workspace_file(store, path)
    digest, size = hash_file(real)
    return rel, digest, size
