// RUN: spaceevo-opt %s --spaceevo-enumerate="count=3 seed=7" | FileCheck %s
// Networks it emits verify again, against their hyperspace and space.
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=3 seed=7" | spaceevo-opt --verify-each | FileCheck %s
// Same seed, same networks; another seed, other networks.
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=5 seed=7" > %t.a
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=5 seed=7" > %t.b
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=5 seed=8" > %t.c
// RUN: diff %t.a %t.b
// RUN: not diff %t.a %t.c
// Every one of the 80 distinct subnets of a space, and not one more.
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=80 seed=1" | grep -c "spaceevo.network @tiny_s0" | FileCheck %s --check-prefix=ALL
// RUN: not spaceevo-opt %s --spaceevo-enumerate="count=81 seed=1" 2>&1 | FileCheck %s --check-prefix=TOOMANY
// RUN: spaceevo-opt %s --spaceevo-enumerate="count=40 seed=1 resolution=64" | FileCheck %s --check-prefix=RES
// RUN: not spaceevo-opt %s --spaceevo-enumerate="count=41 seed=1 resolution=64" 2>&1 | FileCheck %s --check-prefix=TOOMANYRES
// RUN: not spaceevo-opt %s --spaceevo-enumerate="count=0" 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not spaceevo-opt %s --spaceevo-enumerate="count=2 resolution=48" 2>&1 | FileCheck %s --check-prefix=BADRES
// RUN: not spaceevo-opt %spaces/onnxw.mlir --spaceevo-enumerate 2>&1 | FileCheck %s --check-prefix=NOSPACE
// Real hyperspaces: networks from an onnxw and a mobilew space verify.
// RUN: spaceevo-opt %spaces/onnxw.mlir --spaceevo-materialize-space=encoding=onnxw-543210-123321 --spaceevo-enumerate="count=20 seed=3" | spaceevo-opt | FileCheck %s --check-prefix=ONNXW
// RUN: spaceevo-opt %spaces/mobilew.mlir --spaceevo-materialize-space=encoding=mobilew-654321-015643 --spaceevo-enumerate="count=20 seed=3" | spaceevo-opt | FileCheck %s --check-prefix=MOBILEW

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
spaceevo.space "tiny-1-1"

// CHECK: spaceevo.space "tiny-1-1"
// CHECK-NEXT: spaceevo.network @tiny_s0_n0 of @tiny resolution {{32|64}} stem {{8|16}} space "tiny-1-1" {
// CHECK-NEXT:   spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
// CHECK-NEXT:   spaceevo.layer stage 1 mbv2_res kernel 3 width {{24|32}} expand {{4|6}} stride 2
// CHECK: spaceevo.network @tiny_s0_n1
// CHECK: spaceevo.network @tiny_s0_n2
// CHECK-NOT: spaceevo.network

// ALL: 80
// TOOMANY: error: --spaceevo-enumerate: count=81 exceeds the 80 distinct networks of this space
// RES-NOT: resolution 32
// TOOMANYRES: error: --spaceevo-enumerate: count=41 exceeds the 40 distinct networks of this space at resolution 64
// ZERO: error: --spaceevo-enumerate: count must be at least 1, got 0
// BADRES: error: --spaceevo-enumerate: resolution 48 is not a resolution of @tiny
// NOSPACE: error: --spaceevo-enumerate: the module has no 'spaceevo.space' to draw networks from

// ONNXW: spaceevo.network @onnxw_s0_n19 of @onnxw resolution {{[0-9]+}} stem {{16|32}} space "onnxw-543210-123321"
// MOBILEW: spaceevo.network @mobilew_s0_n19 of @mobilew
