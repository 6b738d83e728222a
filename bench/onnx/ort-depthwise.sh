#!/bin/sh
# Benchmark (not a test): INT8 depthwise convolution, our best bit-exact
# kernel against ONNX Runtime 1.30 (npm onnxruntime-node, 1 thread,
# QLinearConv with group = channels, u8 activations, s8 per-channel
# weights), same shape, side by side in one run, both pinned to CPU 0.
# ORT's per-layer time is (T(LAYERS chained layers) - T(1 layer)) /
# (LAYERS - 1), which removes the Node.js call and layout-transpose
# overhead; ours is spaceevo-bench-runtime's median on the same shape.
# Rounds alternate ours and ORT; the table shows medians over rounds of
# (a) median times (ours: median; ORT: difference of the models' medians)
# and (b) fast times (ours: p10; ORT: difference of the models' minima),
# the latter less disturbed by other load on a shared machine.
#
#   bench/onnx/ort-depthwise.sh [BUILD_DIR]
#   env: SHAPES (default "144:56:3 768:28:5 1408:14:7": channels:size:kernel,
#        stride 1), LAYERS (9), ROUNDS (3), MIN_SECONDS (1), CPU (0: the CPU
#        both are pinned to)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=${1:-$source_dir/build}
shapes=${SHAPES:-144:56:3 768:28:5 1408:14:7}
layers=${LAYERS:-9}
rounds=${ROUNDS:-3}
min_seconds=${MIN_SECONDS:-1}
cpu=${CPU:-0}
case "$cpu" in
  '' | *[!0-9]*) echo "ort-depthwise.sh: CPU must be a CPU number, not '$cpu'" >&2; exit 2 ;;
esac
[ "$layers" -ge 2 ] || { echo "ort-depthwise.sh: LAYERS must be >= 2" >&2; exit 2; }

. "$source_dir/test/onnx/ort-install.sh"
ort_install "$build/onnxruntime"
out=$build/bench/onnx/depthwise
mkdir -p "$out"
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c $cpu"
log=$out/timings.txt
: > "$log"
for shape in $shapes; do
  IFS=: read -r c s k <<EOS
$shape
EOS
  for n in 1 "$layers"; do
    /usr/bin/python3 "$here/depthwise-model.py" "$out/dw$k-$c-$s-$n.onnx" "$c" "$s" "$k" 1 "$n"
  done
  r=1
  while [ "$r" -le "$rounds" ]; do
    # Ours: the lowest median among the bit-exact backends.
    $pin "$build/bin/spaceevo-bench-runtime" --filter "dw${k}x${k}/s1 ${s}x${s}x${c}" \
        --min-time "$min_seconds" --cpu "$cpu" 2>/dev/null |
      awk -v key="$shape" '$1 ~ /^dw/ && $3 != "fused*" && $3 != "fp32" {
          if (best == "" || $4 < best) { best = $4; low = $5 } }
          END { print "ours", key, best, low }' >> "$log"
    one=$($pin node "$here/ort-layer-time.mjs" "$out/dw$k-$c-$s-1.onnx" "$build/onnxruntime" "1,$c,$s,$s" "$min_seconds" 2>/dev/null)
    many=$($pin node "$here/ort-layer-time.mjs" "$out/dw$k-$c-$s-$layers.onnx" "$build/onnxruntime" "1,$c,$s,$s" "$min_seconds" 2>/dev/null)
    echo "$one" "$many" | awk -v key="$shape" -v n="$layers" \
      '{ printf "ort %s %.1f %.1f\n", key, ($9 - $4) / (n - 1), ($8 - $3) / (n - 1) }' >> "$log"
    r=$((r + 1))
  done
done

echo "device: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); 1 thread pinned to CPU $cpu; $rounds alternating rounds; ORT per layer from $layers vs 1 chained layers"
echo
echo "| depthwise layer | MOPs | ours us: median (p10) | ours GOPS | ONNX Runtime us per layer: median (min) | ORT GOPS | ours speedup over ORT: median (fast) |"
echo "|---|---:|---|---:|---|---:|---:|"
for shape in $shapes; do
  awk -v key="$shape" '
    function median(a, k,   i, j, t) {
      for (i = 1; i <= k; ++i) for (j = i + 1; j <= k; ++j)
        if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    $2 == key && $1 == "ours" { o[++no] = $3; ol[++nol] = $4 }
    $2 == key && $1 == "ort"  { r[++nr] = $3; rl[++nrl] = $4 }
    END {
      split(key, f, ":"); c = f[1]; s = f[2]; k = f[3]
      mops = 2 * c * s * s * k * k / 1e6
      mo = median(o, no); mol = median(ol, nol); mr = median(r, nr); mrl = median(rl, nrl)
      printf "| dw%dx%d/s1 %dx%dx%d | %.2f | %.1f (%.1f) | %.0f | %.1f (%.1f) | %.0f | %.2fx (%.2fx) |\n",
        k, k, s, s, c, mops, mo, mol, mops * 1e3 / mo, mr, mrl, mops * 1e3 / mr, mr / mo, mrl / mol
    }' "$log"
done
