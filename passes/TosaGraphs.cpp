//===- TosaGraphs.cpp - lib/exec graphs <-> upstream TOSA functions -------===//
#include "TosaGraphs.h"
#include "KernelTranslation.h"

#include "spaceevo/exec/FloatExecutor.h"
#include "spaceevo/exec/Parameters.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cfloat>
#include <cmath>

using namespace mlir;
using namespace mlir::spaceevo;
namespace rt = ::spaceevo::runtime;
namespace ex = ::spaceevo::exec;
using Act = ::spaceevo::Activation;
using ::spaceevo::PrimitiveKind;

namespace {

/// Types, constants and the few op builders both emitters share.
class TosaBuilder {
public:
  TosaBuilder(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }
  template <typename T>
  Value constant(ArrayRef<int64_t> shape, Type element, ArrayRef<T> data) {
    auto type = tensor(shape, element);
    return b.create<tosa::ConstOp>(loc, type,
                                   DenseElementsAttr::get(type, data));
  }
  Value reshape(Value input, ArrayRef<int64_t> shape) {
    auto type = tensor(shape, cast<RankedTensorType>(input.getType())
                                  .getElementType());
    return b.create<tosa::ReshapeOp>(
        loc, TypeRange{type}, ValueRange{input},
        ArrayRef<NamedAttribute>{
            b.getNamedAttr("new_shape", b.getDenseI64ArrayAttr(shape))});
  }
  NamedAttribute attr(StringRef name, Attribute value) {
    return b.getNamedAttr(name, value);
  }
  /// Conv / depthwise / FC with `weights` and `bias` already built.
  Value contraction(PrimitiveKind kind, Value input, Value weights, Value bias,
                    RankedTensorType resultType, int64_t stride,
                    const rt::Padding &pad, Attribute quantization) {
    SmallVector<NamedAttribute> attrs;
    if (quantization)
      attrs.push_back(attr("quantization_info", quantization));
    if (kind == PrimitiveKind::FullyConnected)
      return b.create<tosa::FullyConnectedOp>(
          loc, TypeRange{resultType}, ValueRange{input, weights, bias}, attrs);
    attrs.push_back(attr("pad", b.getDenseI64ArrayAttr(
                                    {pad.top, pad.bottom, pad.left, pad.right})));
    attrs.push_back(attr("stride", b.getDenseI64ArrayAttr({stride, stride})));
    attrs.push_back(attr("dilation", b.getDenseI64ArrayAttr({1, 1})));
    if (kind == PrimitiveKind::DepthwiseConv)
      return b.create<tosa::DepthwiseConv2DOp>(
          loc, TypeRange{resultType}, ValueRange{input, weights, bias}, attrs);
    return b.create<tosa::Conv2DOp>(loc, TypeRange{resultType},
                                    ValueRange{input, weights, bias}, attrs);
  }

  OpBuilder &b;
  Location loc;
};

SmallVector<int64_t> outputShape(const ::spaceevo::Primitive &op) {
  if (op.kind == PrimitiveKind::FullyConnected)
    return {1, op.outChannels};
  return {1, op.outHeight, op.outWidth, op.outChannels};
}

SmallVector<int64_t> weightShape(const ::spaceevo::Primitive &op) {
  switch (op.kind) {
  case PrimitiveKind::Conv:
    return {op.outChannels, op.kernel, op.kernel, op.inChannels};
  case PrimitiveKind::DepthwiseConv:
    return {op.kernel, op.kernel, op.inChannels, 1};
  default:
    return {op.outChannels, op.inChannels};
  }
}

bool isContraction(PrimitiveKind kind) {
  return kind == PrimitiveKind::Conv || kind == PrimitiveKind::DepthwiseConv ||
         kind == PrimitiveKind::FullyConnected;
}

//===----------------------------------------------------------------------===//
// INT8
//===----------------------------------------------------------------------===//

class Int8Emitter : public TosaBuilder {
public:
  using TosaBuilder::TosaBuilder;

  RankedTensorType i8(ArrayRef<int64_t> shape) {
    return tensor(shape, b.getI8Type());
  }
  RankedTensorType i32(ArrayRef<int64_t> shape) {
    return tensor(shape, b.getI32Type());
  }

  Value rescale(Value input, RankedTensorType resultType, int32_t inputZp,
                int32_t outputZp, ArrayRef<int32_t> multiplier,
                ArrayRef<int8_t> shift, bool doubleRound) {
    SmallVector<NamedAttribute> attrs = {
        attr("input_zp", b.getI32IntegerAttr(inputZp)),
        attr("output_zp", b.getI32IntegerAttr(outputZp)),
        attr("multiplier", b.getDenseI32ArrayAttr(multiplier)),
        attr("shift", b.getDenseI8ArrayAttr(shift)),
        attr("scale32", b.getBoolAttr(true)),
        attr("double_round", b.getBoolAttr(doubleRound)),
        attr("per_channel", b.getBoolAttr(multiplier.size() > 1)),
    };
    return b.create<tosa::RescaleOp>(loc, TypeRange{resultType},
                                     ValueRange{input}, attrs);
  }
  /// i8 -> i32 as (q - zp) exactly: multiplier 2^30, shift 30.
  Value widen(Value input, ArrayRef<int64_t> shape, int32_t zeroPoint) {
    return rescale(input, i32(shape), zeroPoint - 128, 0, {1 << 30}, {30},
                   false);
  }

