//===- FormKernels.cpp - --spaceevo-form-kernels --------------------------===//
#include "spaceevo/passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_FORMKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

/// The op defining `v` if it has type OpT and `v` is its only use's value
/// used once: the chain can be fused without duplicating work.
template <typename OpT> OpT singleUseDef(Value v) {
  if (!v || !v.hasOneUse())
    return {};
  return v.getDefiningOp<OpT>();
}

template <typename OpT> OpT singleUser(Value v) {
  if (!v.hasOneUse())
    return {};
  return dyn_cast<OpT>(*v.getUsers().begin());
}

/// Appends the activation after `value` (clamp, or table) when it is the
/// value's single user; returns the chain's last value.
Value takeActivation(Value value, SmallVectorImpl<Operation *> &group) {
  if (auto clamp = singleUser<tosa::ClampOp>(value)) {
    group.push_back(clamp);
    return clamp.getResult();
  }
  if (auto table = singleUser<tosa::TableOp>(value)) {
    if (table.getInput() == value) {
      group.push_back(table);
      return table.getResult();
    }
  }
  return value;
}

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    for (int64_t d : tensor.getShape())
      os << d << "x";
    os << tensor.getElementType();
  } else {
    os << type;
  }
  return text;
}

/// One op of a signature: kind, operand and result types, and the
/// attributes that change the work done (never constant values).
std::string describe(Operation *op) {
  static const char *const kShapeAttrs[] = {"stride", "pad", "dilation",
                                           "kernel", "new_shape", "per_channel",
                                           "double_round", "scale32"};
  std::string text;
  llvm::raw_string_ostream os(text);
  StringRef name = op->getName().getStringRef();
  name.consume_front("tosa.");
  os << name << "(";
  llvm::interleave(op->getOperandTypes(), os,
                   [&](Type t) { os << typeText(t); }, ",");
  os << ")->";
  llvm::interleave(op->getResultTypes(), os,
                   [&](Type t) { os << typeText(t); }, ",");
  std::string attrs;
  for (const char *attrName : kShapeAttrs)
    if (Attribute attr = op->getAttr(attrName)) {
      std::string value;
      llvm::raw_string_ostream vs(value);
      attr.print(vs);
      attrs += (attrs.empty() ? "" : ";") + std::string(attrName) + "=" + value;
    }
  if (!attrs.empty())
    os << "{" << attrs << "}";
  return text;
}

struct Group {
  std::string kind;
  SmallVector<Operation *> ops; ///< in program order
};

