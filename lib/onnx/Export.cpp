//===- Export.cpp - INT8 (QDQ) and FP32 ONNX models of lib/exec graphs ----===//
//
// Writes ModelProtos with libonnx's protobuf classes. Layout is NCHW (ONNX's
// convention), so weights are transposed from the runtime's OHWI / HWC.
//
// INT8 graphs become QDQ models (docs/onnx.md has every node pattern): each
// uint8 tensor of our graph is the output of a QuantizeLinear with that
// tensor's scale and zero point, each consumer dequantizes it, and every op
// is written as its float ONNX operator between DequantizeLinear inputs and a
// QuantizeLinear output. Weights are int8 initializers behind a per-channel
// DequantizeLinear (axis 0), biases int32 behind a DequantizeLinear with
// scale input_scale * weight_scale[c], exactly the integers our kernels use,
// so a runtime that fuses the pattern (ONNX Runtime: QLinearConv, QGemm,
// QLinearAdd, QLinearMul, QLinearGlobalAveragePool) computes our integer
// accumulators and differs only in how it rounds the requantization.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/onnx/Onnx.h"

#include "spaceevo/exec/FloatExecutor.h"

#include <onnx/onnx_pb.h>

#include <cctype>
#include <cmath>
#include <map>
#include <set>

namespace spaceevo::onnx {

namespace {

namespace proto = ::onnx;
using runtime::ActivationFunction;
using runtime::KernelDesc;
using runtime::OpKind;
using runtime::QuantParams;

/// Highest opset the linked libonnx (1.12) defines; the checker rejects
/// anything newer, and everything we write exists since opset 13.
constexpr int64_t kMaxOpset = 17;

std::string opText(size_t index, const Primitive &op) {
  return "op " + std::to_string(index) + " (" +
         std::string(primitiveKindName(op.kind)) + " '" + op.role + "')";
}

/// A readable, ONNX-safe name prefix for op `index`: "op7_depthwise".
std::string opPrefix(size_t index, const Primitive &op) {
  std::string name = "op" + std::to_string(index);
  if (!op.role.empty()) {
    name += '_';
    for (char c : op.role)
      name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return name;
}

/// Builds one GraphProto; names are unique by construction (each op's
/// tensors carry its prefix), which `unique` double-checks.
class GraphWriter {
public:
  explicit GraphWriter(proto::GraphProto &graph) : graph_(graph) {}

  proto::TensorProto *initializer(const std::string &name, int32_t dataType,
                                  const std::vector<int64_t> &dims) {
    unique(name);
    proto::TensorProto *t = graph_.add_initializer();
    t->set_name(name);
    t->set_data_type(dataType);
    for (int64_t d : dims)
      t->add_dims(d);
    return t;
  }

  void floats(const std::string &name, const std::vector<int64_t> &dims,
              const std::vector<float> &values) {
    proto::TensorProto *t =
        initializer(name, proto::TensorProto_DataType_FLOAT, dims);
    t->set_raw_data(values.data(), values.size() * sizeof(float));
  }
  void int32s(const std::string &name, const std::vector<int64_t> &dims,
              const std::vector<int32_t> &values) {
    proto::TensorProto *t =
        initializer(name, proto::TensorProto_DataType_INT32, dims);
    t->set_raw_data(values.data(), values.size() * sizeof(int32_t));
  }
  void int64s(const std::string &name, const std::vector<int64_t> &dims,
              const std::vector<int64_t> &values) {
    proto::TensorProto *t =
        initializer(name, proto::TensorProto_DataType_INT64, dims);
    t->set_raw_data(values.data(), values.size() * sizeof(int64_t));
  }
  void int8s(const std::string &name, const std::vector<int64_t> &dims,
             const std::vector<int8_t> &values) {
    proto::TensorProto *t =
        initializer(name, proto::TensorProto_DataType_INT8, dims);
    t->set_raw_data(values.data(), values.size());
  }
  void uint8s(const std::string &name, const std::vector<int64_t> &dims,
              const std::vector<uint8_t> &values) {
    proto::TensorProto *t =
        initializer(name, proto::TensorProto_DataType_UINT8, dims);
    t->set_raw_data(values.data(), values.size());
  }

  proto::NodeProto *node(const std::string &opType, const std::string &name,
                         const std::vector<std::string> &inputs,
                         const std::vector<std::string> &outputs) {
    proto::NodeProto *n = graph_.add_node();
    n->set_op_type(opType);
    n->set_name(name);
    for (const auto &in : inputs)
      n->add_input(in);
    for (const auto &out : outputs) {
      unique(out);
      n->add_output(out);
    }
    return n;
  }

  static void attribute(proto::NodeProto *n, const std::string &name,
                        int64_t value) {
    proto::AttributeProto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(proto::AttributeProto_AttributeType_INT);
    a->set_i(value);
  }
  static void attribute(proto::NodeProto *n, const std::string &name,
                        float value) {
    proto::AttributeProto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(proto::AttributeProto_AttributeType_FLOAT);
    a->set_f(value);
  }
  static void attribute(proto::NodeProto *n, const std::string &name,
                        const std::vector<int64_t> &values) {
    proto::AttributeProto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(proto::AttributeProto_AttributeType_INTS);
    for (int64_t v : values)
      a->add_ints(v);
  }

  void value(proto::ValueInfoProto *info, const std::string &name,
             int32_t dataType, const std::vector<int64_t> &dims) {
    info->set_name(name);
    proto::TypeProto_Tensor *t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(dataType);
    for (int64_t d : dims)
      t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void input(const std::string &name, int32_t dataType,
             const std::vector<int64_t> &dims) {
    unique(name);
    value(graph_.add_input(), name, dataType, dims);
  }
  void output(const std::string &name, int32_t dataType,
              const std::vector<int64_t> &dims) {
    value(graph_.add_output(), name, dataType, dims);
  }

  /// A failure when a name was used twice (a bug here, never user input).
  const std::string &duplicate() const { return duplicate_; }

private:
  void unique(const std::string &name) {
    if (!names_.insert(name).second && duplicate_.empty())
      duplicate_ = name;
  }

  proto::GraphProto &graph_;
  std::set<std::string> names_;
  std::string duplicate_;
};

Status checkOptions(const ExportOptions &options) {
  if (options.opset < 13 || options.opset > kMaxOpset)
    return Status::failure("ONNX export: opset " +
                           std::to_string(options.opset) +
                           " is not supported (13 to " +
                           std::to_string(kMaxOpset) +
                           ": per-channel QuantizeLinear needs 13, libonnx "
                           "1.12 knows up to 17)");
  if (options.graphName.empty())
    return Status::failure("ONNX export: the graph name is empty");
  return Status::success();
}

Expected<std::string> serialize(proto::ModelProto &model,
                                const GraphWriter &writer,
                                const ExportOptions &options) {
  if (!writer.duplicate().empty())
    return Expected<std::string>::failure(
        "ONNX export: tensor name '" + writer.duplicate() + "' used twice");
  model.set_ir_version(proto::IR_VERSION);
  model.set_producer_name("spaceevo");
  model.set_producer_version("0.1");
  model.set_domain("ai.spaceevo");
  model.set_model_version(1);
  proto::OperatorSetIdProto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  model.mutable_graph()->set_name(options.graphName);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return Expected<std::string>::failure(
        "ONNX export: protobuf serialization failed (model over 2 GB?)");
  return bytes;
}

/// NCHW dims of a batch-1 tensor.
std::vector<int64_t> nchw(const exec::TensorShape &s) {
  return {1, s.channels, s.height, s.width};
}

/// OHWI [oc][k][k][ic] -> OIHW [oc][ic][k][k].
template <typename T>
std::vector<T> convToOihw(const std::vector<T> &ohwi, int64_t oc, int64_t ic,
                          int64_t k) {
  std::vector<T> out(ohwi.size());
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t y = 0; y < k; ++y)
      for (int64_t x = 0; x < k; ++x)
        for (int64_t i = 0; i < ic; ++i)
          out[size_t(((o * ic + i) * k + y) * k + x)] =
              ohwi[size_t(((o * k + y) * k + x) * ic + i)];
  return out;
}

/// Depthwise HWC [k][k][c] -> [c][1][k][k] (ONNX Conv with group = c).
template <typename T>
std::vector<T> depthwiseToOihw(const std::vector<T> &hwc, int64_t c,
                               int64_t k) {
  std::vector<T> out(hwc.size());
  for (int64_t y = 0; y < k; ++y)
    for (int64_t x = 0; x < k; ++x)
      for (int64_t ch = 0; ch < c; ++ch)
        out[size_t((ch * k + y) * k + x)] = hwc[size_t((y * k + x) * c + ch)];
  return out;
}

void convAttributes(proto::NodeProto *n, int64_t kernel, int64_t stride,
                    const runtime::Padding &pad, int64_t group) {
  GraphWriter::attribute(n, "kernel_shape", std::vector<int64_t>{kernel, kernel});
  GraphWriter::attribute(n, "strides", std::vector<int64_t>{stride, stride});
  // ONNX order: begin of each spatial axis, then end.
  GraphWriter::attribute(n, "pads", std::vector<int64_t>{pad.top, pad.left,
                                                         pad.bottom,
                                                         pad.right});
  GraphWriter::attribute(n, "dilations", std::vector<int64_t>{1, 1});
  GraphWriter::attribute(n, "group", group);
}

/// Emits `activation` on float tensor `x` and returns the result's name;
/// Identity returns `x` itself. Hswish is HardSwish from opset 14 and
/// x * HardSigmoid(x) before; Swish is x * Sigmoid(x); ReLU6 is Clip(0, 6).
/// The formulas are the ones our float executor and tables evaluate.
std::string emitActivation(GraphWriter &w, int64_t opset,
                           ActivationFunction f, const std::string &x,
                           const std::string &prefix) {
  const float sixth = float(1.0 / 6.0);
  switch (f) {
  case ActivationFunction::Identity:
    return x;
  case ActivationFunction::ReLU:
    w.node("Relu", prefix + "_relu", {x}, {prefix + "_relu"});
    return prefix + "_relu";
  case ActivationFunction::ReLU6:
    w.floats(prefix + "_clip_min", {}, {0.0f});
    w.floats(prefix + "_clip_max", {}, {6.0f});
    w.node("Clip", prefix + "_relu6",
           {x, prefix + "_clip_min", prefix + "_clip_max"},
           {prefix + "_relu6"});
    return prefix + "_relu6";
  case ActivationFunction::Sigmoid:
    w.node("Sigmoid", prefix + "_sigmoid", {x}, {prefix + "_sigmoid"});
    return prefix + "_sigmoid";
  case ActivationFunction::Hsigmoid: {
    auto *n = w.node("HardSigmoid", prefix + "_hsigmoid", {x},
                     {prefix + "_hsigmoid"});
    GraphWriter::attribute(n, "alpha", sixth);
    GraphWriter::attribute(n, "beta", 0.5f);
    return prefix + "_hsigmoid";
  }
  case ActivationFunction::Hswish: {
    if (opset >= 14) {
      w.node("HardSwish", prefix + "_hswish", {x}, {prefix + "_hswish"});
      return prefix + "_hswish";
    }
    auto *n = w.node("HardSigmoid", prefix + "_hswish_gate", {x},
                     {prefix + "_hswish_gate"});
    GraphWriter::attribute(n, "alpha", sixth);
    GraphWriter::attribute(n, "beta", 0.5f);
    w.node("Mul", prefix + "_hswish", {x, prefix + "_hswish_gate"},
           {prefix + "_hswish"});
    return prefix + "_hswish";
  }
  case ActivationFunction::Swish:
    w.node("Sigmoid", prefix + "_swish_gate", {x}, {prefix + "_swish_gate"});
    w.node("Mul", prefix + "_swish", {x, prefix + "_swish_gate"},
           {prefix + "_swish"});
    return prefix + "_swish";
  }
  return x;
}

bool isTableActivation(ActivationFunction f) {
  return f == ActivationFunction::Hswish || f == ActivationFunction::Swish ||
         f == ActivationFunction::Hsigmoid || f == ActivationFunction::Sigmoid;
}

bool validParams(QuantParams q) {
  return std::isfinite(q.scale) && q.scale > 0 && q.zeroPoint >= 0 &&
         q.zeroPoint <= 255;
}

bool hasWeights(PrimitiveKind kind) {
  return kind == PrimitiveKind::Conv || kind == PrimitiveKind::DepthwiseConv ||
         kind == PrimitiveKind::FullyConnected;
}

OpKind kernelKindOf(PrimitiveKind kind) {
  switch (kind) {
  case PrimitiveKind::Conv: return OpKind::Conv2D;
  case PrimitiveKind::DepthwiseConv: return OpKind::DepthwiseConv2D;
  case PrimitiveKind::GlobalAvgPool: return OpKind::GlobalAvgPool;
  case PrimitiveKind::ChannelScale: return OpKind::ChannelScale;
  case PrimitiveKind::Add: return OpKind::Add;
  case PrimitiveKind::FullyConnected: return OpKind::FullyConnected;
  }
  return OpKind::Conv2D;
}

/// Everything the exporter relies on, so that a malformed graph is an error
/// naming the op instead of a model that computes something else.
Status checkQuantized(const exec::QuantizedExpansion &graph) {
  const Expansion &e = graph.expansion;
  if (auto s = exec::validateExpansion(e); !s)
    return Status::failure("ONNX export: " + s.error());
  if (graph.ops.size() != e.ops.size())
    return Status::failure("ONNX export: the INT8 graph has " +
                           std::to_string(graph.ops.size()) +
                           " ops, its expansion " +
                           std::to_string(e.ops.size()));
  if (!validParams(graph.input))
    return Status::failure("ONNX export: the input's quantization (scale " +
                           std::to_string(graph.input.scale) +
                           ", zero point " +
                           std::to_string(graph.input.zeroPoint) +
                           ") is invalid");
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const Primitive &op = e.ops[i];
    const exec::QuantizedOp &q = graph.ops[i];
    const KernelDesc &d = q.kernel;
    auto fail = [&](const std::string &why) {
      return Status::failure("ONNX export: " + opText(i, op) + ": " + why);
    };
    if (q.input != op.input || q.other != op.other)
      return fail("operands differ from the expansion's");
    if (d.kind != kernelKindOf(op.kind))
      return fail("kernel is " + std::string(runtime::opKindName(d.kind)) +
                  ", the primitive needs " +
                  std::string(runtime::opKindName(kernelKindOf(op.kind))));
    if (auto s = runtime::validateKernelDesc(d); !s)
      return fail(s.error());
    if (!validParams(q.output) || !validParams(q.preActivation))
      return fail("invalid output quantization parameters");
    ActivationFunction act = exec::activationFunction(op.act);
    bool table = isTableActivation(act);
    if (table != d.output.table.has_value())
      return fail(table ? "the activation needs a table, the kernel has none"
                        : "the kernel has a table, the activation is not one");
    if (d.output.int32Output)
      return fail("int32 outputs have no ONNX QDQ form");
    QuantParams target = table ? q.preActivation : q.output;
    if (d.output.zeroPoint != target.zeroPoint)
      return fail("the output stage's zero point " +
                  std::to_string(d.output.zeroPoint) +
                  " is not the target tensor's " +
                  std::to_string(target.zeroPoint));
    if (hasWeights(op.kind)) {
      if (q.weightScales.size() != size_t(op.outChannels))
        return fail("has " + std::to_string(q.weightScales.size()) +
                    " weight scales for " + std::to_string(op.outChannels) +
                    " output channels");
      for (float s : q.weightScales)
        if (!std::isfinite(s) || s <= 0)
          return fail("weight scale " + std::to_string(s) +
                      " is not positive and finite");
      if (!d.bias.empty() && d.bias.size() != size_t(op.outChannels))
        return fail("bias has " + std::to_string(d.bias.size()) +
                    " entries for " + std::to_string(op.outChannels) +
                    " output channels");
    }
    if (op.kind != PrimitiveKind::FullyConnected &&
        (d.input.h != op.inHeight || d.input.w != op.inWidth ||
         d.input.c != op.inChannels))
      return fail("kernel input shape differs from the primitive's");
  }
  return Status::success();
}

class QuantizedExporter {
public:
  QuantizedExporter(const exec::QuantizedExpansion &graph,
                    const ExportOptions &options, proto::GraphProto &g)
      : graph_(graph), options_(options), w_(g) {}

