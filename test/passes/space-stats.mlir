// RUN: spaceevo-opt %s --spaceevo-space-stats | FileCheck %s
// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-000000-000000 --spaceevo-space-stats | FileCheck %s --check-prefix=ONNXW

// A hyperspace small enough to count by hand:
//   2 resolutions x 2 stem widths x stage 0 (1 choice) x stage 1.
// Stage 1 has 2 blocks x 2 windows = 4 spaces. A block has c = 2 choices
// per layer (2 kernels, or 1 kernel x 2 expansions) and picks 1 or 2 layers.
// In one window (2 widths): 4 + 4^2 = 20 sequences, so a space holds
// 2 x 2 x 20 = 80 subnets. Over both windows, distinct width sequences are
// 3 (depth 1) and 7 of 9 pairs (depth 2: not 16 with 32), so a block gives
// 2 x 3 + 4 x 7 = 34 and the hyperspace 2 x 2 x (34 + 34) = 272.
//
// Smallest network (resolution 32, stem 8, mbv1_dual k3 width 16), MACs:
//   stem 3x3 s2 3->8 at 16x16          55296
//   stage 0 mbv2 e1: dw 3x3 8 at 16x16  18432, pw 8->8   16384
//   stage 1 mbv1_dual s2 8->16 at 8x8:  dw 4608, pw 8192, dw 9216, pw 16384,
//                                       1x1 s2 shortcut 8192
//   head 16->64 at 8x8 65536, 64->96 6144, fc 96->10 960
//   total                               209344

// CHECK-LABEL: spaceevo.hyperspace @tiny
// CHECK-SAME: spaceevo.log10_spaces = 6.020000e-01
// CHECK-SAME: spaceevo.log10_subnets = 2.435000e+00
// CHECK-SAME: spaceevo.macs = array<i64: 209344, [[MAX:[0-9]+]]>
// CHECK-SAME: spaceevo.num_spaces = "4"
// CHECK-SAME: spaceevo.num_subnets = "272"
// CHECK-SAME: spaceevo.params = array<i64: [[PMIN:[0-9]+]], [[PMAX:[0-9]+]]>
spaceevo.hyperspace @tiny resolutions [32, 64] {
  spaceevo.stem kernel 3 stride 2 widths [8, 16] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4, 6]
  }
  spaceevo.head final_expand 64 feature_mix 96 classes 10 act hswish
}

// The smallest network of this space is the hyperspace's smallest.
// CHECK: spaceevo.space "tiny-0-0"
// CHECK-SAME: spaceevo.log10_subnets = 1.903000e+00
// CHECK-SAME: spaceevo.macs = array<i64: 209344,
// CHECK-SAME: spaceevo.num_subnets = "80"
spaceevo.space "tiny-0-0"

// The space with the largest widths and MBv2 holds the largest network.
// CHECK: spaceevo.space "tiny-1-1"
// CHECK-SAME: spaceevo.macs = array<i64: {{[0-9]+}}, [[MAX]]>
// CHECK-SAME: spaceevo.params = array<i64: {{[0-9]+}}, [[PMAX]]>
spaceevo.space "tiny-1-1"

// onnxw: 6^6 blocks x (2 x 4^5) windows.
// ONNXW: spaceevo.hyperspace @onnxw
// ONNXW-SAME: spaceevo.num_spaces = "95551488"
// ONNXW-SAME: spaceevo.num_subnets = "{{[0-9]+}}"
// ONNXW: spaceevo.space "onnxw-000000-000000"
// ONNXW-SAME: spaceevo.num_subnets = "{{[0-9]+}}"

// A network gets its own count: the smallest network of @tiny.
// CHECK-LABEL: spaceevo.network @smallest
// CHECK-SAME: attributes {spaceevo.macs = 209344 : i64, spaceevo.params = [[PMIN]] : i64}
spaceevo.network @smallest of @tiny resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv1_dual kernel 3 width 16 stride 2
}
