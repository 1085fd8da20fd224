#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a used one: installs what is missing, builds, then runs
# lint, unit tests, process tests, the language server over LSP, and the real-editor tests
# (code-server + chromium).
# Every suite runs; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
npm run --silent build || exit 1

failed=()
# Each suite has a ceiling well above its usual time (unit 1 min, process 9, LSP 4, editor 7 here), so
# a suite that hangs fails by name and the others still run, inside CI's 90 minutes.
run() {
  local name="$1" limit="$2"; shift 2
  echo; echo "=== $name"
  local code=0
  timeout --kill-after=30s "$limit" "$@" || code=$?
  if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then echo "cellflow: '$name' did not finish within $limit"; fi
  [ "$code" -eq 0 ] || failed+=("$name")
}
run "lint (ESLint, layering rules)" 10m npm run --silent lint
run "unit (core logic in process: parsers, linter, analysis, grammar)" 10m npx mocha --config test/unit/.mocharc.json
run "processes and files (the built CLI, Python client, SQLite stores, bundles, layering rules)" 25m npx mocha --config test/process/.mocharc.json
run "language server over LSP" 15m npx mocha --config test/lsp/.mocharc.json
run "real editor (code-server 4.100.3 + chromium)" 25m npx mocha --config test/ui/.mocharc.json

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All test suites passed. Screenshots: test-results/"
