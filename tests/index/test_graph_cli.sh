#!/usr/bin/env bash
# CLI: edges import, index build/status/reconcile, neighbors (values, hops, types, errors).
set -euo pipefail
: "${BSP_CLI:?}"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf '{"src":1,"dst":2,"type":"knows"}\n{"src":2,"dst":3,"type":"knows"}\n{"src":1,"dst":4,"type":"likes","properties":{"w":2}}\n{"src":5,"dst":1}\n' > "$d/a.jsonl"
printf '{"src":3,"dst":6,"type":"knows"}\n{"src":1,"dst":7,"type":"knows"}\n' > "$d/b.jsonl"
"$BSP_CLI" edges import "$d/db" "$d/a.jsonl" | grep -q "imported 4 edges" || fail import
"$BSP_CLI" index status "$d/db" | grep -q "no neighbour index" || fail "status before build"
"$BSP_CLI" index build "$d/db" >/dev/null || fail build
[ "$("$BSP_CLI" neighbors "$d/db" 1 | tr '\n' ,)" = "2,4," ] || fail "out of 1"
[ "$("$BSP_CLI" neighbors "$d/db" 1 --in | tr '\n' ,)" = "5," ] || fail "in of 1"
[ "$("$BSP_CLI" neighbors "$d/db" 1 --both | tr '\n' ,)" = "2,4,5," ] || fail "both of 1"
[ "$("$BSP_CLI" neighbors "$d/db" 1 --type likes | tr '\n' ,)" = "4," ] || fail "type"
[ -z "$("$BSP_CLI" neighbors "$d/db" 1 --type nope)" ] || fail "absent type"
[ "$("$BSP_CLI" neighbors "$d/db" 1 --type knows --hops 2 | tr '\n' ,)" = "2,3," ] || fail "2 hops"
# Import appends a fragment and reconciles: status current, the new edges answer.
"$BSP_CLI" edges import "$d/db" "$d/b.jsonl" >/dev/null || fail "second import"
st=$("$BSP_CLI" index status "$d/db")
grep -q "2 live, 2 covered, 0 unindexed, 0 stale" <<<"$st" || fail "status after import: $st"
grep -q "bitmap {0,1}; live {0,1}" <<<"$st" || fail "manifest view: $st"
[ "$("$BSP_CLI" neighbors "$d/db" 1 --type knows --hops 3 | tr '\n' ,)" = "2,3,6,7," ] || fail "3 hops"
"$BSP_CLI" index reconcile "$d/db" | grep -q "nothing to do" || fail "reconcile no-op"
# Errors: usage 2, bad input 1 naming the line.
set +e
"$BSP_CLI" neighbors "$d/db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "usage exit"
"$BSP_CLI" index frobnicate "$d/db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad subcommand exit"
printf '{"src":1,"dst":2}\n{"src":"x","dst":2}\n' > "$d/bad.jsonl"
err=$("$BSP_CLI" edges import "$d/db" "$d/bad.jsonl" 2>&1); [ $? -eq 1 ] || fail "bad import exit"
grep -q "bad.jsonl:2" <<<"$err" || fail "bad import message: $err"
set -e
echo "graph CLI: ok"
