//===- SpaceStats.cpp - --spaceevo-space-stats ----------------------------===//
#include "spaceevo/passes/Passes.h"
#include "spaceevo/space/Counting.h"
#include "spaceevo/space/NetworkCost.h"

#include "mlir/IR/Builders.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_SPACESTATS
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

void attachCount(Operation *op, StringRef what, const ::spaceevo::BigUInt &n) {
  Builder builder(op->getContext());
  op->setAttr(("spaceevo.num_" + what).str(),
              builder.getStringAttr(n.toString()));
  op->setAttr(("spaceevo.log10_" + what).str(),
              builder.getF64FloatAttr(std::round(n.log10() * 1000) / 1000));
}

LogicalResult attachRange(Operation *op,
                          const ::spaceevo::Result<::spaceevo::CostRange> &result) {
  if (!result)
    return op->emitError() << "cannot compute FLOPs/params: " << result.error();
  const ::spaceevo::CostRange &range = *result;
  Builder builder(op->getContext());
  op->setAttr("spaceevo.macs",
              builder.getDenseI64ArrayAttr({std::llround(range.min.macs),
                                            std::llround(range.max.macs)}));
  op->setAttr("spaceevo.params",
              builder.getDenseI64ArrayAttr(
                  {std::llround(range.min.deployParams),
                   std::llround(range.max.deployParams)}));
  return success();
}

struct SpaceStatsPass : public mlir::spaceevo::impl::SpaceStatsBase<SpaceStatsPass> {
  using SpaceStatsBase::SpaceStatsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbolTables;
    for (HyperspaceOp op : module.getOps<HyperspaceOp>()) {
      ::spaceevo::HyperspaceSpec hs = toSpec(op);
      attachCount(op, "spaces", ::spaceevo::countSpaces(hs));
      attachCount(op, "subnets", ::spaceevo::countSubnets(hs));
      if (failed(attachRange(op, ::spaceevo::costRange(hs))))
        return signalPassFailure();
    }
    for (SpaceOp op : module.getOps<SpaceOp>()) {
      HyperspaceOp hyperspace = lookupHyperspace(op, op.getHyperspaceName(), &symbolTables);
      if (!hyperspace)
        return signalPassFailure();
      ::spaceevo::HyperspaceSpec hs = toSpec(hyperspace);
      ::spaceevo::SpaceSpec space = toSpec(op.getSpace());
      if (auto error = ::spaceevo::checkSpace(hs, space)) {
        mlir::emitError(op.getLoc()) << error->message;
        return signalPassFailure();
      }
      attachCount(op, "subnets", ::spaceevo::countSubnets(hs, space));
      if (failed(attachRange(op, ::spaceevo::costRange(hs, &space))))
        return signalPassFailure();
    }
    for (NetworkOp op : module.getOps<NetworkOp>()) {
      HyperspaceOp hyperspace = lookupHyperspace(op, op.getHyperspace(), &symbolTables);
      if (!hyperspace)
        return signalPassFailure();
      ::spaceevo::Result<::spaceevo::LayerCost> cost =
          ::spaceevo::networkCost(toSpec(hyperspace), toSpec(op));
      if (!cost) {
        mlir::emitError(op.getLoc()) << "cannot compute FLOPs/params: "
                                     << cost.error();
        return signalPassFailure();
      }
      Builder builder(op.getContext());
      op->setAttr("spaceevo.macs",
                  builder.getI64IntegerAttr(std::llround(cost->macs)));
      op->setAttr("spaceevo.params",
                  builder.getI64IntegerAttr(std::llround(cost->deployParams)));
    }
  }
};
} // namespace