  void run() {
    const Expansion &e = graph_.expansion;
    // The graph input, quantized.
    std::vector<int64_t> inDims = nchw(graph_.inputShape);
    if (options_.floatInterface && !options_.isolateOps) {
      w_.input("input", proto::TensorProto_DataType_FLOAT, inDims);
      quantParams("input_q", graph_.input);
      w_.node("QuantizeLinear", "input_quantize",
              {"input", "input_q_scale", "input_q_zero_point"}, {"input_q"});
      tensors_[kExpansionInput] = "input_q";
    } else {
      w_.input("input", proto::TensorProto_DataType_UINT8, inDims);
      quantParams("input", graph_.input);
      tensors_[kExpansionInput] = "input";
    }
    params_[kExpansionInput] = graph_.input;
    std::vector<bool> read(e.ops.size(), false);
    for (const Primitive &op : e.ops)
      for (int operand : {op.input, op.other})
        if (operand >= 0)
          read[size_t(operand)] = true;
    for (size_t i = 0; i < e.ops.size(); ++i) {
      emitOp(i);
      if (!options_.isolateOps)
        continue;
      const Primitive &op = e.ops[i];
      std::string p = opPrefix(i, op);
      w_.output(p + "_q", proto::TensorProto_DataType_UINT8, outputDims(op));
      if (read[i]) {
        // Later ops read our tensor, fed from outside, instead of this op's.
        w_.input(p + "_in", proto::TensorProto_DataType_UINT8,
                 {1, op.outChannels, op.outHeight, op.outWidth});
        quantParams(p + "_in", graph_.ops[i].output);
        tensors_[int(i)] = p + "_in";
      }
    }
    if (options_.isolateOps)
      return;

    // The graph output: the last op's uint8 tensor, dequantized.
    size_t last = e.ops.size() - 1;
    std::vector<int64_t> outDims = outputDims(e.ops[last]);
    if (options_.floatInterface) {
      w_.node("DequantizeLinear", "output_dequantize",
              {tensors_[int(last)], tensors_[int(last)] + "_scale",
               tensors_[int(last)] + "_zero_point"},
              {"output"});
      w_.output("output", proto::TensorProto_DataType_FLOAT, outDims);
    } else {
      w_.output("output", proto::TensorProto_DataType_UINT8, outDims);
    }
  }

private:
  static std::vector<int64_t> outputDims(const Primitive &op) {
    if (op.kind == PrimitiveKind::FullyConnected)
      return {1, op.outChannels};
    return {1, op.outChannels, op.outHeight, op.outWidth};
  }

