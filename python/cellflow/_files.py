"""Files the client records (artifacts, model files, datasets): inside the workspace only, hashed."""

import errno
import hashlib
import os
import stat

from ._errors import file_problem
from ._location import is_inside
from ._schema import NO_SUCH_FILE, NOT_A_REGULAR_FILE, OUTSIDE_WORKSPACE


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


def open_workspace_file(store, path):
    """(binary file open for reading, root-relative POSIX path) of a regular file inside the workspace,
    checked in the order the Node writer checks it (exists, inside, a regular file), or a CellflowError.
    What is checked is what was opened: non-blocking, so that a FIFO is refused rather than waited on."""
    # A relative path is the caller's, as open() reads it: from the working directory, which may be a
    # folder below the workspace root. What is recorded is relative to the root.
    root = os.path.realpath(store.root)
    real = os.path.realpath(os.path.abspath(path))
    if not os.path.lexists(real):
        raise file_problem(path, NO_SUCH_FILE)
    if not is_inside(root, real):
        raise file_problem(path, OUTSIDE_WORKSPACE.format(root=store.root))
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise file_problem(path, NO_SUCH_FILE) from None
        if err.errno == errno.ENXIO:  # a socket
            raise file_problem(path, NOT_A_REGULAR_FILE.format(kind=kind_of(os.stat(real).st_mode))) from None
        raise file_problem(path, f"cannot be read ({err.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise file_problem(path, NOT_A_REGULAR_FILE.format(kind=kind_of(mode)))
    return os.fdopen(fd, "rb"), os.path.relpath(real, root).replace(os.sep, "/")


def hash_file(f):
    """(sha256 hex, size) of an open file, read in blocks so that a model of any size can be hashed."""
    h = hashlib.sha256()
    size = 0
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
        size += len(block)
    return h.hexdigest(), size


def workspace_path(store, path):
    """The root-relative path of a workspace file, refused as open_workspace_file refuses it, unread:
    on a Dask worker, where Cellflow's store hashes the file itself."""
    f, rel = open_workspace_file(store, path)
    f.close()
    return rel


def artifact(store, path):
    """(root-relative path, sha256, size) of a workspace file."""
    f, rel = open_workspace_file(store, path)
    with f:
        digest, size = hash_file(f)
    return rel, digest, size
