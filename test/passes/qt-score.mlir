// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 \
// RUN:   --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=5,3 fixed-latency=1,1,1 samples=1000 rescore=2" | FileCheck %s
//
// tiny-00-00 is one subnet per resolution: loss 0.30 + 0.40 = 0.7, latency
// 1 (stage 1) + 2 (stage 2) + 1 (fixed) = 4 ms.
//   5 ms: every sample fits: p = 1 + 1e-5, L = 0.7, penalty = max(1, (0.08/p)^0.01) = 1
//   3 ms: none fits: p = 1e-5, L = 1e5, penalty = (0.08/1e-5)^0.01 = 8000^0.01 = 1.0940342
//   score = 1/0.7 + 1/(1e5 * 1.0940342) = 1.4285714 + 0.0000091 = 1.4285806
// CHECK: spaceevo.space "tiny-00-00" {spaceevo.qt = [
// CHECK-SAME: {constraint_ms = 5.000000e+00 : f64, feasible = 1000 : i64, loss = {{0.6999999999999|7.000000e-01}}{{[0-9]*}} : f64, p = 1.000010e+00 : f64, penalty = 1.000000e+00 : f64, samples = 1000 : i64}
// CHECK-SAME: {constraint_ms = 3.000000e+00 : f64, feasible = 0 : i64, loss = 1.000000e+05 : f64, p = 1.000000e-05 : f64, penalty = 1.094034{{[0-9]*}} : f64, samples = 1000 : i64}
// CHECK-SAME: spaceevo.qt_rescore = {mean = 1.42858{{[0-9]*}} : f64, sd = 0.000000e+00 : f64, seeds = 2 : i64}
// CHECK-SAME: spaceevo.qt_score = 1.42858{{[0-9]*}} : f64}

// Several spaces at once; the faster, lossier one wins at a tight budget.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-materialize-space=encoding=tiny-11-11 \
// RUN:   --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 samples=500" | FileCheck %s --check-prefix=TWO
// tiny-11-11: loss 0.15 + 0.20 = 0.35 but latency 2 + 3.5 + 1 = 6.5 > 5.
// TWO: spaceevo.space "tiny-00-00" {{.*}}spaceevo.qt_score = 1.42857
// TWO: spaceevo.space "tiny-11-11" {{.*}}feasible = 0 : i64{{.*}}spaceevo.qt_score = 9.14{{[0-9]*}}E-6

// Errors: each names what is wrong.
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="constraints=5" 2>&1 | FileCheck %s --check-prefix=NOTABLES
// NOTABLES: error: --spaceevo-qt-score needs tables=DIR
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%S/Inputs/tiny-tables fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NOCONS
// NOCONS: error: --spaceevo-qt-score needs latency constraints, e.g. constraints=10 or constraints=15,20 (ms)
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=-1 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: error: --spaceevo-qt-score: constraint -1 ms must be a positive number
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=5" 2>&1 | FileCheck %s --check-prefix=FIXED
// FIXED: tiny.mlir:{{[0-9]+}}:1: error: no built-in fixed-stage latency for hyperspace @tiny; pass fixed-latency=MS,MS,...
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1" 2>&1 | FileCheck %s --check-prefix=FIXEDN
// FIXEDN: error: fixed-latency has 2 values but there are 3 resolutions
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-qt-score="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NOSPACE
// NOSPACE: error: --spaceevo-qt-score: the module has no 'spaceevo.space' to score
// RUN: rm -rf %t && mkdir -p %t && cp %S/Inputs/tiny-tables/*.csv %t/ && rm %t/stage2_0_0.csv
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%t constraints=5 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: --spaceevo-qt-score: missing block table '{{.*}}stage2_0_0.csv' (stage 2, block 0, window 0)
// RUN: echo "3#40#None,1x24x56x56,nan,1.0,0.01,2.0" > %t/stage2_0_0.csv
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%t constraints=5 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: --spaceevo-qt-score: {{.*}}stage2_0_0.csv:1: int8_nsr_loss is NaN
// RUN: echo "3#40#None,1x24x56x56,0.1,1.0,0.01,-2.0" > %t/stage2_0_0.csv
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%t constraints=5 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NEGLAT
// NEGLAT: error: --spaceevo-qt-score: {{.*}}stage2_0_0.csv:1: latency_ms is negative

// The published tables (fixed stages from the published onnxw table).
// RUN: %if block-lut %{ spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-131121-022230 --spaceevo-qt-score="tables=%block_lut/onnxw constraints=10 samples=20000" | FileCheck %s --check-prefix=ONNXW %}
// ONNXW: spaceevo.space "onnxw-131121-022230" {spaceevo.qt = [{constraint_ms = 1.000000e+01 : f64, feasible = {{[0-9]+}} : i64, loss = {{.*}} : f64, p = {{.*}} : f64, penalty = {{.*}} : f64, samples = 20000 : i64}], spaceevo.qt_score = 0.3{{[0-9]+}} : f64}