  /// Scalar scale and zero point initializers of uint8 tensor `tensor`.
  void quantParams(const std::string &tensor, QuantParams q) {
    w_.floats(tensor + "_scale", {}, {q.scale});
    w_.uint8s(tensor + "_zero_point", {}, {uint8_t(q.zeroPoint)});
  }

  /// Float tensor `value` quantized into the uint8 tensor `name`.
  void quantize(const std::string &value, const std::string &name,
                QuantParams q) {
    quantParams(name, q);
    w_.node("QuantizeLinear", name + "_quantize",
            {value, name + "_scale", name + "_zero_point"}, {name});
  }

  /// One DequantizeLinear of `operand`'s uint8 tensor per consumer: ONNX
  /// Runtime's QDQ fusion wants each node unit to own its DQ nodes.
  std::string dequantize(int operand, const std::string &consumer,
                         const std::string &slot) {
    const std::string &q = tensors_[operand];
    std::string out = consumer + "_" + slot;
    w_.node("DequantizeLinear", out, {q, q + "_scale", q + "_zero_point"},
            {out});
    return out;
  }

  /// int8 weights [oc][...] with per-output-channel scales, dequantized.
  std::string weights(const std::string &prefix,
                      const std::vector<int64_t> &dims,
                      const std::vector<int8_t> &values,
                      const std::vector<float> &scales) {
    std::string name = prefix + "_weight";
    w_.int8s(name + "_q", dims, values);
    w_.floats(name + "_scale", {dims[0]}, scales);
    w_.int8s(name + "_zero_point", {dims[0]},
             std::vector<int8_t>(size_t(dims[0]), 0));
    auto *n = w_.node("DequantizeLinear", name,
                      {name + "_q", name + "_scale", name + "_zero_point"},
                      {name});
    GraphWriter::attribute(n, "axis", int64_t(0));
    return name;
  }

