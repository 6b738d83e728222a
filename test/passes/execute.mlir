// Every backend computes the same bytes.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=reference | FileCheck %s
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=onednn | FileCheck %s
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=halide | FileCheck %s
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=vnni | FileCheck %s
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute | FileCheck %s
// CHECK: func.func @net({{.*}} attributes {spaceevo.backends = "{{[a-z+]+}}", spaceevo.output_digest = "[[NET:[0-9a-f]+]]"
// CHECK: func.func @resnet_row({{.*}} attributes {spaceevo.backends = "{{[a-z+]+}}", spaceevo.output_digest = "[[ROW:[0-9a-f]+]]"
// The digests are those of the reference interpreter of this input and these weights.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=reference | grep -o 'output_digest = "[0-9a-f]*"' > %t.ref
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=best | grep -o 'output_digest = "[0-9a-f]*"' > %t.best
// RUN: diff %t.ref %t.best
// Another input changes the output.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=seed=5 | grep -o 'output_digest = "[0-9a-f]*"' > %t.seed5
// RUN: not diff %t.ref %t.seed5
// A given input: 1 x 16 x 16 x 8 int8 bytes for the row.
// RUN: sed '/spaceevo.network/,/^}/d' %S/Inputs/small.mlir > %t.row.mlir
// RUN: head -c 2048 /dev/zero > %t.zeros
// RUN: spaceevo-opt %t.row.mlir --spaceevo-lower-int8=weights=splat --spaceevo-form-kernels --spaceevo-execute="input-file=%t.zeros backend=reference" | FileCheck %s --check-prefix=FILE
// FILE: spaceevo.output_digest = "{{[0-9a-f]+}}"
// RUN: head -c 100 /dev/zero > %t.short
// RUN: not spaceevo-opt %t.row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute="input-file=%t.short" 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: error: --spaceevo-execute: '{{.*}}short' has 100 bytes; the input needs 2048
// End-to-end latency, form only.
// RUN: spaceevo-opt %t.row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute="repeats=5" | FileCheck %s --check-prefix=LATENCY
// LATENCY: spaceevo.measured_latency_ms = {{[0-9.e+-]+}} : f64, spaceevo.measured_p10_ms = {{[0-9.e+-]+}} : f64, spaceevo.measured_p90_ms = {{[0-9.e+-]+}} : f64
// Where the time goes: each kernel's median time inside the network.
// RUN: spaceevo-opt %t.row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute="repeats=3 profile=true" | FileCheck %s --check-prefix=PROFILE
// PROFILE-COUNT-5: spaceevo.kernel {{.*}} {spaceevo.in_network_ns = {{[0-9]+}} : i64}
// A whole onnxw network runs.
// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-123450-012330 --spaceevo-enumerate="count=1 seed=2 resolution=160" --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute | FileCheck %s --check-prefix=ONNXW
// ONNXW: func.func @onnxw_s0_n0(%arg0: tensor<1x160x160x3xi8>) -> tensor<1x1000xi8> attributes {spaceevo.backends = "{{[a-z+]+}}", spaceevo.output_digest = "{{[0-9a-f]+}}"
// RUN: not spaceevo-opt %t.row.mlir --spaceevo-lower-int8 --spaceevo-form-kernels --spaceevo-execute=backend=gpu 2>&1 | FileCheck %s --check-prefix=BACKEND
// BACKEND: error: --spaceevo-execute: unknown backend 'gpu' (expected best, reference, onednn, halide or vnni)
// RUN: not spaceevo-opt %t.row.mlir --spaceevo-lower-int8 --spaceevo-execute 2>&1 | FileCheck %s --check-prefix=NOKERNELS
// NOKERNELS: error: --spaceevo-execute: no function made of spaceevo.kernel ops
