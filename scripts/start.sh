#!/usr/bin/env bash
# Starts the product: builds and packages the extension, installs the .vsix into a code-server
# (VS Code 1.100.3) kept under .cellflow-dev/, logs the example runs once, runs the example pipeline,
# and serves the examples/ workspace on 127.0.0.1.
# PORT picks the port (default 8080; 0 for any free one). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build
npm run --silent package >/dev/null
# The example's runs, once: examples/train.py trains the churn model three ways and logs each run, so
# the Runs and Model Registry views have something to show. Delete examples/.cellflow to log afresh.
if [ ! -e examples/.cellflow/cellflow.db ]; then
  # The example pipeline (churn.cellflow.yaml, promoted from the notebook) runs first, so the training
  # runs below are the newest in the Runs view.
  echo "Running the example pipeline (cellflow run examples/churn.cellflow.yaml)…"
  (cd examples && mkdir -p .cellflow && CELLFLOW_WORKSPACE="$PWD" node ../dist/cli/cellflow.js run churn.cellflow.yaml --python /usr/bin/python3) || echo "The example pipeline did not run; see above." >&2
  # This month's customers against what the pipeline's model version was trained on: a drift report.
  (cd examples && CELLFLOW_WORKSPACE="$PWD" node ../dist/cli/cellflow.js drift --reference churn-model@1 --current data/customers_recent.csv --python /usr/bin/python3 --save >/dev/null) || echo "The example drift report was not made; see above." >&2
  echo "Logging the example runs (examples/train.py)…"
  node out/test/support/exampleModel.js examples/models/churn-mlp.onnx
  (cd examples && PYTHONDONTWRITEBYTECODE=1 CELLFLOW_WORKSPACE="$PWD" PYTHONPATH="$(node ../dist/cli/cellflow.js python-path)" /usr/bin/python3 train.py) || echo "The example runs could not be logged; the views start empty." >&2
  # The ONNX scorer train.py registered, benchmarked on this machine's CPU at batch 1 and 32.
  (cd examples && CELLFLOW_WORKSPACE="$PWD" node ../dist/cli/cellflow.js bench churn-mlp@staging --batch 1,32 --save >/dev/null) || echo "The example benchmark was not made; see above." >&2
fi
exec node out/test/harness/serve.js --vsix dist/cellflow.vsix --folder examples --port "${PORT:-8080}" --data "${CELLFLOW_DEV_DIR:-.cellflow-dev}/code-server"
