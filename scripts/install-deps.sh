#!/usr/bin/env bash
# Installs what bindspace needs on Debian 12 (run as root, or with sudo available).
# A no-op when everything is already present. Node packages for the interop tests are
# installed by tests/interop/setup.sh (npm), not here.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      protobuf-c-compiler libprotobuf-c-dev libroaring-dev libzstd-dev libjansson-dev
      libsqlite3-dev sqlite3 libedit-dev libfaiss-dev python3 zstd nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from elsewhere (node 20 is preinstalled on the project machines)
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
