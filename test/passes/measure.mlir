// Real measurements on this machine (few repeats): check the form of the
// costs, never their values.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed '/spaceevo.network/,/^}/d' %S/Inputs/small.mlir > %t/row.mlir
// The sub-stage's 5 kernels first...
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db repeats=3 max-seconds=0.3" 2>&1 >/dev/null | FileCheck %s --check-prefix=ROW
// ROW: spaceevo-measure: 1/5 conv: mean {{[0-9.]+}} us, median {{[0-9.]+}} us ({{[0-9]+}} runs, {{stable|repeat-cap|time-cap}}, {{[a-z+]+}})
// ROW: spaceevo-measure: 5/5 add: mean {{[0-9.]+}} us, median {{[0-9.]+}} us ({{[0-9]+}} runs, {{stable|repeat-cap|time-cap}}, {{[a-z+]+}})
// ROW: spaceevo-measure: 5 kernels measured, 0 read from {{.*}}costs.db (device [[DEVICE:[0-9a-f]+]])
// ...then the whole module: they are read, not re-measured (a killed run
// resumes the same way: each cost is committed as soon as it is measured).
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db repeats=3 max-seconds=0.3" --spaceevo-predict-latency 2>%t/progress | FileCheck %s
// RUN: FileCheck %s --check-prefix=RESUME < %t/progress
// RESUME: spaceevo-measure: 13 kernels measured, 6 read from
// CHECK-LABEL: func.func @net(%arg0: tensor<1x32x32x3xi8>) -> tensor<1x10xi8> attributes {spaceevo.kernels = 14 : i64, spaceevo.predicted_latency_ms = {{[0-9.e+-]+}} : f64
// CHECK: spaceevo.kernel "conv" "{{[^"]+}}"(%arg0) {spaceevo.cost = #spaceevo.cost<mean_ns = {{[0-9]+}}, median_ns = {{[0-9]+}}, p10_ns = {{[0-9]+}}, p90_ns = {{[0-9]+}}, runs = {{[0-9]+}}, backend = "{{[a-z+]+}}", device = "{{[0-9a-f]+}}">}
// CHECK: spaceevo.kernel "se" {{.*}}spaceevo.cost = #spaceevo.cost<
// CHECK-LABEL: func.func @resnet_row({{.*}} attributes {spaceevo.kernels = 5 : i64, spaceevo.predicted_latency_ms =

// Everything known: measuring can be forbidden.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db allow-measure=false" --spaceevo-predict-latency 2>&1 >/dev/null | FileCheck %s --check-prefix=CACHED
// CACHED: spaceevo-measure: 0 kernels measured, 19 read from

// Costs in another cache context (everything evicted, the input too,
// instead of the input rewritten after the eviction as its producer in a
// network leaves it) are other costs: measured once, then read.
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db repeats=3 max-seconds=0.3 hot-input=false" 2>&1 >/dev/null | FileCheck %s --check-prefix=EVICTED
// EVICTED: spaceevo-measure: 5 kernels measured, 0 read from
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db hot-input=false allow-measure=false" 2>&1 >/dev/null | FileCheck %s --check-prefix=EVICTED-CACHED
// EVICTED-CACHED: spaceevo-measure: 0 kernels measured, 5 read from

// A database from before mean times (schema version 1, made here from a
// copy) is upgraded; its costs are used with their median and a warning when
// measuring is forbidden, and re-measured otherwise.
// RUN: cp %t/costs.db %t/v1.db
// RUN: sqlite3 %t/v1.db "ALTER TABLE costs DROP COLUMN mean_us; UPDATE schema_version SET version = 1"
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/v1.db allow-measure=false" --spaceevo-predict-latency 2>&1 >/dev/null | FileCheck %s --check-prefix=V1-CACHED
// V1-CACHED: warning: --spaceevo-measure: the cost of this 'conv' kernel in {{.*}}v1.db predates mean times (schema version 1); using its median
// V1-CACHED: spaceevo-measure: 0 kernels measured, 5 read from
// RUN: sqlite3 %t/v1.db "SELECT version FROM schema_version" | FileCheck %s --check-prefix=V1-UPGRADED
// V1-UPGRADED: {{^}}2{{$}}
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/v1.db repeats=3 max-seconds=0.3" 2>&1 >/dev/null | FileCheck %s --check-prefix=V1-REMEASURED
// V1-REMEASURED-NOT: warning
// V1-REMEASURED: spaceevo-measure: 5 kernels measured, 0 read from

// Costs measured by an older revision of the kernels' code are other costs:
// never read as the time of the current kernels.
// RUN: cp %t/costs.db %t/old-kernels.db
// RUN: sqlite3 %t/old-kernels.db "UPDATE costs SET signature = replace(signature, '|kernels=r', '|kernels=old-r')"
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/old-kernels.db repeats=3 max-seconds=0.3 hot-input=false" 2>&1 >/dev/null | FileCheck %s --check-prefix=OLD-KERNELS
// OLD-KERNELS: spaceevo-measure: 5 kernels measured, 0 read from

// Costs measured after keeping the vector units busy are other costs too.
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db repeats=3 max-seconds=0.3 sustain-us=20" 2>&1 >/dev/null | FileCheck %s --check-prefix=SUSTAIN
// SUSTAIN: spaceevo-measure: 5 kernels measured, 0 read from
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db allow-measure=false sustain-us=20" 2>&1 >/dev/null | FileCheck %s --check-prefix=SUSTAIN-CACHED
// SUSTAIN-CACHED: spaceevo-measure: 0 kernels measured, 5 read from
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/costs.db sustain-us=-1" 2>&1 | FileCheck %s --check-prefix=SUSTAIN-NEGATIVE
// SUSTAIN-NEGATIVE: error: --spaceevo-measure: sustain-us must be >= 0, not -1

// Costs of another device are never used.
// RUN: spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/other.db repeats=3 max-seconds=0.2 progress=false device=v1;vendor=Other;model=OtherCPU;family=6;model_id=1;stepping=1;cores=4;isa=avx2;compiler=gcc" > /dev/null
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/other.db allow-measure=false" 2>&1 | FileCheck %s --check-prefix=FOREIGN
// FOREIGN: error: --spaceevo-measure: no cost for this 'conv' kernel in {{.*}}other.db and allow-measure=false; the cost database has no costs for this device

// A corrupt database is a clear error.
// RUN: echo "not a database" > %t/corrupt.db
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/corrupt.db" 2>&1 | FileCheck %s --check-prefix=CORRUPT
// CORRUPT: error: --spaceevo-measure: cost database '{{.*}}corrupt.db': not a readable SQLite database

// Without costs there is no prediction.
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-predict-latency 2>&1 | FileCheck %s --check-prefix=NOCOST
// NOCOST: error: --spaceevo-predict-latency: this 'conv' kernel has no spaceevo.cost; run --spaceevo-measure first
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure 2>&1 | FileCheck %s --check-prefix=NODB
// NODB: error: --spaceevo-measure needs db=PATH
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-measure="db=%t/x.db threads=2" 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: error: --spaceevo-measure: only threads=1 is supported
// RUN: not spaceevo-opt %t/row.mlir --spaceevo-lower-int8 --spaceevo-measure="db=%t/x.db" 2>&1 | FileCheck %s --check-prefix=NOKERNELS
// NOKERNELS: error: --spaceevo-measure: the module has no 'spaceevo.kernel' to measure
