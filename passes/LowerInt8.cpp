//===- LowerInt8.cpp - --spaceevo-lower-int8 ------------------------------===//
//
// Emits the INT8 plan of lib/lower (Int8Plan.h) as upstream TOSA. All the
// numbers (weights, zero points, multipliers, tables) come from the plan;
// this file only chooses ops and types.
//
//===----------------------------------------------------------------------===//
#include "TosaGraphs.h"
#include "spaceevo/exec/Synthetic.h"
#include "PassSupport.h"
#include "spaceevo/lower/Int8Plan.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/space/NetworkCost.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_LOWERINT8
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

class TosaEmitter {
public:
  TosaEmitter(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  RankedTensorType i8(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getI8Type());
  }
  RankedTensorType i32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getI32Type());
  }

  Value constI8(ArrayRef<int64_t> shape, ArrayRef<int8_t> data) {
    auto type = i8(shape);
    return b.create<tosa::ConstOp>(
        loc, type, DenseElementsAttr::get(type, llvm::ArrayRef(data)));
  }
  Value constI32(ArrayRef<int64_t> shape, ArrayRef<int32_t> data) {
    auto type = i32(shape);
    return b.create<tosa::ConstOp>(
        loc, type, DenseElementsAttr::get(type, llvm::ArrayRef(data)));
  }

  Value rescale(Value input, RankedTensorType resultType,
                const ::spaceevo::Int8Rescale &r, bool doubleRound) {
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("input_zp", b.getI32IntegerAttr(r.inputZeroPoint)),
        b.getNamedAttr("output_zp", b.getI32IntegerAttr(r.outputZeroPoint)),
        b.getNamedAttr("multiplier", b.getDenseI32ArrayAttr(r.multiplier)),
        b.getNamedAttr("shift", b.getDenseI8ArrayAttr(r.shift)),
        b.getNamedAttr("scale32", b.getBoolAttr(true)),
        b.getNamedAttr("double_round", b.getBoolAttr(doubleRound)),
        b.getNamedAttr("per_channel", b.getBoolAttr(r.perChannel())),
    };
    return b.create<tosa::RescaleOp>(loc, TypeRange{resultType},
                                     ValueRange{input}, attrs);
  }

  /// Clamp or table after a rescale, as the plan says.
  Value activation(Value x, const ::spaceevo::Int8Node &node) {
    auto type = cast<RankedTensorType>(x.getType());
    switch (node.activation) {
    case ::spaceevo::Int8ActivationKind::None:
      return x;
    case ::spaceevo::Int8ActivationKind::Clamp:
      return b.create<tosa::ClampOp>(
          loc, TypeRange{type}, ValueRange{x},
          ArrayRef<NamedAttribute>{
              b.getNamedAttr("min_int", b.getI64IntegerAttr(node.clampMin)),
              b.getNamedAttr("max_int", b.getI64IntegerAttr(node.clampMax)),
              b.getNamedAttr("min_fp", b.getF32FloatAttr(node.clampMin)),
              b.getNamedAttr("max_fp", b.getF32FloatAttr(node.clampMax))});
    case ::spaceevo::Int8ActivationKind::Table: {
      Value table = constI8({256}, node.table);
      return b.create<tosa::TableOp>(loc, TypeRange{type},
                                     ValueRange{x, table});
    }
    }
    return x;
  }

  FailureOr<Value> emit(const ::spaceevo::Int8Node &node, Value input,
                        Value other) {
    const ::spaceevo::Primitive &op = node.op;
    SmallVector<int64_t> outShape = {1, op.outHeight, op.outWidth,
                                     op.outChannels};
    switch (op.kind) {
    case ::spaceevo::PrimitiveKind::Conv:
    case ::spaceevo::PrimitiveKind::DepthwiseConv: {
      bool depthwise = op.kind == ::spaceevo::PrimitiveKind::DepthwiseConv;
      SmallVector<int64_t> weightShape =
          depthwise ? SmallVector<int64_t>{op.kernel, op.kernel, op.inChannels, 1}
                    : SmallVector<int64_t>{op.outChannels, op.kernel,
                                           op.kernel, op.inChannels};
      Value weight = constI8(weightShape, node.weights);
      Value bias = constI32({op.outChannels}, node.bias);
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr("pad", b.getDenseI64ArrayAttr({op.padding, op.padding,
                                                         op.padding, op.padding})),
          b.getNamedAttr("stride", b.getDenseI64ArrayAttr({op.stride, op.stride})),
          b.getNamedAttr("dilation", b.getDenseI64ArrayAttr({1, 1})),
          b.getNamedAttr("quantization_info",
                         tosa::ConvOpQuantizationAttr::get(
                             b.getContext(), node.input.zeroPoint, 0))};
      Value acc;
      if (depthwise)
        acc = b.create<tosa::DepthwiseConv2DOp>(
            loc, TypeRange{i32(outShape)}, ValueRange{input, weight, bias}, attrs);
      else
        acc = b.create<tosa::Conv2DOp>(loc, TypeRange{i32(outShape)},
                                       ValueRange{input, weight, bias}, attrs);
      Value y = rescale(acc, i8(outShape), node.outputRescale, true);
      return activation(y, node);
    }
    case ::spaceevo::PrimitiveKind::FullyConnected: {
      // [1, 1, 1, C] (or [1, C]) -> [1, C] -> [1, O].
      Value flat = input;
      if (cast<RankedTensorType>(input.getType()).getRank() != 2)
        flat = b.create<tosa::ReshapeOp>(
            loc, TypeRange{i8({1, op.inChannels})}, ValueRange{input},
            ArrayRef<NamedAttribute>{b.getNamedAttr(
                "new_shape", b.getDenseI64ArrayAttr({1, op.inChannels}))});
      Value weight = constI8({op.outChannels, op.inChannels}, node.weights);
      Value bias = constI32({op.outChannels}, node.bias);
      Value acc = b.create<tosa::FullyConnectedOp>(
          loc, TypeRange{i32({1, op.outChannels})},
          ValueRange{flat, weight, bias},
          ArrayRef<NamedAttribute>{b.getNamedAttr(
              "quantization_info", tosa::ConvOpQuantizationAttr::get(
                                       b.getContext(), node.input.zeroPoint, 0))});
      Value y = rescale(acc, i8({1, op.outChannels}), node.outputRescale, true);
      return activation(y, node);
    }
    case ::spaceevo::PrimitiveKind::GlobalAvgPool:
      return Value(b.create<tosa::AvgPool2dOp>(
          loc, TypeRange{i8(outShape)}, ValueRange{input},
          ArrayRef<NamedAttribute>{
              b.getNamedAttr("kernel",
                             b.getDenseI64ArrayAttr({op.inHeight, op.inWidth})),
              b.getNamedAttr("stride", b.getDenseI64ArrayAttr({1, 1})),
              b.getNamedAttr("pad", b.getDenseI64ArrayAttr({0, 0, 0, 0})),
              b.getNamedAttr("acc_type", TypeAttr::get(b.getI32Type())),
              b.getNamedAttr("quantization_info",
                             tosa::UnaryOpQuantizationAttr::get(
                                 b.getContext(), node.input.zeroPoint,
                                 node.output.zeroPoint))}));
    case ::spaceevo::PrimitiveKind::ChannelScale:
    case ::spaceevo::PrimitiveKind::Add: {
      auto otherType = cast<RankedTensorType>(other.getType());
      Value a = rescale(input, i32(outShape), node.inputRescale, false);
      Value c = rescale(other, i32(otherType.getShape()), node.otherRescale,
                        false);
      Value combined;
      if (op.kind == ::spaceevo::PrimitiveKind::Add)
        combined = b.create<tosa::AddOp>(loc, TypeRange{i32(outShape)},
                                         ValueRange{a, c});
      else
        combined = b.create<tosa::MulOp>(
            loc, TypeRange{i32(outShape)}, ValueRange{a, c},
            ArrayRef<NamedAttribute>{
                b.getNamedAttr("shift", b.getI8IntegerAttr(0))});
      Value y = rescale(combined, i8(outShape), node.outputRescale, true);
      return activation(y, node);
    }
    }
    return failure();
  }

