"""Step `evaluate` of pipeline `churn`, version 2.

Promoted by Cellflow from notebooks/churn.ipynb, cell 12 (id a3f2c5e4).
Change the notebook and re-promote rather than editing this file: Cellflow notices hand edits.
Run on its own (`python <this file>`), it reads each input from and writes each output to
<name>.pkl in $CELLFLOW_DATA_DIR (default .cellflow/data/<pipeline> beside the pipeline file);
$CELLFLOW_PARAMS (JSON) overrides params.
"""
import json as _cellflow_json
import os as _cellflow_os
import pickle as _cellflow_pickle
import sys as _cellflow_sys

from sklearn.metrics import accuracy_score, roc_auc_score
import cellflow

# Definitions steps share are modules beside this file (cellflow_defs/): on the path, they import here, and
# pickle finds the classes of the inputs by their module names.
_cellflow_sys.path.insert(0, _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__)))

PIPELINE = "churn"
STEP = "evaluate"
VERSION = 2
INPUTS = ["model", "X_test", "y_test"]
OUTPUTS = ["proba", "accuracy", "roc_auc"]
PARAMS = {}
_HERE = _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__))
NOTEBOOK_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, "../notebooks"))
PIPELINE_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, ".."))


def run(model, X_test, y_test):
    """Runs the step on its inputs and params; returns its outputs by name."""
    _cellflow_cwd = _cellflow_os.getcwd()
    _cellflow_os.chdir(NOTEBOOK_DIR)
    try:
        # ---- cell 12 (id a3f2c5e4) ----
        proba = model.predict_proba(X_test)[:, 1]
        accuracy = accuracy_score(y_test, proba > 0.5)
        roc_auc = roc_auc_score(y_test, proba)
        if cellflow.active_run():  # a pipeline run (or a start_run block): track the scores
            cellflow.log_metrics({"accuracy": accuracy, "roc_auc": roc_auc})
        print(f"accuracy={accuracy:.3f} roc_auc={roc_auc:.3f}")
        return _cellflow_outputs(locals())
    finally:
        _cellflow_os.chdir(_cellflow_cwd)


def _cellflow_outputs(scope):
    return {name: scope[name] for name in OUTPUTS if name in scope}


def main():
    data = _cellflow_os.environ.get("CELLFLOW_DATA_DIR") or _cellflow_os.path.join(PIPELINE_DIR, ".cellflow", "data", PIPELINE)
    inputs = {}
    for name in INPUTS:
        with open(_cellflow_os.path.join(data, name + ".pkl"), "rb") as f:
            inputs[name] = _cellflow_pickle.load(f)
    params = dict(PARAMS)
    params.update({k: v for k, v in _cellflow_json.loads(_cellflow_os.environ.get("CELLFLOW_PARAMS") or "{}").items() if k in PARAMS})
    outputs = run(**inputs, **params)
    _cellflow_os.makedirs(data, exist_ok=True)
    for name, value in outputs.items():
        with open(_cellflow_os.path.join(data, name + ".pkl"), "wb") as f:
            _cellflow_pickle.dump(value, f)
    print(_cellflow_json.dumps({"step": STEP, "version": VERSION, "outputs": sorted(outputs)}))


if __name__ == "__main__":
    main()
