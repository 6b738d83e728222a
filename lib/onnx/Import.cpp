//===- Import.cpp - ONNX CNNs (FP32, QDQ, QOperator) into lib/exec graphs --===//
//
// The importer reads a model in three steps:
//  1. Reader.cpp turns the protobuf into plain nodes and constants.
//  2. QOperator nodes (QLinearConv, QLinearMatMul, QLinearAdd, QLinearMul,
//     QLinearGlobalAveragePool, QLinearSigmoid) are rewritten into their QDQ
//     meaning (DequantizeLinear inputs, the float operator, QuantizeLinear
//     output), so that one walker reads both forms.
//  3. The walker follows the nodes in order over a "float view" of the
//     model: QuantizeLinear / DequantizeLinear / Reshape / Flatten /
//     Identity are views of a logical tensor (QuantizeLinear also records
//     the tensor's quantization), the float operators become Expansion
//     primitives, activations are fused into the primitive that produces
//     their input (x * Sigmoid(x) -> Swish, x * HardSigmoid(x) -> Hswish,
//     Cast -> Gather of a 256-entry table -> the activation it tabulates).
// A model with any quantization becomes a QuantizedExpansion whose kernels
// come from exec::assembleQuantizedOp, the function quantizeExpansion uses,
// so exporting a graph and importing it back gives the same kernels.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/onnx/Onnx.h"

#include "Reader.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

namespace spaceevo::onnx {

namespace {

using detail::ParsedModel;
using runtime::ActivationFunction;
using runtime::QuantParams;

//===----------------------------------------------------------------------===//
// QOperator -> QDQ
//===----------------------------------------------------------------------===//

/// Rewrites QOperator nodes into DequantizeLinear -> op -> QuantizeLinear.
/// New tensors get names derived from the node's output, new nodes keep the
/// original node's name (messages then name the node of the user's file).
Status desugarQOperators(ParsedModel &model) {
  std::vector<OnnxNode> nodes;
  int fresh = 0;
  auto node = [&](const OnnxNode &from, const std::string &opType,
                  std::vector<std::string> inputs, std::string output) {
    OnnxNode n;
    n.name = from.name;
    n.id = from.id;
    n.opType = opType;
    n.label = from.id + " (" + from.opType + ")";
    n.inputs = std::move(inputs);
    n.outputs = {std::move(output)};
    return n;
  };
  auto temp = [&](const OnnxNode &from, const std::string &what) {
    return from.outputs.empty() ? "" : from.outputs[0] + "__" + what + "_" +
                                           std::to_string(fresh++);
  };
  for (OnnxNode &n : model.nodes) {
    const std::string &op = n.opType;
    bool known = (n.domain.empty() &&
                  (op == "QLinearConv" || op == "QLinearMatMul")) ||
                 ((n.domain == "com.microsoft" || n.domain.empty()) &&
                  (op == "QLinearAdd" || op == "QLinearMul" ||
                   op == "QLinearGlobalAveragePool" ||
                   op == "QLinearSigmoid"));
    if (!known) {
      nodes.push_back(std::move(n));
      continue;
    }
    auto fail = [&](const std::string &why) {
      return Status::failure("node " + n.label + ": " + why);
    };
    if (n.outputs.size() != 1)
      return fail("needs one output");
    auto in = [&](size_t i) {
      return i < n.inputs.size() ? n.inputs[i] : std::string();
    };
    auto dq = [&](size_t x, size_t scale, size_t zp, int64_t axis) {
      std::string out = temp(n, "dq");
      OnnxNode d = node(n, "DequantizeLinear", {in(x), in(scale), in(zp)}, out);
      if (axis >= 0) {
        OnnxAttribute a;
        a.i = axis;
        d.attributes["axis"] = a;
      }
      nodes.push_back(std::move(d));
      return out;
    };
    auto q = [&](const std::string &x, size_t scale, size_t zp) {
      nodes.push_back(
          node(n, "QuantizeLinear", {x, in(scale), in(zp)}, n.outputs[0]));
    };
    if (op == "QLinearConv" || op == "QLinearMatMul") {
      size_t want = op == "QLinearConv" ? 8 : 8;
      if (n.inputs.size() < want)
        return fail("expects at least " + std::to_string(want) + " inputs");
      std::string x = dq(0, 1, 2, -1);
      // Per-channel weight scales index the output channels: axis 0 of the
      // conv's [M, C, kh, kw], the columns (axis 1) of the matmul's B.
      std::string w = dq(3, 4, 5, op == "QLinearConv" ? 0 : 1);
      std::vector<std::string> inputs = {x, w};
      if (op == "QLinearConv" && !in(8).empty()) {
        // The int32 bias has scale x_scale * w_scale[c] and zero point 0.
        auto xs = model.constants.find(in(1));
        auto ws = model.constants.find(in(4));
        if (xs == model.constants.end() || ws == model.constants.end())
          return fail("x_scale and w_scale must be initializers");
        if (xs->second.elements() != 1)
          return fail("x_scale must be a single value");
        OnnxTensor scale;
        scale.type = OnnxTensor::Float;
        scale.dims = {ws->second.elements()};
        for (double s : ws->second.values)
          scale.values.push_back(
              double(float(xs->second.values[0]) * float(s)));
        std::string scaleName = temp(n, "bias_scale");
        model.constants[scaleName] = std::move(scale);
        std::string b = temp(n, "bias");
        OnnxNode d = node(n, "DequantizeLinear", {in(8), scaleName}, b);
        OnnxAttribute a;
        a.i = 0;
        d.attributes["axis"] = a;
        nodes.push_back(std::move(d));
        inputs.push_back(b);
      }
      std::string y = temp(n, "y");
      OnnxNode core = node(n, op == "QLinearConv" ? "Conv" : "MatMul",
                           inputs, y);
      if (op == "QLinearConv")
        core.attributes = n.attributes;
      nodes.push_back(std::move(core));
      q(y, 6, 7);
    } else if (op == "QLinearAdd" || op == "QLinearMul") {
      if (n.inputs.size() < 7)
        return fail("expects 8 inputs");
      std::string a = dq(0, 1, 2, -1), b = dq(3, 4, 5, -1);
      std::string y = temp(n, "y");
      nodes.push_back(node(n, op == "QLinearAdd" ? "Add" : "Mul", {a, b}, y));
      q(y, 6, 7);
    } else {
      // QLinearGlobalAveragePool / QLinearSigmoid: X, x_scale, x_zp,
      // y_scale, y_zp.
      if (n.inputs.size() < 4)
        return fail("expects 5 inputs");
      if (op == "QLinearGlobalAveragePool" &&
          n.intAttribute("channels_last", 0) != 0)
        return fail("channels_last = 1 is not supported");
      std::string x = dq(0, 1, 2, -1);
      std::string y = temp(n, "y");
      nodes.push_back(node(
          n, op == "QLinearSigmoid" ? "Sigmoid" : "GlobalAveragePool", {x}, y));
      q(y, 3, 4);
    }
  }
  model.nodes = std::move(nodes);
  return Status::success();
}

//===----------------------------------------------------------------------===//
// The walker
//===----------------------------------------------------------------------===//

/// A constant, with its integers when it is the output of a
/// DequantizeLinear of an integer initializer.
struct QuantizedConstant {
  OnnxTensor integers;
  std::vector<double> scales, zeroPoints; ///< one, or one per axis entry
  int64_t axis = 0;
};

/// What an ONNX tensor name stands for.
struct Value {
  enum class Kind { Tensor, Constant, Gate };
  Kind kind = Kind::Tensor;
  /// Tensor / Gate: the producing primitive (kExpansionInput for the model
  /// input) and whether the value is before (0) or after (1) its
  /// activation. A Gate is Sigmoid / HardSigmoid of the primitive's stage-0
  /// output, not yet known to be half of Swish / Hswish or a standalone
  /// activation.
  int op = kExpansionInput;
  int stage = 0;
  ActivationFunction gate = ActivationFunction::Identity;
  /// Between QuantizeLinear and DequantizeLinear: an integer tensor with
  /// these parameters (uint8 form; int8 tensors are shifted by 128).
  bool integer = false;
  bool quantKnown = false;
  /// Cast of the integer tensor to int32: the index of a table Gather.
  bool index = false;
  QuantParams quant;
  int64_t channels = 0, height = 0, width = 0;
  /// Constant.
  OnnxTensor constant;
  std::optional<QuantizedConstant> quantized;
};

/// Per primitive: the quantization of its output before (index 0) and after
/// (index 1) the activation, its parameters as read, and bookkeeping.
struct OpState {
  std::optional<QuantParams> quant[2];
  std::string label; ///< the ONNX node, for messages
  bool rawUsed = false;     ///< stage 0 read by a node other than an activation
  bool gatePending = false; ///< a Sigmoid / HardSigmoid reads stage 0
  /// Quantization of that Sigmoid / HardSigmoid's output (used when it
  /// turns out to be the op's activation, dropped when it is half of Swish).
  std::optional<QuantParams> gateQuant;
  /// The 256-entry table of a Cast -> Gather lookup (the exporter's
  /// bit-exact form of a table activation), until the output's parameters
  /// tell which activation it is.
  std::optional<runtime::LookupTable> gatherTable;
  /// Conv / depthwise / FC: weights in the runtime's layout (real values)
  /// and, when the model stores them quantized, their integers and scales.
  std::vector<float> weights;
  std::optional<std::vector<int8_t>> weightIntegers;
  std::vector<float> weightScales;
  std::vector<float> bias; ///< real values (empty: none)
  std::optional<std::vector<int32_t>> biasIntegers;
  std::vector<float> biasScales;
};

/// An ONNX float attribute compared with the value we need.
bool near(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b));
}