  /// The runtime's output stage after an int32 value: rescale to int8, then
  /// a clamp or a table.
  FailureOr<Value> outputStage(Value acc, ArrayRef<int64_t> shape,
                               const rt::OutputStage &stage) {
    if (stage.int32Output || stage.multiplier.empty())
      return failure();
    SmallVector<int8_t> shift;
    for (int32_t s : stage.shift)
      shift.push_back(static_cast<int8_t>(s));
    Value y = rescale(acc, i8(shape), 0, stage.zeroPoint - 128,
                      stage.multiplier, shift, stage.doubleRound);
    bool clamps = stage.clampMin != 0 || stage.clampMax != 255;
    if (stage.table) {
      if (clamps)
        return failure(); // TOSA has no clamp-then-table in one step
      SmallVector<int8_t> entries;
      for (uint8_t v : *stage.table)
        entries.push_back(static_cast<int8_t>(int(v) - 128));
      Value table = constant<int8_t>({256}, b.getI8Type(), entries);
      return Value(b.create<tosa::TableOp>(loc, TypeRange{i8(shape)},
                                           ValueRange{y, table}));
    }
    if (!clamps)
      return y;
    int64_t lo = stage.clampMin - 128, hi = stage.clampMax - 128;
    return Value(b.create<tosa::ClampOp>(
        loc, TypeRange{i8(shape)}, ValueRange{y},
        ArrayRef<NamedAttribute>{
            attr("min_int", b.getI64IntegerAttr(lo)),
            attr("max_int", b.getI64IntegerAttr(hi)),
            attr("min_fp", b.getF32FloatAttr(float(lo))),
            attr("max_fp", b.getF32FloatAttr(float(hi)))}));
  }

  FailureOr<Value> emit(const ::spaceevo::Primitive &op,
                        const ex::QuantizedOp &q, Value input, Value other) {
    const rt::KernelDesc &d = q.kernel;
    SmallVector<int64_t> outShape = outputShape(op);
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv:
    case PrimitiveKind::FullyConnected: {
      Value x = input;
      if (op.kind == PrimitiveKind::FullyConnected &&
          cast<RankedTensorType>(input.getType()).getRank() != 2)
        x = reshape(input, {1, op.inChannels});
      Value weights = constant<int8_t>(weightShape(op), b.getI8Type(),
                                       d.weights);
      std::vector<int32_t> bias = d.bias;
      bias.resize(size_t(op.outChannels), 0);
      Value biasValue = constant<int32_t>({op.outChannels}, b.getI32Type(),
                                          bias);
      Value acc = contraction(
          op.kind, x, weights, biasValue, i32(outShape), d.stride, d.padding,
          tosa::ConvOpQuantizationAttr::get(b.getContext(),
                                            d.inputZeroPoint - 128, 0));
      return outputStage(acc, outShape, d.output);
    }
    case PrimitiveKind::GlobalAvgPool: {
      Value wide = widen(input, {1, op.inHeight, op.inWidth, op.inChannels},
                         d.inputZeroPoint);
      Value rows = b.create<tosa::ReduceSumOp>(
          loc, TypeRange{i32({1, 1, op.inWidth, op.inChannels})},
          ValueRange{wide},
          ArrayRef<NamedAttribute>{attr("axis", b.getI32IntegerAttr(1))});
      Value sum = b.create<tosa::ReduceSumOp>(
          loc, TypeRange{i32(outShape)}, ValueRange{rows},
          ArrayRef<NamedAttribute>{attr("axis", b.getI32IntegerAttr(2))});
      return outputStage(sum, outShape, d.output);
    }
    case PrimitiveKind::Add: {
      auto operandShape = [](Value v) {
        return SmallVector<int64_t>(
            cast<RankedTensorType>(v.getType()).getShape());
      };
      auto scaled = [&](Value v, const rt::AddInputScale &s) {
        return rescale(v, i32(operandShape(v)), s.zeroPoint - 128, 0,
                       {s.multiplier}, {static_cast<int8_t>(s.shift)}, false);
      };
      Value sum = b.create<tosa::AddOp>(
          loc, TypeRange{i32(outShape)},
          ValueRange{scaled(input, d.addInput), scaled(other, d.addOther)});
      return outputStage(sum, outShape, d.output);
    }
    case PrimitiveKind::ChannelScale: {
      Value lhs = widen(input, outShape, d.inputZeroPoint);
      Value rhs = widen(other, {1, 1, 1, op.inChannels}, d.otherZeroPoint);
      Value product = b.create<tosa::MulOp>(
          loc, TypeRange{i32(outShape)}, ValueRange{lhs, rhs},
          ArrayRef<NamedAttribute>{attr("shift", b.getI8IntegerAttr(0))});
      return outputStage(product, outShape, d.output);
    }
    }
    return failure();
  }
};

