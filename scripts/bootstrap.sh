#!/usr/bin/env bash
# Installs what Cellflow needs on a fresh Debian 12 machine (node 20, root): Debian packages, then the
# npm dependencies. Idempotent and quick when everything is already in place, so both README commands
# call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  chromium            # the browser the real-editor tests drive through playwright-core
  libkrb5-dev         # code-server's `kerberos` native module builds against it
  ripgrep             # code-server's file search (workspace.findFiles) needs rg
  python3-pandas      # the examples/ notebook and, later, pipeline steps
  python3-sklearn
  python3-ipykernel   # a real Jupyter kernel for runs
  jupyter-server
  unzip curl          # what the generated CI workflow's install step runs (its test runs it here)
  python3-distributed # the Dask executor: the driver, and `cellflow cluster start`'s scheduler and workers
  openssl             # the Dask TLS tests make their CA and certificates with it
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cellflow: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in its postinstall, which this
# network refuses. It looks in its cache first, so put Debian's rg there in the tarball shape it expects.
tmp="${TMPDIR:-/tmp}"
rg_cache="$tmp/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_tar" ]; then
  mkdir -p "$rg_cache/stage"
  cp "$(command -v rg)" "$rg_cache/stage/rg"
  tar -czf "$rg_tar" -C "$rg_cache/stage" rg
  rm -rf "$rg_cache/stage"
fi

# npm ci only when package-lock.json changed since the last install (by this script, or by an
# `npm install` that left node_modules/.package-lock.json newer than it).
stamp="node_modules/.cellflow-lock-sha"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  :
elif [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] && [ -f "$stamp" ]; then
  echo "$want" > "$stamp"
else
  echo "cellflow: installing npm dependencies (npm ci)"
  # node-gyp builds the native modules (better-sqlite3, argon2) against this Node's own headers, not
  # ones downloaded from nodejs.org, which this network refuses (a user npmrc may already say so).
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then
    export npm_config_nodedir="$node_prefix"
  fi
  # code-server's postinstall refuses root without unsafe-perm; node-pty's runs npx non-interactively.
  # onnxruntime-node's install script would download CUDA files from outside: .npmrc skips it.
  ONNXRUNTIME_NODE_INSTALL=skip npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
