// RUN: spaceevo-opt %s --split-input-file --spaceevo-quantize | FileCheck %s
// RUN: spaceevo-opt %s --split-input-file --spaceevo-quantize | mlir-opt --split-input-file --verify-each > /dev/null
// The quantized function runs on the INT8 runtime, the same on every backend.
// RUN: spaceevo-opt %s --split-input-file --spaceevo-quantize --spaceevo-form-kernels --spaceevo-execute="backend=reference repeats=1" | FileCheck %s --check-prefix=EXEC
// RUN: spaceevo-opt %s --split-input-file --spaceevo-quantize --spaceevo-form-kernels --spaceevo-execute="backend=best repeats=1" | FileCheck %s --check-prefix=EXEC
// Calibration from a file of float32 tensors (here 2 x 8x8x3, all 0.5).
// RUN: %python -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<384f', *([0.5]*384)))" > %t.calib
// RUN: spaceevo-opt %s --split-input-file --spaceevo-quantize=calibration-file=%t.calib | FileCheck %s --check-prefix=FILE
// RUN: %python -c "import sys; sys.stdout.buffer.write(bytes(10))" > %t.short
// RUN: not spaceevo-opt %s --split-input-file --spaceevo-quantize=calibration-file=%t.short 2>&1 | FileCheck %s --check-prefix=SHORT
// RUN: not spaceevo-opt %s --split-input-file --spaceevo-quantize=calibration-file=%t.missing 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not spaceevo-opt %s --split-input-file --spaceevo-quantize=method=average 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: echo 'func.func @f(%%x: tensor<1xi8>) -> tensor<1xi8> { return %%x : tensor<1xi8> }' | not spaceevo-opt --spaceevo-quantize 2>&1 | FileCheck %s --check-prefix=NOFP32

// CHECK-LABEL: func.func @classifier(%{{.*}}: tensor<1x8x8x3xi8>) -> tensor<1x5xi8>
// CHECK-SAME: spaceevo.quantization
// CHECK: tosa.conv2d {{.*}} quantization_info = #tosa.conv_quant<input_zp = {{-?[0-9]+}}, weight_zp = 0>{{.*}} -> tensor<1x8x8x4xi32>
// CHECK: tosa.rescale {{.*}} per_channel = true
// ReLU6's clamp is implied: the output range is [0, max] and saturates.
// CHECK-NOT: tosa.clamp
// CHECK: tosa.reduce_sum
// CHECK: tosa.reduce_sum
// CHECK: tosa.rescale
// CHECK: tosa.reshape
// CHECK: tosa.fully_connected
// CHECK-NOT: xf32>
// CHECK: return

// EXEC-LABEL: func.func @classifier
// EXEC-SAME: spaceevo.output_digest = "[[D:[0-9a-f]+]]"

// FILE: func.func @classifier(%{{.*}}: tensor<1x8x8x3xi8>)
// SHORT: error: --spaceevo-quantize: '{{.*}}' has 10 bytes, not a whole number of 8x8x3 float32 tensors (768 bytes each)
// MISSING: error: --spaceevo-quantize: cannot read '{{.*}}missing'
// NOFP32: error: --spaceevo-quantize: the module has no FP32 function (one f32 tensor argument) to quantize
// METHOD: error: --spaceevo-quantize: method must be 'minmax' or 'percentile', not 'average'

func.func @classifier(%x: tensor<1x8x8x3xf32>) -> tensor<1x5xf32> {
  %w = "tosa.const"() <{value = dense<[[[[0.5, -0.25, 0.125]]], [[[-0.5, 0.75, 0.25]]], [[[0.3, 0.2, -0.1]]], [[[1.0, -1.0, 0.5]]]]> : tensor<4x1x1x3xf32>}> : () -> tensor<4x1x1x3xf32>
  %b = "tosa.const"() <{value = dense<[0.1, -0.1, 0.0, 0.2]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %c = tosa.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xf32>, tensor<4x1x1x3xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  %r = tosa.clamp %c {max_fp = 6.0 : f32, max_int = 6 : i64, min_fp = 0.0 : f32, min_int = 0 : i64} : (tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  %p = tosa.avg_pool2d %r {acc_type = f32, kernel = array<i64: 8, 8>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x1x1x4xf32>
  %f = tosa.reshape %p {new_shape = array<i64: 1, 4>} : (tensor<1x1x1x4xf32>) -> tensor<1x4xf32>
  %fw = "tosa.const"() <{value = dense<0.25> : tensor<5x4xf32>}> : () -> tensor<5x4xf32>
  %fb = "tosa.const"() <{value = dense<[0.0, 0.1, 0.2, 0.3, 0.4]> : tensor<5xf32>}> : () -> tensor<5xf32>
  %y = tosa.fully_connected %f, %fw, %fb : (tensor<1x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}
