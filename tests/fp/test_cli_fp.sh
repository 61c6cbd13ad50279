#!/usr/bin/env bash
# `bindspace fp`: outputs against spec vectors (18.5 label, 18.6 distances, 18.7 delta,
# 18.2 decode, 18.9 predicates) and the error paths (bad hex, bad deltas, bad predicates,
# argument counts). BSP_CLI is the path of the bindspace binary.
set -u
CLI=${BSP_CLI:?BSP_CLI must name the bindspace binary}
fails=0 passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_out "want" cmd...: exit 0 and stdout exactly want
expect_out() {
    local want=$1; shift
    local got rc
    got=$("$CLI" "$@" 2>/tmp/bsp_cli_fp_err.$$); rc=$?
    if [ $rc -ne 0 ]; then bad "$* exited $rc: $(cat /tmp/bsp_cli_fp_err.$$)"
    elif [ "$got" != "$want" ]; then bad "$*: got '${got:0:200}' want '${want:0:200}'"
    else ok; fi
}
# expect_err rc "substring" cmd...: exit code rc, stderr contains substring, stdout empty
expect_err() {
    local want_rc=$1 sub=$2; shift 2
    local out rc
    out=$("$CLI" "$@" 2>/tmp/bsp_cli_fp_err.$$); rc=$?
    local err; err=$(cat /tmp/bsp_cli_fp_err.$$)
    if [ $rc -ne "$want_rc" ]; then bad "${*:1:2}... exited $rc, want $want_rc ($err)"
    elif [[ "$err" != *"$sub"* ]]; then bad "${*:1:2}...: stderr '$err' lacks '$sub'"
    elif [ -n "$out" ]; then bad "${*:1:2}...: printed '$out' on error"
    else ok; fi
}
trap 'rm -f /tmp/bsp_cli_fp_err.$$' EXIT

# rec w=0xVALUE ...: a record as 4,096 hex chars, words little-endian
rec() {
    local hex; hex=$(printf '%4096s' '' | tr ' ' 0)
    local kv w v le i
    for kv in "$@"; do
        w=${kv%%=*} v=$(printf '%016x' "${kv#*=}") le=""
        for ((i = 14; i >= 0; i -= 2)); do le+=${v:i:2}; done
        hex=${hex:0:$((16 * w))}$le${hex:$((16 * w + 16))}
    done
    printf '%s' "$hex"
}

Z=$(rec)
ONES=$(printf '%4096s' '' | tr ' ' f)

