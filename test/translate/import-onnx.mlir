// REQUIRES: python-onnx
// Export then import gives the same INT8 network: same TOSA numbers, and
// bit-identical execution (same output digest) as the network lowered with
// --spaceevo-lower-int8=weights=calibrated.
// RUN: spaceevo-translate --export-onnx %s --onnx-symbol=net -o %t.int8.onnx
// RUN: spaceevo-translate --import-onnx %t.int8.onnx | FileCheck %s --check-prefix=INT8
// RUN: spaceevo-translate --import-onnx %t.int8.onnx | spaceevo-opt --spaceevo-form-kernels --spaceevo-execute=repeats=1 > %t.imported
// RUN: spaceevo-opt %s --spaceevo-lower-int8=weights=calibrated | spaceevo-opt --spaceevo-form-kernels --spaceevo-execute=repeats=1 > %t.lowered
// RUN: cat %t.lowered %t.imported | FileCheck %s --check-prefix=SAME
// The imported INT8 function is upstream TOSA.
// RUN: spaceevo-translate --import-onnx %t.int8.onnx | mlir-opt --verify-each > /dev/null
// An FP32 export imports as an FP32 function; quantizing it on the inputs
// the export calibrated on gives the very same INT8 network again.
// RUN: spaceevo-translate --export-onnx --onnx-fp32 %s --onnx-symbol=net -o %t.fp32.onnx
// RUN: spaceevo-translate --import-onnx %t.fp32.onnx | FileCheck %s --check-prefix=FP32
// RUN: spaceevo-translate --import-onnx %t.fp32.onnx | spaceevo-opt --spaceevo-quantize="calibration-inputs=2 seed=1" | spaceevo-opt --spaceevo-form-kernels --spaceevo-execute=repeats=1 > %t.quantized
// RUN: cat %t.lowered %t.quantized | FileCheck %s --check-prefix=SAME
// A lowered function exports too (its recorded scales give the QDQ
// parameters), and so does an imported one: both run to the same digest.
// RUN: spaceevo-opt %s --spaceevo-lower-int8=weights=calibrated | spaceevo-translate --export-onnx -o %t.lowered.onnx
// RUN: spaceevo-translate --import-onnx %t.lowered.onnx | spaceevo-opt --spaceevo-form-kernels --spaceevo-execute=repeats=1 > %t.relowered
// RUN: cat %t.lowered %t.relowered | FileCheck %s --check-prefix=SAME
// RUN: spaceevo-translate --import-onnx %t.int8.onnx | spaceevo-translate --export-onnx -o %t.reexported.onnx
// RUN: spaceevo-translate --import-onnx %t.reexported.onnx | spaceevo-opt --spaceevo-form-kernels --spaceevo-execute=repeats=1 > %t.reimported
// RUN: cat %t.lowered %t.reimported | FileCheck %s --check-prefix=SAME
// A function without its recorded scales cannot be exported.
// RUN: spaceevo-opt %s --spaceevo-lower-int8 | not spaceevo-translate --export-onnx -o %t.x 2>&1 | FileCheck %s --check-prefix=NOSCALES
// Errors: an unsupported operator is named; a file that is not ONNX.
// RUN: %python %S/Inputs/make-unsupported.py %t.bad.onnx
// RUN: not spaceevo-translate --import-onnx %t.bad.onnx 2>&1 | FileCheck %s --check-prefix=UNKNOWNOP
// RUN: not spaceevo-translate --import-onnx %s 2>&1 | FileCheck %s --check-prefix=GARBAGE

// INT8-LABEL: func.func @net(%{{.*}}: tensor<1x32x32x3xi8>) -> tensor<1x10xi8>
// INT8-SAME: spaceevo.quantization = {input_scale = {{.*}}, input_zero_point = {{.*}}, output_scale = {{.*}}, output_zero_point = {{.*}}}
// INT8: tosa.conv2d
// INT8: tosa.rescale
// INT8: tosa.depthwise_conv2d
// INT8: tosa.reduce_sum
// INT8: tosa.table
// INT8: tosa.mul
// INT8: tosa.add
// INT8: tosa.fully_connected
// INT8: return

// SAME: spaceevo.output_digest = "[[DIGEST:[0-9a-f]+]]"
// SAME: spaceevo.output_digest = "[[DIGEST]]"

// FP32-LABEL: func.func @net(%{{.*}}: tensor<1x32x32x3xf32>) -> tensor<1x10xf32>
// FP32: tosa.conv2d {{.*}} -> tensor<1x16x16x8xf32>
// FP32: tosa.clamp
// FP32: tosa.avg_pool2d
// FP32: tosa.fully_connected

// UNKNOWNOP: error: --import-onnx: {{.*}}'Tanh'{{.*}}squash
// GARBAGE: error: --import-onnx:
// NOSCALES: error: an INT8 function needs its 'spaceevo.quantization' attribute

spaceevo.hyperspace @small resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16] window 1 depths [1] {
    spaceevo.candidate 0 = mbv3_res_hswish kernels [3] expands [4]
  }
  spaceevo.head final_expand 32 feature_mix 48 classes 10 act hswish
}
spaceevo.network @net of @small resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv3_res_hswish kernel 3 width 16 expand 4 stride 2
}