class Importer {
public:
  explicit Importer(ParsedModel &model) : model_(model) {}
  Expected<ImportedModel> run();

private:
  using Result = Expected<ImportedModel>;

  Status fail(const OnnxNode &node, const std::string &why) const {
    return Status::failure("node " + node.label + ": " + why);
  }

  Status visit(const OnnxNode &node);
  Status defineInput();
  /// The value of input `i` of `node` (errors when missing or undefined).
  Expected<Value> operand(const OnnxNode &node, size_t i) const;
  /// A value a non-view node reads as a tensor: gates become standalone
  /// activations, the read of a stage-0 value is recorded.
  Expected<Value> tensorOperand(const OnnxNode &node, size_t i);
  Expected<Value> finalizeGate(const OnnxNode &node, const Value &gate);
  Status useTensor(const OnnxNode &node, const Value &v);
  /// Records that the logical tensor `v` is quantized with `q`.
  Status annotate(const OnnxNode &node, const Value &v, QuantParams q);
  Expected<QuantParams> constantQuantParams(const OnnxNode &node,
                                            size_t scaleInput,
                                            size_t zeroPointInput,
                                            bool &isSigned) const;
  Expected<OnnxTensor> constantInput(const OnnxNode &node, size_t i) const;
  void define(const OnnxNode &node, Value v) {
    values_[node.outputs[0]] = std::move(v);
  }
  int addOp(const OnnxNode &node, Primitive op);
  Value tensorOf(int op) const;

  Status quantizeLinear(const OnnxNode &node);
  Status dequantizeLinear(const OnnxNode &node);
  Status view(const OnnxNode &node);
  Status activation(const OnnxNode &node);
  Status conv(const OnnxNode &node);
  Status gemm(const OnnxNode &node);
  Status pool(const OnnxNode &node);
  Status mul(const OnnxNode &node);
  Status add(const OnnxNode &node);
  Status batchNorm(const OnnxNode &node);
  Status tableLookup(const OnnxNode &node);
  /// Fills an op's weights (runtime layout) from a weight operand given in
  /// ONNX layout: `outAxis` is the dimension of the output channels and
  /// `toRuntime` maps an ONNX index to the runtime's.
  Status setWeights(const OnnxNode &node, OpState &state, const Value &w,
                    int64_t outChannels, int64_t outAxis,
                    const std::function<size_t(size_t)> &toRuntime);
  Status setBias(const OnnxNode &node, OpState &state, const Value &b,
                 int64_t outChannels);

  Status finishFloat(ImportedModel &model);
  Status finishQuantized(ImportedModel &model);

  ParsedModel &model_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> uses_; ///< consumers of each tensor name
  Expansion expansion_;
  std::vector<OpState> states_;
  std::optional<QuantParams> inputQuant_;
  bool quantized_ = false;
  int64_t inChannels_ = 0, inHeight_ = 0, inWidth_ = 0;
};

Value Importer::tensorOf(int op) const {
  Value v;
  v.op = op;
  if (op == kExpansionInput) {
    v.channels = inChannels_;
    v.height = inHeight_;
    v.width = inWidth_;
  } else {
    const Primitive &p = expansion_.ops[size_t(op)];
    v.channels = p.outChannels;
    v.height = p.outHeight;
    v.width = p.outWidth;
  }
  return v;
}

int Importer::addOp(const OnnxNode &node, Primitive op) {
  op.role = node.name.empty() ? node.opType + "_" + std::to_string(
                                                        expansion_.ops.size())
                              : node.name;
  expansion_.ops.push_back(std::move(op));
  OpState state;
  state.label = node.label;
  states_.push_back(std::move(state));
  return int(expansion_.ops.size()) - 1;
}

Expected<Value> Importer::operand(const OnnxNode &node, size_t i) const {
  if (i >= node.inputs.size() || node.inputs[i].empty())
    return Expected<Value>(fail(node, "input " + std::to_string(i) +
                                          " is missing"));
  const std::string &name = node.inputs[i];
  auto it = values_.find(name);
  if (it != values_.end())
    return it->second;
  auto c = model_.constants.find(name);
  if (c != model_.constants.end()) {
    Value v;
    v.kind = Value::Kind::Constant;
    v.constant = c->second;
    return v;
  }
  return Expected<Value>(
      fail(node, "input '" + name + "' is not defined before the node"));
}

Expected<OnnxTensor> Importer::constantInput(const OnnxNode &node,
                                             size_t i) const {
  auto v = operand(node, i);
  if (!v)
    return Expected<OnnxTensor>(v.status());
  if (v->kind != Value::Kind::Constant)
    return Expected<OnnxTensor>(
        fail(node, "input '" + node.inputs[i] +
                       "' must be a constant (initializer)"));
  return v->constant;
}

Status Importer::useTensor(const OnnxNode &node, const Value &v) {
  if (v.op == kExpansionInput)
    return Status::success();
  OpState &s = states_[size_t(v.op)];
  const Primitive &p = expansion_.ops[size_t(v.op)];
  if (v.stage == 0) {
    if (p.act != Activation::None || s.gatePending || s.gatherTable)
      return fail(node, "reads the tensor of " + s.label +
                            " before its activation, which other nodes read "
                            "after it (one tensor per primitive)");
    s.rawUsed = true;
  }
  return Status::success();
}

