// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-123450-012330 | FileCheck %s
// RUN: spaceevo-opt %spaces/mobilew.mlir --spaceevo-materialize-space=encoding=mobilew-666666-015643 | FileCheck %s --check-prefix=MOBILE
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-123460-012330 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-123450-012340 2>&1 | FileCheck %s --check-prefix=WINDOW
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=mobilew-123450-012330 2>&1 | FileCheck %s --check-prefix=HYPER
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-12345-012330 2>&1 | FileCheck %s --check-prefix=DIGITS
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-1234-5678-9 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space 2>&1 | FileCheck %s --check-prefix=EMPTY

// The space is appended after the hyperspace, and the result verifies.
// CHECK: spaceevo.hyperspace @onnxw
// CHECK: spaceevo.space "onnxw-123450-012330"
// CHECK-NOT: spaceevo.space

// mobilew has 7 blocks (digit 6) and stage 4 has 7 windows (digit 6).
// MOBILE: spaceevo.space "mobilew-666666-015643"

// Stage 5 of onnxw has 6 blocks: digit 6 is out of range.
// BLOCK: onnxw.mlir:{{[0-9]+}}:{{[0-9]+}}: error: space 'onnxw-123460-012330': stage 5: block digit 6 is out of range (the stage has 6 candidate blocks, 0-5)
// Stage 5 of onnxw has 4 windows: digit 4 is out of range.
// WINDOW: error: space 'onnxw-123450-012340': stage 5: window digit 4 is out of range (the stage has 4 windows, 0-3)
// HYPER: error: space 'mobilew-123450-012330' refers to hyperspace @mobilew, which is not defined in this module
// DIGITS: error: space encoding 'onnxw-12345-012330' must have as many window digits as block digits
// SHAPE: error: space encoding 'onnxw-1234-5678-9' must have as many window digits as block digits
// EMPTY: error: --spaceevo-materialize-space needs an encoding, e.g. encoding=onnxw-123450-012330