  /// int32 bias with scale input_scale * weight_scale[c] (the accumulator's
  /// scale, the rule of ONNX QLinearConv and of the QDQ format).
  std::string bias(const std::string &prefix, const KernelDesc &d,
                   int64_t channels, QuantParams in,
                   const std::vector<float> &weightScales) {
    std::string name = prefix + "_bias";
    std::vector<int32_t> values =
        d.bias.empty() ? std::vector<int32_t>(size_t(channels), 0) : d.bias;
    std::vector<float> scales(static_cast<size_t>(channels));
    for (size_t c = 0; c < scales.size(); ++c)
      scales[c] = float(double(in.scale) * double(weightScales[c]));
    w_.int32s(name + "_q", {channels}, values);
    w_.floats(name + "_scale", {channels}, scales);
    w_.int32s(name + "_zero_point", {channels},
              std::vector<int32_t>(size_t(channels), 0));
    auto *n = w_.node("DequantizeLinear", name,
                      {name + "_q", name + "_scale", name + "_zero_point"},
                      {name});
    GraphWriter::attribute(n, "axis", int64_t(0));
    return name;
  }

  void emitOp(size_t i) {
    const Primitive &op = graph_.expansion.ops[i];
    const exec::QuantizedOp &q = graph_.ops[i];
    const KernelDesc &d = q.kernel;
    std::string p = opPrefix(i, op);
    QuantParams in = params_[op.input];
    std::string value; // the float result before the activation
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv: {
      bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
      int64_t oc = depthwise ? d.input.c : d.outChannels;
      std::string x = dequantize(op.input, p, "x");
      std::string wt =
          depthwise
              ? weights(p, {oc, 1, d.kernel, d.kernel},
                        depthwiseToOihw(d.weights, oc, d.kernel),
                        q.weightScales)
              : weights(p, {oc, d.input.c, d.kernel, d.kernel},
                        convToOihw(d.weights, oc, d.input.c, d.kernel),
                        q.weightScales);
      std::string b = bias(p, d, oc, in, q.weightScales);
      auto *n = w_.node("Conv", p, {x, wt, b}, {p + "_conv"});
      convAttributes(n, d.kernel, d.stride, d.padding, depthwise ? oc : 1);
      value = p + "_conv";
      break;
    }
    case PrimitiveKind::FullyConnected: {
      // [1, C, 1, 1] -> [1, C] on the uint8 tensor (a Reshape needs no
      // dequantization), then Gemm with B = W [oc][ic] transposed.
      std::string flat = p + "_flat_q";
      w_.int64s(p + "_flat_shape", {2}, {1, d.input.c});
      w_.node("Reshape", p + "_flatten",
              {tensors_[op.input], p + "_flat_shape"}, {flat});
      std::string x = p + "_x";
      w_.node("DequantizeLinear", x,
              {flat, tensors_[op.input] + "_scale",
               tensors_[op.input] + "_zero_point"},
              {x});
      std::string wt = weights(p, {d.outChannels, d.input.c}, d.weights,
                               q.weightScales);
      std::string b = bias(p, d, d.outChannels, in, q.weightScales);
      auto *n = w_.node("Gemm", p, {x, wt, b}, {p + "_gemm"});
      GraphWriter::attribute(n, "transB", int64_t(1));
      value = p + "_gemm";
      break;
    }
    case PrimitiveKind::GlobalAvgPool: {
      std::string x = dequantize(op.input, p, "x");
      w_.node("GlobalAveragePool", p, {x}, {p + "_pool"});
      value = p + "_pool";
      break;
    }
    case PrimitiveKind::ChannelScale: {
      std::string x = dequantize(op.input, p, "x");
      std::string s = dequantize(op.other, p, "scale");
      w_.node("Mul", p, {x, s}, {p + "_mul"});
      value = p + "_mul";
      break;
    }
    case PrimitiveKind::Add: {
      std::string a = dequantize(op.input, p, "a");
      std::string b = dequantize(op.other, p, "b");
      w_.node("Add", p, {a, b}, {p + "_add"});
      value = p + "_add";
      break;
    }
    }