Expected<Value> Importer::finalizeGate(const OnnxNode &node,
                                       const Value &gate) {
  // Sigmoid / HardSigmoid used on its own: the primitive's activation.
  Primitive &p = expansion_.ops[size_t(gate.op)];
  OpState &s = states_[size_t(gate.op)];
  if (gate.gate == ActivationFunction::Sigmoid)
    return Expected<Value>(fail(
        node, "Sigmoid of " + s.label +
                  " is supported only as x * Sigmoid(x) (Swish); a "
                  "standalone Sigmoid activation has no Expansion primitive"));
  if (p.act != Activation::None)
    return Expected<Value>(
        fail(node, "two activations in a row after " + s.label));
  p.act = Activation::Hsigmoid;
  s.gatePending = false;
  if (s.gateQuant)
    s.quant[1] = s.gateQuant;
  Value v = gate;
  v.kind = Value::Kind::Tensor;
  v.stage = 1;
  v.gate = ActivationFunction::Identity;
  // Every name that still holds the gate now holds the activated tensor.
  for (auto &entry : values_)
    if (entry.second.kind == Value::Kind::Gate && entry.second.op == gate.op) {
      entry.second.kind = Value::Kind::Tensor;
      entry.second.stage = 1;
      entry.second.gate = ActivationFunction::Identity;
    }
  return v;
}

Expected<Value> Importer::tensorOperand(const OnnxNode &node, size_t i) {
  auto v = operand(node, i);
  if (!v)
    return v;
  if (v->kind == Value::Kind::Gate) {
    v = finalizeGate(node, *v);
    if (!v)
      return v;
  }
  if (v->kind != Value::Kind::Tensor)
    return Expected<Value>(fail(
        node, "input '" + node.inputs[i] +
                  "' is a constant where a tensor computed from the graph "
                  "input is expected"));
  if (v->integer)
    return Expected<Value>(
        fail(node, "input '" + node.inputs[i] +
                       "' is an integer tensor; float operators read "
                       "DequantizeLinear outputs"));
  if (auto s = useTensor(node, *v); !s)
    return Expected<Value>(s);
  return v;
}

Status Importer::annotate(const OnnxNode &node, const Value &v,
                          QuantParams q) {
  std::optional<QuantParams> *slot =
      v.op == kExpansionInput ? &inputQuant_
                              : &states_[size_t(v.op)].quant[v.stage];
  if (*slot && ((*slot)->scale != q.scale ||
                (*slot)->zeroPoint != q.zeroPoint))
    return fail(node, "the tensor is quantized twice with different "
                      "parameters (one tensor, one quantization)");
  *slot = q;
  if (v.op != kExpansionInput && v.stage == 1) {
    OpState &s = states_[size_t(v.op)];
    Primitive &p = expansion_.ops[size_t(v.op)];
    if (s.gatherTable && p.act == Activation::None) {
      // The table is ours when one of our activations between the
      // pre-activation and these parameters gives exactly its entries.
      if (!s.quant[0])
        return fail(node, "the table lookup of " + s.label +
                              " reads a tensor that is not quantized");
      const std::pair<Activation, ActivationFunction> candidates[] = {
          {Activation::Hswish, ActivationFunction::Hswish},
          {Activation::Swish, ActivationFunction::Swish},
          {Activation::Hsigmoid, ActivationFunction::Hsigmoid},
      };
      for (const auto &c : candidates) {
        auto table = runtime::makeActivationTable(c.second, *s.quant[0], q);
        if (table && *table == *s.gatherTable) {
          p.act = c.first;
          break;
        }
      }
      if (p.act == Activation::None)
        return fail(node, "the 256-entry table after " + s.label +
                              " is not Hswish, Swish or Hsigmoid between "
                              "its input and output quantization");
      s.gatherTable.reset();
    }
  }
  return Status::success();
}

Expected<QuantParams>
Importer::constantQuantParams(const OnnxNode &node, size_t scaleInput,
                              size_t zeroPointInput, bool &isSigned) const {
  using R = Expected<QuantParams>;
  auto scale = constantInput(node, scaleInput);
  if (!scale)
    return R(scale.status());
  if (scale->type != OnnxTensor::Float || scale->elements() != 1)
    return R(fail(node, "an activation's scale must be one float32 value "
                        "(per-tensor quantization)"));
  QuantParams q;
  q.scale = float(scale->values[0]);
  if (!(q.scale > 0) || !std::isfinite(q.scale))
    return R(fail(node, "scale " + std::to_string(q.scale) +
                            " is not positive"));
  isSigned = false;
  if (zeroPointInput < node.inputs.size() &&
      !node.inputs[zeroPointInput].empty()) {
    auto zp = constantInput(node, zeroPointInput);
    if (!zp)
      return R(zp.status());
    if (zp->elements() != 1 ||
        (zp->type != OnnxTensor::Uint8 && zp->type != OnnxTensor::Int8))
      return R(fail(node, "an activation's zero point must be one uint8 or "
                          "int8 value"));
    isSigned = zp->type == OnnxTensor::Int8;
    // int8 activations are the uint8 ones shifted by 128 (same reals).
    q.zeroPoint = int32_t(zp->values[0]) + (isSigned ? 128 : 0);
  }
  return q;
}

Status Importer::quantizeLinear(const OnnxNode &node) {
  auto x = operand(node, 0);
  if (!x)
    return x.status();
  if (x->kind == Value::Kind::Constant)
    return fail(node, "quantizing a constant is not supported (store "
                      "quantized weights as integers behind a "
                      "DequantizeLinear)");
  if (x->integer)
    return fail(node, "input is already quantized");
  bool isSigned = false;
  auto q = constantQuantParams(node, 1, 2, isSigned);
  if (!q)
    return q.status();
  Value v = *x;
  if (v.kind == Value::Kind::Tensor) {
    if (auto s = annotate(node, v, *q); !s)
      return s;
  } else {
    std::optional<QuantParams> &slot = states_[size_t(v.op)].gateQuant;
    if (slot && (slot->scale != q->scale || slot->zeroPoint != q->zeroPoint))
      return fail(node, "the tensor is quantized twice with different "
                        "parameters (one tensor, one quantization)");
    slot = *q;
  }
  v.integer = true;
  v.quantKnown = true;
  v.quant = *q;
  define(node, v);
  return Status::success();
}

Status Importer::dequantizeLinear(const OnnxNode &node) {
  auto x = operand(node, 0);
  if (!x)
    return x.status();
  if (x->kind == Value::Kind::Constant) {
    // Quantized weights or bias: keep the integers and the parameters.
    const OnnxTensor &ints = x->constant;
    if (ints.type != OnnxTensor::Int8 && ints.type != OnnxTensor::Uint8 &&
        ints.type != OnnxTensor::Int32)
      return fail(node, "x must be int8, uint8 or int32, got " +
                            tensorTypeName(ints.type));
    auto scale = constantInput(node, 1);
    if (!scale)
      return scale.status();
    if (scale->type != OnnxTensor::Float)
      return fail(node, "x_scale must be float32");
    QuantizedConstant qc;
    qc.integers = ints;
    qc.scales = scale->values;
    int64_t axis = node.intAttribute("axis", 1);
    if (axis < 0)
      axis += int64_t(ints.dims.size());
    qc.axis = axis;
    if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
      auto zp = constantInput(node, 2);
      if (!zp)
        return zp.status();
      if (zp->type != ints.type || zp->elements() != scale->elements())
        return fail(node, "x_zero_point must have x's type and x_scale's "
                          "size");
      qc.zeroPoints = zp->values;
    } else {
      qc.zeroPoints.assign(qc.scales.size(), 0.0);
    }
    size_t count = qc.scales.size();
    int64_t inner = 1;
    if (count != 1) {
      if (axis < 0 || axis >= int64_t(ints.dims.size()) ||
          int64_t(count) != ints.dims[size_t(axis)])
        return fail(node, "x_scale has " + std::to_string(count) +
                              " values, which does not match axis " +
                              std::to_string(axis) + " of " +
                              dimsText(ints.dims));
      for (size_t d = size_t(axis) + 1; d < ints.dims.size(); ++d)
        inner *= ints.dims[d];
    }
    Value v;
    v.kind = Value::Kind::Constant;
    v.constant.type = OnnxTensor::Float;
    v.constant.dims = ints.dims;
    v.constant.values.reserve(ints.values.size());
    for (size_t i = 0; i < ints.values.size(); ++i) {
      size_t p = count == 1 ? 0 : size_t((int64_t(i) / inner) % int64_t(count));
      v.constant.values.push_back(runtime::dequantizeValue(
          int32_t(ints.values[i]), float(qc.scales[p]),
          int32_t(qc.zeroPoints[p])));
    }
    v.quantized = std::move(qc);
    define(node, std::move(v));
    return Status::success();
  }
  bool isSigned = false;
  auto q = constantQuantParams(node, 1, 2, isSigned);
  if (!q)
    return q.status();
  Value v = *x;
  if (!v.integer)
    return fail(node, "input is not a quantized tensor");
  if (!v.quantKnown) {
    // The graph input given as integers: its parameters are the ones the
    // model dequantizes it with.
    if (auto s = annotate(node, v, *q); !s)
      return s;
  } else if (v.quantKnown && (v.quant.scale != q->scale ||
                              v.quant.zeroPoint != q->zeroPoint)) {
    return fail(node, "dequantizes with parameters other than the "
                      "QuantizeLinear that produced its input");
  }
  v.integer = false;
  v.quantKnown = false;
  define(node, v);
  return Status::success();
}