/// The conv / depthwise / FC whose output stage ends in `result`.
Operation *contractionOf(Value result) {
  Operation *op = result.getDefiningOp();
  while (op && isa<tosa::TableOp, tosa::ClampOp>(op))
    op = op->getOperand(0).getDefiningOp();
  if (!op || !isa<tosa::RescaleOp>(op))
    return nullptr;
  op = op->getOperand(0).getDefiningOp();
  return op && isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp,
                   tosa::FullyConnectedOp>(op)
             ? op
             : nullptr;
}

void setQuant(OpBuilder &b, Operation *op, rt::QuantParams q) {
  op->setAttr("spaceevo.scale", b.getF32FloatAttr(q.scale));
  op->setAttr("spaceevo.zero_point", b.getI32IntegerAttr(q.zeroPoint - 128));
}

/// Records what TOSA does not say but an ONNX export needs: the real scale
/// of each quantized tensor (on the op producing it) and of each weight
/// channel (on the contraction). readInt8Function reads them back.
void annotate(OpBuilder &b, Value result, const ex::QuantizedOp &q) {
  Operation *last = result.getDefiningOp();
  setQuant(b, last, q.output);
  if (isa<tosa::TableOp>(last))
    if (Operation *rescale = last->getOperand(0).getDefiningOp())
      setQuant(b, rescale, q.preActivation);
  if (Operation *contraction = contractionOf(result))
    contraction->setAttr("spaceevo.weight_scales",
                         b.getDenseF32ArrayAttr(q.weightScales));
}

DictionaryAttr quantizationAttr(OpBuilder &b, rt::QuantParams input,
                                rt::QuantParams output) {
  return b.getDictionaryAttr({
      b.getNamedAttr("input_scale", b.getF32FloatAttr(input.scale)),
      b.getNamedAttr("input_zero_point",
                     b.getI32IntegerAttr(input.zeroPoint - 128)),
      b.getNamedAttr("output_scale", b.getF32FloatAttr(output.scale)),
      b.getNamedAttr("output_zero_point",
                     b.getI32IntegerAttr(output.zeroPoint - 128)),
  });
}

/// Creates the function and its entry block; `values[i]` is filled by the
/// caller with op i's result.
func::FuncOp createFunction(OpBuilder &builder, Location loc, StringRef name,
                            Type inputType, Type resultType) {
  auto func = builder.create<func::FuncOp>(
      loc, name, builder.getFunctionType({inputType}, {resultType}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  return func;
}

Value operandValue(func::FuncOp func, ArrayRef<Value> values, int index) {
  if (index == ::spaceevo::kExpansionInput)
    return func.getArgument(0);
  if (index < 0 || size_t(index) >= values.size())
    return Value();
  return values[size_t(index)];
}

//===----------------------------------------------------------------------===//
// FP32
//===----------------------------------------------------------------------===//

class FloatEmitter : public TosaBuilder {
public:
  using TosaBuilder::TosaBuilder;

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return tensor(shape, b.getF32Type());
  }
  Value scalar(float value) {
    return constant<float>({1, 1, 1, 1}, b.getF32Type(), {value});
  }
  Value clamp(Value x, float lo, float hi) {
    return b.create<tosa::ClampOp>(
        loc, TypeRange{x.getType()}, ValueRange{x},
        ArrayRef<NamedAttribute>{
            attr("min_int", b.getI64IntegerAttr(0)),
            attr("max_int", b.getI64IntegerAttr(
                                hi >= FLT_MAX ? INT64_MAX : int64_t(hi))),
            attr("min_fp", b.getF32FloatAttr(lo)),
            attr("max_fp", b.getF32FloatAttr(hi))});
  }
  Value mul(Value x, Value y) {
    return b.create<tosa::MulOp>(
        loc, TypeRange{x.getType()}, ValueRange{x, y},
        ArrayRef<NamedAttribute>{attr("shift", b.getI8IntegerAttr(0))});
  }
  Value hsigmoid(Value x) {
    Value shifted = b.create<tosa::AddOp>(loc, TypeRange{x.getType()},
                                          ValueRange{x, scalar(3.0f)});
    return mul(clamp(shifted, 0.0f, 6.0f), scalar(1.0f / 6.0f));
  }
  Value activation(Value x, Act act) {
    switch (act) {
    case Act::None:
      return x;
    case Act::ReLU:
      return clamp(x, 0.0f, FLT_MAX);
    case Act::ReLU6:
      return clamp(x, 0.0f, 6.0f);
    case Act::Hsigmoid:
      return hsigmoid(x);
    case Act::Hswish:
      return mul(x, hsigmoid(x));
    case Act::Swish:
      return mul(x, b.create<tosa::SigmoidOp>(loc, TypeRange{x.getType()},
                                              ValueRange{x}));
    }
    return x;
  }
};

} // namespace

