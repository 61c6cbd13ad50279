#!/usr/bin/env bash
# The loadable extension in the hosts users have: Debian's stock sqlite3 shell (.load) and
# Python's built-in sqlite3 module. Both must see the HDR functions and the virtual table,
# and give clear SQL errors for bad input.
set -euo pipefail
ext="$BSP_BINARY_DIR/libbindspace_sqlite.so"
[ -f "$ext" ] || { echo "missing $ext"; exit 1; }
# An ASan-instrumented extension cannot be loaded into the uninstrumented stock hosts (ASan's
# runtime must come first); the in-process SQL tests cover the same code under the sanitizers.
if ldd "$ext" 2>/dev/null | grep -q libasan; then
  echo "sanitizer build: the stock sqlite3 and python3 hosts are checked in the normal build"
  echo "0 passed, 0 failed"
  exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$BSP_CLI" gen "$tmp/nodes.lance" --rows 2000 --seed 5 >/dev/null
fail=0; pass=0
check() { # name expected actual
  if [ "$2" == "$3" ]; then pass=$((pass+1)); else echo "FAIL $1: expected [$2] got [$3]"; fail=$((fail+1)); fi
}

# --- the stock sqlite3 shell ---
out=$(sqlite3 :memory: ".load ${ext%.so}" \
  "SELECT hamming_distance(zeroblob(2048), fp_random(1)) BETWEEN 7000 AND 9400;" \
  "SELECT popcount(fp_text('CAUSES'));" \
  "CREATE VIRTUAL TABLE n USING bindspace('$tmp/nodes.lance');" \
  "SELECT count(*) FROM n;" \
  "SELECT id FROM n WHERE fingerprint MATCH (SELECT fingerprint FROM n WHERE id = 77) ORDER BY distance LIMIT 1;")
check "sqlite3 shell" "1
6583
2000
77" "$out"
err=$(sqlite3 :memory: ".load ${ext%.so}" "SELECT hamming_distance(x'00', x'00');" 2>&1 || true)
case "$err" in *"2048-byte BLOB"*) pass=$((pass+1));; *) echo "FAIL shell error: $err"; fail=$((fail+1));; esac

# --- Python's sqlite3 module (Debian's python3: some other builds lack load_extension) ---
py=python3
for cand in /usr/bin/python3 python3; do
  if "$cand" -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null; then py=$cand; break; fi
done
if "$py" -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null; then
  out=$("$py" - "$ext" "$tmp/nodes.lance" <<'PY'
import sqlite3, sys
ext, table = sys.argv[1], sys.argv[2]
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(ext[:-3])
db.execute(f"CREATE VIRTUAL TABLE n USING bindspace('{table}')")
q = db.execute("SELECT fingerprint FROM n WHERE id = 1234").fetchone()[0]
top = db.execute("SELECT id, distance FROM n WHERE fingerprint MATCH ? ORDER BY distance LIMIT 3", (q,)).fetchall()
plain = db.execute("SELECT id, hamming_distance(fingerprint, ?) d FROM n ORDER BY d, rowid LIMIT 3", (q,)).fetchall()
print(top[0][0], top[0][1], top == plain)
try:
    db.execute("SELECT schema_passes(?, '{\"nars\":{\"min_confidence\":2}}')", (q,)).fetchall()
    print("no error")
except sqlite3.OperationalError as e:
    print("error:", "nars.min_confidence" in str(e))
PY
)
  check "python sqlite3" "1234 0 True
error: True" "$out"
else
  echo "FAIL: no python3 here whose sqlite3 can load extensions"; fail=$((fail+1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
