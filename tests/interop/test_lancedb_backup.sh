#!/usr/bin/env bash
# Interop (backup): tables restored from a backup chain, the chain and its snapshots open in
# LanceDB 0.37.1 and equal LanceDB's view of the original table at every version.
set -euo pipefail
source "$(dirname "$0")/common.sh"
exec node backup.mjs