struct FormKernelsPass
    : public mlir::spaceevo::impl::FormKernelsBase<FormKernelsPass> {
  using FormKernelsBase::FormKernelsBase;

  DenseSet<Operation *> taken;

  bool claim(Group &group, SmallVector<Group> &groups) {
    for (Operation *op : group.ops)
      if (taken.contains(op))
        return false;
    for (Operation *op : group.ops)
      taken.insert(op);
    llvm::sort(group.ops, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    groups.push_back(std::move(group));
    return true;
  }

  /// mul(rescale(x), rescale(table(rescale(conv(clamp(rescale(conv(pool(x))))))))
  /// and its output rescale (and activation): a squeeze-excite.
  void matchSqueezeExcite(tosa::MulOp mul, SmallVector<Group> &groups) {
    Group group{"se", {}};
    auto lhs = singleUseDef<tosa::RescaleOp>(mul.getInput1());
    auto rhs = singleUseDef<tosa::RescaleOp>(mul.getInput2());
    if (!lhs || !rhs)
      return;
    group.ops = {lhs, rhs, mul};
    // Walk the gate back to its pooling (avg_pool2d, or the widening rescale
    // of a reduce_sum pooling), through single-use first operands.
    Value cursor = rhs.getInput();
    Operation *pool = nullptr;
    for (int depth = 0; depth < 16 && !pool; ++depth) {
      Operation *def = cursor.getDefiningOp();
      if (!def || !cursor.hasOneUse() || def->getNumOperands() == 0)
        return;
      group.ops.push_back(def);
      if (isa<tosa::AvgPool2dOp>(def) ||
          (isa<tosa::RescaleOp>(def) && def->getOperand(0) == lhs.getInput()))
        pool = def;
      cursor = def->getOperand(0);
    }
    if (!pool || pool->getOperand(0) != lhs.getInput())
      return;
    auto out = singleUser<tosa::RescaleOp>(mul.getResult());
    if (!out)
      return;
    group.ops.push_back(out);
    takeActivation(out.getResult(), group.ops);
    claim(group, groups);
  }

  void matchContraction(Operation *anchor, StringRef kind,
                        SmallVector<Group> &groups) {
    Group group{kind.str(), {anchor}};
    if (isa<tosa::FullyConnectedOp>(anchor))
      if (auto reshape = singleUseDef<tosa::ReshapeOp>(anchor->getOperand(0)))
        group.ops.push_back(reshape);
    if (auto rescale = singleUser<tosa::RescaleOp>(anchor->getResult(0))) {
      group.ops.push_back(rescale);
      takeActivation(rescale.getResult(), group.ops);
    }
    claim(group, groups);
  }

  /// rescale(i8 -> i32), reduce_sum, reduce_sum, rescale (+ activation): a
  /// global average pooling rounded once.
  void matchPoolingSum(tosa::ReduceSumOp rows, SmallVector<Group> &groups) {
    auto widen = singleUseDef<tosa::RescaleOp>(rows.getInput());
    auto sum = singleUser<tosa::ReduceSumOp>(rows.getOutput());
    auto out = sum ? singleUser<tosa::RescaleOp>(sum.getOutput())
                   : tosa::RescaleOp();
    if (!widen || !out)
      return;
    Group group{"pool", {widen, rows, sum, out}};
    takeActivation(out.getResult(), group.ops);
    claim(group, groups);
  }

  void matchResidual(tosa::AddOp add, SmallVector<Group> &groups) {
    Group group{"add", {add}};
    for (Value operand : {add.getInput1(), add.getInput2()})
      if (auto rescale = singleUseDef<tosa::RescaleOp>(operand))
        group.ops.push_back(rescale);
    if (auto rescale = singleUser<tosa::RescaleOp>(add.getResult())) {
      group.ops.push_back(rescale);
      takeActivation(rescale.getResult(), group.ops);
    }
    claim(group, groups);
  }

  /// Moves `group` into a spaceevo.kernel placed where its last op was.
  LogicalResult outline(Group &group) {
    DenseSet<Operation *> members(group.ops.begin(), group.ops.end());
    // Constants used only by the group travel with it.
    SmallVector<Operation *> constants;
    llvm::SetVector<Value> inputs;
    for (Operation *op : group.ops)
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (def && members.contains(def))
          continue;
        if (def && isa<tosa::ConstOp>(def) &&
            llvm::all_of(def->getUsers(), [&](Operation *user) {
              return members.contains(user);
            })) {
          if (!llvm::is_contained(constants, def))
            constants.push_back(def);
          continue;
        }
        inputs.insert(operand);
      }
    SmallVector<Value> outputs;
    Operation *last = group.ops.back();
    for (Operation *op : group.ops)
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers())
          if (!members.contains(user)) {
            if (user->getBlock() == last->getBlock() &&
                user->isBeforeInBlock(last))
              return failure(); // interleaved: leave the ops as they are
            if (!llvm::is_contained(outputs, result))
              outputs.push_back(result);
          }

    std::string signature;
    for (Operation *op : group.ops)
      signature += (signature.empty() ? "" : "+") + describe(op);

    OpBuilder builder(last);
    builder.setInsertionPointAfter(last);
    SmallVector<Type> resultTypes;
    for (Value v : outputs)
      resultTypes.push_back(v.getType());
    auto kernel = builder.create<KernelOp>(
        group.ops.front()->getLoc(), resultTypes, inputs.getArrayRef(),
        builder.getStringAttr(group.kind), builder.getStringAttr(signature));
    Block *body = new Block();
    kernel.getBody().push_back(body);
    IRMapping mapping;
    for (Value input : inputs)
      mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    for (Operation *constant : constants)
      inner.clone(*constant, mapping);
    for (Operation *op : group.ops)
      inner.clone(*op, mapping);
    SmallVector<Value> yielded;
    for (Value v : outputs)
      yielded.push_back(mapping.lookup(v));
    inner.create<YieldOp>(kernel.getLoc(), yielded);
    for (auto [output, result] : llvm::zip(outputs, kernel.getResults()))
      output.replaceAllUsesWith(result);
    for (Operation *op : llvm::reverse(group.ops))
      op->erase();
    for (Operation *constant : constants)
      if (constant->use_empty())
        constant->erase();
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      taken.clear();
      SmallVector<Group> groups;
      // Largest patterns first, so a squeeze-excite keeps its inner convs.
      func.walk([&](tosa::MulOp mul) { matchSqueezeExcite(mul, groups); });
      func.walk([&](Operation *op) {
        if (isa<tosa::Conv2DOp>(op))
          matchContraction(op, "conv", groups);
        else if (isa<tosa::DepthwiseConv2DOp>(op))
          matchContraction(op, "depthwise", groups);
        else if (isa<tosa::FullyConnectedOp>(op))
          matchContraction(op, "fully_connected", groups);
      });
      func.walk([&](tosa::AddOp add) { matchResidual(add, groups); });
      func.walk([&](tosa::ReduceSumOp rows) {
        if (!taken.contains(rows))
          matchPoolingSum(rows, groups);
      });
      // Everything else that computes is a kernel of its own.
      func.walk([&](Operation *op) {
        if (op->getDialect() && op->getDialect()->getNamespace() == "tosa" &&
            !isa<tosa::ConstOp>(op) && !taken.contains(op)) {
          StringRef name = op->getName().getStringRef();
          name.consume_front("tosa.");
          Group group{name.str(), {op}};
          claim(group, groups);
        }
      });
      llvm::sort(groups, [](const Group &a, const Group &b) {
        return a.ops.back()->isBeforeInBlock(b.ops.back());
      });
      for (Group &group : groups)
        if (failed(outline(group))) {
          emitError(group.ops.front()->getLoc())
              << "--spaceevo-form-kernels: cannot outline the '" << group.kind
              << "' kernel: a value it produces is used between its ops";
          return signalPassFailure();
        }
    }
  }
};

} // namespace