FailureOr<func::FuncOp>
mlir::spaceevo::emitInt8Function(OpBuilder &builder, Location loc,
                                 StringRef name,
                                 const ex::QuantizedExpansion &graph) {
  const ::spaceevo::Expansion &expansion = graph.expansion;
  if (expansion.ops.empty() || graph.ops.size() != expansion.ops.size())
    return emitError(loc) << "an INT8 graph needs one quantized op per op";
  OpBuilder::InsertionGuard guard(builder);
  Int8Emitter emitter(builder, loc);
  const ex::TensorShape &in = graph.inputShape;
  auto func = createFunction(
      builder, loc, name, emitter.i8({1, in.height, in.width, in.channels}),
      emitter.i8(outputShape(expansion.ops.back())));
  func->setAttr("spaceevo.quantization",
                quantizationAttr(builder, graph.input, graph.ops.back().output));
  SmallVector<Value> values;
  for (size_t i = 0; i < expansion.ops.size(); ++i) {
    const ::spaceevo::Primitive &op = expansion.ops[i];
    FailureOr<Value> value =
        emitter.emit(op, graph.ops[i], operandValue(func, values, op.input),
                     operandValue(func, values, op.other));
    if (failed(value)) {
      func.erase();
      return emitError(loc)
             << "cannot express op " << i << " ('"
             << ::spaceevo::primitiveKindName(op.kind) << "' " << op.role
             << ") in TOSA: its output stage has an int32 result or a clamp "
                "before a table";
    }
    annotate(builder, *value, graph.ops[i]);
    values.push_back(*value);
  }
  builder.create<func::ReturnOp>(loc, values.back());
  return func;
}

FailureOr<func::FuncOp> mlir::spaceevo::emitFloatFunction(
    OpBuilder &builder, Location loc, StringRef name,
    const ::spaceevo::Expansion &expansion,
    const ex::ExpansionParameters &parameters) {
  auto folded = ex::foldParameters(expansion, parameters);
  if (!folded)
    return emitError(loc) << folded.error();
  auto inShape = ex::expansionInputShape(expansion);
  if (!inShape)
    return emitError(loc) << inShape.error();
  OpBuilder::InsertionGuard guard(builder);
  FloatEmitter emitter(builder, loc);
  auto func = createFunction(
      builder, loc, name,
      emitter.f32({1, inShape->height, inShape->width, inShape->channels}),
      emitter.f32(outputShape(expansion.ops.back())));
  SmallVector<Value> values;
  for (size_t i = 0; i < expansion.ops.size(); ++i) {
    const ::spaceevo::Primitive &op = expansion.ops[i];
    Value input = operandValue(func, values, op.input);
    Value other = operandValue(func, values, op.other);
    SmallVector<int64_t> outShape = outputShape(op);
    Value y;
    if (isContraction(op.kind)) {
      const ex::FoldedParameters &f = (*folded)[i];
      if (op.kind == PrimitiveKind::FullyConnected &&
          cast<RankedTensorType>(input.getType()).getRank() != 2)
        input = emitter.reshape(input, {1, op.inChannels});
      std::vector<float> bias = f.bias;
      bias.resize(size_t(op.outChannels), 0.0f);
      Value weights = emitter.constant<float>(weightShape(op),
                                              builder.getF32Type(), f.weights);
      Value biasValue = emitter.constant<float>(
          {op.outChannels}, builder.getF32Type(), bias);
      y = emitter.contraction(op.kind, input, weights, biasValue,
                              emitter.f32(outShape), op.stride,
                              {op.padding, op.padding, op.padding, op.padding},
                              Attribute());
    } else if (op.kind == PrimitiveKind::GlobalAvgPool) {
      y = builder.create<tosa::AvgPool2dOp>(
          loc, TypeRange{emitter.f32(outShape)}, ValueRange{input},
          ArrayRef<NamedAttribute>{
              emitter.attr("kernel",
                           builder.getDenseI64ArrayAttr({op.inHeight, op.inWidth})),
              emitter.attr("stride", builder.getDenseI64ArrayAttr({1, 1})),
              emitter.attr("pad", builder.getDenseI64ArrayAttr({0, 0, 0, 0})),
              emitter.attr("acc_type", TypeAttr::get(builder.getF32Type()))});
    } else if (op.kind == PrimitiveKind::Add) {
      y = builder.create<tosa::AddOp>(loc, TypeRange{emitter.f32(outShape)},
                                      ValueRange{input, other});
    } else {
      y = emitter.mul(input, other);
    }
    values.push_back(emitter.activation(y, op.act));
  }
  builder.create<func::ReturnOp>(loc, values.back());
  return func;
}

