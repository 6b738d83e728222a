// RUN: spaceevo-opt %s --spaceevo-lower-int8=weights=splat | FileCheck %s
// The result is plain upstream IR: mlir-opt verifies it and lowers it to linalg.
// RUN: spaceevo-opt %s --spaceevo-lower-int8 | mlir-opt --verify-each | FileCheck %s --check-prefix=UPSTREAM
// RUN: spaceevo-opt %s --spaceevo-lower-int8 | mlir-opt --pass-pipeline="builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor))" | FileCheck %s --check-prefix=LINALG
// Seeded weights are deterministic; another seed changes them.
// RUN: spaceevo-opt %s --spaceevo-lower-int8=seed=3 > %t.a
// RUN: spaceevo-opt %s --spaceevo-lower-int8=seed=3 > %t.b
// RUN: spaceevo-opt %s --spaceevo-lower-int8=seed=4 > %t.c
// RUN: diff %t.a %t.b
// RUN: not diff %t.a %t.c
// RUN: not spaceevo-opt %s --spaceevo-lower-int8=weights=random 2>&1 | FileCheck %s --check-prefix=BADWEIGHTS
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-lower-int8 2>&1 | FileCheck %s --check-prefix=NOTHING
// weights=calibrated: lib/exec's calibrated graph (what --export-onnx
// writes); pooling is a widening rescale, two reduce_sums and one rescale.
// RUN: spaceevo-opt %s --spaceevo-lower-int8=weights=calibrated | mlir-opt --verify-each | FileCheck %s --check-prefix=CALIBRATED
// RUN: spaceevo-opt %s --spaceevo-lower-int8="weights=calibrated calibration-inputs=1" > %t.d
// RUN: spaceevo-opt %s --spaceevo-lower-int8="weights=calibrated calibration-inputs=1" > %t.e
// RUN: diff %t.d %t.e
// A whole onnxw network lowers and verifies upstream.
// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-123450-012330 --spaceevo-enumerate="count=1 seed=2 resolution=160" --spaceevo-lower-int8=weights=splat | mlir-opt --verify-each | FileCheck %s --check-prefix=ONNXW

spaceevo.hyperspace @small resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16] window 1 depths [1] {
    spaceevo.candidate 0 = mbv3_res_hswish kernels [3] expands [4]
    spaceevo.candidate 1 = resnet kernels [5] expands [1]
  }
  spaceevo.head final_expand 32 feature_mix 48 classes 10 act hswish
}
spaceevo.network @net of @small resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv3_res_hswish kernel 3 width 16 expand 4 stride 2
}
spaceevo.substage @resnet_row of @small stage 1 channels 8 size 16 {
  spaceevo.layer stage 1 resnet kernel 5 width 16 expand 1 stride 2
}

