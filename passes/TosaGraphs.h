//===- TosaGraphs.h - lib/exec graphs <-> upstream TOSA functions -*- C++ -*-===//
//
// One emitter for every producer of TOSA in spaceevo: --spaceevo-lower-int8
// (weights=calibrated), --spaceevo-quantize and spaceevo-translate
// --import-onnx all build an MLIR-free graph first (lib/exec) and emit it
// here, so the TOSA, our execution and an exported ONNX model agree.
//
// INT8 functions take and return i8 NHWC tensors; TOSA int8 value v is the
// runtime's uint8 value v + 128 (docs/runtime.md). Global average pooling
// is emitted as rescale-to-i32, two reduce_sums and one output rescale, so
// the pooled value is rounded once, as the runtime does. The function's
// `spaceevo.quantization` attribute records the real scale and (int8)
// zero point of its input and output.
//
// FP32 functions use conv2d / depthwise_conv2d / fully_connected with
// folded biases, avg_pool2d, add, mul and these activation chains, which
// readFloatFunction recognises again: ReLU = clamp(0, max), ReLU6 =
// clamp(0, 6), Sigmoid = sigmoid, Swish = x * sigmoid(x), Hsigmoid =
// clamp(x + 3, 0, 6) * (1/6), Hswish = x * Hsigmoid(x).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_PASSES_TOSAGRAPHS_H
#define SPACEEVO_PASSES_TOSAGRAPHS_H

#include "spaceevo/exec/Quantize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::spaceevo {

/// Emits `func.func @name` computing the INT8 graph at the builder's
/// insertion point. Errors are reported at `loc`.
FailureOr<func::FuncOp>
emitInt8Function(OpBuilder &builder, Location loc, StringRef name,
                 const ::spaceevo::exec::QuantizedExpansion &graph);

/// Emits `func.func @name` computing the FP32 network with folded
/// parameters (batch norms and own biases folded into each conv's bias).
FailureOr<func::FuncOp>
emitFloatFunction(OpBuilder &builder, Location loc, StringRef name,
                  const ::spaceevo::Expansion &expansion,
                  const ::spaceevo::exec::ExpansionParameters &parameters);

/// An FP32 network read back from a function emitted by emitFloatFunction
/// (or written by hand in the same form).
struct FloatGraph {
  ::spaceevo::Expansion expansion;
  ::spaceevo::exec::ExpansionParameters parameters;
};

/// Recognises an FP32 function; ops outside the forms above are errors at
/// their location.
FailureOr<FloatGraph> readFloatFunction(func::FuncOp function);

/// The INT8 graph of a function emitted by emitInt8Function (its
/// `spaceevo.quantization` and the `spaceevo.scale` / `spaceevo.zero_point`
/// / `spaceevo.weight_scales` annotations give the real scales TOSA does
/// not carry); used to export a lowered or imported function to ONNX.
FailureOr<::spaceevo::exec::QuantizedExpansion>
readInt8Function(func::FuncOp function);

/// True when the function takes one f32 tensor (a candidate for
/// readFloatFunction / --spaceevo-quantize).
bool isFloatFunction(func::FuncOp function);

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_TOSAGRAPHS_H
