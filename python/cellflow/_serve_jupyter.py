"""Starts a Jupyter server for Cellflow's jupyter executor and stops it when the runner that started it
is gone, even killed outright: a server and its kernels must not outlive the run they serve.

    python .../cellflow/_serve_jupyter.py --ServerApp.port=... (jupyter_server's own options)
"""

import os
import signal
import sys
import threading
import time


def _stop_with_parent():
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                # SIGTERM lets the server shut its kernels down; it has its own handler for it.
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, daemon=True, name="cellflow-parent-watch").start()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        sys.path.pop(0)
    _stop_with_parent()
    from jupyter_server.serverapp import main as serve

    sys.argv = ["jupyter-server", *sys.argv[1:]]
    sys.exit(serve())


if __name__ == "__main__":
    main()
