#!/usr/bin/env bash
# Starts the product: builds and packages the extension, installs the .vsix into a code-server
# (VS Code 1.100.3) kept under .cellflow-dev/, and serves the examples/ workspace on 127.0.0.1.
# PORT picks the port (default 8080; 0 for any free one). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build
npm run --silent package >/dev/null
exec node out/test/harness/serve.js --vsix dist/cellflow.vsix --folder examples --port "${PORT:-8080}" --data "${CELLFLOW_DEV_DIR:-.cellflow-dev}/code-server"
