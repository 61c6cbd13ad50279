#!/usr/bin/env bash
# Interop (graph): LanceDB 0.37.1 operates on an edges table with our neighbour index; after
# each operation `bindspace index reconcile` restores exact coverage (graph.mjs).
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node graph.mjs
