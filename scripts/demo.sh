#!/usr/bin/env bash
# The main job on built-in defaults: build spaceevo, then walk through the
# pipeline on SpaceEvo's onnxw hyperspace. Installs missing Debian packages
# first. Options:
#   --space ENCODING   space to materialize (default onnxw-123450-012330)
#   --count N          networks to sample from it (default 3)
#   --seed S           sampling seed (default 1)
#   --tables DIR       a directory of SpaceEvo block tables for onnxw to check
#                      (default: ../shared/data/block-lut/onnxw when present)
source "$(dirname "$0")/common.sh"

SPACE=onnxw-123450-012330
COUNT=3
SEED=1
TABLES=""
while (($#)); do
  case "$1" in
    --space) SPACE="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --tables) TABLES="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -z "$TABLES" && -d "$SPACEEVO_ROOT/../shared/data/block-lut/onnxw" ]]; then
  TABLES="$SPACEEVO_ROOT/../shared/data/block-lut/onnxw"
fi

ensure_packages
configure_and_build

OPT="$BUILD_DIR/bin/spaceevo-opt"
HYPERSPACE="$SPACEEVO_ROOT/spaces/${SPACE%%-*}.mlir"
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
fi
