"""Cellflow's Python logging client.

Runs, params, metrics, tags, artifacts and registered models go into the workspace's Cellflow store
(``.cellflow/cellflow.db``, or ``$CELLFLOW_STORE``), the same SQLite file the editor and the
``cellflow`` CLI read. The names follow MLflow's, so code ports::

    import cellflow
    with cellflow.start_run(experiment="churn", run_name="baseline"):
        cellflow.log_params({"C": 1.0})
        for step, loss in enumerate(losses):
            cellflow.log_metric("loss", loss, step=step)
        cellflow.log_artifact("models/model.pkl")
        cellflow.register_model("models/model.pkl", "churn")

Standard library only. Metric writes are batched; every write is a short transaction that waits for
other writers (WAL, busy timeout, retries), so several processes can log at once.
"""

from ._errors import CellflowError
from ._registry import register_model, set_alias
from ._runs import (
    ActiveRun, active_run, end_run, log_artifact, log_input, log_metric, log_metrics, log_param, log_params, set_tag, set_tags,
    start_run,
)

__all__ = [
    "start_run", "end_run", "active_run", "log_param", "log_params", "log_metric", "log_metrics",
    "set_tag", "set_tags", "log_artifact", "log_input", "register_model", "set_alias", "CellflowError",
]
