//===- KernelTranslation.cpp - spaceevo.kernel -> runtime programs --------===//
#include "KernelTranslation.h"

#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::spaceevo;
namespace rt = ::spaceevo::runtime;
namespace prog = ::spaceevo::program;

namespace {

/// Builds one program, tracking which buffer holds each SSA value.
class ProgramBuilder {
public:
  prog::KernelProgram program;
  /// The value each step produces (its chain's last value), in step order.
  SmallVector<Value> stepResults;

  int slotFor(Value value) {
    auto it = slots.find(value);
    if (it != slots.end())
      return it->second;
    auto type = cast<RankedTensorType>(value.getType());
    program.slotBytes.push_back(static_cast<size_t>(type.getNumElements()));
    int slot = static_cast<int>(program.slotBytes.size()) - 1;
    slots[value] = slot;
    return slot;
  }
  void alias(Value to, Value from) { slots[to] = slotFor(from); }
  bool has(Value value) const { return slots.count(value); }

  /// Translates the ops of `body` (a kernel region or a function body).
  LogicalResult translate(Block &body);

private:
  DenseMap<Value, int> slots;

  LogicalResult fail(Operation *op, const Twine &why) {
    return op->emitError() << "cannot run this op with the INT8 runtime: "
                           << why;
  }
  static rt::Shape4 shape4(Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    ArrayRef<int64_t> s = type.getShape();
    if (s.size() == 2)
      return {s[0], 1, 1, s[1]};
    return {s[0], s[1], s[2], s[3]};
  }
  template <typename T> static FailureOr<std::vector<T>> constant(Value v) {
    auto op = v.getDefiningOp<tosa::ConstOp>();
    if (!op)
      return failure();
    auto dense = dyn_cast<DenseIntElementsAttr>(op.getValue());
    if (!dense)
      return failure();
    std::vector<T> values;
    for (APInt x : dense.getValues<APInt>())
      values.push_back(static_cast<T>(x.getSExtValue()));
    return values;
  }
  /// Fills `stage` from a rescale to int8 and an optional clamp or table
  /// that follows it; returns the chain's last value.
  FailureOr<Value> outputStage(tosa::RescaleOp rescale, rt::OutputStage &stage);
  static rt::AddInputScale inputScale(tosa::RescaleOp rescale) {
    rt::AddInputScale scale;
    scale.zeroPoint = static_cast<int32_t>(rescale.getInputZp()) + 128;
    scale.multiplier = rescale.getMultiplier()[0];
    scale.shift = rescale.getShift()[0];
    return scale;
  }
  DenseSet<Operation *> consumed;
};

template <typename OpT> OpT onlyUser(Value v) {
  if (!v.hasOneUse())
    return {};
  return dyn_cast<OpT>(*v.getUsers().begin());
}

FailureOr<Value> ProgramBuilder::outputStage(tosa::RescaleOp rescale,
                                             rt::OutputStage &stage) {
  consumed.insert(rescale);
  stage.multiplier.assign(rescale.getMultiplier().begin(),
                          rescale.getMultiplier().end());
  stage.shift.assign(rescale.getShift().begin(), rescale.getShift().end());
  stage.zeroPoint = static_cast<int32_t>(rescale.getOutputZp()) + 128;
  stage.doubleRound = rescale.getDoubleRound();
  stage.clampMin = 0;
  stage.clampMax = 255;
  Value last = rescale.getOutput();
  if (auto clamp = onlyUser<tosa::ClampOp>(last)) {
    consumed.insert(clamp);
    stage.clampMin = static_cast<int32_t>(clamp.getMinInt()) + 128;
    stage.clampMax = static_cast<int32_t>(clamp.getMaxInt()) + 128;
    last = clamp.getOutput();
  } else if (auto table = onlyUser<tosa::TableOp>(last)) {
    FailureOr<std::vector<int8_t>> entries = constant<int8_t>(table.getTable());
    if (failed(entries) || entries->size() != 256)
      return failure();
    consumed.insert(table);
    rt::LookupTable lookup;
    for (size_t i = 0; i < 256; ++i)
      lookup[i] = static_cast<uint8_t>((*entries)[i] + 128);
    stage.table = lookup;
    last = table.getOutput();
  }
  return last;
}

LogicalResult ProgramBuilder::translate(Block &body) {
  for (Operation &operation : body) {
    Operation *op = &operation;
    if (consumed.contains(op) || isa<tosa::ConstOp>(op) ||
        op->hasTrait<OpTrait::IsTerminator>())
      continue;
    if (auto reshape = dyn_cast<tosa::ReshapeOp>(op)) {
      alias(reshape.getOutput(), reshape.getInput1()); // same bytes
      continue;
    }
    prog::Step step;
    Value result;
    if (isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp, tosa::FullyConnectedOp>(op)) {
      Value input = op->getOperand(0);
      FailureOr<std::vector<int8_t>> weights = constant<int8_t>(op->getOperand(1));
      FailureOr<std::vector<int32_t>> bias = constant<int32_t>(op->getOperand(2));
      if (failed(weights) || failed(bias))
        return fail(op, "weights and bias must be tosa.const");
      auto rescale = onlyUser<tosa::RescaleOp>(op->getResult(0));
      if (!rescale)
        return fail(op, "its int32 result must feed one tosa.rescale");
      rt::OutputStage stage;
      FailureOr<Value> last = outputStage(rescale, stage);
      if (failed(last))
        return fail(op, "the table after its rescale is not a constant");
      auto quant = op->getAttrOfType<tosa::ConvOpQuantizationAttr>(
          "quantization_info");
      int32_t inputZp = quant ? static_cast<int32_t>(quant.getInputZp()) + 128 : 128;
      rt::Shape4 in = shape4(input);
      int64_t outChannels = cast<RankedTensorType>(op->getResult(0).getType())
                                .getShape()
                                .back();
      if (isa<tosa::FullyConnectedOp>(op)) {
        step.desc = rt::makeFullyConnectedDesc(in.n, in.c, outChannels,
                                               *weights, *bias, inputZp, stage);
      } else {
        auto stride = op->getAttrOfType<DenseI64ArrayAttr>("stride");
        auto pad = op->getAttrOfType<DenseI64ArrayAttr>("pad");
        if (stride[0] != stride[1])
          return fail(op, "unequal strides");
        int64_t kernelSize =
            isa<tosa::Conv2DOp>(op)
                ? cast<RankedTensorType>(op->getOperand(1).getType()).getShape()[1]
                : cast<RankedTensorType>(op->getOperand(1).getType()).getShape()[0];
        if (isa<tosa::Conv2DOp>(op))
          step.desc = rt::makeConvDesc(in, outChannels, kernelSize, stride[0],
                                       *weights, *bias, inputZp, stage);
        else
          step.desc = rt::makeDepthwiseDesc(in, kernelSize, stride[0], *weights,
                                            *bias, inputZp, stage);
        step.desc.padding = {pad[0], pad[1], pad[2], pad[3]};
      }
      step.input = slotFor(input);
      result = *last;
    } else if (auto pool = dyn_cast<tosa::AvgPool2dOp>(op)) {
      rt::Shape4 in = shape4(pool.getInput());
      auto quant = pool.getQuantizationInfo();
      step.desc.kind = rt::OpKind::GlobalAvgPool;
      step.desc.input = in;
      step.desc.outChannels = in.c;
      step.desc.inputZeroPoint = quant ? static_cast<int32_t>(quant->getInputZp()) + 128 : 128;
      auto reciprocal = rt::quantizeScale(1.0 / double(in.h * in.w));
      if (!reciprocal)
        return fail(op, reciprocal.error());
      step.desc.output.multiplier = {reciprocal->multiplier};
      step.desc.output.shift = {reciprocal->shift};
      step.desc.output.zeroPoint =
          quant ? static_cast<int32_t>(quant->getOutputZp()) + 128 : 128;
      step.input = slotFor(pool.getInput());
      result = pool.getOutput();
    } else if (isa<tosa::AddOp, tosa::MulOp>(op)) {
      auto lhs = op->getOperand(0).getDefiningOp<tosa::RescaleOp>();
      auto rhs = op->getOperand(1).getDefiningOp<tosa::RescaleOp>();
      auto rescale = onlyUser<tosa::RescaleOp>(op->getResult(0));
      if (!lhs || !rhs || !rescale)
        return fail(op, "its operands must be rescaled to int32 and its result "
                        "rescaled back to int8");
      rt::OutputStage stage;
      FailureOr<Value> last = outputStage(rescale, stage);
      if (failed(last))
        return fail(op, "the table after its rescale is not a constant");
      step.desc.input = shape4(lhs.getInput());
      step.desc.outChannels = step.desc.input.c;
      step.desc.output = stage;
      if (isa<tosa::AddOp>(op)) {
        step.desc.kind = rt::OpKind::Add;
        step.desc.addInput = inputScale(lhs);
        step.desc.addOther = inputScale(rhs);
      } else {
        step.desc.kind = rt::OpKind::ChannelScale;
        step.desc.inputZeroPoint = static_cast<int32_t>(lhs.getInputZp()) + 128;
        step.desc.otherZeroPoint = static_cast<int32_t>(rhs.getInputZp()) + 128;
      }
      step.input = slotFor(lhs.getInput());
      step.other = slotFor(rhs.getInput());
      result = *last;
    } else if (auto rescale = dyn_cast<tosa::RescaleOp>(op)) {
      // Operand rescales of an add or mul are part of that step.
      if (rescale.getOutput().hasOneUse() &&
          isa<tosa::AddOp, tosa::MulOp>(*rescale.getOutput().getUsers().begin()))
        continue;
      // Global average pooling rounded once: (q - zp) widened exactly,
      // summed over H then W, one output rescale (TosaGraphs.h).
      auto rows = onlyUser<tosa::ReduceSumOp>(rescale.getOutput());
      auto sum = rows ? onlyUser<tosa::ReduceSumOp>(rows.getOutput())
                      : tosa::ReduceSumOp();
      auto out = sum ? onlyUser<tosa::RescaleOp>(sum.getOutput())
                     : tosa::RescaleOp();
      if (!out)
        return fail(op, "a rescale on its own");
      if (rescale.getMultiplier().size() != 1 ||
          rescale.getMultiplier()[0] != (1 << 30) ||
          rescale.getShift()[0] != 30 || rows.getAxis() != 1 ||
          sum.getAxis() != 2)
        return fail(op, "a pooling sum must widen exactly (multiplier 2^30, "
                        "shift 30) and reduce axis 1 then axis 2");
      consumed.insert(rows);
      consumed.insert(sum);
      rt::OutputStage stage;
      FailureOr<Value> last = outputStage(out, stage);
      if (failed(last))
        return fail(op, "the table after its rescale is not a constant");
      step.desc.kind = rt::OpKind::GlobalAvgPool;
      step.desc.input = shape4(rescale.getInput());
      step.desc.outChannels = step.desc.input.c;
      step.desc.inputZeroPoint = static_cast<int32_t>(rescale.getInputZp()) + 128;
      step.desc.output = stage;
      step.input = slotFor(rescale.getInput());
      result = *last;
    } else {
      return fail(op, "no runtime kernel for '" + op->getName().getStringRef() + "'");
    }
    step.output = slotFor(result);
    program.steps.push_back(std::move(step));
    stepResults.push_back(result);
  }
  return success();
}

} // namespace

