//===- Quantize.h - Post-training static INT8 quantization ------*- C++ -*-===//
//
// Calibrates activation ranges by running the FP32 network on calibration
// inputs, then maps every op of the expansion onto a runtime kernel
// description (runtime/Kernel.h) with the scheme of docs/runtime.md:
// uint8 asymmetric per-tensor activations, int8 symmetric per-output-channel
// weights, int32 biases, TOSA RESCALE multipliers, clamps for ReLU/ReLU6 and
// 256-entry tables for Hswish/Hsigmoid/Swish/Sigmoid. Ops with a table
// activation requantize their accumulator into the *pre-activation* range
// and the table maps it to the output range, so both are calibrated.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_QUANTIZE_H
#define SPACEEVO_EXEC_QUANTIZE_H

#include "spaceevo/exec/FloatExecutor.h"
#include "spaceevo/runtime/Kernel.h"

namespace spaceevo::exec {

struct TensorRange {
  float min = 0.0f, max = 0.0f;
};

struct CalibrationOptions {
  enum class Method {
    MinMax,     ///< the observed extremes
    Percentile, ///< clip both tails at `percentile` (e.g. 99.99)
  };
  Method method = Method::MinMax;
  double percentile = 99.99;
  /// Percentile: values kept per tensor (an even subsample when larger).
  size_t maxSamplesPerTensor = size_t(1) << 16;
};

/// Ranges of the expansion input and of every op's output before and after
/// its activation (equal when the op has none).
struct ActivationRanges {
  TensorRange input;
  std::vector<TensorRange> preActivation, output;
};

/// Runs `network` (FP32) on `inputs` and records the ranges. Needs at least
/// one input of the network's input shape.
Expected<ActivationRanges> calibrateRanges(FloatNetwork &network,
                                           const std::vector<Tensor> &inputs,
                                           const CalibrationOptions &options =
                                               {});

/// Asymmetric uint8 parameters covering `range` and 0 (so that zero, the
/// padding value, is exact): scale = (max - min) / 255 (at least 1e-8),
/// zero point = round(-min / scale) in [0, 255].
runtime::QuantParams quantParamsForRange(TensorRange range);

/// One op of the INT8 graph: the runtime kernel and the quantization of its
/// output. `input` / `other` are as in the expansion's Primitive.
struct QuantizedOp {
  runtime::KernelDesc kernel;
  runtime::QuantParams output;
  /// Quantization of the accumulator's requantized value before a table
  /// activation (equal to `output` when the op has no table).
  runtime::QuantParams preActivation;
  /// Conv / depthwise / FC: the real scale of each output channel's int8
  /// weights (weight = scale * q); empty for other ops. Exporters need it.
  std::vector<float> weightScales;
  int input = kExpansionInput;
  int other = kNoOperand;
};

/// The whole INT8 graph: quantize the input with `input`, run the ops in
/// order, dequantize the last op's output with its `output` parameters.
struct QuantizedExpansion {
  Expansion expansion;
  TensorShape inputShape, outputShape;
  runtime::QuantParams input;
  std::vector<QuantizedOp> ops;
};

/// Everything that fixes one op's INT8 kernel, whether it comes from FP32
/// parameters and calibrated ranges (quantizeExpansion) or from a quantized
/// model (ONNX import). Both build their kernels with assembleQuantizedOp,
/// so a graph read back from its own export has the same multipliers,
/// shifts and tables bit for bit.
struct OpQuantization {
  runtime::QuantParams input; ///< main operand
  runtime::QuantParams other; ///< second operand of Add and ChannelScale
  /// Requantization target before a table activation (Hswish, Swish,
  /// Hsigmoid, Sigmoid); ignored for clamps and None, which requantize
  /// straight into `output`.
  runtime::QuantParams preActivation;
  runtime::QuantParams output;
  /// Conv / depthwise / FC: int8 weights in the runtime's layout (OHWI,
  /// [k][k][c], [oc][ic]), the real scale of each output channel's weights
  /// and the int32 bias in units of input.scale * weightScales[c] (empty
  /// means zero).
  std::vector<int8_t> weights;
  std::vector<float> weightScales;
  std::vector<int32_t> bias;
};

/// The kernel of `op` (shapes, operands and activation from the primitive)
/// with the quantization `q`: per-channel RESCALE by
/// input.scale * weightScales[c] / target.scale for convs and FC, the
/// average's in.scale / pixels, ChannelScale's input.scale * other.scale,
/// TOSA's common int32 domain for Add, then a clamp or a 256-entry table.
/// The description is validated; errors do not name the op (callers do).
Expected<QuantizedOp> assembleQuantizedOp(const Primitive &op,
                                          OpQuantization q);

/// Whether an activation is realised as a table (and so needs the
/// pre-activation quantization) rather than a clamp.
bool activationNeedsTable(runtime::ActivationFunction function);

/// Builds the INT8 graph from FP32 parameters (batch norm folded here) and
/// calibrated ranges. Every kernel description is validated
/// (runtime::validateKernelDesc); a failure names the op.
Expected<QuantizedExpansion>
quantizeExpansion(const Expansion &expansion,
                  const ExpansionParameters &parameters,
                  const ActivationRanges &ranges);

/// Calibration + quantization in one call (FP32 run on `backend`).
Expected<QuantizedExpansion>
quantizePostTraining(const Expansion &expansion,
                     const ExpansionParameters &parameters,
                     const std::vector<Tensor> &calibrationInputs,
                     const CalibrationOptions &options = {},
                     FloatBackend backend = FloatBackend::Reference);

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_QUANTIZE_H