    ActivationFunction act = exec::activationFunction(op.act);
    bool last = i + 1 == graph_.expansion.ops.size();
    bool uint8Output = !options_.floatInterface && !options_.isolateOps;
    std::string outName = last && uint8Output && !is2d(op) ? "output" : p + "_q";
    if (isTableActivation(act) &&
        options_.tables == ExportOptions::Tables::Gather) {
      // Our kernel requantizes into the pre-activation tensor and looks the
      // activation up in its table: the same lookup, as ONNX ops.
      std::string pre = p + "_pre_q";
      quantize(value, pre, q.preActivation);
      const auto &table = *d.output.table;
      w_.uint8s(p + "_table", {256},
                std::vector<uint8_t>(table.begin(), table.end()));
      auto *cast = w_.node("Cast", p + "_pre_index", {pre},
                           {p + "_pre_index"});
      GraphWriter::attribute(cast, "to",
                             int64_t(proto::TensorProto_DataType_INT32));
      auto *gather = w_.node("Gather", p + "_table_lookup",
                             {p + "_table", p + "_pre_index"}, {outName});
      GraphWriter::attribute(gather, "axis", int64_t(0));
      quantParams(outName, q.output);
    } else if (isTableActivation(act)) {
      // ONNX spells the table as DQ -> f -> Q on the pre-activation tensor.
      std::string pre = p + "_pre_q";
      quantize(value, pre, q.preActivation);
      std::string x = p + "_pre";
      w_.node("DequantizeLinear", x,
              {pre, pre + "_scale", pre + "_zero_point"}, {x});
      value = emitActivation(w_, options_.opset, act, x, p);
    } else {
      // ReLU / ReLU6 are clamps of the requantized value; as float ops
      // before QuantizeLinear they clamp the same real range.
      value = emitActivation(w_, options_.opset, act, value, p);
    }
    if (!(isTableActivation(act) &&
          options_.tables == ExportOptions::Tables::Gather))
      quantize(value, outName, q.output);
    tensors_[int(i)] = outName;
    params_[int(i)] = q.output;
    if (is2d(op) && !last && !options_.isolateOps) {
      // Later ops read NCHW tensors.
      std::string nchwName = p + "_q4";
      w_.int64s(p + "_q4_shape", {4}, {1, op.outChannels, 1, 1});
      w_.node("Reshape", p + "_unflatten", {outName, p + "_q4_shape"},
              {nchwName});
      quantParams(nchwName, q.output);
      tensors_[int(i)] = nchwName;
    }
    if (last && uint8Output && is2d(op)) {
      w_.node("Identity", "output_identity", {outName}, {"output"});
    }
  }

