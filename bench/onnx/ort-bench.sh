#!/bin/sh
# Benchmark (not a test): end-to-end INT8 latency of exported subnets, our
# runtime (Int8Backend::Best) against ONNX Runtime 1.30 (npm
# onnxruntime-node, 1 intra-op thread, graphOptimizationLevel 'all'), on the
# same model: spaceevo-onnx-check exports each subnet, then ours and ORT are
# timed alternately ROUNDS times (each a median over >= MIN_SECONDS), both
# pinned to CPU 0, float input and output on both sides. Prints a Markdown
# table: per model the median of the per-round medians and ours / ORT.
#
#   bench/onnx/ort-bench.sh [BUILD_DIR]
#   env: SPACES (default onnxw-123450-012330,onnxw-131121-022230,
#        mobilew-245621-101010,mobilew-352220-154401), COUNT (subnets per
#        space, 1), RESOLUTION (224), SEED (1), ROUNDS (5), MIN_SECONDS (1),
#        OPSET (13)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=${1:-$source_dir/build}
spaces=${SPACES:-onnxw-123450-012330,onnxw-131121-022230,mobilew-245621-101010,mobilew-352220-154401}
count=${COUNT:-1}
resolution=${RESOLUTION:-224}
seed=${SEED:-1}
rounds=${ROUNDS:-5}
min_seconds=${MIN_SECONDS:-1}
opset=${OPSET:-13}

. "$source_dir/test/onnx/ort-install.sh"
ort_install "$build/onnxruntime"
out=$build/bench/onnx/models
rm -rf "$out"
mkdir -p "$out"
check=$build/bin/spaceevo-onnx-check
gen="--spaces $spaces --count $count --resolution $resolution --seed $seed --opset $opset"
# shellcheck disable=SC2086
"$check" export --out "$out" $gen >&2
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"

names=$(sed -n 's/.*"name": "\([^"]*\)".*/\1/p' "$out/manifest.json")
log=$out/timings.txt
: > "$log"
for name in $names; do
  r=1
  while [ "$r" -le "$rounds" ]; do
    # shellcheck disable=SC2086
    $pin "$check" time --out "$out" --name "$name" --min-time "$min_seconds" $gen >> "$log"
    $pin node "$here/ort-time.mjs" "$out" "$name" "$build/onnxruntime" "$min_seconds" >> "$log" 2>/dev/null
    r=$((r + 1))
  done
done

echo "device: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); 1 thread pinned to CPU 0; $rounds alternating rounds of >= ${min_seconds} s; opset $opset"
echo
echo "| model | primitives | ours median ms (round medians) | ONNX Runtime median ms (round medians) | ours / ORT |"
echo "|---|---:|---|---|---:|"
for name in $names; do
  ops=$(sed -n "s/.*\"name\": \"$name\".*\"ops\": \([0-9]*\).*/\1/p" "$out/manifest.json")
  awk -v n="$name" -v ops="$ops" '
    function median(a, k,   i, j, t) {
      for (i = 1; i <= k; ++i) for (j = i + 1; j <= k; ++j)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $2 == n && $1 == "ours" { o[++no] = $3; os = os (os ? " " : "") sprintf("%.2f", $3) }
    $2 == n && $1 == "ort"  { r[++nr] = $3; rs = rs (rs ? " " : "") sprintf("%.2f", $3) }
    END {
      mo = median(o, no); mr = median(r, nr)
      printf "| %s | %s | %.2f (%s) | %.2f (%s) | %.2f |\n", n, ops, mo, os, mr, rs, mo / mr
    }' "$log"
done
