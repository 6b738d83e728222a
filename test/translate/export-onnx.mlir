// REQUIRES: python-onnx
// INT8 QDQ export: u8 activations, s8 per-channel weights, i32 biases; the
// model passes onnx.checker.
// RUN: spaceevo-translate --export-onnx %s --onnx-symbol=net -o %t.int8.onnx
// RUN: %python %S/Inputs/onnx-summary.py %t.int8.onnx | FileCheck %s --check-prefix=INT8
// FP32 export of the same network.
// RUN: spaceevo-translate --export-onnx --onnx-fp32 %s --onnx-symbol=net -o %t.fp32.onnx
// RUN: %python %S/Inputs/onnx-summary.py %t.fp32.onnx | FileCheck %s --check-prefix=FP32
// A sub-stage exports too; the same seed gives the same bytes, another does not.
// RUN: spaceevo-translate --export-onnx %s --onnx-symbol=resnet_row -o %t.a
// RUN: spaceevo-translate --export-onnx %s --onnx-symbol=resnet_row -o %t.b
// RUN: spaceevo-translate --export-onnx %s --onnx-symbol=resnet_row --onnx-seed=7 -o %t.c
// RUN: cmp %t.a %t.b
// RUN: not cmp -s %t.a %t.c
// RUN: %python %S/Inputs/onnx-summary.py %t.a | FileCheck %s --check-prefix=SUBSTAGE
// Errors: two candidates and no --onnx-symbol; an unknown symbol.
// RUN: not spaceevo-translate --export-onnx %s -o %t.x 2>&1 | FileCheck %s --check-prefix=AMBIGUOUS
// RUN: not spaceevo-translate --export-onnx %s --onnx-symbol=nope -o %t.x 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// INT8: checker: ok
// INT8: opset: {{1[3-9]|2[0-9]}}
// INT8: input input: FLOAT 1x3x32x32
// INT8: output output: FLOAT 1x10
// INT8: nodes: {{.*}}Conv=11 {{.*}}DequantizeLinear={{[0-9]+}} {{.*}}Gemm=1 {{.*}}QuantizeLinear={{[0-9]+}}
// INT8: initializers: {{.*}}INT32={{[0-9]+}} {{.*}} INT8={{[0-9]+}} UINT8={{[0-9]+}}

// FP32: checker: ok
// FP32: input input: FLOAT 1x3x32x32
// FP32: output output: FLOAT 1x10
// FP32-NOT: QuantizeLinear
// FP32: nodes: {{.*}}Conv=11 {{.*}}Gemm=1
// FP32-NOT: INT8

// SUBSTAGE: checker: ok
// SUBSTAGE: input input: FLOAT 1x8x16x16
// SUBSTAGE: output output: FLOAT 1x16x8x8

// AMBIGUOUS: error: --export-onnx: expected exactly one 'spaceevo.network', 'spaceevo.substage' or function (name one with --onnx-symbol), found 2
// UNKNOWN: error: --export-onnx: no 'spaceevo.network', 'spaceevo.substage' or function @nope

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
