#!/usr/bin/env bash
# `bindspace cypher` over a database directory: nodes.lance (gen) + edges.lance (import).
# Checks answers against hand-written SQL / brute force, the top-k plan in --explain, JSON
# lines, parameters, CALL, and errors.
set -euo pipefail
: "${BSP_CLI:?}"
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$BSP_CLI" gen "$d/db/nodes.lance" --rows 500 --seed 7 >/dev/null
# a chain 0->1->2->...->9 (KNOWS) and a few LIKES, by node address (addr column)
addr() { "$BSP_CLI" sql "$d/db" --json "SELECT addr FROM nodes WHERE id = $1" 2>/dev/null | sed -E 's/.*:([0-9]+)\}/\1/'; }
: > "$d/e.jsonl"
for i in 0 1 2 3 4 5 6 7 8; do
  printf '{"src":%s,"dst":%s,"type":"KNOWS","properties":{"w":%d}}\n' "$(addr $i)" "$(addr $((i+1)))" "$i" >> "$d/e.jsonl"
done
printf '{"src":%s,"dst":%s,"type":"LIKES"}\n' "$(addr 0)" "$(addr 5)" >> "$d/e.jsonl"
"$BSP_CLI" edges import "$d/db" "$d/e.jsonl" >/dev/null

cy() { "$BSP_CLI" cypher "$d/db" "$@"; }
# 2-hop pattern: 0 -> 1 -> 2 by ids
out=$(cy --json "MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c) WHERE a.id = 0 RETURN b.id AS b, c.id AS c")
[ "$out" = '{"b":1,"c":2}' ] || fail "2-hop: $out"
# relationship properties and types
out=$(cy --json "MATCH (a)-[r]->(b) WHERE a.id = 0 RETURN type(r) AS t, r.w AS w, b.id AS b ORDER BY t")
[ "$out" = $'{"t":"KNOWS","w":0,"b":1}\n{"t":"LIKES","w":null,"b":5}' ] || fail "rels: $out"
# variable length: nodes reachable from 0 in 1..3 KNOWS hops
out=$(cy --json "MATCH (a)-[:KNOWS*1..3]->(b) WHERE a.id = 0 RETURN b.id AS b ORDER BY b" | tr '\n' ' ')
[ "$out" = '{"b":1} {"b":2} {"b":3} ' ] || fail "varlen: $out"
# aggregation over the whole table
[ "$(cy --json "MATCH (n) RETURN count(*) AS n")" = '{"n":500}' ] || fail count
# similarity with a schema predicate: Cypher = hand-written SQL, and the plan is the top-k
pred='{"nars":{"min_confidence":0.2}}'
q=$("$BSP_CLI" sql "$d/db" --json "SELECT fp_hex(fingerprint) AS h FROM nodes WHERE id = 42" 2>/dev/null | sed -E 's/.*"h":"([0-9a-f]+)".*/\1/')
[ ${#q} -eq 4096 ] || fail "query fingerprint"
cq="MATCH (n) WHERE schema_passes(n.fingerprint, \$p) RETURN n.id AS id, hamming_distance(n.fingerprint, fp_unhex(\$q)) AS d ORDER BY hamming_distance(n.fingerprint, fp_unhex(\$q)) LIMIT 5"
got=$(cy --json --param "p='$pred'" --param "q='$q'" "$cq" | sed -E 's/\{"id":([0-9]+),"d":([0-9]+)\}/\1 \2/')
want=$("$BSP_CLI" sql "$d/db" --json "SELECT id, hamming_distance(fingerprint, fp_unhex('$q')) AS d FROM nodes WHERE schema_passes(fingerprint, '$pred') ORDER BY d, addr LIMIT 5" 2>/dev/null | sed -E 's/\{"id":([0-9]+),"d":([0-9]+)\}/\1 \2/')
[ -n "$got" ] && [ "$got" = "$want" ] || fail "similarity: got [$got] want [$want]"
[ "$(head -1 <<<"$got")" = "42 0" ] || fail "nearest is itself: $got"
plan=$(cy --explain --param "p='$pred'" --param "q='$q'" "$cq")
grep -q 'topk(incremental)' <<<"$plan" || fail "no top-k plan: $plan"
grep -q 'predicate' <<<"$plan" || fail "no predicate pushdown: $plan"
# CALL through Cypher
out=$(cy --json "MATCH (n) WHERE n.id = 42 CALL hdr.hamming(n.fingerprint, n.fingerprint) YIELD distance RETURN distance")
[ "$out" = '{"distance":0}' ] || fail "call: $out"
# in-memory graph, table output
out=$("$BSP_CLI" cypher :memory: "UNWIND [2, 1] AS x RETURN x ORDER BY x")
[ "$out" = $'x\n1\n2' ] || fail "memory: $out"
# errors: class and position, exit 1; a database graph is read-only for now
set +e
err=$(cy "MATCH (n RETURN n" 2>&1); [ $? -eq 1 ] || fail "syntax exit"
grep -q 'SyntaxError: 1:10: UnexpectedSyntax: expected' <<<"$err" || fail "syntax message: $err"
err=$(cy "RETURN nope" 2>&1); grep -q 'UndefinedVariable' <<<"$err" || fail "undefined: $err"
err=$(cy "CREATE (:X)" 2>&1); [ $? -eq 1 ] && grep -q 'not supported' <<<"$err" || fail "create on db: $err"
err=$("$BSP_CLI" cypher "$d/nope" "RETURN 1" 2>&1); [ $? -eq 1 ] || fail "missing db: $err"
echo "ok"
