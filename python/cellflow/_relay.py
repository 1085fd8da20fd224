"""The store, relayed: a step running on a Dask worker logs to the run Cellflow made for it, but the
store stays on the machine that runs Cellflow. Each write goes as one request on the harness's event
pipe of its own (CELLFLOW_REQUESTS_FD) and waits for its answer on another (CELLFLOW_REPLIES_FD): the
same refusals, in the same words, as a local write.

Only a step's own run is reachable this way (CELLFLOW_RUN_ID): start_run needs the store itself. Only
the harness's process has the pipes; a subprocess the step starts is refused with a message.
"""

import json
import os
import threading

from ._errors import CellflowError


def _fd(name, default):
    return int(os.environ.get(name) or default)


_lock = threading.Lock()
_replies = None


def relayed():
    """Whether this process's store is relayed (a step on a Dask worker)."""
    return os.environ.get("CELLFLOW_RELAY") == "1"


def request(op, **fields):
    """Sends one store operation and returns its answer, or raises the refusal as a CellflowError."""
    global _replies
    if os.environ.get("CELLFLOW_RELAY_PID") != str(os.getpid()):
        raise CellflowError(f"{op}: a subprocess of a step running on a Dask worker cannot reach Cellflow's store; log from the step's own process")
    try:
        line = (json.dumps({"event": "store", "op": op, **fields}, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as err:
        raise CellflowError(f"{op}: a value cannot be sent to Cellflow's store ({err})") from None
    with _lock:
        view = memoryview(line)
        while view:
            view = view[os.write(_fd("CELLFLOW_REQUESTS_FD", 5), view):]
        if _replies is None:
            _replies = os.fdopen(_fd("CELLFLOW_REPLIES_FD", 4), "r", encoding="utf-8", closefd=False)
        answer = _replies.readline()
    if not answer:
        raise CellflowError(f"{op}: the connection to Cellflow's store closed (the run was cancelled or Cellflow stopped)")
    reply = json.loads(answer)
    if "error" in reply:
        raise CellflowError(reply["error"])
    return reply.get("value")


class _Where:
    """What the file checks need of a store: the workspace root it names files from."""

    def __init__(self, root):
        self.root = root
        self.path = "(the store on the machine running Cellflow)"


def where():
    return _Where(os.environ.get("CELLFLOW_WORKSPACE") or os.getcwd())