Status Importer::view(const OnnxNode &node) {
  // Identity, Dropout (inference), Flatten, Reshape, Squeeze, Unsqueeze:
  // the same logical tensor. Only 1x1 maps change rank here (the flatten
  // before a classifier), so the shape we track stays C x H x W.
  auto x = operand(node, 0);
  if (!x)
    return x.status();
  if (x->kind == Value::Kind::Constant)
    return fail(node, "reshaping constants is not supported");
  const std::string &op = node.opType;
  bool reshapes = op != "Identity" && op != "Dropout";
  if (reshapes && (x->height != 1 || x->width != 1)) {
    if (op == "Reshape") {
      auto shape = constantInput(node, 1);
      if (!shape)
        return shape.status();
      std::vector<double> same = {1, double(x->channels), double(x->height),
                                  double(x->width)};
      if (shape->values == same) {
        define(node, *x);
        return Status::success();
      }
    }
    return fail(node, "reshaping a " + std::to_string(x->channels) + "x" +
                          std::to_string(x->height) + "x" +
                          std::to_string(x->width) +
                          " map is not supported (only 1x1 maps, as before "
                          "a classifier)");
  }
  if (op == "Flatten" && node.intAttribute("axis", 1) != 1)
    return fail(node, "only axis = 1 is supported");
  if (op == "Reshape") {
    // [1, C], [1, -1], [1, C, 1, 1], [0, -1], ...: anything that keeps the
    // C values of a 1x1 map (0 copies an input dim, the batch or C).
    auto shape = constantInput(node, 1);
    if (!shape)
      return shape.status();
    int64_t product = 1, unknown = 0, copies = 0;
    for (double d : shape->values) {
      if (d == -1)
        ++unknown;
      else if (d == 0)
        ++copies;
      else if (d > 0)
        product *= int64_t(d);
      else
        unknown = 2;
    }
    bool ok = unknown == 1 ? x->channels % product == 0
                           : unknown == 0 && (product == x->channels ||
                                              (copies > 0 && product == 1));
    if (!ok)
      return fail(node, "target shape " +
                            dimsText(std::vector<int64_t>(
                                shape->values.begin(), shape->values.end())) +
                            " does not keep the " +
                            std::to_string(x->channels) + " channels");
  }
  if (op == "Dropout" && node.outputs.size() > 1)
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty() && uses_[node.outputs[i]] > 0)
        return fail(node, "the dropout mask is not supported");
  define(node, *x);
  return Status::success();
}

Status Importer::activation(const OnnxNode &node) {
  auto x = operand(node, 0);
  if (!x)
    return x.status();
  if (x->kind != Value::Kind::Tensor || x->integer)
    return fail(node, "input must be a float tensor");
  if (x->op == kExpansionInput)
    return fail(node, "an activation of the graph input is not supported "
                      "(activations follow a convolution, pool, add or "
                      "product)");
  Primitive &p = expansion_.ops[size_t(x->op)];
  OpState &s = states_[size_t(x->op)];
  if (x->stage != 0 || p.act != Activation::None || s.gatePending)
    return fail(node, "two activations in a row after " + s.label);
  if (s.rawUsed)
    return fail(node, "the output of " + s.label +
                          " is also read before this activation");
  const std::string &op = node.opType;
  Activation act = Activation::None;
  if (op == "Relu") {
    act = Activation::ReLU;
  } else if (op == "Clip") {
    double lo = -INFINITY, hi = INFINITY;
    if (node.attribute("min") || node.attribute("max")) { // opset < 11
      lo = node.floatAttribute("min", -INFINITY);
      hi = node.floatAttribute("max", INFINITY);
    }
    for (size_t i = 1; i < node.inputs.size() && i < 3; ++i) {
      if (node.inputs[i].empty())
        continue;
      auto bound = constantInput(node, i);
      if (!bound)
        return bound.status();
      if (bound->elements() != 1)
        return fail(node, "min and max must be single values");
      (i == 1 ? lo : hi) = bound->values[0];
    }
    if (lo == 0 && hi == 6)
      act = Activation::ReLU6;
    else if (lo == 0 && std::isinf(hi) && hi > 0)
      act = Activation::ReLU;
    else
      return fail(node, "Clip(" + std::to_string(lo) + ", " +
                            std::to_string(hi) +
                            ") is not supported (only Clip(0, 6) = ReLU6 "
                            "and Clip(0) = ReLU)");
  } else if (op == "HardSwish") {
    act = Activation::Hswish;
  } else if (op == "HardSigmoid" || op == "Sigmoid") {
    if (op == "HardSigmoid") {
      float alpha = node.floatAttribute("alpha", 0.2f);
      float beta = node.floatAttribute("beta", 0.5f);
      if (!near(alpha, 1.0 / 6.0) || !near(beta, 0.5))
        return fail(node, "HardSigmoid(alpha " + std::to_string(alpha) +
                              ", beta " + std::to_string(beta) +
                              ") is not supported (only alpha = 1/6, beta = "
                              "0.5: relu6(x + 3) / 6)");
    }
    // Half of Swish / Hswish when a Mul multiplies it with x, else a
    // standalone activation; decided by its first consumer.
    s.gatePending = true;
    Value gate = *x;
    gate.kind = Value::Kind::Gate;
    gate.gate = op == "Sigmoid" ? ActivationFunction::Sigmoid
                                : ActivationFunction::Hsigmoid;
    define(node, gate);
    return Status::success();
  }
  p.act = act;
  Value v = *x;
  v.stage = 1;
  define(node, v);
  return Status::success();
}

