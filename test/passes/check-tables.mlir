// REQUIRES: block-lut
// The published tables are exactly the (stage, block, window) triples of our
// hyperspaces, and every row of every file is a valid sub-stage of its
// stage, block and window (the checks of `spaceevo.substage`).
// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%block_lut/onnxw" | FileCheck %s --check-prefix=ONNXW
// RUN: spaceevo-opt %spaces/mobilew.mlir --spaceevo-check-tables="dir=%block_lut/mobilew" | FileCheck %s --check-prefix=MOBILEW
// ONNXW: spaceevo.hyperspace @onnxw {{.*}}attributes {spaceevo.table_files = 132 : i64, spaceevo.table_rows = 132000 : i64}
// MOBILEW: spaceevo.hyperspace @mobilew {{.*}}attributes {spaceevo.table_files = 210 : i64, spaceevo.table_rows = 210000 : i64}

// The other hyperspace's tables do not fit.
// RUN: not spaceevo-opt %spaces/mobilew.mlir --spaceevo-check-tables="dir=%block_lut/onnxw" 2>&1 | FileCheck %s --check-prefix=CROSS
// CROSS: error: table stage1_6_0.csv is missing from

// A corrupted copy: each damage is reported with file and line.
// RUN: rm -rf %t && mkdir -p %t && cp %block_lut/onnxw/*.csv %t/
// RUN: sed -i '7s/^[0-9]#/9#/' %t/stage2_3_1.csv
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t" 2>&1 | FileCheck %s --check-prefix=KERNEL
// KERNEL: error: {{.*}}stage2_3_1.csv:7: kernel 9 is not a choice of 'resnet' in stage 2 (kernels [3, 5, 7])
// RUN: cp %block_lut/onnxw/stage2_3_1.csv %t/ && sed -i '3s/x[0-9]*x/x12x/' %t/stage4_0_2.csv
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t" 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: error: {{.*}}stage4_0_2.csv:3: input channels 12 cannot feed stage 4
// RUN: cp %block_lut/onnxw/stage4_0_2.csv %t/ && sed -i '2s/,.*//' %t/stage6_5_3.csv
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t" 2>&1 | FileCheck %s --check-prefix=FIELDS
// FIELDS: error: {{.*}}stage6_5_3.csv:2: expected 6 comma-separated fields, found 1
// RUN: cp %block_lut/onnxw/stage6_5_3.csv %t/ && cp %t/stage1_0_0.csv %t/stage7_0_0.csv
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t" 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: error: table stage7_0_0.csv in '{{.*}}' is not a (stage, block, window) of @onnxw
// RUN: rm %t/stage7_0_0.csv %t/stage3_2_1.csv
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: table stage3_2_1.csv is missing from
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables="dir=%t/nowhere" 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: error: --spaceevo-check-tables: '{{.*}}nowhere' is not a directory
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-check-tables 2>&1 | FileCheck %s --check-prefix=NOARG
// NOARG: error: --spaceevo-check-tables needs dir=DIR
