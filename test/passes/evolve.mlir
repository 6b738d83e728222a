// The 16 spaces of @tiny, each one subnet per resolution (Inputs/tiny.mlir):
//   stage 1 (loss, ms): b0w0 (.30, 1.0) b0w1 (.25, 1.5) b1w0 (.20, 1.5) b1w1 (.15, 2.0)
//   stage 2 (loss, ms): b0w0 (.40, 2.0) b0w1 (.35, 2.5) b1w0 (.24, 3.0) b1w1 (.20, 3.5)
// With 1 ms of fixed stages and a 5 ms budget, the feasible space with the
// lowest loss is blocks (0, 1), windows (0, 0): .30 + .24 = .54 at exactly
// 5 ms, score 1 / .54 = 1.85185. The evolution scores all 16 and finds it.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 samples=500 population=8 sample=4 cycles=16 top-spaces=3 rescore-seeds=2 history=%t.csv progress=false" | FileCheck %s
// CHECK: spaceevo.hyperspace @tiny {{.*}}attributes {spaceevo.evolution = {cycles = {{[0-9]+}} : i64, duplicates = {{[0-9]+}} : i64, evaluated = 16 : i64, seed = 0 : i64},
// CHECK-SAME: spaceevo.top_spaces = [{rescore_mean = 1.85185{{[0-9]*}} : f64, rescore_sd = 0.000000e+00 : f64, score = 1.85185{{[0-9]*}} : f64, space = "tiny-01-00"}, {{.*}}]}
// The best space comes right after the hyperspace, marked as evolved.
// CHECK: spaceevo.head
// CHECK-NEXT: }
// CHECK-NEXT: spaceevo.space "tiny-01-00" {spaceevo.evolved, spaceevo.qt = [{constraint_ms = 5.000000e+00 : f64, feasible = 500 : i64, loss = {{0.5399999|0.54|5.400000e-01}}{{[0-9]*}} : f64
// CHECK-SAME: spaceevo.qt_score = 1.85185

// The history has a header and one line per evaluated space, no space twice.
// RUN: head -1 %t.csv | FileCheck %s --check-prefix=CSV
// CSV: id,encoding,origin,parent_id,score,p_5,L_5,penalty_5
// RUN: tail -n +2 %t.csv | cut -d, -f2 | sort -u | wc -l | FileCheck %s --check-prefix=DISTINCT
// RUN: tail -n +2 %t.csv | wc -l | FileCheck %s --check-prefix=DISTINCT
// DISTINCT: 16

// Re-running replaces the evolved space instead of adding a second one.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 samples=500 population=8 sample=4 cycles=16 progress=false" \
// RUN:   --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 samples=500 population=8 sample=4 cycles=16 progress=false" | grep -c "spaceevo.space " | FileCheck %s --check-prefix=ONE
// ONE: 1

// Same seed, same result, whatever the thread count; progress on stderr.
// RUN: %if block-lut %{ spaceevo-opt %spaces/onnxw.mlir --spaceevo-evolve="tables=%block_lut/onnxw constraints=10 samples=5000 population=50 sample=10 cycles=300 seed=3 threads=1" > %t.1 2> %t.progress %}
// RUN: %if block-lut %{ spaceevo-opt %spaces/onnxw.mlir --spaceevo-evolve="tables=%block_lut/onnxw constraints=10 samples=5000 population=50 sample=10 cycles=300 seed=3 threads=2 progress=false" > %t.2 %}
// RUN: %if block-lut %{ diff %t.1 %t.2 %}
// RUN: %if block-lut %{ FileCheck %s --check-prefix=PROGRESS < %t.progress %}
// RUN: %if block-lut %{ FileCheck %s --check-prefix=ONNXW < %t.1 %}
// PROGRESS: spaceevo-evolve: 15/300 spaces, best {{[0-9.]+}} onnxw-{{[0-9]+}}-{{[0-9]+}}, {{[0-9.]+}} s, ~{{[0-9.]+}} s left
// PROGRESS: spaceevo-evolve: done: 300 spaces scored in {{[0-9]+}} cycles
// ONNXW: spaceevo.space "onnxw-{{[0-5]+}}-{{[0-3]+}}" {spaceevo.evolved

// Errors.
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="constraints=5" 2>&1 | FileCheck %s --check-prefix=NOTABLES
// NOTABLES: tiny.mlir:{{[0-9]+}}:1: error: --spaceevo-evolve needs tables=DIR
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 population=0" 2>&1 | FileCheck %s --check-prefix=POP
// POP: error: --spaceevo-evolve: evolution: population size must be >= 1
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 hyperspace=nope" 2>&1 | FileCheck %s --check-prefix=NOHS
// NOHS: error: --spaceevo-evolve: no hyperspace @nope in the module
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-evolve="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 cycles=4 history=/nonexistent-dir/h.csv progress=false" 2>&1 | FileCheck %s --check-prefix=HIST
// HIST: error: --spaceevo-evolve: {{.*}}/nonexistent-dir/h.csv
