#!/usr/bin/env bash
# Installs the pinned LanceDB (npm @lancedb/lancedb 0.37.1) used by the interop tests into
# tests/interop/node_modules. A no-op when it is already there.
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/@lancedb/lancedb ] && [ -d node_modules/apache-arrow ]; then exit 0; fi
npm install --no-audit --no-fund --loglevel=error >/dev/null