Status Importer::setWeights(const OnnxNode &node, OpState &state,
                            const Value &w, int64_t outChannels,
                            int64_t outAxis,
                            const std::function<size_t(size_t)> &toRuntime) {
  const OnnxTensor &t = w.constant;
  size_t count = t.values.size();
  state.weights.assign(count, 0.0f);
  for (size_t i = 0; i < count; ++i)
    state.weights[toRuntime(i)] = float(t.values[i]);
  if (!w.quantized)
    return Status::success();
  const QuantizedConstant &q = *w.quantized;
  size_t params = q.scales.size();
  if (params != 1 && (q.axis != outAxis || int64_t(params) != outChannels))
    return fail(node, "weights must be quantized per tensor or per output "
                      "channel (axis " + std::to_string(outAxis) +
                      " here), got axis " + std::to_string(q.axis));
  int64_t inner = 1;
  for (size_t d = size_t(outAxis) + 1; d < t.dims.size(); ++d)
    inner *= t.dims[d];
  std::vector<int8_t> ints(count);
  for (size_t i = 0; i < count; ++i) {
    size_t p = params == 1 ? 0 : size_t((int64_t(i) / inner) % outChannels);
    // Our kernels have symmetric weights; a zero point is fine as long as
    // w - zp still fits int8 (uint8 weights with zero point 128 do).
    double v = q.integers.values[i] - q.zeroPoints[p];
    if (v < -128 || v > 127)
      return fail(node, "weight " + std::to_string(i) + " minus its zero "
                        "point (" + std::to_string(int64_t(v)) +
                        ") does not fit int8; the INT8 graph needs "
                        "symmetric int8 weights");
    ints[toRuntime(i)] = int8_t(v);
  }
  state.weightIntegers = std::move(ints);
  state.weightScales.clear();
  for (int64_t c = 0; c < outChannels; ++c)
    state.weightScales.push_back(float(q.scales[params == 1 ? 0 : size_t(c)]));
  return Status::success();
}

Status Importer::setBias(const OnnxNode &node, OpState &state, const Value &b,
                         int64_t outChannels) {
  if (b.kind != Value::Kind::Constant)
    return fail(node, "the bias must be a constant");
  if (b.constant.elements() != outChannels)
    return fail(node, "the bias has " + std::to_string(b.constant.elements()) +
                          " values for " + std::to_string(outChannels) +
                          " output channels");
  state.bias.assign(b.constant.values.begin(), b.constant.values.end());
  if (b.quantized) {
    const QuantizedConstant &q = *b.quantized;
    if (q.integers.type != OnnxTensor::Int32)
      return fail(node, "a quantized bias must be int32");
    std::vector<int32_t> ints;
    for (size_t c = 0; c < size_t(outChannels); ++c) {
      size_t p = q.scales.size() == 1 ? 0 : c;
      if (q.zeroPoints[p] != 0)
        return fail(node, "a quantized bias must have zero point 0");
      ints.push_back(int32_t(q.integers.values[c]));
      state.biasScales.push_back(float(q.scales[p]));
    }
    state.biasIntegers = std::move(ints);
  }
  return Status::success();
}

Status Importer::conv(const OnnxNode &node) {
  auto x = tensorOperand(node, 0);
  if (!x)
    return x.status();
  auto w = operand(node, 1);
  if (!w)
    return w.status();
  if (w->kind != Value::Kind::Constant)
    return fail(node, "the weights must be a constant");
  const std::vector<int64_t> &dims = w->constant.dims;
  if (dims.size() != 4)
    return fail(node, "only 2-D convolutions are supported (weights " +
                          dimsText(dims) + ")");
  int64_t M = dims[0], wc = dims[1], kh = dims[2], kw = dims[3];
  int64_t C = x->channels;
  int64_t group = node.intAttribute("group", 1);
  bool depthwise = group != 1;
  if (depthwise && !(group == C && M == C && wc == 1))
    return fail(node, "group " + std::to_string(group) +
                          " is supported only as a depthwise convolution "
                          "(group = input channels = output channels)");
  if (!depthwise && wc != C)
    return fail(node, "weights for " + std::to_string(wc) +
                          " input channels, the input has " +
                          std::to_string(C));
  if (kh != kw)
    return fail(node, "only square kernels are supported, got " +
                          std::to_string(kh) + "x" + std::to_string(kw));
  for (int64_t d : node.intsAttribute("dilations", {1, 1}))
    if (d != 1)
      return fail(node, "dilations other than 1 are not supported");
  auto strides = node.intsAttribute("strides", {1, 1});
  if (strides.size() != 2 || strides[0] != strides[1] || strides[0] < 1)
    return fail(node, "strides must be equal and positive, got " +
                          dimsText(strides));
  int64_t k = kh, stride = strides[0];
  auto pads = node.intsAttribute("pads", {0, 0, 0, 0});
  const OnnxAttribute *autoPad = node.attribute("auto_pad");
  std::string padMode = autoPad ? autoPad->s : "NOTSET";
  if (padMode == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (padMode == "SAME_UPPER" || padMode == "SAME_LOWER") {
    // Symmetric only when the total padding is even in both directions.
    int64_t sizes[2] = {x->height, x->width};
    for (int d = 0; d < 2; ++d) {
      int64_t out = (sizes[d] + stride - 1) / stride;
      int64_t total = std::max<int64_t>(0, (out - 1) * stride + k - sizes[d]);
      pads[size_t(d)] = total / 2;
      pads[size_t(d) + 2] = total - total / 2;
    }
  } else if (padMode != "NOTSET") {
    return fail(node, "auto_pad '" + padMode + "' is not supported");
  }
  if (pads.size() != 4 || pads[0] != pads[1] || pads[0] != pads[2] ||
      pads[0] != pads[3])
    return fail(node, "only equal padding on all sides is supported, got "
                      "pads " + dimsText(pads));
  int64_t pad = pads[0];
  if (pad < 0 || pad >= k)
    return fail(node, "padding " + std::to_string(pad) +
                          " must be in [0, kernel - 1]");
  if (x->height + 2 * pad < k || x->width + 2 * pad < k)
    return fail(node, "the kernel does not fit the padded input");
  Primitive op;
  op.kind = depthwise ? PrimitiveKind::DepthwiseConv : PrimitiveKind::Conv;
  op.input = x->op;
  op.inChannels = C;
  op.inHeight = x->height;
  op.inWidth = x->width;
  op.outChannels = M;
  op.outHeight = (x->height + 2 * pad - k) / stride + 1;
  op.outWidth = (x->width + 2 * pad - k) / stride + 1;
  op.kernel = k;
  op.stride = stride;
  op.padding = pad;
  int index = addOp(node, op);
  OpState &state = states_[size_t(index)];
  // ONNX [M][C][k][k] -> OHWI [M][k][k][C]; depthwise [C][1][k][k] ->
  // [k][k][C].
  auto toRuntime = [&](size_t i) {
    int64_t j = int64_t(i);
    int64_t xx = j % k, y = (j / k) % k, c = (j / (k * k)) % wc,
            m = j / (k * k * wc);
    return depthwise ? size_t((y * k + xx) * M + m)
                     : size_t(((m * k + y) * k + xx) * wc + c);
  };
  if (auto s = setWeights(node, state, *w, M, 0, toRuntime); !s)
    return s;
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    auto b = operand(node, 2);
    if (!b)
      return b.status();
    if (auto s = setBias(node, state, *b, M); !s)
      return s;
    expansion_.ops[size_t(index)].bias = true;
  }
  define(node, tensorOf(index));
  return Status::success();
}

