//===- Enumerate.cpp - --spaceevo-enumerate -------------------------------===//
#include "spaceevo/passes/Passes.h"
#include "spaceevo/space/Counting.h"

#include "mlir/IR/Builders.h"

#include <cmath>

#include <set>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_ENUMERATE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

/// A canonical key of a network, to draw distinct ones.
std::string networkKey(const ::spaceevo::NetworkSpec &net) {
  std::string key = std::to_string(net.resolution) + "/" +
                    std::to_string(net.stemWidth);
  for (const ::spaceevo::NetworkLayer &layer : net.layers)
    key += "/" + std::to_string(layer.stage) + ":" +
           std::to_string(static_cast<int>(layer.config.block)) + ":" +
           std::to_string(layer.config.kernel) + ":" +
           std::to_string(layer.config.width) + ":" +
           formatExpand(layer.config.expand);
  return key;
}

struct EnumeratePass : public mlir::spaceevo::impl::EnumerateBase<EnumeratePass> {
  using EnumerateBase::EnumerateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (count < 1) {
      mlir::emitError(module.getLoc()) << "--spaceevo-enumerate: count must be at least 1, got "
                         << static_cast<int64_t>(count);
      return signalPassFailure();
    }
    SmallVector<SpaceOp> spaces = llvm::to_vector(module.getOps<SpaceOp>());
    if (spaces.empty()) {
      mlir::emitError(module.getLoc(), "--spaceevo-enumerate: the module has no "
                       "'spaceevo.space' to draw networks from (add one with "
                       "--spaceevo-materialize-space)");
      return signalPassFailure();
    }
    SymbolTableCollection symbolTables;
    int64_t spaceNumber = 0;
    for (SpaceOp spaceOp : spaces) {
      HyperspaceOp hyperspace = lookupHyperspace(spaceOp, spaceOp.getHyperspaceName(), &symbolTables);
      if (!hyperspace)
        return signalPassFailure();
      ::spaceevo::HyperspaceSpec hs = toSpec(hyperspace);
      ::spaceevo::SpaceSpec space = toSpec(spaceOp.getSpace());
      if (auto error = ::spaceevo::checkSpace(hs, space)) {
        mlir::emitError(spaceOp.getLoc()) << error->message;
        return signalPassFailure();
      }
      if (resolution != 0 && !llvm::is_contained(hs.resolutions, resolution)) {
        mlir::emitError(spaceOp.getLoc()) << "--spaceevo-enumerate: resolution " << static_cast<int64_t>(resolution)
                            << " is not a resolution of @" << hs.name;
        return signalPassFailure();
      }
      // Distinct networks: refuse a count the space cannot hold.
      ::spaceevo::HyperspaceSpec counted = hs;
      if (resolution != 0)
        counted.resolutions = {resolution};
      ::spaceevo::BigUInt available = ::spaceevo::countSubnets(counted, space);
      if (available.log10() < 18 &&
          std::stoull(available.toString()) < static_cast<uint64_t>(count)) {
        mlir::emitError(spaceOp.getLoc()) << "--spaceevo-enumerate: count=" << static_cast<int64_t>(count)
                            << " exceeds the " << available.toString()
                            << " distinct networks of this space"
                            << (resolution ? " at resolution " +
                                                 std::to_string(resolution)
                                           : std::string());
        return signalPassFailure();
      }

      // Each space gets its own stream, so adding a space does not change
      // the networks drawn for the others.
      ::spaceevo::SplitMix64 rng(seed * 0x100000001B3ull + spaceNumber);
      std::set<std::string> drawn;
      OpBuilder builder(spaceOp.getContext());
      builder.setInsertionPointAfter(spaceOp);
      int64_t emitted = 0;
      int64_t attempts = 0;
      const int64_t maxAttempts = count * 1000 + 100000;
      while (emitted < count) {
        if (++attempts > maxAttempts) {
          mlir::emitError(spaceOp.getLoc()) << "--spaceevo-enumerate: drew only " << emitted
                              << " distinct networks after " << maxAttempts
                              << " attempts";
          return signalPassFailure();
        }
        ::spaceevo::NetworkSpec net =
            ::spaceevo::sampleNetwork(hs, space, rng, resolution);
        if (!drawn.insert(networkKey(net)).second)
          continue;
        if (auto error = ::spaceevo::checkNetwork(hs, net, &space)) {
          mlir::emitError(spaceOp.getLoc()) << "internal error: drew an invalid network: "
                              << error->message;
          return signalPassFailure();
        }
        std::string name = hs.name + "_s" + std::to_string(spaceNumber) +
                           "_n" + std::to_string(emitted);
        auto netOp = builder.create<NetworkOp>(
            spaceOp.getLoc(), builder.getStringAttr(name),
            FlatSymbolRefAttr::get(builder.getContext(), hs.name),
            builder.getI64IntegerAttr(net.resolution),
            builder.getI64IntegerAttr(net.stemWidth), spaceOp.getSpace());
        Block *body = builder.createBlock(&netOp.getBody());
        OpBuilder layerBuilder = OpBuilder::atBlockEnd(body);
        for (const ::spaceevo::NetworkLayer &layer : net.layers) {
          FloatAttr expand;
          if (::spaceevo::blockHasExpand(layer.config.block))
            expand = layerBuilder.getF64FloatAttr(layer.config.expand);
          layerBuilder.create<LayerOp>(
              spaceOp.getLoc(), layer.stage, fromEngine(layer.config.block),
              layer.config.kernel, layer.config.width, expand,
              layer.config.stride);
        }
        builder.setInsertionPointAfter(netOp);
        ++emitted;
      }
      ++spaceNumber;
    }
  }
};
} // namespace
