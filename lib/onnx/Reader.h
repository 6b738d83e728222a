//===- Reader.h - ONNX protobufs to plain structs (lib/onnx internal) -----===//
//
// Both importers (the network importer of Import.cpp and the node-by-node
// QuantizedNodeGraph) read a model through this one parser, so protobuf
// types stay in Reader.cpp and every malformed file gives the same kind of
// message instead of an exception or an abort.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_LIB_ONNX_READER_H
#define SPACEEVO_LIB_ONNX_READER_H

#include "spaceevo/onnx/NodeGraph.h"

namespace spaceevo::onnx::detail {

/// A graph input or output: element type and dims (-1 where symbolic or
/// unknown; empty with hasShape false when no shape is given).
struct ValueInfo {
  std::string name;
  int type = OnnxTensor::Undefined;
  std::vector<int64_t> dims;
  bool hasShape = false;
};

struct ParsedModel {
  std::string graphName;
  int64_t opset = 0; ///< of the default ("" / "ai.onnx") domain
  std::vector<OnnxNode> nodes; ///< Constant nodes are moved to `constants`
  std::map<std::string, OnnxTensor> constants; ///< initializers + Constant
  std::vector<ValueInfo> inputs; ///< graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
};

/// Parses a serialized ModelProto. Fails on bytes that are not a model, a
/// model without a graph, tensors whose data does not match their dims,
/// external data, duplicate tensor names.
Expected<ParsedModel> parseModel(const std::string &bytes);

/// Element count of `dims`, or -1 when a dim is negative or the product
/// exceeds 2^40 (nothing this project reads is that large).
int64_t elementCount(const std::vector<int64_t> &dims);

} // namespace spaceevo::onnx::detail

#endif // SPACEEVO_LIB_ONNX_READER_H
