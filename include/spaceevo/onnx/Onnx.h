//===- Onnx.h - ONNX models in and out of spaceevo's graphs -----*- C++ -*-===//
//
// MLIR-free bridge between ONNX models (libonnx's protobuf classes) and the
// graphs lib/exec executes:
//  * an FP32 network: an Expansion (lib/space) with its parameters;
//  * an INT8 network: an exec::QuantizedExpansion (runtime kernels with
//    their quantization), the graph --spaceevo-lower-int8 emits as TOSA.
// Export writes opset-13 models: QDQ form for INT8 (uint8 asymmetric
// activations, int8 symmetric per-channel weights, int32 biases: the u8s8
// form ONNX Runtime runs as INT8 on x86), plain FP32 otherwise. Import reads
// FP32 CNNs and quantized models (QDQ and QOperator) back into these graphs.
// See docs/onnx.md.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_ONNX_ONNX_H
#define SPACEEVO_ONNX_ONNX_H

#include "spaceevo/exec/Quantize.h"

#include <string>

namespace spaceevo::onnx {

using runtime::Expected;
using runtime::Status;

struct ExportOptions {
  int64_t opset = 13;
  std::string graphName = "spaceevo";
  /// Float input "input" (NCHW) and float output "output" (NCHW, or [1, N]
  /// after a classifier), with QuantizeLinear / DequantizeLinear at the
  /// edges. When false (INT8 only), input and output are the uint8 tensors.
  bool floatInterface = true;
  /// INT8 only: how an activation our kernels apply as a 256-entry table
  /// (Hswish, Swish, Hsigmoid) is written (docs/onnx.md).
  enum class Tables {
    /// DequantizeLinear -> HardSwish / Sigmoid + Mul / HardSigmoid ->
    /// QuantizeLinear: idiomatic QDQ; a runtime evaluates the function in
    /// float and may round some entries differently from our table.
    Float,
    /// Cast to int32 -> Gather from our uint8 table: bit-exact.
    Gather,
  };
  Tables tables = Tables::Float;
  /// INT8 only, a testing aid: every op reads its operands from uint8 graph
  /// inputs ("input" and "<op>_in" for op outputs that are read) and every
  /// op's uint8 result is a graph output ("<op>_q", <op> as in docs/onnx.md),
  /// so another runtime can be compared op by op on our intermediate tensors
  /// without differences compounding. Implies a uint8 interface.
  bool isolateOps = false;
};

/// Serialized ModelProto of the INT8 graph in QDQ form.
Expected<std::string> exportQuantized(const exec::QuantizedExpansion &graph,
                                      const ExportOptions &options = {});

/// Serialized ModelProto of the FP32 network (batch norms folded).
Expected<std::string> exportFloat(const Expansion &expansion,
                                  const exec::ExpansionParameters &parameters,
                                  const ExportOptions &options = {});

/// What an imported model became.
struct ImportedModel {
  enum class Kind { Float, Quantized };
  Kind kind = Kind::Float;
  std::string graphName;
  /// Kind::Float: the network and its parameters (convolutions carry their
  /// bias as an own bias, no batch norm).
  Expansion expansion;
  exec::ExpansionParameters parameters;
  /// Kind::Quantized: the INT8 graph.
  exec::QuantizedExpansion quantized;
};

/// Parses a serialized ModelProto. Unsupported operators, attributes or
/// shapes are errors that name the node and the operator.
Expected<ImportedModel> importModel(const std::string &bytes);
Expected<ImportedModel> importModelFile(const std::string &path);

/// Reads / writes a whole file (errors name the path).
Expected<std::string> readFile(const std::string &path);
Status writeFile(const std::string &path, const std::string &bytes);

} // namespace spaceevo::onnx

#endif // SPACEEVO_ONNX_ONNX_H