  static bool is2d(const Primitive &op) {
    return op.kind == PrimitiveKind::FullyConnected;
  }

  const exec::QuantizedExpansion &graph_;
  const ExportOptions &options_;
  GraphWriter w_;
  std::map<int, std::string> tensors_; ///< uint8 tensor of each op (NCHW)
  std::map<int, QuantParams> params_;

public:
  GraphWriter &writer() { return w_; }
};

} // namespace

Expected<std::string> exportQuantized(const exec::QuantizedExpansion &graph,
                                      const ExportOptions &options) {
  if (auto s = checkOptions(options); !s)
    return Expected<std::string>(s);
  if (auto s = checkQuantized(graph); !s)
    return Expected<std::string>(s);
  proto::ModelProto model;
  QuantizedExporter exporter(graph, options, *model.mutable_graph());
  exporter.run();
  model.set_doc_string(
      "INT8 network in QDQ form: uint8 asymmetric activations, int8 "
      "symmetric per-channel weights, int32 biases (spaceevo, docs/onnx.md)");
  return serialize(model, exporter.writer(), options);
}

Expected<std::string> exportFloat(const Expansion &expansion,
                                  const exec::ExpansionParameters &parameters,
                                  const ExportOptions &options) {
  using Result = Expected<std::string>;
  if (auto s = checkOptions(options); !s)
    return Result(s);
  if (auto s = exec::validateExpansion(expansion); !s)
    return Result::failure("ONNX export: " + s.error());
  auto folded = exec::foldParameters(expansion, parameters);
  if (!folded)
    return Result::failure("ONNX export: " + folded.error());
  auto inputShape = exec::expansionInputShape(expansion);
  if (!inputShape)
    return Result::failure("ONNX export: " + inputShape.error());

  proto::ModelProto model;
  GraphWriter w(*model.mutable_graph());
  w.input("input", proto::TensorProto_DataType_FLOAT, nchw(*inputShape));
  std::map<int, std::string> tensors{{kExpansionInput, "input"}};
  const size_t count = expansion.ops.size();
  for (size_t i = 0; i < count; ++i) {
    const Primitive &op = expansion.ops[i];
    const exec::FoldedParameters &f = (*folded)[i];
    std::string p = opPrefix(i, op);
    const std::string &x = tensors[op.input];
    std::string value;
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv: {
      bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
      int64_t oc = op.outChannels;
      if (depthwise)
        w.floats(p + "_weight", {oc, 1, op.kernel, op.kernel},
                 depthwiseToOihw(f.weights, oc, op.kernel));
      else
        w.floats(p + "_weight", {oc, op.inChannels, op.kernel, op.kernel},
                 convToOihw(f.weights, oc, op.inChannels, op.kernel));
      w.floats(p + "_bias", {oc}, f.bias);
      auto *n = w.node("Conv", p, {x, p + "_weight", p + "_bias"},
                       {p + "_conv"});
      runtime::Padding pad{op.padding, op.padding, op.padding, op.padding};
      convAttributes(n, op.kernel, op.stride, pad, depthwise ? oc : 1);
      value = p + "_conv";
      break;
    }
    case PrimitiveKind::FullyConnected: {
      w.int64s(p + "_flat_shape", {2}, {1, op.inChannels});
      w.node("Reshape", p + "_flatten", {x, p + "_flat_shape"},
             {p + "_flat"});
      w.floats(p + "_weight", {op.outChannels, op.inChannels}, f.weights);
      w.floats(p + "_bias", {op.outChannels}, f.bias);
      auto *n = w.node("Gemm", p, {p + "_flat", p + "_weight", p + "_bias"},
                       {p + "_gemm"});
      GraphWriter::attribute(n, "transB", int64_t(1));
      value = p + "_gemm";
      break;
    }
    case PrimitiveKind::GlobalAvgPool:
      w.node("GlobalAveragePool", p, {x}, {p + "_pool"});
      value = p + "_pool";
      break;
    case PrimitiveKind::ChannelScale:
      w.node("Mul", p, {x, tensors[op.other]}, {p + "_mul"});
      value = p + "_mul";
      break;
    case PrimitiveKind::Add:
      w.node("Add", p, {x, tensors[op.other]}, {p + "_add"});
      value = p + "_add";
      break;
    }
    value = emitActivation(w, options.opset, exec::activationFunction(op.act),
                           value, p);
    bool fc = op.kind == PrimitiveKind::FullyConnected;
    if (fc && i + 1 < count) {
      w.int64s(p + "_nchw_shape", {4}, {1, op.outChannels, 1, 1});
      w.node("Reshape", p + "_unflatten", {value, p + "_nchw_shape"},
             {p + "_nchw"});
      value = p + "_nchw";
    }
    if (i + 1 == count) {
      w.node("Identity", "output_identity", {value}, {"output"});
      std::vector<int64_t> dims =
          fc ? std::vector<int64_t>{1, op.outChannels}
             : std::vector<int64_t>{1, op.outChannels, op.outHeight,
                                    op.outWidth};
      w.output("output", proto::TensorProto_DataType_FLOAT, dims);
    }
    tensors[int(i)] = value;
  }
  model.set_doc_string("FP32 network, batch norms folded (spaceevo)");
  return serialize(model, w, options);
}

} // namespace spaceevo::onnx