bool mlir::spaceevo::isFloatFunction(func::FuncOp function) {
  if (function.isExternal() || function.getNumArguments() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(function.getArgumentTypes()[0]);
  return type && type.getElementType().isF32();
}

//===----------------------------------------------------------------------===//
// Reading FP32 functions back
//===----------------------------------------------------------------------===//

namespace {

class FloatReader {
public:
  explicit FloatReader(func::FuncOp func) : func(func) {}

  FailureOr<FloatGraph> read() {
    if (!isFloatFunction(func) || func.getNumResults() != 1)
      return func.emitError("expected a function of one f32 NHWC tensor "
                            "with one result");
    auto inType = cast<RankedTensorType>(func.getArgumentTypes()[0]);
    if (inType.getRank() != 4 || inType.getShape()[0] != 1 ||
        !inType.hasStaticShape())
      return func.emitError("the input must be a static 1xHxWxC tensor");
    indexOf[func.getArgument(0)] = ::spaceevo::kExpansionInput;
    Block &body = func.getBody().front();
    for (Operation &operation : body) {
      Operation *op = &operation;
      if (consumed.contains(op) || isa<tosa::ConstOp>(op))
        continue;
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        auto it = indexOf.find(ret.getOperand(0));
        if (it == indexOf.end() || it->second != int(graph.expansion.ops.size()) - 1)
          return ret.emitError("the result must be the last op's value");
        continue;
      }
      if (failed(readOp(op)))
        return failure();
    }
    if (graph.expansion.ops.empty())
      return func.emitError("the function computes nothing");
    const ::spaceevo::Primitive &last = graph.expansion.ops.back();
    graph.expansion.outChannels = last.outChannels;
    graph.expansion.outHeight = last.outHeight;
    graph.expansion.outWidth = last.outWidth;
    return std::move(graph);
  }

private:
  func::FuncOp func;
  FloatGraph graph;
  DenseMap<Value, int> indexOf;
  DenseSet<Operation *> consumed;

  static FailureOr<std::vector<float>> constant(Value v) {
    auto op = v.getDefiningOp<tosa::ConstOp>();
    if (!op)
      return failure();
    auto dense = dyn_cast<DenseFPElementsAttr>(op.getValue());
    if (!dense)
      return failure();
    std::vector<float> values;
    for (APFloat x : dense.getValues<APFloat>())
      values.push_back(x.convertToFloat());
    return values;
  }
  static bool isScalar(Value v, float expected) {
    FailureOr<std::vector<float>> c = constant(v);
    return succeeded(c) && c->size() == 1 &&
           std::fabs((*c)[0] - expected) <= 1e-6f * std::fabs(expected);
  }
  template <typename OpT> static OpT onlyUser(Value v) {
    if (!v.hasOneUse())
      return {};
    return dyn_cast<OpT>(*v.getUsers().begin());
  }
  static SmallVector<int64_t> shapeOf(Value v) {
    return SmallVector<int64_t>(cast<RankedTensorType>(v.getType()).getShape());
  }

  /// Input shape of a value as (C, H, W); [1, C] counts as C x 1 x 1.
  static void chw(Value v, int64_t &c, int64_t &h, int64_t &w) {
    SmallVector<int64_t> s = shapeOf(v);
    if (s.size() == 2) {
      c = s[1];
      h = w = 1;
    } else {
      h = s[1];
      w = s[2];
      c = s[3];
    }
  }

  FailureOr<int> operand(Operation *user, Value v) {
    if (auto reshape = v.getDefiningOp<tosa::ReshapeOp>())
      v = reshape.getInput1(); // a flatten before the classifier
    auto it = indexOf.find(v);
    if (it == indexOf.end()) {
      user->emitError("operand is not the function input or a recognised op's "
                      "result");
      return failure();
    }
    return it->second;
  }

  /// Hsigmoid = mul(clamp(add(x, 3), 0, 6), 1/6) starting at `add`; returns
  /// the final mul.
  tosa::MulOp matchHsigmoid(tosa::AddOp add, Value x) {
    if (add.getInput1() != x || !isScalar(add.getInput2(), 3.0f))
      return {};
    auto clamp = onlyUser<tosa::ClampOp>(add.getOutput());
    if (!clamp || clamp.getMinFp().convertToFloat() != 0.0f ||
        clamp.getMaxFp().convertToFloat() != 6.0f)
      return {};
    auto mul = onlyUser<tosa::MulOp>(clamp.getOutput());
    if (!mul || mul.getInput1() != clamp.getOutput() ||
        !isScalar(mul.getInput2(), 1.0f / 6.0f))
      return {};
    consumed.insert(add);
    consumed.insert(clamp);
    consumed.insert(mul);
    return mul;
  }

  /// Recognises the activation chain after `y`; returns its last value.
  Value activation(Value y, Act &act) {
    act = Act::None;
    if (auto clamp = onlyUser<tosa::ClampOp>(y)) {
      float lo = clamp.getMinFp().convertToFloat();
      float hi = clamp.getMaxFp().convertToFloat();
      if (lo == 0.0f && (hi == 6.0f || hi >= FLT_MAX)) {
        act = hi == 6.0f ? Act::ReLU6 : Act::ReLU;
        consumed.insert(clamp);
        return clamp.getOutput();
      }
      return y;
    }
    // Swish, Hswish and Hsigmoid read y twice (or from a constant add).
    for (Operation *user : y.getUsers()) {
      if (auto sigmoid = dyn_cast<tosa::SigmoidOp>(user)) {
        auto mul = onlyUser<tosa::MulOp>(sigmoid.getOutput());
        if (mul && mul.getInput1() == y && mul.getInput2() == sigmoid.getOutput()) {
          consumed.insert(sigmoid);
          consumed.insert(mul);
          act = Act::Swish;
          return mul.getOutput();
        }
      }
      if (auto add = dyn_cast<tosa::AddOp>(user)) {
        tosa::MulOp hs = matchHsigmoid(add, y);
        if (!hs)
          continue;
        auto mul = onlyUser<tosa::MulOp>(hs.getOutput());
        if (mul && mul.getInput1() == y && mul.getInput2() == hs.getOutput()) {
          consumed.insert(mul);
          act = Act::Hswish;
          return mul.getOutput();
        }
        if (y.hasOneUse()) {
          act = Act::Hsigmoid;
          return hs.getOutput();
        }
      }
    }
    return y;
  }

  LogicalResult readOp(Operation *op) {
    ::spaceevo::Primitive p;
    ex::PrimitiveParameters params;
    Value main = op->getNumOperands() ? op->getOperand(0) : Value();
    if (isa<tosa::ReshapeOp>(op)) {
      // Only the flatten feeding a classifier is allowed.
      if (!onlyUser<tosa::FullyConnectedOp>(op->getResult(0)))
        return op->emitError("a reshape may only flatten a classifier's input");
      return success();
    }
    if (isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp, tosa::FullyConnectedOp>(op)) {
      p.kind = isa<tosa::Conv2DOp>(op)            ? PrimitiveKind::Conv
               : isa<tosa::DepthwiseConv2DOp>(op) ? PrimitiveKind::DepthwiseConv
                                                  : PrimitiveKind::FullyConnected;
      p.role = p.kind == PrimitiveKind::FullyConnected ? "classifier" : "conv";
      FailureOr<std::vector<float>> weights = constant(op->getOperand(1));
      FailureOr<std::vector<float>> bias = constant(op->getOperand(2));
      if (failed(weights) || failed(bias))
        return op->emitError("weights and bias must be f32 tosa.const");
      params.weights = std::move(*weights);
      params.bias = std::move(*bias);
      p.bias = true;
      SmallVector<int64_t> w = shapeOf(op->getOperand(1));
      if (p.kind != PrimitiveKind::FullyConnected) {
        auto stride = op->getAttrOfType<DenseI64ArrayAttr>("stride");
        auto pad = op->getAttrOfType<DenseI64ArrayAttr>("pad");
        auto dilation = op->getAttrOfType<DenseI64ArrayAttr>("dilation");
        if (stride[0] != stride[1] || dilation[0] != 1 || dilation[1] != 1)
          return op->emitError("only equal strides and no dilation are supported");
        if (pad[0] != pad[1] || pad[0] != pad[2] || pad[0] != pad[3])
          return op->emitError("only equal padding on every side is supported");
        p.stride = stride[0];
        p.padding = pad[0];
        p.kernel = p.kind == PrimitiveKind::Conv ? w[1] : w[0];
        if ((p.kind == PrimitiveKind::Conv ? w[2] : w[1]) != p.kernel)
          return op->emitError("only square kernels are supported");
        if (p.kind == PrimitiveKind::DepthwiseConv && w[3] != 1)
          return op->emitError("depthwise channel multiplier must be 1");
      }
    } else if (isa<tosa::AvgPool2dOp>(op)) {
      p.kind = PrimitiveKind::GlobalAvgPool;
      p.role = "pool";
      SmallVector<int64_t> out = shapeOf(op->getResult(0));
      if (out[1] != 1 || out[2] != 1)
        return op->emitError("only global average pooling is supported");
    } else if (auto add = dyn_cast<tosa::AddOp>(op)) {
      p.kind = PrimitiveKind::Add;
      p.role = "add";
      FailureOr<int> other = operand(op, add.getInput2());
      if (failed(other))
        return failure();
      p.other = *other;
    } else if (auto mul = dyn_cast<tosa::MulOp>(op)) {
      SmallVector<int64_t> s = shapeOf(mul.getInput2());
      if (s.size() != 4 || s[1] != 1 || s[2] != 1)
        return op->emitError("a mul must scale channels by a 1x1x1xC tensor");
      p.kind = PrimitiveKind::ChannelScale;
      p.role = "scale";
      FailureOr<int> other = operand(op, mul.getInput2());
      if (failed(other))
        return failure();
      p.other = *other;
    } else {
      return op->emitError("unsupported op in an FP32 network: '")
             << op->getName() << "'";
    }
    FailureOr<int> input = operand(op, main);
    if (failed(input))
      return failure();
    p.input = *input;
    Value source = main;
    if (auto reshape = main.getDefiningOp<tosa::ReshapeOp>())
      source = reshape.getInput1();
    chw(source, p.inChannels, p.inHeight, p.inWidth);
    Value y = op->getResult(0);
    chw(y, p.outChannels, p.outHeight, p.outWidth);
    Value last = activation(y, p.act);
    graph.expansion.ops.push_back(p);
    graph.parameters.ops.push_back(std::move(params));
    indexOf[last] = int(graph.expansion.ops.size()) - 1;
    return success();
  }
};

} // namespace

