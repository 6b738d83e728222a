// Inputs/tiny.mlir: every table has one row per resolution, so a space is a
// single subnet (see evolve.mlir for the numbers). Stage-1 rows of window 0
// output 24 channels, of window 1 32; stage-2 rows take 24.
//
// tiny-01-00: loss .30 + .24 = .54 at 1 + 3 + 1 (fixed) = 5 ms, chained.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-01-00 \
// RUN:   --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5,4 fixed-latency=1,1,1" | FileCheck %s
// CHECK: spaceevo.space "tiny-01-00" {spaceevo.subnet_search = [
// CHECK-SAME: {constraint_ms = 5.000000e+00 : f64, evolution_loss = 5.400000e-01 : f64, exact_loss = 5.400000e-01 : f64, feasible = true, lower_bound = 5.400000e-01 : f64, relative_gap = 0.000000e+00 : f64},
// CHECK-SAME: {constraint_ms = 4.000000e+00 : f64, feasible = false}]}
// CHECK-NEXT: spaceevo.network @tiny_c5_exact of @tiny resolution {{224|192|160}} stem 16 space "tiny-01-00" attributes {spaceevo.constraint_ms = 5.000000e+00 : f64, spaceevo.method = "exact", spaceevo.predicted_latency_ms = 5.000000e+00 : f64, spaceevo.predicted_loss = 5.400000e-01 : f64} {
// CHECK-NEXT:   spaceevo.layer stage 0 mbv2 kernel 3 width 16 expand 1 stride 1
// CHECK-NEXT:   spaceevo.layer stage 1 mbv1_dual kernel 3 width 24 stride 2
// CHECK-NEXT:   spaceevo.layer stage 2 mbv2_res kernel 3 width 40 expand 4 stride 1
// CHECK-NEXT: }
// CHECK-NEXT: spaceevo.network @tiny_c5_evolution0 {{.*}}spaceevo.method = "evolution"
// Nothing fits 4 ms: no network for it.
// CHECK-NOT: @tiny_c4

// The emitted networks verify against their hyperspace and space.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-01-00 \
// RUN:   --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1" | spaceevo-opt --verify-each > /dev/null

// tiny-00-11: stage 1 outputs 32 but stage 2 takes 24, so no channel-consistent
// subnet exists; SpaceEvo's unchained model (chain=false) accepts .25 + .35.
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-11 \
// RUN:   --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1" | FileCheck %s --check-prefix=CHAIN
// CHAIN: spaceevo.space "tiny-00-11" {spaceevo.subnet_search = [{constraint_ms = 5.000000e+00 : f64, feasible = false, lower_bound = 6.000000e-01 : f64}]}
// CHAIN-NOT: spaceevo.network
// RUN: spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-00-11 \
// RUN:   --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 chain=false evolution-subnets=0" | FileCheck %s --check-prefix=NOCHAIN
// NOCHAIN: exact_loss = 6.000000e-01 : f64, feasible = true
// NOCHAIN: spaceevo.network @tiny_c5_exact
// NOCHAIN-NOT: spaceevo.network

// Published tables: an exact and an evolution network per constraint, within budget.
// RUN: %if block-lut %{ spaceevo-opt %spaces/mobilew.mlir --spaceevo-materialize-space=encoding=mobilew-352220-154401 --spaceevo-search-subnets="tables=%block_lut/mobilew constraints=15,20 seed=1" | spaceevo-opt | FileCheck %s --check-prefix=MOBILEW %}
// MOBILEW: spaceevo.space "mobilew-352220-154401" {spaceevo.subnet_search = [{constraint_ms = 1.500000e+01 : f64, evolution_loss = {{.*}}, exact_loss = {{.*}}, feasible = true, lower_bound = {{.*}}, relative_gap = {{.*}}}, {constraint_ms = 2.000000e+01 : f64,
// MOBILEW: spaceevo.network @mobilew_c15_exact of @mobilew resolution {{[0-9]+}} stem 16 space "mobilew-352220-154401" attributes {spaceevo.constraint_ms = 1.500000e+01 : f64, spaceevo.method = "exact", spaceevo.predicted_latency_ms = {{[0-9.e+]+}} : f64, spaceevo.predicted_loss = {{[0-9.e+]+}} : f64} {
// MOBILEW: spaceevo.network @mobilew_c15_evolution0
// MOBILEW: spaceevo.network @mobilew_c20_exact {{.*}}spaceevo.method = "exact"
// MOBILEW: spaceevo.network @mobilew_c20_evolution0

// Errors.
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1" 2>&1 | FileCheck %s --check-prefix=NOSPACE
// NOSPACE: error: --spaceevo-search-subnets: the module has no 'spaceevo.space' to search
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-01-00 --spaceevo-search-subnets="constraints=5" 2>&1 | FileCheck %s --check-prefix=NOTABLES
// NOTABLES: error: --spaceevo-search-subnets needs tables=DIR
// RUN: not spaceevo-opt %S/Inputs/tiny.mlir --spaceevo-materialize-space=encoding=tiny-01-00 --spaceevo-search-subnets="tables=%S/Inputs/tiny-tables constraints=5 fixed-latency=1,1,1 population=0" 2>&1 | FileCheck %s --check-prefix=POP
// POP: error: --spaceevo-search-subnets: {{.*}}population
