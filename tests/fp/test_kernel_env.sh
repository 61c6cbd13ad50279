#!/usr/bin/env bash
# BSP_KERNEL forces a lower kernel table; unknown names fall back to the best one (kernels.h).
set -euo pipefail
best=$("$BSP_CLI" --version)
echo "default: $best"
out=$(BSP_KERNEL=portable "$BSP_CLI" --version)
[[ "$out" == *"(kernel portable)"* ]] || { echo "BSP_KERNEL=portable gave: $out"; exit 1; }
out=$(BSP_KERNEL=no-such-kernel "$BSP_CLI" --version)
[[ "$out" == "$best" ]] || { echo "unknown name should keep the best: $out"; exit 1; }
out=$(BSP_KERNEL=avx2 "$BSP_CLI" --version)
[[ "$out" == *"(kernel avx2)"* || "$out" == *"(kernel portable)"* ]] || { echo "BSP_KERNEL=avx2 gave: $out"; exit 1; }
if [[ "$best" == *avx512* ]]; then
  [[ "$out" == *"(kernel avx2)"* ]] || { echo "avx512 machine must run avx2: $out"; exit 1; }
fi
echo ok
