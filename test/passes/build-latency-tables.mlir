// Latency tables measured here, in SpaceEvo's format. Check the form, never
// the values.
// RUN: rm -rf %t && mkdir -p %t
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/kept from=%S/Inputs/tiny-tables db=%t/costs.db repeats=3 max-seconds=0.2" 2>%t/progress | FileCheck %s
// CHECK: spaceevo.latency_tables = {files = 8 : i64, measured_now = 24 : i64, rows = 24 : i64}
// RUN: FileCheck %s --check-prefix=PROGRESS < %t/progress
// The fixed stem and head are measured per resolution, for the search.
// RUN: FileCheck %s --check-prefix=FIXED < %t/kept/fixed_latency.csv
// FIXED: 224,{{[0-9]+\.[0-9]+}}
// FIXED-NEXT: 192,{{[0-9]+\.[0-9]+}}
// FIXED-NEXT: 160,{{[0-9]+\.[0-9]+}}
// RUN: FileCheck %s --check-prefix=FIXEDPROGRESS < %t/progress
// FIXEDPROGRESS: stem + head at 224: {{[0-9.]+}} ms
// The Q-T score uses them with the tables.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-00 --spaceevo-qt-score="tables=%t/kept constraints=5 samples=1000 batch=100" | FileCheck %s --check-prefix=QT
// QT: spaceevo.qt_score
// PROGRESS: spaceevo-build-latency-tables: 24/24 rows, file 8/8 (stage2_1_1.csv), {{[0-9.]+}} rows/s ({{[0-9.]+}} lately), {{[0-9]+}} s elapsed, ~0 s left
// Configurations and loss kept; MFLOPs and params recomputed; latency replaced.
// RUN: FileCheck %s --check-prefix=ROWS < %t/kept/stage2_1_0.csv
// ROWS: 3#40#4,1x24x56x56,0.2400,24.9876,0.0085,{{[0-9]+\.[0-9][0-9][0-9][0-9]}}
// ROWS-NEXT: 3#40#4,1x24x48x48,0.2400,18.3583,0.0085,{{[0-9]+\.[0-9][0-9][0-9][0-9]}}
// ROWS-NEXT: 3#40#4,1x24x40x40,0.2400,12.7488,0.0085,{{[0-9]+\.[0-9][0-9][0-9][0-9]}}
// The tables are valid tables of the hyperspace.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-check-tables=dir=%t/kept | FileCheck %s --check-prefix=VALID
// VALID: spaceevo.table_files = 8 : i64, spaceevo.table_rows = 24 : i64
// Resumable: a finished run measures nothing; a lost row is measured again.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/kept from=%S/Inputs/tiny-tables db=%t/costs.db" 2>/dev/null | FileCheck %s --check-prefix=DONE
// DONE: measured_now = 0 : i64
// RUN: sed -i '$d' %t/kept/stage1_1_1.csv
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/kept from=%S/Inputs/tiny-tables db=%t/costs.db" 2>/dev/null | FileCheck %s --check-prefix=ONE
// ONE: measured_now = 1 : i64
// RUN: wc -l < %t/kept/stage1_1_1.csv | FileCheck %s --check-prefix=THREE
// THREE: 3
// Sampled configurations when there is no table to keep; the loss is unknown.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/sampled db=%t/costs.db rows=2 stages=2 seed=4 repeats=3 max-seconds=0.2 progress=false" | FileCheck %s --check-prefix=SAMPLED
// SAMPLED: spaceevo.latency_tables = {files = 4 : i64, measured_now = 8 : i64, rows = 8 : i64}
// RUN: FileCheck %s --check-prefix=NAN < %t/sampled/stage2_0_1.csv
// NAN: 3#{{40|48}}#None,1x{{16|24|32}}x{{56|48|40}}x{{56|48|40}},nan,{{[0-9.]+}},{{[0-9.]+}},{{[0-9.]+}}
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/x" 2>&1 | FileCheck %s --check-prefix=ARGS
// ARGS: error: --spaceevo-build-latency-tables needs out=DIR and db=PATH
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-build-latency-tables="out=%t/x db=%t/costs.db from=%t/nowhere" 2>&1 | FileCheck %s --check-prefix=FROM
// FROM: error: --spaceevo-build-latency-tables: missing {{.*}}nowhere/stage1_0_0.csv