Status Importer::gemm(const OnnxNode &node) {
  auto a = tensorOperand(node, 0);
  if (!a)
    return a.status();
  if (a->height != 1 || a->width != 1)
    return fail(node, "the input is a " + std::to_string(a->channels) + "x" +
                          std::to_string(a->height) + "x" +
                          std::to_string(a->width) +
                          " map; only 1x1 maps (after a global pool) are "
                          "supported");
  bool isGemm = node.opType == "Gemm";
  if (isGemm) {
    if (node.intAttribute("transA", 0) != 0)
      return fail(node, "transA = 1 is not supported");
    if (!near(node.floatAttribute("alpha", 1.0f), 1.0) ||
        !near(node.floatAttribute("beta", 1.0f), 1.0))
      return fail(node, "alpha and beta must be 1");
  }
  bool transB = isGemm && node.intAttribute("transB", 0) != 0;
  auto b = operand(node, 1);
  if (!b)
    return b.status();
  if (b->kind != Value::Kind::Constant || b->constant.dims.size() != 2)
    return fail(node, "B must be a 2-D constant");
  int64_t rows = b->constant.dims[0], cols = b->constant.dims[1];
  int64_t K = transB ? cols : rows, N = transB ? rows : cols;
  if (K != a->channels)
    return fail(node, "B expects " + std::to_string(K) +
                          " input features, the input has " +
                          std::to_string(a->channels));
  Primitive op;
  op.kind = PrimitiveKind::FullyConnected;
  op.input = a->op;
  op.inChannels = K;
  op.inHeight = op.inWidth = 1;
  op.outChannels = N;
  op.outHeight = op.outWidth = 1;
  int index = addOp(node, op);
  OpState &state = states_[size_t(index)];
  // FC weights are [N][K].
  auto toRuntime = [&](size_t i) {
    int64_t r = int64_t(i) / cols, c = int64_t(i) % cols;
    return transB ? i : size_t(c * K + r);
  };
  if (auto s = setWeights(node, state, *b, N, transB ? 0 : 1, toRuntime); !s)
    return s;
  if (isGemm && node.inputs.size() > 2 && !node.inputs[2].empty()) {
    auto c = operand(node, 2);
    if (!c)
      return c.status();
    if (auto s = setBias(node, state, *c, N); !s)
      return s;
    expansion_.ops[size_t(index)].bias = true;
  }
  define(node, tensorOf(index));
  return Status::success();
}

Status Importer::pool(const OnnxNode &node) {
  auto x = tensorOperand(node, 0);
  if (!x)
    return x.status();
  if (node.opType == "ReduceMean") {
    std::vector<int64_t> axes = node.intsAttribute("axes", {});
    if (node.inputs.size() > 1 && !node.inputs[1].empty()) { // opset 18
      auto t = constantInput(node, 1);
      if (!t)
        return t.status();
      axes.assign(t->values.begin(), t->values.end());
    }
    for (int64_t &a : axes)
      if (a < 0)
        a += 4;
    std::sort(axes.begin(), axes.end());
    if (axes != std::vector<int64_t>{2, 3})
      return fail(node, "only the mean over axes [2, 3] (a global average "
                        "pool) is supported");
  }
  Primitive op;
  op.kind = PrimitiveKind::GlobalAvgPool;
  op.input = x->op;
  op.inChannels = op.outChannels = x->channels;
  op.inHeight = x->height;
  op.inWidth = x->width;
  op.outHeight = op.outWidth = 1;
  define(node, tensorOf(addOp(node, op)));
  return Status::success();
}

Status Importer::mul(const OnnxNode &node) {
  auto a = operand(node, 0), b = operand(node, 1);
  if (!a)
    return a.status();
  if (!b)
    return b.status();
  // x * Sigmoid(x) = Swish, x * HardSigmoid(x) = Hswish.
  for (int swap = 0; swap < 2; ++swap) {
    const Value &x = swap ? *b : *a, &g = swap ? *a : *b;
    if (g.kind == Value::Kind::Gate && x.kind == Value::Kind::Tensor &&
        !x.integer && x.op == g.op && x.stage == 0) {
      Primitive &p = expansion_.ops[size_t(g.op)];
      OpState &s = states_[size_t(g.op)];
      if (s.rawUsed)
        return fail(node, "the output of " + s.label +
                              " is also read before its activation");
      p.act = g.gate == ActivationFunction::Sigmoid ? Activation::Swish
                                                    : Activation::Hswish;
      s.gatePending = false;
      // The gate's own quantization (ONNX Runtime quantizes the Sigmoid)
      // has no place in our fused table: the table maps the pre-activation
      // tensor straight to the product's.
      for (auto &entry : values_)
        if (entry.second.kind == Value::Kind::Gate && entry.second.op == g.op)
          entry.second.kind = Value::Kind::Constant; // dead: reads fail
      Value v = x;
      v.stage = 1;
      define(node, v);
      return Status::success();
    }
  }
  if (a->kind == Value::Kind::Constant || b->kind == Value::Kind::Constant)
    return fail(node, "multiplying by a constant is not supported");
  auto x = tensorOperand(node, 0), y = tensorOperand(node, 1);
  if (!x)
    return x.status();
  if (!y)
    return y.status();
  bool xMap = x->height * x->width > 1, yMap = y->height * y->width > 1;
  if (xMap && yMap)
    return fail(node, "a product of two maps is not supported (only x * s "
                      "with s of shape [1, C, 1, 1], as in squeeze-excite)");
  const Value &big = yMap ? *y : *x, &small = yMap ? *x : *y;
  if (small.channels != big.channels)
    return fail(node, "the scale has " + std::to_string(small.channels) +
                          " channels, the map " +
                          std::to_string(big.channels));
  Primitive op;
  op.kind = PrimitiveKind::ChannelScale;
  op.input = big.op;
  op.other = small.op;
  op.inChannels = op.outChannels = big.channels;
  op.inHeight = op.outHeight = big.height;
  op.inWidth = op.outWidth = big.width;
  define(node, tensorOf(addOp(node, op)));
  return Status::success();
}

Status Importer::add(const OnnxNode &node) {
  auto a = operand(node, 0), b = operand(node, 1);
  if (!a)
    return a.status();
  if (!b)
    return b.status();
  if (a->kind == Value::Kind::Constant || b->kind == Value::Kind::Constant) {
    // MatMul + Add(bias) (or Conv + Add): fold the constant into the bias
    // of the op before, when nothing else reads that op's output.
    size_t xi = a->kind == Value::Kind::Constant ? 1 : 0;
    const Value &x = xi ? *b : *a, &c = xi ? *a : *b;
    if (x.kind != Value::Kind::Tensor || x.integer || x.op < 0 ||
        x.stage != 0 || c.quantized)
      return fail(node, "adding a constant is supported only as the bias of "
                        "the Conv / MatMul / Gemm before it");
    Primitive &p = expansion_.ops[size_t(x.op)];
    OpState &s = states_[size_t(x.op)];
    bool weighted = p.kind == PrimitiveKind::Conv ||
                    p.kind == PrimitiveKind::DepthwiseConv ||
                    p.kind == PrimitiveKind::FullyConnected;
    if (!weighted || p.act != Activation::None || s.gatePending ||
        s.rawUsed || s.quant[0] || uses_[node.inputs[xi]] != 1)
      return fail(node, "adding a constant is supported only as the bias of "
                        "the Conv / MatMul / Gemm before it, read by nothing "
                        "else");
    if (c.constant.elements() != p.outChannels)
      return fail(node, "the added constant has " +
                            std::to_string(c.constant.elements()) +
                            " values for " + std::to_string(p.outChannels) +
                            " channels");
    if (s.bias.empty())
      s.bias.assign(size_t(p.outChannels), 0.0f);
    for (size_t ch = 0; ch < s.bias.size(); ++ch)
      s.bias[ch] += float(c.constant.values[ch]);
    s.biasIntegers.reset();
    p.bias = true;
    define(node, x);
    return Status::success();
  }
  auto x = tensorOperand(node, 0), y = tensorOperand(node, 1);
  if (!x)
    return x.status();
  if (!y)
    return y.status();
  if (x->channels != y->channels || x->height != y->height ||
      x->width != y->width)
    return fail(node, "operands of different shapes (broadcasting is not "
                      "supported)");
  Primitive op;
  op.kind = PrimitiveKind::Add;
  op.input = x->op;
  op.other = y->op;
  op.inChannels = op.outChannels = x->channels;
  op.inHeight = op.outHeight = x->height;
  op.inWidth = op.outWidth = x->width;
  define(node, tensorOf(addOp(node, op)));
  return Status::success();
}