FailureOr<prog::KernelProgram> mlir::spaceevo::translateKernel(KernelOp kernel) {
  if (kernel.getNumResults() != 1)
    return kernel.emitError("a kernel must have one result to be measured");
  ProgramBuilder builder;
  Block &body = kernel.getBody().front();
  for (BlockArgument arg : body.getArguments())
    builder.program.inputSlots.push_back(builder.slotFor(arg));
  if (failed(builder.translate(body)))
    return failure();
  Value result = cast<YieldOp>(body.getTerminator()).getValues().front();
  builder.program.outputSlot = builder.slotFor(result);
  return builder.program;
}

FailureOr<prog::KernelProgram>
mlir::spaceevo::translateFunction(func::FuncOp function) {
  if (function.isExternal() || function.getNumArguments() != 1 ||
      function.getNumResults() != 1)
    return function.emitError("only functions with one input and one result "
                              "can be executed");
  ProgramBuilder builder;
  Block &entry = function.getBody().front();
  builder.program.inputSlots.push_back(builder.slotFor(entry.getArgument(0)));
  int kernelIndex = 0;
  for (Operation &op : entry) {
    if (auto kernel = dyn_cast<KernelOp>(op)) {
      // Inline the kernel's steps: its arguments are the operands' buffers.
      FailureOr<prog::KernelProgram> sub = translateKernel(kernel);
      if (failed(sub))
        return failure();
      // Renumber the sub-program's slots into this program's.
      std::vector<int> map(sub->slotBytes.size(), -1);
      for (size_t i = 0; i < sub->inputSlots.size(); ++i)
        map[size_t(sub->inputSlots[i])] = builder.slotFor(kernel.getInputs()[i]);
      map[size_t(sub->outputSlot)] = builder.slotFor(kernel.getResult(0));
      for (size_t s = 0; s < map.size(); ++s)
        if (map[s] < 0) {
          builder.program.slotBytes.push_back(sub->slotBytes[s]);
          map[s] = static_cast<int>(builder.program.slotBytes.size()) - 1;
        }
      for (prog::Step step : sub->steps) {
        step.input = map[size_t(step.input)];
        step.output = map[size_t(step.output)];
        if (step.other >= 0)
          step.other = map[size_t(step.other)];
        step.origin = kernelIndex;
        builder.program.steps.push_back(std::move(step));
      }
      ++kernelIndex;
    } else if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      builder.program.outputSlot = builder.slotFor(ret.getOperand(0));
    } else if (!isa<tosa::ConstOp>(op)) {
      return op.emitError("only spaceevo.kernel ops can be executed here; run "
                          "--spaceevo-form-kernels first");
    }
  }
  return builder.program;
}

FailureOr<prog::KernelProgram>
mlir::spaceevo::translateOps(func::FuncOp function,
                             SmallVectorImpl<Value> *stepResults) {
  if (function.isExternal() || function.getNumArguments() != 1 ||
      function.getNumResults() != 1)
    return function.emitError("only functions with one input and one result "
                              "can be read");
  ProgramBuilder builder;
  Block &entry = function.getBody().front();
  builder.program.inputSlots.push_back(builder.slotFor(entry.getArgument(0)));
  for (Operation &op : entry)
    if (isa<KernelOp>(op))
      return op.emitError("expected plain TOSA ops, not kernels (read the "
                          "function before --spaceevo-form-kernels)");
  if (failed(builder.translate(entry)))
    return failure();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  builder.program.outputSlot = builder.slotFor(ret.getOperand(0));
  if (stepResults)
    stepResults->assign(builder.stepResults.begin(), builder.stepResults.end());
  return builder.program;
}
