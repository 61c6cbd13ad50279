# Sourced by the interop drivers (test_*.sh): find node, install the pinned LanceDB
# (setup.sh, a no-op once tests/interop/node_modules exists), and check BSP_CLI.
# Without node the test prints SKIP and passes; a failing install fails the test.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${BSP_CLI:?BSP_CLI must name the bindspace binary}"
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (interop tests need node >= 18 and npm)"
    exit 0
fi
bash "$here/setup.sh" || { echo "FAIL: tests/interop/setup.sh could not install LanceDB" >&2; exit 1; }
export BSP_CLI
cd "$here"
