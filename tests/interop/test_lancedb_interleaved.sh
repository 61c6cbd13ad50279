#!/usr/bin/env bash
# Interop (c) bindspace and LanceDB writing one table in turns agree at every version.
# Runs interleaved.mjs with LanceDB 0.37.1 (tests/interop/node_modules).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node interleaved.mjs
