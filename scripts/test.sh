#!/usr/bin/env bash
# Runs every test: installs dependencies (no-op when present), builds and runs the suite
# normally (including the LanceDB interop tests), again under AddressSanitizer +
# UndefinedBehaviorSanitizer, then each libFuzzer target for a short bounded time.
# Ends with one line "total: N passed, N failed".
#   BSP_TEST_QUICK=1  skip the sanitizer and fuzz builds
#   BSP_FUZZ_SECONDS  seconds per fuzz target (default 15)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
passed=0; failed=0; status=0

bash scripts/install-deps.sh || { echo "install-deps failed"; exit 1; }
bash tests/interop/setup.sh || { echo "interop setup (npm) failed"; exit 1; }

run_ctest() { # name builddir [ctest args...]
  local name=$1 dir=$2; shift 2
  local log; log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log"
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1)
  if [ -n "$line" ]; then
    local f t
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    t=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    passed=$((passed + t - f)); failed=$((failed + f))
    [ "$f" -eq 0 ] || status=1
  else
    echo "$name: ctest produced no summary"; status=1; failed=$((failed + 1))
  fi
  rm -f "$log"
}

build() { # dir [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j"$jobs" 2>&1 | grep -E ' error: |warning: |Error [0-9]|undefined reference' ; 
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build $dir failed"; status=1; failed=$((failed + 1)); return 1; }
}

echo "== normal build"
if build build -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
  run_ctest normal build
  # The openCypher TCK pass rate (docs/tck.md): every folder is run; the log keeps all FAIL
  # lines, CI shows those of the target folders and the per-folder table. Regressions of
  # tests/tck/passing.txt already failed the ctest run above (tck/test_tck).
  if [ -x build/tck_test_tck ]; then
    echo "== openCypher TCK (full log: build/tck.log)"
    BSP_SOURCE_DIR="$root" build/tck_test_tck --all >build/tck.log 2>&1
    grep -E '^(FAIL|REGRESSION) (clauses/(match|match-where|return|return-orderby|return-skip-limit|with|with-where|with-orderBy|with-skip-limit|create|unwind)|expressions/(comparison|boolean|null|aggregation|literals|string))/' build/tck.log
    sed -n '/^openCypher TCK/,$p; /^skipped/p' build/tck.log
  fi
fi

if [ "${BSP_TEST_QUICK:-0}" != 1 ]; then
  echo "== sanitizer build (ASan + UBSan)"
  if build build-asan -DCMAKE_BUILD_TYPE=Debug -DBSP_SANITIZE=ON -DBSP_BENCH=OFF; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      BSP_SANITIZED=1 run_ctest asan build-asan -LE 'interop|slow'
  fi

  echo "== fuzz targets (${BSP_FUZZ_SECONDS:-15} s each)"
  if CC=clang build build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBSP_FUZZ=ON -DBSP_BENCH=OFF; then
    for f in build-fuzz/fuzz_*; do
      [ -x "$f" ] || continue
      name=$(basename "$f")
      corpus="$root/build-fuzz/corpus-$name"; mkdir -p "$corpus"
      seeds="$root/fuzz/seeds/${name#fuzz_}"
      args=("$corpus"); [ -d "$seeds" ] && args+=("$seeds")
      if "$f" -max_total_time="${BSP_FUZZ_SECONDS:-15}" -rss_limit_mb=2048 -print_final_stats=0 \
           "${args[@]}" >"build-fuzz/$name.log" 2>&1; then
        echo "fuzz $name: ok ($(grep -cE '^#' "build-fuzz/$name.log") status lines)"; passed=$((passed + 1))
      else
        echo "fuzz $name: FAILED"; tail -40 "build-fuzz/$name.log"; failed=$((failed + 1)); status=1
      fi
    done
  fi
fi

echo "total: $passed passed, $failed failed"
exit $status
