#!/bin/sh
# ctest: exported INT8 (and FP32) subnets of both hyperspaces run on ONNX
# Runtime and compared with our execution (docs/onnx.md).
#   ort-crosscheck.sh BUILD_DIR SOURCE_DIR
# Installs npm onnxruntime-node@1.30.0 once into BUILD_DIR/onnxruntime
# (--ignore-scripts: its install script tries a download; the CPU library is
# in the package). Exit 77 (ctest SKIP) only when node or npm is missing.
set -eu
build=$1
source=$2
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the ONNX Runtime cross-check"
  exit 77
fi
. "$source/test/onnx/ort-install.sh"
ort_install "$build/onnxruntime"

out=$build/test/onnx/crosscheck
rm -rf "$out"
mkdir -p "$out/b"
check=$build/bin/spaceevo-onnx-check
# Three subnets per hyperspace at resolution 160, from spaces that together
# use every block type: onnxw 1-2-3-4-5-0 holds all six; mobilew 2,4,5,6,1
# and 0,3 (MBv1-Dual, ResNet).
"$check" export --out "$out" --resolution 160 --seed 1 --count 2 \
  --spaces onnxw-123450-012330,mobilew-245621-101010
"$check" export --out "$out/b" --resolution 160 --seed 2 --count 1 \
  --spaces onnxw-051524-011002,mobilew-030156-000000
status=0
node "$source/test/onnx/ort-crosscheck.mjs" "$out" "$build/onnxruntime" || status=1
node "$source/test/onnx/ort-crosscheck.mjs" "$out/b" "$build/onnxruntime" || status=1
exit $status