FailureOr<FloatGraph> mlir::spaceevo::readFloatFunction(func::FuncOp function) {
  FailureOr<FloatGraph> graph = FloatReader(function).read();
  if (failed(graph))
    return failure();
  if (auto s = ex::validateExpansion(graph->expansion); !s)
    return function.emitError() << s.error();
  if (auto s = ex::checkParameters(graph->expansion, graph->parameters); !s)
    return function.emitError() << s.error();
  return graph;
}

//===----------------------------------------------------------------------===//
// Reading INT8 functions back
//===----------------------------------------------------------------------===//

namespace {

FailureOr<rt::QuantParams> recordedQuant(Operation *op) {
  auto scale = op ? op->getAttrOfType<FloatAttr>("spaceevo.scale") : nullptr;
  auto zp = op ? op->getAttrOfType<IntegerAttr>("spaceevo.zero_point") : nullptr;
  if (!scale || !zp)
    return failure();
  rt::QuantParams q;
  q.scale = float(scale.getValueAsDouble());
  q.zeroPoint = int32_t(zp.getInt()) + 128;
  return q;
}

bool sameStage(const rt::OutputStage &a, const rt::OutputStage &b) {
  return a.multiplier == b.multiplier && a.shift == b.shift &&
         a.zeroPoint == b.zeroPoint && a.doubleRound == b.doubleRound &&
         a.clampMin == b.clampMin && a.clampMax == b.clampMax &&
         a.table == b.table;
}

bool sameAddScale(const rt::AddInputScale &a, const rt::AddInputScale &b) {
  return a.zeroPoint == b.zeroPoint && a.multiplier == b.multiplier &&
         a.shift == b.shift;
}

} // namespace

