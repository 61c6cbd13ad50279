#!/usr/bin/env bash
# The table commands end to end (import, scan, gen, versions, info, delete, compact): values
# round-trip, schema inference, every import error names its line and column, time travel,
# deletes and compaction, gen determinism and a valid sidecar whose predicates select the
# documented fractions. BSP_CLI is the path of the bindspace binary.
set -u
CLI=${BSP_CLI:?BSP_CLI must name the bindspace binary}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bsp-cli-table-XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect_eq "what" got want
expect_eq() { if [ "$2" == "$3" ]; then ok; else bad "$1: got '${2:0:300}' want '${3:0:300}'"; fi; }
# expect_fail rc "substring" cmd...: exit code rc, stderr contains substring
expect_fail() {
    local want_rc=$1 sub=$2; shift 2
    local rc err
    "$CLI" "$@" >"$dir/out" 2>"$dir/err"; rc=$?
    err=$(cat "$dir/err")
    if [ $rc -ne "$want_rc" ]; then bad "$* exited $rc, want $want_rc ($err)"
    elif [[ "$err" != *"$sub"* ]]; then bad "$*: stderr '$err' lacks '$sub'"
    else ok; fi
}
run() { "$CLI" "$@" 2>"$dir/err" || bad "$* failed: $(cat "$dir/err")"; }

# ---- --help ---------------------------------------------------------------------------------
for c in import scan gen versions info delete compact; do
    out=$("$CLI" $c --help); rc=$?
    [ $rc -eq 0 ] && [[ "$out" == "usage: bindspace $c"* ]] && ok || bad "$c --help (rc $rc): ${out:0:80}"
done
expect_fail 2 "usage: bindspace scan" scan
expect_fail 2 "usage: bindspace delete" delete "$dir/x.lance"

# ---- import: inference and values -----------------------------------------------------------
fp=$(printf 'ab%.0s' $(seq 2048))
cat >"$dir/a.jsonl" <<JSONL
{"id": 1, "score": 0.5, "ok": true, "name": "one", "fp": "$fp"}
{"id": 2, "score": 2, "ok": false, "name": "tw\"o\\n", "fp": null}

{"id": 3, "name": null, "fp": "$fp"}
JSONL
run import "$dir/a.lance" "$dir/a.jsonl" >/dev/null
schema=$("$CLI" info "$dir/a.lance" --json | sed 's/.*"schema":\(\[[^]]*\]\).*/\1/')
expect_eq "inferred schema" "$schema" '[{"name":"id","type":"i64","nullable":true,"id":0},{"name":"score","type":"f64","nullable":true,"id":1},{"name":"ok","type":"bool","nullable":true,"id":2},{"name":"name","type":"utf8","nullable":true,"id":3},{"name":"fp","type":"fsl_u8:2048","nullable":true,"id":4}]'
expect_eq "scan values" "$("$CLI" scan "$dir/a.lance" --columns id,score,ok,name)" \
'{"id":1,"score":0.5,"ok":true,"name":"one"}
{"id":2,"score":2,"ok":false,"name":"tw\"o\n"}
{"id":3,"score":null,"ok":null,"name":null}'
expect_eq "fingerprint hex" "$("$CLI" scan "$dir/a.lance" --columns fp --limit 1)" "{\"fp\":\"$fp\"}"
expect_eq "null fingerprint" "$("$CLI" scan "$dir/a.lance" --columns fp,id | sed -n 2p)" '{"fp":null,"id":2}'
# append keeps the schema; time travel
echo '{"id": 4, "score": 1e300, "name": "four"}' >"$dir/b.jsonl"
run import "$dir/a.lance" "$dir/b.jsonl" >/dev/null
expect_eq "rows after append" "$("$CLI" scan "$dir/a.lance" --columns id | wc -l)" 4
expect_eq "version 1" "$("$CLI" scan "$dir/a.lance" --version 1 --columns id | wc -l)" 3
expect_eq "f64 round trip" "$("$CLI" scan "$dir/a.lance" --columns score | tail -1)" '{"score":1.0000000000000001e+300}'

