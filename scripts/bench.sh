#!/usr/bin/env bash
# Benchmarks, each printed beside a baseline measured in the same run; results also go to
# test-results/bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
npm run --silent build
node out/test/bench/run.js "$@"
