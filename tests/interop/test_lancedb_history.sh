#!/usr/bin/env bash
# Interop (b) a LanceDB-made 2.0 table through append, delete, update, optimize, add/drop column read by bindspace at every version.
# Runs history.mjs with LanceDB 0.37.1 (tests/interop/node_modules).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node history.mjs