FailureOr<ex::QuantizedExpansion>
mlir::spaceevo::readInt8Function(func::FuncOp func) {
  auto quantization = func->getAttrOfType<DictionaryAttr>("spaceevo.quantization");
  auto inScale = quantization ? quantization.getAs<FloatAttr>("input_scale")
                              : nullptr;
  auto inZp = quantization ? quantization.getAs<IntegerAttr>("input_zero_point")
                           : nullptr;
  if (!inScale || !inZp)
    return func.emitError("an INT8 function needs its 'spaceevo.quantization' "
                          "attribute (functions from "
                          "--spaceevo-lower-int8=weights=calibrated, "
                          "--spaceevo-quantize or --import-onnx carry it)");
  SmallVector<Value> results;
  FailureOr<::spaceevo::program::KernelProgram> program =
      translateOps(func, &results);
  if (failed(program))
    return failure();

  ex::QuantizedExpansion graph;
  graph.input.scale = float(inScale.getValueAsDouble());
  graph.input.zeroPoint = int32_t(inZp.getInt()) + 128;
  DenseMap<int, int> producerOfSlot;
  producerOfSlot[program->inputSlots.front()] = ::spaceevo::kExpansionInput;
  auto paramsOf = [&](int producer) {
    return producer == ::spaceevo::kExpansionInput
               ? graph.input
               : graph.ops[size_t(producer)].output;
  };

  for (size_t i = 0; i < program->steps.size(); ++i) {
    const auto &step = program->steps[i];
    const rt::KernelDesc &d = step.desc;
    Operation *last = results[i].getDefiningOp();
    auto fail = [&](const Twine &why) { return last->emitError(why); };
    ::spaceevo::Primitive p;
    switch (d.kind) {
    case rt::OpKind::Conv2D: p.kind = PrimitiveKind::Conv; break;
    case rt::OpKind::DepthwiseConv2D: p.kind = PrimitiveKind::DepthwiseConv; break;
    case rt::OpKind::FullyConnected: p.kind = PrimitiveKind::FullyConnected; break;
    case rt::OpKind::GlobalAvgPool: p.kind = PrimitiveKind::GlobalAvgPool; break;
    case rt::OpKind::Add: p.kind = PrimitiveKind::Add; break;
    case rt::OpKind::ChannelScale: p.kind = PrimitiveKind::ChannelScale; break;
    default:
      return fail("no network primitive for a '" +
                  std::string(rt::opKindName(d.kind)) + "' kernel");
    }
    p.role = std::string(rt::opKindName(d.kind));
    auto producer = [&](int slot) -> FailureOr<int> {
      auto it = producerOfSlot.find(slot);
      if (it == producerOfSlot.end())
        return failure();
      return it->second;
    };
    FailureOr<int> input = producer(step.input);
    FailureOr<int> other = step.other >= 0 ? producer(step.other)
                                           : FailureOr<int>(::spaceevo::kNoOperand);
    if (failed(input) || failed(other))
      return fail("an operand is not the function input or an earlier op");
    p.input = *input;
    p.other = *other;
    auto outShape = rt::kernelOutputShape(d);
    if (!outShape)
      return fail(outShape.error());
    p.inChannels = d.input.c;
    p.inHeight = d.input.h;
    p.inWidth = d.input.w;
    p.outChannels = outShape->c;
    p.outHeight = outShape->h;
    p.outWidth = outShape->w;
    bool contraction = isContraction(p.kind);
    if (contraction && p.kind != PrimitiveKind::FullyConnected) {
      if (d.padding.top != d.padding.bottom || d.padding.top != d.padding.left ||
          d.padding.top != d.padding.right)
        return fail("only equal padding on every side can be exported");
      p.kernel = d.kernel;
      p.stride = d.stride;
      p.padding = d.padding.top;
    }
    p.bias = contraction;

    ex::OpQuantization q;
    q.input = paramsOf(p.input);
    if (p.other != ::spaceevo::kNoOperand)
      q.other = paramsOf(p.other);
    FailureOr<rt::QuantParams> output = recordedQuant(last);
    if (failed(output))
      return fail("the op ending this kernel has no 'spaceevo.scale' / "
                  "'spaceevo.zero_point' (needed to export it)");
    q.output = q.preActivation = *output;
    if (d.output.table) {
      FailureOr<rt::QuantParams> pre =
          recordedQuant(last->getOperand(0).getDefiningOp());
      if (failed(pre))
        return fail("the rescale before this table has no 'spaceevo.scale'");
      q.preActivation = *pre;
    }
    if (contraction) {
      Operation *conv = contractionOf(results[i]);
      auto scales = conv ? conv->getAttrOfType<DenseF32ArrayAttr>(
                               "spaceevo.weight_scales")
                         : nullptr;
      if (!scales || int64_t(scales.size()) != p.outChannels)
        return fail("the contraction has no 'spaceevo.weight_scales' with one "
                    "scale per output channel");
      q.weightScales.assign(scales.asArrayRef().begin(),
                            scales.asArrayRef().end());
      q.weights = d.weights;
      q.bias = d.bias;
    }
    // The activation is the one whose kernel, rebuilt from the recorded
    // scales, is the kernel in the IR.
    std::optional<ex::QuantizedOp> match;
    for (Act act : {Act::None, Act::ReLU,
                           Act::ReLU6, Act::Hswish,
                           Act::Swish, Act::Hsigmoid}) {
      p.act = act;
      auto rebuilt = ex::assembleQuantizedOp(p, q);
      if (!rebuilt || !sameStage(rebuilt->kernel.output, d.output))
        continue;
      if (p.kind == PrimitiveKind::Add &&
          (!sameAddScale(rebuilt->kernel.addInput, d.addInput) ||
           !sameAddScale(rebuilt->kernel.addOther, d.addOther)))
        continue;
      match = std::move(*rebuilt);
      break;
    }
    if (!match)
      return fail("the requantization in the IR does not follow from the "
                  "recorded scales with any activation (edited by hand?)");
    match->input = p.input;
    match->other = p.other;
    graph.expansion.ops.push_back(p);
    graph.ops.push_back(std::move(*match));
    producerOfSlot[step.output] = int(i);
  }
  if (graph.ops.empty())
    return func.emitError("the function computes nothing");
  auto outIt = producerOfSlot.find(program->outputSlot);
  if (outIt == producerOfSlot.end() || outIt->second != int(graph.ops.size()) - 1)
    return func.emitError("the result must be the last kernel's value");
  const ::spaceevo::Primitive &lastOp = graph.expansion.ops.back();
  graph.expansion.outChannels = lastOp.outChannels;
  graph.expansion.outHeight = lastOp.outHeight;
  graph.expansion.outWidth = lastOp.outWidth;
  const ::spaceevo::Primitive &first = graph.expansion.ops.front();
  graph.inputShape = {first.inHeight, first.inWidth, first.inChannels};
  graph.outputShape = ex::primitiveOutputShape(lastOp);
  return graph;
}
