#!/usr/bin/env bash
# The main job on built-in defaults: build spaceevo, then walk through the
# pipeline on SpaceEvo's onnxw hyperspace. Installs missing Debian packages
# first. Options:
#   --space ENCODING   space to materialize (default onnxw-123450-012330)
#   --count N          networks to sample from it (default 3)
#   --seed S           sampling seed (default 1)
#   --tables DIR       a directory of SpaceEvo block tables for the space's
#                      hyperspace: check them, evolve the best space on them
#                      and find its best subnets (default:
#                      ../shared/data/block-lut/<hyperspace> when present)
#   --own-tables       ignore published tables: measure latency here and
#                      estimate quality here (what happens anyway when no
#                      tables are found), then evolve on those tables
#   --rows N           rows per table when making our own (default 6)
#   --constraints LIST latency budgets in ms for the evolution (default 10
#                      on published tables; on our own tables, the median
#                      latency of a sampled subnet on this machine)
source "$(dirname "$0")/common.sh"

SPACE=onnxw-123450-012330
COUNT=3
SEED=1
TABLES=""
OWN_TABLES=0
ROWS=6
CHAIN=true
CONSTRAINTS=
while (($#)); do
  case "$1" in
    --space) SPACE="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --tables) TABLES="$2"; shift 2 ;;
    --own-tables) OWN_TABLES=1; shift ;;
    --rows) ROWS="$2"; shift 2 ;;
    --constraints) CONSTRAINTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
HYPERSPACE_NAME="${SPACE%%-*}"
if [[ $OWN_TABLES == 0 && -z "$TABLES" && -d "$SPACEEVO_ROOT/../shared/data/block-lut/$HYPERSPACE_NAME" ]]; then
  TABLES="$SPACEEVO_ROOT/../shared/data/block-lut/$HYPERSPACE_NAME"
fi

ensure_packages
configure_and_build

OPT="$BUILD_DIR/bin/spaceevo-opt"
HYPERSPACE="$SPACEEVO_ROOT/spaces/$HYPERSPACE_NAME.mlir"
[[ -f "$HYPERSPACE" ]] || { echo "demo.sh: no hyperspace file $HYPERSPACE" >&2; exit 2; }

echo
echo "== 1. size of the hyperspace and of space $SPACE (--spaceevo-space-stats)"
"$OPT" "$HYPERSPACE" --spaceevo-materialize-space="encoding=$SPACE" \
  --spaceevo-space-stats | grep -E "attributes|spaceevo.space " |
  sed -E 's/ \{$//; s/^ +//'

echo
echo "== 2. $COUNT networks sampled from $SPACE, seed $SEED, with their MACs and parameters"
"$OPT" "$HYPERSPACE" --spaceevo-materialize-space="encoding=$SPACE" \
  --spaceevo-enumerate="count=$COUNT seed=$SEED" --spaceevo-space-stats |
  sed -n '/spaceevo.network/,$p'

if [[ -z "$TABLES" ]]; then
  TABLES="$BUILD_DIR/demo-tables/$HYPERSPACE_NAME"
  # A few sampled rows per table rarely chain (a row's input channels must
  # be the previous stage's width), so subnets are searched unchained.
  CHAIN=false
  echo
  echo "== 3a. no block tables given: measuring $ROWS sub-stages per (stage, block, window) here, INT8 on this CPU, plus the fixed stem and head (--spaceevo-build-latency-tables, resumable; cost database $BUILD_DIR/demo-costs.db)"
  "$OPT" "$HYPERSPACE" --spaceevo-build-latency-tables="out=$TABLES db=$BUILD_DIR/demo-costs.db rows=$ROWS seed=$SEED repeats=5 max-seconds=0.3" |
    grep -oE "spaceevo.latency_tables = \{[^}]*\}"
  echo "   stem + head (ms) per resolution: $(tr '\n' ' ' < "$TABLES/fixed_latency.csv")"
  echo
  echo "== 3b. estimating each sub-stage's INT8 quality here, from forward passes only (--spaceevo-estimate-quality, resumable)"
  "$OPT" "$HYPERSPACE" --spaceevo-estimate-quality="dir=$TABLES seed=$SEED" |
    grep -oE "spaceevo.quality_tables = \{[^}]*\}"
  if [[ -z "$CONSTRAINTS" ]]; then
    # The median sampled subnet on this machine: per searchable stage the
    # median row latency, plus the stem and head at 224.
    CONSTRAINTS=$(python3 - "$TABLES" <<'PY'
import csv, glob, os, statistics, sys
d = sys.argv[1]
stages = {}
for path in glob.glob(os.path.join(d, "stage*.csv")):
    stage = os.path.basename(path).split("_")[0]
    with open(path) as f:
        stages.setdefault(stage, []).extend(float(r[5]) for r in csv.reader(f) if r)
fixed = dict(line.strip().split(",") for line in open(os.path.join(d, "fixed_latency.csv")) if line.strip())
total = sum(statistics.median(v) for v in stages.values()) + float(fixed["224"])
print(f"{total:.2f}")
PY
)
    echo "   latency budget: $CONSTRAINTS ms (the median sampled subnet here; --constraints to change)"
  fi
fi
CONSTRAINTS="${CONSTRAINTS:-10}"

if [[ -n "$TABLES" ]]; then
  echo
  echo "== 3. block tables in $TABLES against the hyperspace (--spaceevo-check-tables)"
  "$OPT" "$HYPERSPACE" --spaceevo-check-tables="dir=$TABLES" |
    grep -oE "spaceevo.table_files = [0-9]+|spaceevo.table_rows = [0-9]+"

  echo
  echo "== 4. evolve the best space of @$HYPERSPACE_NAME under $CONSTRAINTS ms (--spaceevo-evolve), then its best subnets (--spaceevo-search-subnets)"
  "$OPT" "$HYPERSPACE" \
    --spaceevo-evolve="tables=$TABLES constraints=$CONSTRAINTS seed=$SEED" \
    --spaceevo-search-subnets="tables=$TABLES constraints=$CONSTRAINTS seed=$SEED evolution-subnets=0 chain=$CHAIN" \
    > "$BUILD_DIR/demo-evolved.mlir"
  grep -E "spaceevo.space |spaceevo.network " "$BUILD_DIR/demo-evolved.mlir" | sed -E 's/^ +//; s/ \{$//'
  echo "(full IR: $BUILD_DIR/demo-evolved.mlir)"

  echo
  echo "== 5. the best subnet in INT8 on this machine: lower to TOSA, form kernels, measure them (cost database $BUILD_DIR/demo-costs.db), predict, run end to end"
  "$OPT" "$BUILD_DIR/demo-evolved.mlir" --spaceevo-lower-int8 --spaceevo-form-kernels \
    --spaceevo-measure="db=$BUILD_DIR/demo-costs.db progress=false" \
    --spaceevo-predict-latency --spaceevo-execute="repeats=20" |
    grep -E "func.func" | sed -E 's/^ +//; s/ \{$//'
fi