# ---- import: every type with --schema, edge values ----------------------------------------------
cat >"$dir/t.jsonl" <<'JSONL'
{"a":-128,"b":255,"c":-9223372036854775808,"d":"18446744073709551615","e":1.5,"f":"NaN","g":"00FF","h":"0A0b","i":[1,2.5,-3],"j":"x","k":true}
{"a":127,"b":0,"c":9223372036854775807,"d":0,"e":"-Infinity","f":0.1,"g":"","h":[255,0],"i":null,"j":null,"k":null}
JSONL
run import "$dir/t.lance" "$dir/t.jsonl" --schema 'a:i8!,b:u8,c:i64,d:u64,e:f32,f:f64,g:binary,h:fsb:2,i:fsl_f32:3,j:large_utf8,k:bool' >/dev/null
expect_eq "typed scan" "$("$CLI" scan "$dir/t.lance")" \
'{"a":-128,"b":255,"c":-9223372036854775808,"d":18446744073709551615,"e":1.5,"f":"NaN","g":"00ff","h":"0a0b","i":[1,2.5,-3],"j":"x","k":true}
{"a":127,"b":0,"c":9223372036854775807,"d":0,"e":"-Infinity","f":0.10000000000000001,"g":"","h":"ff00","i":null,"j":null,"k":null}'
expect_eq "non-nullable in info" "$("$CLI" info "$dir/t.lance" | grep -c 'not null')" 1

# ---- import errors ----------------------------------------------------------------------------
S='id:u64!,v:u8,s:utf8,fp:fsl_u8:4'
printf '{"id":1}\n{"id":2,"zzz":1}\n' >"$dir/e1.jsonl"
expect_fail 1 "line 2: unknown column zzz" import "$dir/e.lance" "$dir/e1.jsonl" --schema "$S"
printf '{"id":1,"v":256}\n' >"$dir/e2.jsonl"
expect_fail 1 "line 1, column v: expected an integer in the column's range" import "$dir/e.lance" "$dir/e2.jsonl" --schema "$S"
printf '\n{"id":1,"v":"3"}\n' >"$dir/e3.jsonl"
expect_fail 1 "line 2, column v: expected an integer" import "$dir/e.lance" "$dir/e3.jsonl" --schema "$S"
printf '{"id":null}\n' >"$dir/e4.jsonl"
expect_fail 1 "line 1, column id: null in a non-nullable column" import "$dir/e.lance" "$dir/e4.jsonl" --schema "$S"
printf '{"v":1}\n' >"$dir/e5.jsonl"
expect_fail 1 "line 1: missing non-nullable column id" import "$dir/e.lance" "$dir/e5.jsonl" --schema "$S"
printf '{"id":1}\n{"id":2,\n' >"$dir/e6.jsonl"
expect_fail 1 "line 2, column" import "$dir/e.lance" "$dir/e6.jsonl" --schema "$S"
printf '{"id":1,"fp":"0011"}\n' >"$dir/e7.jsonl"
expect_fail 1 "column fp: expected 4 bytes (8 hex chars)" import "$dir/e.lance" "$dir/e7.jsonl" --schema "$S"
printf '{"id":1,"fp":"001122zz"}\n' >"$dir/e8.jsonl"
expect_fail 1 "column fp: expected a hex string" import "$dir/e.lance" "$dir/e8.jsonl" --schema "$S"
printf '[1,2]\n' >"$dir/e9.jsonl"
expect_fail 1 "line 1: not a JSON object" import "$dir/e.lance" "$dir/e9.jsonl" --schema "$S"
expect_fail 1 "--schema: column v" import "$dir/e.lance" "$dir/e1.jsonl" --schema 'id:u64,v:u9'
expect_fail 1 "appears twice" import "$dir/e.lance" "$dir/e1.jsonl" --schema 'id:u64,id:u8'
printf '{"a":1}\n{"a":"x"}\n' >"$dir/e10.jsonl"
expect_fail 1 "cannot infer a type for column a" import "$dir/e.lance" "$dir/e10.jsonl"
expect_fail 1 "differs from the schema" import "$dir/a.lance" "$dir/b.jsonl" --schema 'id:u64'
expect_fail 1 "cannot open" import "$dir/e.lance" "$dir/nonexistent.jsonl"
[ -e "$dir/e.lance/_versions" ] && bad "failed imports created a table" || ok

