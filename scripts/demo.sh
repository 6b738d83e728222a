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
#   --constraints LIST latency budgets in ms for the evolution (default 10)
source "$(dirname "$0")/common.sh"

SPACE=onnxw-123450-012330
COUNT=3
SEED=1
TABLES=""
CONSTRAINTS=10
while (($#)); do
  case "$1" in
    --space) SPACE="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --tables) TABLES="$2"; shift 2 ;;
    --constraints) CONSTRAINTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
HYPERSPACE_NAME="${SPACE%%-*}"
if [[ -z "$TABLES" && -d "$SPACEEVO_ROOT/../shared/data/block-lut/$HYPERSPACE_NAME" ]]; then
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

if [[ -n "$TABLES" ]]; then
  echo
  echo "== 3. block tables in $TABLES against the hyperspace (--spaceevo-check-tables)"
  "$OPT" "$HYPERSPACE" --spaceevo-check-tables="dir=$TABLES" |
    grep -oE "spaceevo.table_files = [0-9]+|spaceevo.table_rows = [0-9]+"

  echo
  echo "== 4. evolve the best space of @$HYPERSPACE_NAME under $CONSTRAINTS ms (--spaceevo-evolve), then its best subnets (--spaceevo-search-subnets)"
  "$OPT" "$HYPERSPACE" \
    --spaceevo-evolve="tables=$TABLES constraints=$CONSTRAINTS seed=$SEED" \
    --spaceevo-search-subnets="tables=$TABLES constraints=$CONSTRAINTS seed=$SEED evolution-subnets=0" \
    > "$BUILD_DIR/demo-evolved.mlir"
  grep -E "spaceevo.space |spaceevo.network " "$BUILD_DIR/demo-evolved.mlir" | sed -E 's/^ +//; s/ \{$//'
  echo "(full IR: $BUILD_DIR/demo-evolved.mlir)"

  echo
  echo "== 5. the best subnet in INT8 on this machine: lower to TOSA, form kernels, measure them (cost database $BUILD_DIR/demo-costs.db), predict, run end to end"
  "$OPT" "$BUILD_DIR/demo-evolved.mlir" --spaceevo-lower-int8 --spaceevo-form-kernels \
    --spaceevo-measure="db=$BUILD_DIR/demo-costs.db progress=false" \
    --spaceevo-predict-latency --spaceevo-execute="repeats=20" |
    grep -E "func.func" | sed -E 's/^ +//; s/ \{$//'
else
  echo
  echo "== no block tables given (--tables DIR): skipping the table check and the evolution"
fi
