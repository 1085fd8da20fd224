"""Trains the churn model at three regularization strengths and logs each run to the Cellflow store.

Run from this folder with the Cellflow client on the path:
    PYTHONPATH="$(node ../dist/cli/cellflow.js python-path)" /usr/bin/python3 train.py
`npm start` runs it once, so that the Runs and Model Registry views have something to show.
"""
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import cellflow

SEED = 42
EPOCHS = 15
NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]
CATEGORICAL = ["contract", "internet_service", "paperless_billing", "senior_citizen"]

customers = pd.read_csv("data/customers.csv")
customers["monthly_charges"] = customers.groupby("internet_service")["monthly_charges"].transform(lambda s: s.fillna(s.median()))
X_train, X_test, y_train, y_test = train_test_split(
    customers[NUMERIC + CATEGORICAL], customers["churned"], test_size=0.2, random_state=SEED, stratify=customers["churned"]
)
prep = ColumnTransformer([("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
A_train = prep.fit_transform(X_train)
A_test = prep.transform(X_test)

os.makedirs("models", exist_ok=True)
best = None
for alpha in (0.1, 0.01, 0.0001):
    with cellflow.start_run(experiment="churn", run_name=f"sgd-alpha-{alpha}"):
        cellflow.log_params({"model": "SGDClassifier(log_loss)", "alpha": alpha, "epochs": EPOCHS, "seed": SEED})
        cellflow.set_tag("source", "examples/train.py")
        cellflow.log_input("data/customers.csv", context="training")
        clf = SGDClassifier(loss="log_loss", alpha=alpha, random_state=SEED)
        for epoch in range(EPOCHS):
            # One pass over the data per epoch, so each epoch's scores can be drawn as a curve.
            clf.partial_fit(A_train, y_train, classes=np.array([0, 1]))
            proba = clf.predict_proba(A_test)[:, 1]
            cellflow.log_metrics({"roc_auc": roc_auc_score(y_test, proba), "log_loss": log_loss(y_test, proba)}, step=epoch)
        cellflow.log_metric("accuracy", accuracy_score(y_test, proba > 0.5))
        path = f"models/churn-alpha-{alpha}.pkl"
        with open(path, "wb") as f:
            pickle.dump({"prep": prep, "clf": clf}, f)
        cellflow.log_artifact(path)
        auc = roc_auc_score(y_test, proba)
        if best is None or auc > best[0]:
            best = (auc, path, cellflow.active_run().run_id)

auc, path, run_id = best
version = cellflow.register_model(path, "churn", run_id=run_id)
cellflow.set_alias("churn", version, "staging")
print(f"registered churn v{version} from {path} (roc_auc={auc:.3f})")

# An ONNX churn scorer (npm start writes it: a small MLP over the eight features), registered so the
# Model Registry view has a version to benchmark (right-click it: Benchmark Model).
if os.path.exists("models/churn-mlp.onnx"):
    mlp_version = cellflow.register_model("models/churn-mlp.onnx", "churn-mlp")
    cellflow.set_alias("churn-mlp", mlp_version, "staging")
    print(f"registered churn-mlp v{mlp_version} from models/churn-mlp.onnx")
