//===- NodeGraph.h - ONNX quantized operators, node by node -----*- C++ -*-===//
//
// The network importer (Onnx.h) maps CNNs onto an Expansion, whose
// primitives are our kernels: uint8 activations, symmetric int8 weights,
// NHWC, batch 1. ONNX's own operator tests use what the operators allow
// beyond that (uint8 weights with zero points, int32 outputs, batches, 3-D
// matmuls, float in and out), so they run here instead: a model is read as
// a list of nodes over typed tensors, and each node executes on lib/runtime's
// reference cores (convAccumulate for ConvInteger / QLinearConv /
// MatMulInteger / QLinearMatMul, quantizeValue / dequantizeValue for
// QuantizeLinear / DequantizeLinear).
//
// Supported: QuantizeLinear, DequantizeLinear (per tensor or per axis),
// QLinearConv, ConvInteger (2-D, group 1 or depthwise, no dilation),
// QLinearMatMul, MatMulInteger (batched, B broadcast), Identity.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_ONNX_NODEGRAPH_H
#define SPACEEVO_ONNX_NODEGRAPH_H

#include "spaceevo/runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spaceevo::onnx {

using runtime::Expected;
using runtime::Status;

/// An ONNX tensor with its values widened to double, which is exact for
/// every element type kept here (float32, (u)int8, int16, int32, and int64
/// up to 2^53).
struct OnnxTensor {
  /// ONNX's TensorProto::DataType numbers.
  enum Type : int {
    Undefined = 0, Float = 1, Uint8 = 2, Int8 = 3, Uint16 = 4, Int16 = 5,
    Int32 = 6, Int64 = 7, Bool = 9, Double = 11,
  };
  std::vector<int64_t> dims;
  int type = Undefined;
  std::vector<double> values;
  int64_t elements() const { return int64_t(values.size()); }
};

/// "float32", "uint8", ... (or "type N").
std::string tensorTypeName(int type);
/// "[1, 3, 5, 5]".
std::string dimsText(const std::vector<int64_t> &dims);

/// Parses a serialized TensorProto (a test_data_set_*/*.pb file). Checks that
/// the data matches the dims; external data is an error.
Expected<OnnxTensor> parseTensor(const std::string &bytes);
Expected<OnnxTensor> readTensorFile(const std::string &path);

/// How QLinearConv / QLinearMatMul turn int32 accumulators into 8 bits.
enum class Requantization {
  /// ONNX's definition: saturate(round_half_even(acc * s) + zp), with
  /// s = x_scale * w_scale / y_scale in float32. ONNX's tests expect this.
  Onnx,
  /// Our kernels' TOSA RESCALE (multiplier, shift) of the same s: within one
  /// step of ONNX's answer.
  Tosa,
};

/// One node of a model, without protobuf types.
struct OnnxAttribute {
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  bool hasTensor = false;
  OnnxTensor t;
};
struct OnnxNode {
  std::string name, opType, domain;
  std::vector<std::string> inputs, outputs; ///< "" for an omitted input
  std::map<std::string, OnnxAttribute> attributes;
  /// "'name'", or "#index" when the node has no name.
  std::string id;
  /// id + " (OpType)", for messages.
  std::string label;
  const OnnxAttribute *attribute(const std::string &name) const;
  int64_t intAttribute(const std::string &name, int64_t fallback) const;
  float floatAttribute(const std::string &name, float fallback) const;
  std::vector<int64_t> intsAttribute(const std::string &name,
                                     std::vector<int64_t> fallback) const;
};

/// A model read as a node list over named tensors, run node by node.
class QuantizedNodeGraph {
public:
  /// Reads a serialized ModelProto. Every node must be supported and every
  /// node input a graph input, an initializer (or Constant) or an earlier
  /// node's output; the error names the node.
  static Expected<QuantizedNodeGraph> import(const std::string &modelBytes);
  static Expected<QuantizedNodeGraph> importFile(const std::string &path);

  /// Graph inputs that are not initializers, in order (the input_<i>.pb
  /// files of a test are numbered over these).
  const std::vector<std::string> &inputNames() const { return inputs_; }
  const std::vector<std::string> &outputNames() const { return outputs_; }
  const std::vector<OnnxNode> &nodes() const { return nodes_; }

  /// Runs the nodes in order on `inputs` (one per inputNames()); returns one
  /// tensor per outputNames(). Wrong types or shapes are errors naming the
  /// node.
  Expected<std::vector<OnnxTensor>>
  run(const std::vector<OnnxTensor> &inputs,
      Requantization requantization = Requantization::Onnx) const;

private:
  std::vector<std::string> inputs_, outputs_;
  std::vector<OnnxNode> nodes_;
  std::map<std::string, OnnxTensor> constants_;
};

} // namespace spaceevo::onnx

#endif // SPACEEVO_ONNX_NODEGRAPH_H
