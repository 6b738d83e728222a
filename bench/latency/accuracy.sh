#!/usr/bin/env bash
# Predicted (sum of kernel costs) vs measured (end-to-end) INT8 latency on
# random subnets of both hyperspaces: share within +-5 % and +-10 %, RMSPE.
# Not a test. Usage: bench/latency/accuracy.sh [COUNT=100] [DB=build/accuracy.db]
# env MEASURE_OPTIONS: extra --spaceevo-measure options (e.g. hot-input=false for the
# fully evicted context).
# env COSTS=shared (default): one cost database DB for all subnets, so a
#   kernel measured for an early subnet is reused minutes later.
# env COSTS=fresh: every subnet's kernels are measured into a new database
#   right before its end-to-end runs (DB is not used), so both sides see the
#   same state of this shared machine; the gap between the two figures is
#   the machine's drift over the run, not the model.
# env RUNS (default 6): separate end-to-end runs of 20 per subnet; the
#   measured figure is their median. The first half runs right before the
#   subnet's kernels are measured, the rest right after, so that both sides
#   straddle the same minute of this machine (its speed shifts between
#   phases that last from seconds to minutes).
# env HYPERSPACES (default "onnxw mobilew"): which hyperspaces to sample.
# env FIRST (default 0): the first subnet index (subnet i is the same on
#   every run, so FIRST=30 with COUNT=30 extends a run of 30 to 60).
# Pin it (taskset -c 0) on an otherwise idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OPT="${SPACEEVO_OPT:-$ROOT/build/bin/spaceevo-opt}"
COUNT="${1:-100}"
DB="${2:-$ROOT/build/accuracy.db}"
COSTS="${COSTS:-shared}"
RUNS="${RUNS:-6}"
case "$COSTS" in
  shared | fresh) ;;
  *) echo "accuracy.sh: COSTS must be shared or fresh, not '$COSTS'" >&2; exit 2 ;;
esac
FIRST="${FIRST:-0}"
if ! [[ "$FIRST" =~ ^[0-9]+$ ]]; then
  echo "accuracy.sh: FIRST must be a non-negative integer, not '$FIRST'" >&2
  exit 2
fi
if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "accuracy.sh: RUNS must be a positive integer, not '$RUNS'" >&2
  exit 2
fi
# $1 end-to-end runs of 20 of the kernels file $2; one latency (ms) per line.
endToEnd() {
  for ((run = 0; run < $1; run++)); do
    "$OPT" "$2" --spaceevo-execute="repeats=20" |
      grep -o 'spaceevo.measured_latency_ms = [0-9.e+-]*' | awk '{print $3}'
  done
}
OUT="$(mktemp)"
WORK="$(mktemp -d)"
for hs in ${HYPERSPACES:-onnxw mobilew}; do
  for ((i = FIRST; i < FIRST + COUNT; i++)); do
    # A random space per subnet, deterministic in i.
    enc=$(/usr/bin/python3 -c "
import random
r = random.Random($i)
blocks = 6 if '$hs' == 'onnxw' else 7
windows = [2,4,4,4,4,4] if '$hs' == 'onnxw' else [2,6,6,7,5,4]
print('$hs-' + ''.join(str(r.randrange(blocks)) for _ in range(6)) + '-' + ''.join(str(r.randrange(w)) for w in windows))")
    kernels="$WORK/$hs-$i.mlir"
    "$OPT" "$ROOT/spaces/$hs.mlir" --spaceevo-materialize-space="encoding=$enc" \
      --spaceevo-enumerate="count=1 seed=$i" --spaceevo-lower-int8=weights=splat \
      --spaceevo-form-kernels -o "$kernels"
    # Half the end-to-end runs before the kernels are measured, half after.
    before=$(endToEnd $((RUNS / 2)) "$kernels")
    costs="$DB"
    if [ "$COSTS" = fresh ]; then
      costs="$WORK/fresh.db"
      rm -f "$costs"
    fi
    predicted=$("$OPT" "$kernels" \
      --spaceevo-measure="db=$costs progress=false ${MEASURE_OPTIONS:-}" \
      --spaceevo-predict-latency | grep -o 'spaceevo.predicted_latency_ms = [0-9.e+-]*' | awk '{print $3}')
    after=$(endToEnd $((RUNS - RUNS / 2)) "$kernels")
    measured=$(printf '%s\n' $before $after | /usr/bin/python3 -c "
import statistics, sys
print(statistics.median(float(v) for v in sys.stdin.read().split()))")
    # The individual runs (before | after) follow, for a look at the drift.
    echo "$hs $i $enc $measured $predicted" $before "|" $after | tee -a "$OUT" >&2
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import sys, math
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 5: continue
    hs, measured, predicted = parts[0], float(parts[3]), float(parts[4])
    rows.setdefault(hs, []).append((predicted, measured))
print("| hyperspace | subnets | within +-5 % | within +-10 % | RMSPE | median error | worst | measured median (ms) |")
print("|---|---|---|---|---|---|---|---|")
for hs, pairs in rows.items():
    errors = [(p - m) / m for p, m in pairs]
    w5 = sum(abs(e) <= 0.05 for e in errors) / len(errors)
    w10 = sum(abs(e) <= 0.10 for e in errors) / len(errors)
    rmspe = math.sqrt(sum(e * e for e in errors) / len(errors))
    med = sorted(m for _, m in pairs)[len(pairs) // 2]
    medErr = sorted(errors)[len(errors) // 2]
    worst = f"{min(errors):+.1%} / {max(errors):+.1%}"
    print(f"| {hs} | {len(pairs)} | {w5:.0%} | {w10:.0%} | {rmspe:.1%} | {medErr:+.1%} | {worst} | {med:.2f} |")
PY
rm -rf "$OUT" "$WORK"
