#!/usr/bin/env bash
# Interop (a) every type and nulls written by bindspace import read by LanceDB; hamming top-10 of
# LanceDB, brute force and bindspace search equal.
# Runs types.mjs with LanceDB 0.37.1 (tests/interop/node_modules).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node types.mjs
