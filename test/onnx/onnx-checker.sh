#!/bin/sh
# ctest: exported models (INT8 QDQ with float and uint8 interfaces, the
# op-by-op model, both table forms, opsets 13 and 17, and FP32) pass ONNX's
# own checker with full shape inference (python3-onnx).
#   onnx-checker.sh BUILD_DIR PYTHON
set -eu
build=$1
python=$2
out=$build/test/onnx/checker
rm -rf "$out"
mkdir -p "$out/gather"
check=$build/bin/spaceevo-onnx-check
"$check" export --out "$out" --resolution 160 --seed 3 --count 1 \
  --spaces onnxw-123450-012330,mobilew-245621-101010
"$check" export --out "$out/gather" --resolution 160 --seed 4 --count 1 \
  --opset 17 --tables gather --spaces onnxw-051524-011002,mobilew-030156-000000
"$python" - "$out" "$out/gather" <<'PY'
import glob, os, sys
import onnx
count = 0
for folder in sys.argv[1:]:
    for path in sorted(glob.glob(os.path.join(folder, "*.onnx"))):
        onnx.checker.check_model(path, full_check=True)
        model = onnx.load(path, load_external_data=False)
        opset = model.opset_import[0].version
        print("ok", os.path.basename(path), "opset", opset,
              len(model.graph.node), "nodes")
        count += 1
if count != 16:
    sys.exit("expected 16 models, checked %d" % count)
PY
