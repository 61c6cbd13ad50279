#!/usr/bin/env bash
# `bindspace backup create|list|verify|restore` end to end: a database written with put/flush,
# a chain started by `backup create` and extended by later flushes (the runtime's hook),
# restores of every version checked with `get` on the restored table opened as a database,
# and verify exiting 1 with the damaged record named after a flipped byte.
set -euo pipefail
B=${BSP_CLI:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
hex() { python3 -c "import sys; print(sys.argv[1] * 2048)" "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

$B put db 80:01 "$(hex 00)" >/dev/null
$B put db 80:02 "$(hex 11)" >/dev/null
$B flush db >/dev/null                                  # version 1
out=$($B backup create db/nodes.lance)
[[ $out == *"1 snapshot(s); the chain covers versions 1..1"* ]] || fail "create: $out"
$B put db 80:01 "$(hex 22)" >/dev/null
$B put db 80:03 "$(hex 33)" >/dev/null
$B flush db >/dev/null                                  # version 2: the hook appends R(1->2)
$B put db 80:02 "$(hex 44)" >/dev/null
$B flush db >/dev/null                                  # version 3
list=$($B backup list db/nodes.backup.lance --json)
[[ $(grep -c '"item":"record"' <<<"$list") == 2 ]] || fail "list: $list"
grep -q '"from_version":1,"to_version":2,"entries":2,"modify":1,"create":1,"delete":0' <<<"$list" || fail "list R(1->2): $list"
$B backup verify db/nodes.backup.lance | grep -q ': ok$' || fail "verify of a clean chain"

# Restore each version into its own database directory and read records back with `get`.
for v in 1 2 3; do
  mkdir -p "r$v"
  $B backup restore db/nodes.backup.lance --version "$v" --out "r$v/nodes.lance" >/dev/null
done
[[ $($B get r1 80:01) == "$(hex 00)" ]] || fail "v1 80:01"
[[ $($B get r2 80:01) == "$(hex 22)" ]] || fail "v2 80:01"
[[ $($B get r2 80:03) == "$(hex 33)" ]] || fail "v2 80:03"
[[ $($B get r3 80:02) == "$(hex 44)" ]] || fail "v3 80:02"
if $B get r1 80:03 >/dev/null 2>&1; then fail "80:03 must not exist at v1"; fi
$B backup restore db/nodes.backup.lance --version 1 --out back.lance --backward >/dev/null 2>&1 \
  && fail "backward restore without a later snapshot must fail"

# Flip one byte inside the stored record 0x33.. (the CREATE of 80:03 in R(1->2)).
f=$(grep -l -a "$(printf '\x33%.0s' {1..64})" db/nodes.backup.lance/data/*.lance | head -1)
[[ -n $f ]] || fail "could not find the CREATE payload"
off=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); print(d.index(b'\x33'*2048)+7)" "$f")
printf '\x00' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
set +e
vout=$($B backup verify db/nodes.backup.lance)
rc=$?
set -e
[[ $rc == 1 ]] || fail "verify exit $rc"
grep -q 'DAMAGED record 1->2 key 32771 (0x8003)' <<<"$vout" || fail "verify output: $vout"
if $B backup restore db/nodes.backup.lance --version 2 --out bad.lance 2>err.txt; then fail "restore used a damaged record"; fi
grep -q 'key 32771' err.txt || fail "restore error: $(cat err.txt)"
[[ ! -e bad.lance ]] || fail "restore wrote a table"
echo "ok"