private:
  OpBuilder &b;
  Location loc;
};

struct LowerInt8Pass
    : public mlir::spaceevo::impl::LowerInt8Base<LowerInt8Pass> {
  using LowerInt8Base::LowerInt8Base;

  /// weights=calibrated: lib/exec's graph (He weights, batch norm and
  /// activation ranges calibrated on random inputs), as the ONNX export
  /// and --spaceevo-execute's numbers.
  LogicalResult lowerCalibrated(Operation *source, StringRef name,
                                const ::spaceevo::Expansion &expansion) {
    ::spaceevo::exec::SyntheticOptions options;
    options.init.seed = seed;
    options.calibrationInputs = size_t(std::max<int64_t>(1, calibrationInputs));
    auto network = ::spaceevo::exec::quantizeSynthetic(expansion, options);
    if (!network)
      return emitError(source->getLoc())
             << "--spaceevo-lower-int8: " << network.error();
    OpBuilder builder(source);
    FailureOr<func::FuncOp> func =
        emitInt8Function(builder, source->getLoc(), name, network->graph);
    if (failed(func))
      return failure();
    (*func)->setAttr("spaceevo.source",
                     builder.getStringAttr(source->getName().getStringRef() +
                                           " @" + name));
    return success();
  }

  LogicalResult lower(Operation *source, StringRef name,
                      const ::spaceevo::Expansion &expansion, int64_t inC,
                      int64_t inH, int64_t inW,
                      const ::spaceevo::Int8PlanOptions &options) {
    if (weights == "calibrated")
      return lowerCalibrated(source, name, expansion);
    ::spaceevo::Result<::spaceevo::Int8Plan> plan =
        ::spaceevo::planInt8(expansion, inC, inH, inW, options);
    if (!plan)
      return emitError(source->getLoc())
             << "--spaceevo-lower-int8: " << plan.error();
    OpBuilder builder(source);
    Location loc = source->getLoc();
    TosaEmitter emitter(builder, loc);
    Type inputType = emitter.i8({1, inH, inW, inC});
    const ::spaceevo::Primitive &last = expansion.ops.back();
    Type outputType =
        last.kind == ::spaceevo::PrimitiveKind::FullyConnected
            ? Type(emitter.i8({1, last.outChannels}))
            : Type(emitter.i8({1, last.outHeight, last.outWidth,
                               last.outChannels}));
    auto func = builder.create<func::FuncOp>(
        loc, name, builder.getFunctionType({inputType}, {outputType}));
    func->setAttr("spaceevo.source", builder.getStringAttr(
                                         source->getName().getStringRef() +
                                         " @" + name));
    Block *entry = func.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    SmallVector<Value> values;
    auto operand = [&](int index) -> Value {
      if (index == ::spaceevo::kExpansionInput)
        return entry->getArgument(0);
      if (index < 0)
        return Value();
      return values[index];
    };
    for (const ::spaceevo::Int8Node &node : plan->nodes) {
      FailureOr<Value> value =
          emitter.emit(node, operand(node.op.input), operand(node.op.other));
      if (failed(value))
        return emitError(loc) << "--spaceevo-lower-int8: cannot lower a '"
                              << ::spaceevo::primitiveKindName(node.op.kind)
                              << "'";
      values.push_back(*value);
    }
    builder.create<func::ReturnOp>(loc, values.back());
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ::spaceevo::Int8PlanOptions options;
    options.seed = seed;
    if (weights == "seeded")
      options.weights = ::spaceevo::WeightFill::Seeded;
    else if (weights == "splat")
      options.weights = ::spaceevo::WeightFill::Splat;
    else if (weights != "calibrated") {
      emitError(module.getLoc()) << "--spaceevo-lower-int8: weights must be "
                                    "'seeded', 'splat' or 'calibrated', not '"
                                 << weights << "'";
      return signalPassFailure();
    }
    SymbolTableCollection symbolTables;
    bool lowered = false;
    for (Operation &op : llvm::make_early_inc_range(module.getOps())) {
      if (!isa<NetworkOp, SubstageOp>(op))
        continue;
      FailureOr<::spaceevo::Expansion> expansion =
          expandSource(&op, "--spaceevo-lower-int8", symbolTables);
      if (failed(expansion))
        return signalPassFailure();
      int64_t inC = 3, inSize = 0;
      if (auto net = dyn_cast<NetworkOp>(op)) {
        inSize = net.getResolution();
      } else {
        ::spaceevo::SubstageSpec spec = toSpec(cast<SubstageOp>(op));
        inC = spec.inChannels;
        inSize = spec.inSize;
      }
      StringRef name = cast<SymbolOpInterface>(op).getName();
      if (failed(lower(&op, name, *expansion, inC, inSize, inSize, options)))
        return signalPassFailure();
      lowered = true;
    }
    if (!lowered) {
      emitError(module.getLoc())
          << "--spaceevo-lower-int8: the module has no 'spaceevo.network' or "
             "'spaceevo.substage' to lower";
      return signalPassFailure();
    }
    // Leave plain upstream IR: the spaceevo ops have been lowered.
    for (Operation &op : llvm::make_early_inc_range(module.getOps()))
      if (isa<HyperspaceOp, SpaceOp, NetworkOp, SubstageOp>(op))
        op.erase();
  }
};

} // namespace
