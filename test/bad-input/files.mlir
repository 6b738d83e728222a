// Whole-file damage: a clear error and a non-zero exit, never a crash.
// RUN: head -c 700 %spaces/onnxw.mlir > %t.truncated.mlir
// RUN: not spaceevo-opt %t.truncated.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error:
// TRUNC-NOT: Stack dump
// RUN: printf '\x00\x01\x02garbage\xff\xfe' > %t.binary.mlir
// RUN: not spaceevo-opt %t.binary.mlir 2>&1 | FileCheck %s --check-prefix=BINARY
// BINARY: error:
// BINARY-NOT: Stack dump
// RUN: not spaceevo-opt %t.does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: cannot open input file {{.*}}does-not-exist.mlir{{.*}}: No such file or directory
// RUN: sed 's/stage 3 stride 2/stage 3 stride 2 window/' %spaces/onnxw.mlir > %t.window.mlir
// RUN: not spaceevo-opt %t.window.mlir 2>&1 | FileCheck %s --check-prefix=KEYWORD
// KEYWORD: window.mlir:{{[0-9]+}}:29: error: custom op 'spaceevo.stage' expected 'widths'
// RUN: sed 's/mbv2_res kernels/mbv9_res kernels/' %spaces/mobilew.mlir > %t.block.mlir
// RUN: not spaceevo-opt %t.block.mlir 2>&1 | FileCheck %s --check-prefix=BLOCK
// BLOCK: mlir:{{[0-9]+}}:{{[0-9]+}}: error: {{.*}}enum values for attribute 'block'