# ---- delete, versions, compact ------------------------------------------------------------------
seq 0 99 | awk '{printf "{\"id\":%d,\"k\":%d}\n", $1, $1 % 10}' >"$dir/n.jsonl"
run import "$dir/n.lance" "$dir/n.jsonl" --schema 'id:u64!,k:i32' --batch-rows 30 >/dev/null
expect_eq "4 fragments" "$("$CLI" info "$dir/n.lance" --json | grep -o '"physical_rows"' | wc -l)" 4
expect_eq "delete ids" "$("$CLI" delete "$dir/n.lance" --ids 3,5,7,500)" "deleted 3 rows from $dir/n.lance (version 5)"
expect_eq "delete range" "$("$CLI" delete "$dir/n.lance" --range 90:)" "deleted 10 rows from $dir/n.lance (version 6)"
expect_eq "delete other column" "$("$CLI" delete "$dir/n.lance" --range :-1 --column k)" "no rows matched in $dir/n.lance (version 6 unchanged)"
expect_eq "delete k=0" "$("$CLI" delete "$dir/n.lance" --ids 0 --column k | cut -c1-15)" "deleted 9 rows "
expect_fail 1 "no integer column nope" delete "$dir/n.lance" --ids 1 --column nope
expect_fail 1 "not an integer" delete "$dir/n.lance" --ids 1,x
live=$("$CLI" scan "$dir/n.lance" --columns id | tr -d '{}"id:' | tr '\n' ' ')
expect_eq "live ids" "$live" "$(seq 1 89 | awk '$1 % 10 != 0 && $1 != 3 && $1 != 5 && $1 != 7' | tr '\n' ' ')"
ops=$("$CLI" versions "$dir/n.lance" --json | sed 's/.*"operation":"\([A-Za-z]*\)".*/\1/' | tr '\n' ' ')
expect_eq "operations" "$ops" "Overwrite Append Append Append Delete Delete Delete "
run compact "$dir/n.lance" >/dev/null
expect_eq "compacted to 1 fragment" "$("$CLI" info "$dir/n.lance" --json | grep -o '"physical_rows":[0-9]*')" '"physical_rows":78'
expect_eq "same rows after compact" "$("$CLI" scan "$dir/n.lance" --columns id | tr -d '{}"id:' | tr '\n' ' ')" "$live"
expect_eq "old version readable" "$("$CLI" scan "$dir/n.lance" --version 4 | wc -l)" 100
expect_fail 1 "cannot open" scan "$dir/n.lance" --version 99
expect_fail 1 "nope" scan "$dir/n.lance" --columns id,nope

# ---- gen: determinism, appends, sidecar fractions ----------------------------------------------
run gen "$dir/g1.lance" --rows 300 --seed 9 >/dev/null
run gen "$dir/g2.lance" --rows 300 --seed 9 >/dev/null
run gen "$dir/g3.lance" --rows 300 --seed 10 >/dev/null
expect_eq "gen deterministic" "$("$CLI" scan "$dir/g1.lance" | md5sum)" "$("$CLI" scan "$dir/g2.lance" | md5sum)"
[ "$("$CLI" scan "$dir/g1.lance" | md5sum)" != "$("$CLI" scan "$dir/g3.lance" | md5sum)" ] && ok || bad "seeds 9 and 10 gave equal rows"
run gen "$dir/g2.lance" --rows 5 --seed 9 >/dev/null
expect_eq "gen appends after max id" "$("$CLI" scan "$dir/g2.lance" --columns id,addr,label | tail -1)" '{"id":304,"addr":33072,"label":"row-304"}'
"$CLI" scan "$dir/g1.lance" --columns fingerprint | sed 's/{"fingerprint":"\([0-9a-f]*\)"}/\1/' >"$dir/fps"
kind3=0 conf=0 version1=0 n=0
while read -r f; do
    n=$((n + 1))
    [ "$("$CLI" fp passes "$f" '{"kind":{"kinds":[3]}}')" = true ] && kind3=$((kind3 + 1))
    [ "$("$CLI" fp passes "$f" '{"nars":{"min_confidence":0.5}}')" = true ] && conf=$((conf + 1))
    "$CLI" fp decode "$f" | grep -q '"node_kind"\|"kind"' && version1=$((version1 + 1))
    [ $n -ge 120 ] && break
done <"$dir/fps"
expect_eq "sidecars decode" "$version1" 120
[ $kind3 -ge 5 ] && [ $kind3 -le 28 ] && ok || bad "kind 3 selected $kind3 of 120 (want ~15)"
[ $conf -ge 40 ] && [ $conf -le 80 ] && ok || bad "min_confidence 0.5 selected $conf of 120 (want ~60)"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
