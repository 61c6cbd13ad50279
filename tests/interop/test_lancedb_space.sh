#!/usr/bin/env bash
# Interop: a BindSpace database (bindspace put/get/flush) read and extended by LanceDB 0.37.1.
# Runs space.mjs with LanceDB (tests/interop/node_modules).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node space.mjs