# ---- 18.5 label fingerprint("CAUSES"): words 0, 1, 207; popcount of words 0..207 = 6583
L=$("$CLI" fp label CAUSES)
[ ${#L} -eq 4096 ] && ok || bad "label length ${#L}"
[ "${L:0:32}" = "5dfecd7adcaf8fb64bb2c9814c4e70c7" ] && ok || bad "label words 0-1: ${L:0:32}"
[ "${L:$((16 * 207)):16}" = "274b242b8ed63b55" ] && ok || bad "label word 207"
[ "${L:$((16 * 208))}" = "${Z:$((16 * 208))}" ] && ok || bad "label words 208.. not zero"
expect_out 6583 fp popcount "$L"
expect_out 0 fp popcount "$Z"
expect_out 16384 fp popcount "$ONES"

# ---- 18.6 distances
B=$(rec 0=0xFFFF 210=0xFFFFFFFFFFFFFFFF)
expect_out 80 fp hamming "$Z" "$B"
expect_out 16 fp semantic "$Z" "$B"
expect_out 16384 fp hamming "$Z" "$ONES"
expect_out 13312 fp semantic "$Z" "$ONES"
expect_out 0 fp hamming "$L" "$L"

# ---- bind
expect_out "$B" fp bind "$Z" "$B"
expect_out "$Z" fp bind "$B" "$B"
expect_out "$(rec 0=0xFFFF)" fp bind "$B" "$(rec 210=0xFFFFFFFFFFFFFFFF)"

# ---- 18.7 delta, apply
D7=0100000000000000020000000000000000000000000000000000000000000080ff0000000000000008070605040302010000000000000080
B7=$(rec 0=0xFF 65=0x0102030405060708 255=0x8000000000000000)
expect_out "$D7" fp delta "$Z" "$B7"
expect_out "$D7" fp delta "$B7" "$Z"
expect_out "$B7" fp apply "$Z" "$D7"
expect_out "$Z" fp apply "$B7" "$D7"
expect_out "$(printf '%064d' 0)" fp delta "$L" "$L"
expect_out "$L" fp apply "$L" "$(printf '%064d' 0)"
DL=$("$CLI" fp delta "$Z" "$L")
[ ${#DL} -eq $((2 * (32 + 8 * 208))) ] && ok || bad "delta of a label fp has ${#DL} hex chars"
expect_out "$L" fp apply "$Z" "$DL"
expect_err 1 "shorter than the 32-byte" fp apply "$Z" "$(printf '%062d' 0)"
expect_err 1 "2 changed words need 48 bytes" fp apply "$Z" "03$(printf '%062d' 0)1100000000000000"
expect_err 1 "payload word 0 (record word 0) is zero" fp apply "$Z" "01$(printf '%062d' 0)0000000000000000"
expect_err 1 "not a whole number of bytes" fp apply "$Z" "000"
expect_err 1 "not a lowercase hex digit" fp apply "$Z" "0A$(printf '%062d' 0)"

# ---- 18.2 record: decode, predicates (18.9)
R=$(rec 208=0x01f4000000000000 209=0xc8 210=0x7fffe6659999cccc 211=0xabcd030105c8012a \
        212=0xb332 213=0x000004d2002a0203 214=0x30d401f4 215=0x8ac625bb85ed202b \
        223=0x0100000000000000 224=0x5f000058 227=0x3fff000000000000 229=0x002a000000000000 \
        230=0x7fff 240=0x2a0703 244=0x4 245=0x0000400010000000 246=0x200000 \
        247=0x0000080000000002 248=0x020305002a0203e8 249=0x800c4207)
J=$("$CLI" fp decode "$R"); rc=$?
[ $rc -eq 0 ] && ok || bad "decode exited $rc"
for want in '"schema_version":1' '"cluster_id":42' '"pagerank":1000'; do
    [[ "$J" == *"$want"* ]] && ok || bad "decode output lacks $want: ${J:0:300}"
done
expect_out '{"schema_version":0}' fp decode "$Z"

expect_out true fp passes "$R" '{}'
expect_out true fp passes "$R" '{"ani":{"min_level":3,"min_activation":500}}'
expect_out false fp passes "$R" '{"ani":{"min_level":3,"min_activation":501}}'
expect_out false fp passes "$R" '{"nars":{"min_priority":0.9}}'
expect_out true fp passes "$R" '{"nars":{"min_priority":0.8999}}'
expect_out true fp passes "$R" '{"rl":{"min_best_q":0.7,"positive_trend":true}}'
expect_out false fp passes "$R" '{"rl":{"min_avg_reward":0.0625}}'
expect_out true fp passes "$R" '{"graph":{"min_pagerank":1000,"max_hop":2,"cluster_id":42,"min_degree":5}}'
expect_out true fp passes "$R" '{"kind":{"kinds":[0,1],"verbs":[42]}}'
expect_out true fp passes "$R" '{"bloom":{"node_id":42}}'
expect_out false fp passes "$R" '{"bloom":{"node_id":7}}'
expect_out true fp passes "$Z" '{}'
expect_out false fp passes "$Z" '{"nars":{"min_confidence":0}}'
expect_out false fp passes "$Z" '{"rl":{}}'
expect_err 1 "ani.min_level" fp passes "$R" '{"ani":{"min_level":8}}'
expect_err 1 "ani.min_level" fp passes "$R" '{"ani":{"min_level":5.0}}'
expect_err 1 "ani.extra" fp passes "$R" '{"ani":{"min_level":5,"extra":1}}'
expect_err 1 "nars.min_confidence: expected a number in 0..1, got 1.5" fp passes "$R" '{"nars":{"min_confidence":1.5}}'
expect_err 1 "foo" fp passes "$R" '{"foo":1}'
expect_err 1 "not a JSON object" fp passes "$R" '[]'
expect_err 1 "nars: duplicate key" fp passes "$R" '{"nars":{},"nars":{}}'

# ---- standard input
expect_out 6583 fp popcount - <<<"$L"
expect_out "$L" fp bind - "$Z" <<<"$L"
expect_out true fp passes "$R" - <<<'{"bloom":{"node_id":1}}'
expect_err 1 "only one argument may be '-'" fp hamming - - <<<"$L"

# ---- bad fingerprints and usage
expect_err 1 "A: fingerprint hex must be 4096" fp popcount abc
expect_err 1 "B: fingerprint hex must be 4096" fp hamming "$Z" "${Z}0"
expect_err 1 "not a lowercase hex digit" fp popcount "F${Z:1}"
expect_err 1 "character 4095 is not a lowercase hex digit" fp popcount "${Z:1}g"
expect_err 1 "4096" fp hamming "$Z" ""
expect_err 2 "expected 2 arguments (A B), got 1" fp hamming "$Z"
expect_err 2 "expected 1 argument (A), got 2" fp popcount "$Z" "$Z"
expect_err 2 "unknown subcommand 'frobnicate'" fp frobnicate
expect_err 2 "missing subcommand" fp
out=$("$CLI" fp --help); rc=$?
[ $rc -eq 0 ] && [[ "$out" == *"hamming A B"* ]] && [[ "$out" == *"passes A PREDICATE"* ]] && ok || bad "fp --help"
out=$("$CLI" fp delta --help); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "usage: bindspace fp delta A B"* ]] && ok || bad "fp delta --help"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