Status Importer::batchNorm(const OnnxNode &node) {
  auto x = operand(node, 0);
  if (!x)
    return x.status();
  if (x->kind != Value::Kind::Tensor || x->integer || x->op < 0 ||
      x->stage != 0)
    return fail(node, "a batch norm is supported only right after a "
                      "convolution (it is folded into it)");
  Primitive &p = expansion_.ops[size_t(x->op)];
  OpState &s = states_[size_t(x->op)];
  if ((p.kind != PrimitiveKind::Conv &&
       p.kind != PrimitiveKind::DepthwiseConv) ||
      p.act != Activation::None || s.gatePending || s.rawUsed || s.quant[0] ||
      s.weightIntegers || uses_[node.inputs[0]] != 1)
    return fail(node, "a batch norm is supported only right after a float "
                      "convolution that nothing else reads");
  std::vector<OnnxTensor> t;
  for (size_t i = 1; i <= 4; ++i) {
    auto c = constantInput(node, i);
    if (!c)
      return c.status();
    if (c->elements() != p.outChannels)
      return fail(node, "parameter " + std::to_string(i) + " needs " +
                            std::to_string(p.outChannels) + " values");
    t.push_back(*c);
  }
  float eps = node.floatAttribute("epsilon", 1e-5f);
  if (s.bias.empty())
    s.bias.assign(size_t(p.outChannels), 0.0f);
  size_t perChannel = s.weights.size() / size_t(p.outChannels);
  bool depthwise = p.kind == PrimitiveKind::DepthwiseConv;
  for (size_t c = 0; c < size_t(p.outChannels); ++c) {
    // The folding of exec::foldParameters.
    float scale = float(t[0].values[c]) /
                  std::sqrt(float(t[3].values[c]) + eps);
    for (size_t j = 0; j < perChannel; ++j) {
      size_t i = depthwise ? j * size_t(p.outChannels) + c
                           : c * perChannel + j;
      s.weights[i] *= scale;
    }
    s.bias[c] = float(t[1].values[c]) - scale * float(t[2].values[c]) +
                scale * s.bias[c];
  }
  p.bias = true;
  define(node, *x);
  return Status::success();
}

Status Importer::tableLookup(const OnnxNode &node) {
  if (node.opType == "Cast") {
    auto x = operand(node, 0);
    if (!x)
      return x.status();
    if (x->kind != Value::Kind::Tensor || !x->integer || !x->quantKnown ||
        x->op < 0 || x->stage != 0 ||
        node.intAttribute("to", 0) != OnnxTensor::Int32)
      return fail(node, "Cast is supported only as the int32 index of a "
                        "table lookup (Cast -> Gather) of a quantized "
                        "tensor");
    Value v = *x;
    v.index = true;
    define(node, v);
    return Status::success();
  }
  // Gather(table, index): a 256-entry uint8 table indexed by the uint8
  // pre-activation tensor, i.e. our kernels' TABLE.
  auto table = constantInput(node, 0);
  if (!table)
    return table.status();
  auto x = operand(node, 1);
  if (!x)
    return x.status();
  if (table->type != OnnxTensor::Uint8 || table->elements() != 256 ||
      x->kind != Value::Kind::Tensor || !x->index ||
      node.intAttribute("axis", 0) != 0)
    return fail(node, "Gather is supported only as a table lookup: a 256 "
                      "value uint8 table indexed by Cast(quantized tensor)");
  Primitive &p = expansion_.ops[size_t(x->op)];
  OpState &s = states_[size_t(x->op)];
  if (p.act != Activation::None || s.gatePending || s.gatherTable ||
      s.rawUsed)
    return fail(node, "a table lookup of " + s.label +
                          ", which already has an activation or other "
                          "readers");
  runtime::LookupTable entries{};
  for (size_t i = 0; i < 256; ++i)
    entries[i] = uint8_t(table->values[i]);
  s.gatherTable = entries;
  Value v = *x;
  v.index = false;
  v.stage = 1;
  v.integer = true;
  v.quantKnown = false; // the DequantizeLinear reading it says
  define(node, v);
  return Status::success();
}

Status Importer::visit(const OnnxNode &node) {
  const std::string &op = node.opType;
  if (node.outputs.empty() || node.outputs[0].empty())
    return fail(node, "has no output");
  if (node.domain.empty()) {
    if (op == "QuantizeLinear")
      return quantizeLinear(node);
    if (op == "DequantizeLinear")
      return dequantizeLinear(node);
    if (op == "Identity" || op == "Dropout" || op == "Flatten" ||
        op == "Reshape")
      return view(node);
    if (op == "Relu" || op == "Clip" || op == "HardSwish" ||
        op == "HardSigmoid" || op == "Sigmoid")
      return activation(node);
    if (op == "Conv")
      return conv(node);
    if (op == "Gemm" || op == "MatMul")
      return gemm(node);
    if (op == "GlobalAveragePool" || op == "ReduceMean")
      return pool(node);
    if (op == "Mul")
      return mul(node);
    if (op == "Add")
      return add(node);
    if (op == "BatchNormalization")
      return batchNorm(node);
    if (op == "Cast" || op == "Gather")
      return tableLookup(node);
    if (op == "ConvInteger" || op == "MatMulInteger")
      return Status::failure(
          "unsupported operator '" + op + "' (node " + node.id +
          "): dynamic quantization has no INT8 network form; "
          "QuantizedNodeGraph (spaceevo/onnx/NodeGraph.h) runs it node by "
          "node");
  }
  return Status::failure("unsupported operator '" +
                         (node.domain.empty() ? "" : node.domain + ".") + op +
                         "' (node " + node.id + ")");
}

Status Importer::defineInput() {
  if (model_.inputs.size() != 1)
    return Status::failure("the model must have one input, it has " +
                           std::to_string(model_.inputs.size()));
  const detail::ValueInfo &in = model_.inputs[0];
  if (in.type != OnnxTensor::Float && in.type != OnnxTensor::Uint8 &&
      in.type != OnnxTensor::Int8)
    return Status::failure("input '" + in.name + "' is " +
                           tensorTypeName(in.type) +
                           "; float32, uint8 or int8 is supported");
  if (!in.hasShape || in.dims.size() != 4 || in.dims[1] <= 0 ||
      in.dims[2] <= 0 || in.dims[3] <= 0 || in.dims[0] > 1 || in.dims[0] == 0)
    return Status::failure("input '" + in.name + "' must have a static NCHW "
                           "shape with batch 1, got " +
                           (in.hasShape ? dimsText(in.dims)
                                        : std::string("no shape")));
  inChannels_ = in.dims[1];
  inHeight_ = in.dims[2];
  inWidth_ = in.dims[3];
  Value v = tensorOf(kExpansionInput);
  if (in.type != OnnxTensor::Float)
    v.integer = true; // parameters come from the DequantizeLinear reading it
  values_[in.name] = v;
  return Status::success();
}

