// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8=weights=splat --spaceevo-form-kernels | FileCheck %s
// Kernels round-trip and verify.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8 --spaceevo-form-kernels | spaceevo-opt --verify-each | FileCheck %s --check-prefix=RT
// The signature ignores constant values: other weights, same signatures.
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8=seed=1 --spaceevo-form-kernels | grep -o 'spaceevo.kernel "[a-z_0-9]*" "[^"]*"' > %t.1
// RUN: spaceevo-opt %S/Inputs/small.mlir --spaceevo-lower-int8=seed=2 --spaceevo-form-kernels | grep -o 'spaceevo.kernel "[a-z_0-9]*" "[^"]*"' > %t.2
// RUN: diff %t.1 %t.2

// CHECK-LABEL: func.func @net
// Stem: conv + rescale + clamp, its constants inside.
// CHECK: %[[STEM:.+]] = spaceevo.kernel "conv" "conv2d(1x32x32x3xi8,8x3x3x3xi8,8xi32)->1x16x16x8xi32{stride=array<i64: 2, 2>;pad=array<i64: 1, 1, 1, 1>;dilation=array<i64: 1, 1>}+rescale(1x16x16x8xi32)->1x16x16x8xi8{per_channel=true;double_round=true;scale32=true}+clamp(1x16x16x8xi8)->1x16x16x8xi8"(%arg0) : (tensor<1x32x32x3xi8>) -> tensor<1x16x16x8xi8> {
// CHECK-NEXT: ^bb0(%[[X:.+]]: tensor<1x32x32x3xi8>):
// CHECK: "tosa.const"
// CHECK: tosa.conv2d %[[X]]
// CHECK: tosa.rescale
// CHECK: %[[C:.+]] = tosa.clamp
// CHECK-NEXT: spaceevo.yield %[[C]] : tensor<1x16x16x8xi8>
// CHECK: %[[DW:.+]] = spaceevo.kernel "depthwise" "depthwise_conv2d({{.*}}+clamp{{.*}}"(%[[STEM]])
// CHECK: %[[PW:.+]] = spaceevo.kernel "conv" "conv2d(1x16x16x8xi8,8x1x1x8xi8,8xi32){{[^+]*}}+rescale{{[^+]*}}"(%[[DW]])
// The residual takes both operands.
// CHECK: %[[RES:.+]] = spaceevo.kernel "add" "rescale({{.*}}+rescale({{.*}}+add({{.*}}+rescale({{.*}}"(%[[PW]], %[[STEM]])
// CHECK: spaceevo.kernel "conv" {{.*}}+table(
// CHECK: %[[DW2:.+]] = spaceevo.kernel "depthwise" {{.*}}+table(
// The whole squeeze-excite is one kernel fed by the depthwise output.
// CHECK: spaceevo.kernel "se" "avg_pool2d({{.*}}+conv2d({{.*}}+conv2d({{.*}}+table({{.*}}+mul({{.*}}"(%[[DW2]])
// CHECK: spaceevo.kernel "conv" {{.*}}stride=array<i64: 2, 2>{{.*}}"(%[[RES]])
// CHECK: spaceevo.kernel "add"
// Head: a lone pooling, then the classifier with its reshape.
// CHECK: spaceevo.kernel "avg_pool2d" "avg_pool2d(1x8x8x32xi8)->1x1x1x32xi8{{.*}}"
// CHECK: %[[FC:.+]] = spaceevo.kernel "fully_connected" "reshape(1x1x1x48xi8)->1x48xi8{new_shape=array<i64: 1, 48>}+fully_connected(1x48xi8,10x48xi8,10xi32)->1x10xi32+rescale(1x10xi32)->1x10xi8{{.*}}"
// CHECK: return %[[FC]] : tensor<1x10xi8>
// Nothing outside the kernels computes.
// CHECK-LABEL: func.func @resnet_row
// CHECK-COUNT-4: spaceevo.kernel "conv"
// CHECK: spaceevo.kernel "add" {{.*}}+clamp(
// CHECK-NOT: tosa.conv2d
// RT: func.func @net
