// The training-free loss estimate fills the loss column of block tables.
// Check the form, never the values.
// RUN: rm -rf %t && mkdir -p %t
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/est kernel-inputs=4" 2>%t/progress | FileCheck %s
// CHECK: spaceevo.hyperspace @tiny {{.*}}spaceevo.quality_tables = {estimated_now = 24 : i64, files = 8 : i64, rows = 24 : i64}
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/progress
// PROGRESS: spaceevo-estimate-quality: 24/24 rows, {{[0-9.]+}} rows/s, {{[0-9]+}} s elapsed, ~0 s left
// Configuration, MFLOPs, params and latency kept; the loss is estimated.
// RUN: FileCheck %s --check-prefix=ROWS < %t/est/stage2_1_0.csv
// ROWS: 3#40#4,1x24x56x56,{{[0-9]+\.[0-9][0-9][0-9][0-9]}},1.0000,0.0100,3.0000
// ROWS-NEXT: 3#40#4,1x24x48x48,{{[0-9]+\.[0-9][0-9][0-9][0-9]}},1.0000,0.0100,3.0000
// ROWS-NEXT: 3#40#4,1x24x40x40,{{[0-9]+\.[0-9][0-9][0-9][0-9]}},1.0000,0.0100,3.0000
// RUN: FileCheck %s --check-prefix=NOT-KEPT < %t/est/stage2_1_0.csv
// NOT-KEPT-NOT: 0.2400
// The tables are valid tables of the hyperspace, and nothing is left over.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-check-tables=dir=%t/est | FileCheck %s --check-prefix=VALID
// VALID: spaceevo.table_files = 8 : i64, spaceevo.table_rows = 24 : i64
// RUN: not ls %t/est/*.partial
// Deterministic for a seed.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/again kernel-inputs=4 progress=false"
// RUN: diff %t/est/stage1_0_0.csv %t/again/stage1_0_0.csv
// Resumable: a finished run estimates nothing; an interrupted table continues.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/est kernel-inputs=4" 2>/dev/null | FileCheck %s --check-prefix=DONE
// DONE: estimated_now = 0 : i64
// RUN: head -n 1 %t/est/stage1_1_1.csv > %t/est/stage1_1_1.csv.partial
// RUN: grep -v stage1_1_1 %t/est/.quality-estimated > %t/done && mv %t/done %t/est/.quality-estimated
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/est kernel-inputs=4" 2>/dev/null | FileCheck %s --check-prefix=TWO
// TWO: estimated_now = 2 : i64
// RUN: diff %t/est/stage1_1_1.csv %t/again/stage1_1_1.csv
// In place (out defaults to dir).
// RUN: cp -r %S/Inputs/tiny-tables %t/inplace
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/inplace kernel-inputs=4 progress=false"
// RUN: diff %t/est/stage2_0_1.csv %t/inplace/stage2_0_1.csv
// A hyperspace other than mobilew gets the generic model by default; the
// structural one (fitted on mobilew's block types) on request.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/generic model=generic kernel-inputs=4 progress=false"
// RUN: diff %t/est/stage2_1_0.csv %t/generic/stage2_1_0.csv
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%S/Inputs/tiny-tables out=%t/structural model=structural kernel-inputs=4 progress=false"
// RUN: not diff -q %t/est/stage2_1_0.csv %t/structural/stage2_1_0.csv
// One pipeline writes complete tables: sampled configurations, measured
// latency, estimated loss (no `nan` left).
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/full db=%t/costs.db rows=2 stages=2 seed=4 repeats=3 max-seconds=0.2 progress=false" --spaceevo-estimate-quality="dir=%t/full stages=2 kernel-inputs=4 progress=false" | FileCheck %s --check-prefix=FULL
// FULL: spaceevo.latency_tables = {files = 4 : i64, measured_now = 8 : i64, rows = 8 : i64}, spaceevo.quality_tables = {estimated_now = 8 : i64, files = 4 : i64, rows = 8 : i64}
// RUN: cat %t/full/stage2_*.csv | FileCheck %s --check-prefix=NONAN
// NONAN-NOT: nan
// Errors.
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality 2>&1 | FileCheck %s --check-prefix=ARGS
// ARGS: error: --spaceevo-estimate-quality needs dir=DIR
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/nowhere" 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: error: --spaceevo-estimate-quality: '{{.*}}nowhere' is not a directory
// RUN: mkdir -p %t/partial-set && cp %S/Inputs/tiny-tables/stage1_* %t/partial-set
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/partial-set" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: --spaceevo-estimate-quality: missing table {{.*}}partial-set/stage2_0_0.csv
// RUN: mkdir -p %t/bad && cp %S/Inputs/tiny-tables/* %t/bad && echo "3#40,1x24x56x56,0.2,1,0.01,1.5" >> %t/bad/stage2_1_0.csv
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/bad" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: --spaceevo-estimate-quality: {{.*}}bad/stage2_1_0.csv:4:
// RUN: echo "stage 1 0.5" > %t/model.txt
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/bad model=%t/model.txt" 2>&1 | FileCheck %s --check-prefix=MODEL
// MODEL: error: --spaceevo-estimate-quality: {{.*}}model.txt: model line 1: expected 13 weights
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-estimate-quality="dir=%t/bad model=%t/none.txt" 2>&1 | FileCheck %s --check-prefix=NOMODEL
// NOMODEL: error: --spaceevo-estimate-quality: cannot read model '{{.*}}none.txt'
