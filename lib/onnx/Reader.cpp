//===- Reader.cpp - ONNX protobufs to plain structs -------------------------===//
#include "Reader.h"

#include "spaceevo/onnx/Onnx.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <set>

namespace spaceevo::onnx {

std::string tensorTypeName(int type) {
  switch (type) {
  case OnnxTensor::Float: return "float32";
  case OnnxTensor::Uint8: return "uint8";
  case OnnxTensor::Int8: return "int8";
  case OnnxTensor::Uint16: return "uint16";
  case OnnxTensor::Int16: return "int16";
  case OnnxTensor::Int32: return "int32";
  case OnnxTensor::Int64: return "int64";
  case OnnxTensor::Bool: return "bool";
  case OnnxTensor::Double: return "float64";
  default: return "type " + std::to_string(type);
  }
}

std::string dimsText(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

namespace detail {

int64_t elementCount(const std::vector<int64_t> &dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0)
      return -1;
    if (d != 0 && count > (int64_t(1) << 40) / d)
      return -1;
    count *= d;
  }
  return count;
}

namespace {

size_t elementSize(int type) {
  switch (type) {
  case OnnxTensor::Float: return 4;
  case OnnxTensor::Uint8: return 1;
  case OnnxTensor::Int8: return 1;
  case OnnxTensor::Uint16: return 2;
  case OnnxTensor::Int16: return 2;
  case OnnxTensor::Int32: return 4;
  case OnnxTensor::Int64: return 8;
  case OnnxTensor::Bool: return 1;
  case OnnxTensor::Double: return 8;
  default: return 0;
  }
}

template <typename T>
void appendRaw(const std::string &raw, int64_t count,
               std::vector<double> &values) {
  values.reserve(size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, raw.data() + size_t(i) * sizeof(T), sizeof(T));
    values.push_back(double(v));
  }
}

template <typename Field>
bool appendField(const Field &field, int64_t count,
                 std::vector<double> &values) {
  if (int64_t(field.size()) != count)
    return false;
  values.reserve(size_t(count));
  for (auto v : field)
    values.push_back(double(v));
  return true;
}

Expected<OnnxTensor> fromProto(const ::onnx::TensorProto &proto) {
  using Result = Expected<OnnxTensor>;
  std::string what =
      proto.name().empty() ? "tensor" : "tensor '" + proto.name() + "'";
  OnnxTensor t;
  t.type = proto.data_type();
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL)
    return Result::failure(what + ": external data is not supported");
  size_t size = elementSize(t.type);
  if (size == 0)
    return Result::failure(what + ": element type " + tensorTypeName(t.type) +
                           " is not supported");
  int64_t count = elementCount(t.dims);
  if (count < 0)
    return Result::failure(what + ": invalid dims " + dimsText(t.dims));
  const std::string &raw = proto.raw_data();
  if (proto.has_raw_data()) {
    // Checked before anything is allocated: a corrupt dim cannot make us
    // reserve gigabytes.
    if (raw.size() != size_t(count) * size)
      return Result::failure(what + ": " + std::to_string(raw.size()) +
                             " bytes of data for dims " + dimsText(t.dims) +
                             " of " + tensorTypeName(t.type));
    switch (t.type) {
    case OnnxTensor::Float: appendRaw<float>(raw, count, t.values); break;
    case OnnxTensor::Uint8: appendRaw<uint8_t>(raw, count, t.values); break;
    case OnnxTensor::Int8: appendRaw<int8_t>(raw, count, t.values); break;
    case OnnxTensor::Uint16: appendRaw<uint16_t>(raw, count, t.values); break;
    case OnnxTensor::Int16: appendRaw<int16_t>(raw, count, t.values); break;
    case OnnxTensor::Int32: appendRaw<int32_t>(raw, count, t.values); break;
    case OnnxTensor::Int64: appendRaw<int64_t>(raw, count, t.values); break;
    case OnnxTensor::Bool: appendRaw<uint8_t>(raw, count, t.values); break;
    case OnnxTensor::Double: appendRaw<double>(raw, count, t.values); break;
    }
    return t;
  }
  bool ok = false;
  switch (t.type) {
  case OnnxTensor::Float: ok = appendField(proto.float_data(), count, t.values); break;
  case OnnxTensor::Int64: ok = appendField(proto.int64_data(), count, t.values); break;
  case OnnxTensor::Double: ok = appendField(proto.double_data(), count, t.values); break;
  default: ok = appendField(proto.int32_data(), count, t.values); break;
  }
  if (!ok)
    return Result::failure(what + ": data does not match dims " +
                           dimsText(t.dims));
  return t;
}

ValueInfo valueInfo(const ::onnx::ValueInfoProto &proto) {
  ValueInfo info;
  info.name = proto.name();
  if (proto.type().has_tensor_type()) {
    const auto &tensor = proto.type().tensor_type();
    info.type = tensor.elem_type();
    if (tensor.has_shape()) {
      info.hasShape = true;
      for (const auto &d : tensor.shape().dim())
        info.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
  }
  return info;
}

} // namespace

