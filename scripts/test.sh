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
run() {
  local name="$1"; shift
  echo; echo "=== $name"
  "$@" || failed+=("$name")
}
run "lint (ESLint, layering rules)" npm run --silent lint
run "unit (core logic in process: parsers, linter, analysis, grammar)" npx mocha --config test/unit/.mocharc.json
run "processes and files (the built CLI, Python client, SQLite stores, bundles, layering rules)" npx mocha --config test/process/.mocharc.json
run "language server over LSP" npx mocha --config test/lsp/.mocharc.json
run "real editor (code-server 4.100.3 + chromium)" npx mocha --config test/ui/.mocharc.json

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "All test suites passed. Screenshots: test-results/"
