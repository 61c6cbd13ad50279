#!/usr/bin/env bash
# Interop (d) LanceDB's default-format (2.1) table gives bindspace's clear error.
# Runs default_format.mjs with LanceDB 0.37.1 (tests/interop/node_modules).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node default_format.mjs