Expected<ImportedModel> Importer::run() {
  if (auto s = desugarQOperators(model_); !s)
    return Result(s);
  for (const OnnxNode &node : model_.nodes) {
    for (const std::string &in : node.inputs)
      ++uses_[in];
    if (node.opType == "QuantizeLinear" || node.opType == "DequantizeLinear")
      quantized_ = true;
  }
  for (const auto &out : model_.outputs)
    ++uses_[out.name];
  if (auto s = defineInput(); !s)
    return Result(s);
  for (const OnnxNode &node : model_.nodes)
    if (auto s = visit(node); !s)
      return Result(s);

  if (model_.outputs.size() != 1)
    return Result::failure("the model must have one output, it has " +
                           std::to_string(model_.outputs.size()));
  if (expansion_.ops.empty())
    return Result::failure("the model has no supported operators");
  const std::string &outName = model_.outputs[0].name;
  auto it = values_.find(outName);
  if (it == values_.end())
    return Result::failure("graph output '" + outName +
                           "' is not produced by any node");
  Value out = it->second;
  if (out.kind == Value::Kind::Gate) {
    OnnxNode pseudo;
    pseudo.label = "'" + outName + "' (graph output)";
    auto v = finalizeGate(pseudo, out);
    if (!v)
      return Result(v.status());
    out = *v;
  }
  int last = int(expansion_.ops.size()) - 1;
  bool finalStage =
      out.stage == (expansion_.ops[size_t(last)].act != Activation::None);
  if (out.kind != Value::Kind::Tensor || out.op != last || !finalStage)
    return Result::failure("graph output '" + outName +
                           "' must be the result of the last operator "
                           "(after its activation)");
  const Primitive &lastOp = expansion_.ops.back();
  expansion_.outChannels = lastOp.outChannels;
  expansion_.outHeight = lastOp.outHeight;
  expansion_.outWidth = lastOp.outWidth;

  ImportedModel model;
  model.graphName = model_.graphName;
  if (auto s = finishFloat(model); !s)
    return Result(s);
  if (quantized_) {
    if (auto s = finishQuantized(model); !s)
      return Result(s);
  }
  return model;
}

Status Importer::finishFloat(ImportedModel &model) {
  // The float network: for a quantized model, its dequantized weights.
  model.kind = ImportedModel::Kind::Float;
  model.expansion = expansion_;
  model.parameters.ops.resize(expansion_.ops.size());
  for (size_t i = 0; i < expansion_.ops.size(); ++i) {
    exec::PrimitiveParameters &p = model.parameters.ops[i];
    OpState &s = states_[i];
    p.weights = s.weights;
    if (expansion_.ops[i].bias)
      p.bias = s.bias;
  }
  if (auto s = exec::validateExpansion(model.expansion); !s)
    return Status::failure("the imported network is invalid: " + s.error());
  if (auto s = exec::checkParameters(model.expansion, model.parameters); !s)
    return Status::failure("the imported parameters are invalid: " +
                           s.error());
  return Status::success();
}

Status Importer::finishQuantized(ImportedModel &model) {
  if (!inputQuant_)
    return Status::failure("the graph input is not quantized (no "
                           "QuantizeLinear reads it)");
  exec::QuantizedExpansion graph;
  graph.expansion = expansion_;
  graph.inputShape = {inHeight_, inWidth_, inChannels_};
  graph.outputShape = exec::primitiveOutputShape(expansion_.ops.back());
  graph.input = *inputQuant_;
  graph.ops.resize(expansion_.ops.size());
  auto paramsOf = [&](int operand) {
    return operand == kExpansionInput ? graph.input
                                      : graph.ops[size_t(operand)].output;
  };
  for (size_t i = 0; i < expansion_.ops.size(); ++i) {
    const Primitive &op = expansion_.ops[i];
    OpState &s = states_[i];
    auto fail = [&](const std::string &why) {
      return Status::failure("node " + s.label + ": " + why);
    };
    if (s.gatherTable)
      return fail("the output of its table lookup is never dequantized, so "
                  "its quantization (and the activation) is unknown");
    ActivationFunction act = exec::activationFunction(op.act);
    bool table = exec::activationNeedsTable(act);
    exec::OpQuantization q;
    q.input = paramsOf(op.input);
    if (op.other != kNoOperand)
      q.other = paramsOf(op.other);
    // Without an activation the tensor is stage 0; a clamp's output is
    // stage 1 (ONNX Runtime drops a Relu into the range of the
    // QuantizeLinear before it: stage 0); a table needs both.
    std::optional<QuantParams> out =
        op.act == Activation::None ? s.quant[0]
                                   : (s.quant[1] ? s.quant[1]
                                                 : (table ? std::nullopt
                                                          : s.quant[0]));
    if (!out)
      return fail("its output is not quantized (no QuantizeLinear follows "
                  "it)");
    q.output = *out;
    if (table) {
      if (!s.quant[0])
        return fail("the input of its " +
                    std::string(activationName(op.act)) +
                    " activation is not quantized (the INT8 graph maps it "
                    "with a table: QuantizeLinear -> DequantizeLinear -> "
                    "activation -> QuantizeLinear)");
      q.preActivation = *s.quant[0];
    } else {
      q.preActivation = q.output;
    }
    bool weighted = op.kind == PrimitiveKind::Conv ||
                    op.kind == PrimitiveKind::DepthwiseConv ||
                    op.kind == PrimitiveKind::FullyConnected;
    if (weighted) {
      size_t channels = size_t(op.outChannels);
      if (s.weightIntegers) {
        q.weights = *s.weightIntegers;
        q.weightScales = s.weightScales;
      } else {
        // Float weights in a quantized model: quantized as
        // quantizeExpansion does.
        auto w = runtime::quantizeWeightsPerChannel(
            s.weights, op.outChannels,
            /*channelsLast=*/op.kind == PrimitiveKind::DepthwiseConv);
        if (!w)
          return fail(w.error());
        q.weights = std::move(w->values);
        q.weightScales = std::move(w->scales);
      }
      q.bias.assign(channels, 0);
      int64_t reduction = op.kind == PrimitiveKind::DepthwiseConv
                              ? op.kernel * op.kernel
                              : op.kernel * op.kernel * op.inChannels;
      double biasLimit = double(INT32_MAX) - double(reduction) * 255 * 128;
      for (size_t c = 0; c < channels && !s.bias.empty(); ++c) {
        double accScale = double(q.input.scale) * double(q.weightScales[c]);
        if (s.biasIntegers &&
            s.biasScales[c] == float(accScale)) {
          // The integers are already in accumulator units (the QDQ rule
          // bias_scale = x_scale * w_scale): take them as they are.
          q.bias[c] = (*s.biasIntegers)[c];
        } else {
          double value = std::nearbyint(double(s.bias[c]) / accScale);
          q.bias[c] = int32_t(std::clamp(value, -biasLimit, biasLimit));
        }
      }
      // The float view of the model uses the weights as the kernels see
      // them.
      exec::PrimitiveParameters &fp = model.parameters.ops[i];
      for (size_t j = 0; j < fp.weights.size(); ++j) {
        size_t c = op.kind == PrimitiveKind::DepthwiseConv
                       ? j % channels
                       : j / (fp.weights.size() / channels);
        fp.weights[j] = float(q.weights[j]) * q.weightScales[c];
      }
    }
    auto built = exec::assembleQuantizedOp(op, std::move(q));
    if (!built)
      return fail(built.error());
    graph.ops[i] = std::move(*built);
  }
  model.kind = ImportedModel::Kind::Quantized;
  model.quantized = std::move(graph);
  return Status::success();
}

} // namespace

Expected<ImportedModel> importModel(const std::string &bytes) {
  auto parsed = detail::parseModel(bytes);
  if (!parsed)
    return Expected<ImportedModel>(parsed.status());
  Importer importer(*parsed);
  return importer.run();
}

Expected<ImportedModel> importModelFile(const std::string &path) {
  auto bytes = readFile(path);
  if (!bytes)
    return Expected<ImportedModel>(bytes.status());
  auto model = importModel(*bytes);
  if (!model)
    return Expected<ImportedModel>::failure(path + ": " + model.error());
  return model;
}

} // namespace spaceevo::onnx
