"""Step `train` of pipeline `churn`, version 2.

Promoted by Cellflow from notebooks/churn.ipynb, cell 10 (id e1b0a3c2).
Change the notebook and re-promote rather than editing this file: Cellflow notices hand edits.
Run on its own (`python <this file>`), it reads each input from and writes each output to
<name>.pkl in $CELLFLOW_DATA_DIR (default .cellflow/data/<pipeline> beside the pipeline file);
$CELLFLOW_PARAMS (JSON) overrides params.
"""
import json as _cellflow_json
import os as _cellflow_os
import pickle as _cellflow_pickle
import sys as _cellflow_sys

from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import StandardScaler, OneHotEncoder
from sklearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

# Definitions steps share are modules beside this file (cellflow_defs/): on the path, they import here, and
# pickle finds the classes of the inputs by their module names.
_cellflow_sys.path.insert(0, _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__)))

PIPELINE = "churn"
STEP = "train"
VERSION = 2
INPUTS = ["numeric", "categorical", "X_train", "y_train"]
OUTPUTS = ["preprocess", "model", "model_version"]
PARAMS = {"C": 1}
_HERE = _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__))
NOTEBOOK_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, "../notebooks"))
PIPELINE_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, ".."))


def run(numeric, categorical, X_train, y_train, *, C=1):
    """Runs the step on its inputs and params; returns its outputs by name."""
    _cellflow_cwd = _cellflow_os.getcwd()
    _cellflow_os.chdir(NOTEBOOK_DIR)
    try:
        # ---- cell 10 (id e1b0a3c2) ----
        preprocess = ColumnTransformer(
            [
                ("num", StandardScaler(), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        )
        model = Pipeline([("prep", preprocess), ("clf", LogisticRegression(C=C, max_iter=1000))])
        model.fit(X_train, y_train)

        # Keep the fitted model and register it as the next version of `churn-model`. Run as the pipeline's
        # train step, the version belongs to that step's run, and so leads back to this cell.
        import os
        import pickle

        import cellflow

        os.makedirs("../models", exist_ok=True)
        with open("../models/churn-model.pkl", "wb") as f:
            pickle.dump(model, f)
        model_version = cellflow.register_model("../models/churn-model.pkl", "churn-model")
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