Expected<ParsedModel> parseModel(const std::string &bytes) {
  using Result = Expected<ParsedModel>;
  ::onnx::ModelProto model;
  if (bytes.empty())
    return Result::failure("not an ONNX model: the data is empty");
  if (!model.ParseFromString(bytes))
    return Result::failure("not an ONNX model: the protobuf does not parse "
                           "(truncated or corrupt file?)");
  if (!model.has_graph())
    return Result::failure("not an ONNX model: no graph");
  ParsedModel parsed;
  for (const auto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      parsed.opset = opset.version();
  const ::onnx::GraphProto &graph = model.graph();
  parsed.graphName = graph.name();
  std::set<std::string> initializers;
  for (const auto &init : graph.initializer()) {
    auto t = fromProto(init);
    if (!t)
      return Result::failure("initializer: " + t.error());
    if (!parsed.constants.emplace(init.name(), std::move(*t)).second)
      return Result::failure("initializer '" + init.name() +
                             "' is defined twice");
    initializers.insert(init.name());
  }
  for (const auto &input : graph.input())
    if (!initializers.count(input.name()))
      parsed.inputs.push_back(valueInfo(input));
  for (const auto &output : graph.output())
    parsed.outputs.push_back(valueInfo(output));

  for (int index = 0; index < graph.node_size(); ++index) {
    const ::onnx::NodeProto &proto = graph.node(index);
    OnnxNode node;
    node.name = proto.name();
    node.opType = proto.op_type();
    node.domain = proto.domain() == "ai.onnx" ? "" : proto.domain();
    node.id = node.name.empty() ? "#" + std::to_string(index)
                                : "'" + node.name + "'";
    node.label = node.id + " (" + node.opType + ")";
    node.inputs.assign(proto.input().begin(), proto.input().end());
    node.outputs.assign(proto.output().begin(), proto.output().end());
    for (const auto &a : proto.attribute()) {
      OnnxAttribute attr;
      attr.i = a.i();
      attr.f = a.f();
      attr.s = a.s();
      attr.ints.assign(a.ints().begin(), a.ints().end());
      attr.floats.assign(a.floats().begin(), a.floats().end());
      if (a.has_t()) {
        auto t = fromProto(a.t());
        if (!t)
          return Result::failure("node " + node.label + ": attribute '" +
                                 a.name() + "': " + t.error());
        attr.hasTensor = true;
        attr.t = std::move(*t);
      }
      node.attributes[a.name()] = std::move(attr);
    }
    if (node.opType == "Constant" && node.domain.empty()) {
      // A Constant node is an initializer written as a node.
      if (node.outputs.size() != 1)
        return Result::failure("node " + node.label + ": needs one output");
      OnnxTensor value;
      const OnnxAttribute *a = nullptr;
      if ((a = node.attribute("value")) && a->hasTensor) {
        value = a->t;
      } else if ((a = node.attribute("value_float"))) {
        value.type = OnnxTensor::Float;
        value.values = {double(a->f)};
      } else if ((a = node.attribute("value_floats"))) {
        value.type = OnnxTensor::Float;
        value.dims = {int64_t(a->floats.size())};
        value.values.assign(a->floats.begin(), a->floats.end());
      } else if ((a = node.attribute("value_int"))) {
        value.type = OnnxTensor::Int64;
        value.values = {double(a->i)};
      } else if ((a = node.attribute("value_ints"))) {
        value.type = OnnxTensor::Int64;
        value.dims = {int64_t(a->ints.size())};
        value.values.assign(a->ints.begin(), a->ints.end());
      } else {
        return Result::failure("node " + node.label +
                               ": unsupported or missing value attribute");
      }
      if (!parsed.constants.emplace(node.outputs[0], std::move(value)).second)
        return Result::failure("node " + node.label + ": tensor '" +
                               node.outputs[0] + "' is defined twice");
      continue;
    }
    parsed.nodes.push_back(std::move(node));
  }
  return parsed;
}

} // namespace detail

const OnnxAttribute *OnnxNode::attribute(const std::string &attrName) const {
  auto it = attributes.find(attrName);
  return it == attributes.end() ? nullptr : &it->second;
}
int64_t OnnxNode::intAttribute(const std::string &attrName,
                               int64_t fallback) const {
  const OnnxAttribute *a = attribute(attrName);
  return a ? a->i : fallback;
}
float OnnxNode::floatAttribute(const std::string &attrName,
                               float fallback) const {
  const OnnxAttribute *a = attribute(attrName);
  return a ? a->f : fallback;
}
std::vector<int64_t>
OnnxNode::intsAttribute(const std::string &attrName,
                        std::vector<int64_t> fallback) const {
  const OnnxAttribute *a = attribute(attrName);
  return a ? a->ints : fallback;
}

Expected<OnnxTensor> parseTensor(const std::string &bytes) {
  ::onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes))
    return Expected<OnnxTensor>::failure(
        "not an ONNX tensor: the protobuf does not parse");
  return detail::fromProto(proto);
}

Expected<OnnxTensor> readTensorFile(const std::string &path) {
  auto bytes = readFile(path);
  if (!bytes)
    return Expected<OnnxTensor>(bytes.status());
  auto t = parseTensor(*bytes);
  if (!t)
    return Expected<OnnxTensor>::failure(path + ": " + t.error());
  return t;
}

} // namespace spaceevo::onnx