// Stem: 3x3 stride-2 conv from RGB, rescale, ReLU as a clamp.
// CHECK-LABEL: func.func @net(%arg0: tensor<1x32x32x3xi8>) -> tensor<1x10xi8> attributes {spaceevo.source = "spaceevo.network @net"}
// CHECK: %[[W0:.+]] = "tosa.const"() <{value = dense<1> : tensor<8x3x3x3xi8>}>
// CHECK: %[[B0:.+]] = "tosa.const"() <{value = dense<0> : tensor<8xi32>}>
// CHECK: %[[C0:.+]] = tosa.conv2d %arg0, %[[W0]], %[[B0]] {dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, quantization_info = #tosa.conv_quant<input_zp = {{-?[0-9]+}}, weight_zp = 0>, stride = array<i64: 2, 2>} : (tensor<1x32x32x3xi8>, tensor<8x3x3x3xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi32>
// CHECK: %[[R0:.+]] = tosa.rescale %[[C0]] {double_round = true, input_zp = 0 : i32, multiplier = array<i32: {{.*}}>, output_zp = -128 : i32, per_channel = true, scale32 = true, shift = array<i8: {{.*}}>} : (tensor<1x16x16x8xi32>) -> tensor<1x16x16x8xi8>
// CHECK: %[[STEM:.+]] = tosa.clamp %[[R0]] {{.*}}min_int = -128 : i64{{.*}} -> tensor<1x16x16x8xi8>
// Stage 0, plain MBv2 with e = 1: no expand conv; depthwise 3x3, project, identity residual.
// CHECK: tosa.depthwise_conv2d %[[STEM]], %{{.+}}, %{{.+}} {{.*}} : (tensor<1x16x16x8xi8>, tensor<3x3x8x1xi8>, tensor<8xi32>) -> tensor<1x16x16x8xi32>
// CHECK: %[[PROJ:.+]] = tosa.conv2d {{.*}} -> tensor<1x16x16x8xi32>
// CHECK: %[[P8:.+]] = tosa.rescale %[[PROJ]]
// CHECK: %[[A:.+]] = tosa.rescale %[[P8]] {{.*}} -> tensor<1x16x16x8xi32>
// CHECK: %[[B:.+]] = tosa.rescale %[[STEM]] {{.*}} -> tensor<1x16x16x8xi32>
// CHECK: %[[SUM:.+]] = tosa.add %[[A]], %[[B]]
// CHECK: %[[S0:.+]] = tosa.rescale %[[SUM]] {{.*}} -> tensor<1x16x16x8xi8>
// Stage 1, MBv3 (Hswish as a 256-entry table) with squeeze-excite.
// CHECK: tosa.conv2d %[[S0]], {{.*}} -> tensor<1x16x16x32xi32>
// CHECK: %[[T:.+]] = "tosa.const"() <{value = dense<"0x{{[0-9A-F]+}}"> : tensor<256xi8>}>
// CHECK: tosa.table %{{.+}}, %[[T]] : (tensor<1x16x16x32xi8>, tensor<256xi8>) -> tensor<1x16x16x32xi8>
// CHECK: tosa.depthwise_conv2d {{.*}}stride = array<i64: 2, 2>{{.*}} -> tensor<1x8x8x32xi32>
// CHECK: %[[DW:.+]] = tosa.table
// CHECK: tosa.avg_pool2d %[[DW]] {acc_type = i32, kernel = array<i64: 8, 8>, {{.*}}} : (tensor<1x8x8x32xi8>) -> tensor<1x1x1x32xi8>
// CHECK: tosa.conv2d {{.*}} -> tensor<1x1x1x8xi32>
// CHECK: tosa.conv2d {{.*}} -> tensor<1x1x1x32xi32>
// CHECK: %[[GATE:.+]] = tosa.table {{.*}} -> tensor<1x1x1x32xi8>
// CHECK: %[[X32:.+]] = tosa.rescale %[[DW]] {{.*}} -> tensor<1x8x8x32xi32>
// CHECK: %[[G32:.+]] = tosa.rescale %[[GATE]] {{.*}} -> tensor<1x1x1x32xi32>
// CHECK: tosa.mul %[[X32]], %[[G32]] {shift = 0 : i8} : (tensor<1x8x8x32xi32>, tensor<1x1x1x32xi32>) -> tensor<1x8x8x32xi32>
// Forced residual: a strided 1x1 downsample of the block's input.
// CHECK: tosa.conv2d %[[S0]], {{.*}}stride = array<i64: 2, 2>{{.*}} -> tensor<1x8x8x16xi32>
// CHECK: tosa.add
// Head: 1x1 to 32, pool, 1x1 to 48, reshape, classifier.
// CHECK: tosa.conv2d {{.*}} -> tensor<1x8x8x32xi32>
// CHECK: tosa.avg_pool2d
// CHECK: tosa.conv2d {{.*}} -> tensor<1x1x1x48xi32>
// CHECK: %[[FLAT:.+]] = tosa.reshape %{{.+}} {new_shape = array<i64: 1, 48>} : (tensor<1x1x1x48xi8>) -> tensor<1x48xi8>
// CHECK: %[[FC:.+]] = tosa.fully_connected %[[FLAT]], %{{.+}}, %{{.+}} {{.*}} : (tensor<1x48xi8>, tensor<10x48xi8>, tensor<10xi32>) -> tensor<1x10xi32>
// CHECK: %[[OUT:.+]] = tosa.rescale %[[FC]] {{.*}} -> tensor<1x10xi8>
// CHECK: return %[[OUT]] : tensor<1x10xi8>

// A table row: ResNet k5 stride 2, ReLU after the residual add.
// CHECK-LABEL: func.func @resnet_row(%arg0: tensor<1x16x16x8xi8>) -> tensor<1x8x8x16xi8>
// CHECK: tosa.conv2d %arg0, {{.*}} -> tensor<1x16x16x16xi32>
// CHECK: tosa.conv2d {{.*}}pad = array<i64: 2, 2, 2, 2>{{.*}}stride = array<i64: 2, 2>} : (tensor<1x16x16x16xi8>, tensor<16x5x5x16xi8>, tensor<16xi32>) -> tensor<1x8x8x16xi32>
// CHECK: tosa.add
// CHECK: %[[RELU:.+]] = tosa.clamp
// CHECK: return %[[RELU]]

// The spaceevo ops are gone.
// CHECK-NOT: spaceevo.

// UPSTREAM: func.func @net
// UPSTREAM: func.func @resnet_row
// LINALG: linalg.conv_2d_nhwc_fhwc_q
// LINALG: linalg.depthwise_conv_2d_nhwc_hwcm_q
// LINALG-NOT: tosa.conv2d
// BADWEIGHTS: error: --spaceevo-lower-int8: weights must be 'seeded', 'splat' or 'calibrated', not 'random'
// NOTHING: error: --spaceevo-lower-int8: the module has no 'spaceevo.network' or 'spaceevo.substage' to lower
// ONNXW: func.func @onnxw_s0_n0(%arg0: tensor<1x160x160x3xi8>) -> tensor<1x1000xi8>

// CALIBRATED-LABEL: func.func @net(%{{.*}}: tensor<1x32x32x3xi8>) -> tensor<1x10xi8>
// CALIBRATED-SAME: spaceevo.quantization = {input_scale = {{.*}} : f32, input_zero_point = {{-?[0-9]+}} : i32, output_scale = {{.*}} : f32, output_zero_point = {{-?[0-9]+}} : i32}
// CALIBRATED: tosa.conv2d
// CALIBRATED: tosa.rescale {{.*}}multiplier = array<i32: 1073741824>{{.*}}shift = array<i8: 30>{{.*}}xi32>
// CALIBRATED: tosa.reduce_sum {{.*}}axis = 1
// CALIBRATED: tosa.reduce_sum {{.*}}axis = 2
// CALIBRATED: tosa.table
// CALIBRATED: tosa.mul
// CALIBRATED: tosa.fully_connected
// CALIBRATED-NOT: tosa.avg_pool2d
// CALIBRATED-LABEL: func.func @resnet_row
