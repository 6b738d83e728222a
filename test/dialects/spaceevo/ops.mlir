// RUN: spaceevo-opt %s | spaceevo-opt | FileCheck %s
// RUN: spaceevo-opt %s --mlir-print-op-generic | spaceevo-opt | FileCheck %s

// Round trip of every spaceevo op in its custom form.

// CHECK-LABEL: spaceevo.hyperspace @tiny resolutions [32, 64] {
// CHECK-NEXT:    spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
// CHECK-NEXT:    spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
// CHECK-NEXT:      spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
// CHECK-NEXT:    }
// CHECK-NEXT:    spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
// CHECK-NEXT:      spaceevo.candidate 0 = mbv1_dual kernels [3, 5]{{$}}
// CHECK-NEXT:      spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]{{$}}
// CHECK-NEXT:      spaceevo.candidate 2 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5] act hswish
// CHECK-NEXT:    }
// CHECK-NEXT:    spaceevo.stage 2 stride 1 widths [40, 48, 64] window 3 depths [1] {
// CHECK-NEXT:      spaceevo.candidate 0 = fused_mbconv_se kernels [3] expands [1, 2, 3, 4]
// CHECK-NEXT:      spaceevo.candidate 1 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
// CHECK-NEXT:    }
// CHECK-NEXT:    spaceevo.head final_expand 64 feature_mix 96 classes 10 act hswish
// CHECK-NEXT:  }
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
    spaceevo.candidate 2 = resnet_se kernels [3, 5, 7] expands [0.5, 1.0, 1.5] act hswish
  }
  // Irregular width lists have no step.
  spaceevo.stage 2 stride 1 widths [40, 48, 64] window 3 depths [1] {
    spaceevo.candidate 0 = fused_mbconv_se kernels [3] expands [1, 2, 3, 4]
    spaceevo.candidate 1 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act hswish
}

// Scores and statistics ride along as discardable attributes.
// CHECK: spaceevo.space "tiny-10-10"{{$}}
// CHECK: spaceevo.space "tiny-21-00" {score = 2.500000e-01 : f64}
spaceevo.space "tiny-10-10"
spaceevo.space "tiny-21-00" {score = 0.25 : f64}

// CHECK-LABEL: spaceevo.network @net of @tiny resolution 64 stem 16 space "tiny-10-00" {
// CHECK-NEXT:    spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
// CHECK-NEXT:    spaceevo.layer stage 1 mbv2_res kernel 3 width 16 expand 6 stride 2
// CHECK-NEXT:    spaceevo.layer stage 1 mbv2_res kernel 3 width 24 expand 4 stride 1
// CHECK-NEXT:    spaceevo.layer stage 2 fused_mbconv_se kernel 3 width 64 expand 2 stride 1
// CHECK-NEXT:  }
spaceevo.network @net of @tiny resolution 64 stem 16 space "tiny-10-00" {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv2_res kernel 3 width 16 expand 6 stride 2
  spaceevo.layer stage 1 mbv2_res kernel 3 width 24 expand 4 stride 1
  spaceevo.layer stage 2 fused_mbconv_se kernel 3 width 64 expand 2 stride 1
}

// A network need not name its space.
// CHECK-LABEL: spaceevo.network @free of @tiny resolution 32 stem 8 {
// CHECK-NEXT:    spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
// CHECK-NEXT:    spaceevo.layer stage 1 mbv1_dual kernel 5 width 32 stride 2
// CHECK-NEXT:    spaceevo.layer stage 2 mbv3_k3_res kernel 7 width 40 expand 3 stride 1
spaceevo.network @free of @tiny resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 5 width 32 stride 2
  spaceevo.layer stage 2 mbv3_k3_res kernel 7 width 40 expand 3 stride 1
}

// A table row: stage 1 fed by 8 x 16 x 16 (resolution 64 after the stem).
// CHECK-LABEL: spaceevo.substage @row of @tiny stage 1 channels 8 size 16 window 1 {
// CHECK-NEXT:    spaceevo.layer stage 1 mbv1_dual kernel 3 width 24 stride 2
// CHECK-NEXT:    spaceevo.layer stage 1 mbv1_dual kernel 5 width 32 stride 1
spaceevo.substage @row of @tiny stage 1 channels 8 size 16 window 1 {
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 24 stride 2
  spaceevo.layer stage 1 mbv1_dual kernel 5 width 32 stride 1
}

// Kernels hold the ops a runtime fuses; costs ride along.
// CHECK-LABEL: func.func @kernel
// CHECK: %[[K:.+]] = spaceevo.kernel "table" "table(4xi8,256xi8)->4xi8"(%arg0) {spaceevo.cost = #spaceevo.cost<mean_ns = 1250, median_ns = 1200, p10_ns = 1100, p90_ns = 1500, runs = 12, backend = "halide", device = "63fcca59353182a8">} : (tensor<4xi8>) -> tensor<4xi8> {
// CHECK-NEXT: ^bb0(%[[A:.+]]: tensor<4xi8>):
// CHECK: spaceevo.yield %{{.+}} : tensor<4xi8>
// CHECK: return %[[K]]
func.func @kernel(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = spaceevo.kernel "table" "table(4xi8,256xi8)->4xi8" (%x) {spaceevo.cost = #spaceevo.cost<mean_ns = 1250, median_ns = 1200, p10_ns = 1100, p90_ns = 1500, runs = 12, backend = "halide", device = "63fcca59353182a8">} : (tensor<4xi8>) -> tensor<4xi8> {
  ^bb0(%a: tensor<4xi8>):
    %t = "tosa.const"() <{value = dense<3> : tensor<256xi8>}> : () -> tensor<256xi8>
    %y = tosa.table %a, %t : (tensor<4xi8>, tensor<256xi8>) -> tensor<4xi8>
    spaceevo.yield %y : tensor<4xi8>
  }
  return %0 : tensor<4xi8>
}
