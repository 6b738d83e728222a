//===- PassSupport.cpp - helpers shared by the spaceevo passes ------------===//
#include "PassSupport.h"

#include "spaceevo/space/NetworkCost.h"

using namespace mlir;
using namespace mlir::spaceevo;

HyperspaceOp mlir::spaceevo::findHyperspace(ModuleOp module, StringRef name,
                                            StringRef passFlag) {
  SmallVector<HyperspaceOp> all = llvm::to_vector(module.getOps<HyperspaceOp>());
  if (!name.empty()) {
    for (HyperspaceOp op : all)
      if (op.getSymName() == name)
        return op;
    emitError(module.getLoc())
        << passFlag << ": no hyperspace @" << name << " in the module";
    return {};
  }
  if (all.size() != 1) {
    emitError(module.getLoc())
        << passFlag << ": the module has " << all.size()
        << " hyperspaces; name one with hyperspace=NAME";
    return {};
  }
  return all.front();
}

FailureOr<::spaceevo::Expansion>
mlir::spaceevo::expandSource(Operation *source, StringRef flag,
                             SymbolTableCollection &symbols) {
  auto fail = [&](const std::string &why) -> FailureOr<::spaceevo::Expansion> {
    return source->emitError() << flag << ": " << why;
  };
  if (auto net = dyn_cast<NetworkOp>(source)) {
    HyperspaceOp hyperspace = lookupHyperspace(net, net.getHyperspace(), &symbols);
    if (!hyperspace)
      return failure();
    auto expansion = ::spaceevo::expandNetwork(toSpec(hyperspace), toSpec(net));
    if (!expansion)
      return fail(expansion.error());
    return *expansion;
  }
  auto sub = dyn_cast<SubstageOp>(source);
  if (!sub)
    return fail("expected a 'spaceevo.network' or a 'spaceevo.substage'");
  HyperspaceOp hyperspace = lookupHyperspace(sub, sub.getHyperspace(), &symbols);
  if (!hyperspace)
    return failure();
  ::spaceevo::HyperspaceSpec hs = toSpec(hyperspace);
  ::spaceevo::SubstageSpec spec = toSpec(sub);
  const ::spaceevo::StageSpec *stage = hs.findStage(spec.stage);
  const ::spaceevo::CandidateSpec *candidate = nullptr;
  if (stage && !spec.layers.empty())
    for (const ::spaceevo::CandidateSpec &c : stage->candidates)
      if (c.block == spec.layers.front().config.block)
        candidate = &c;
  ::spaceevo::Expansion expansion;
  expansion.outChannels = spec.inChannels;
  expansion.outHeight = expansion.outWidth = spec.inSize;
  for (const ::spaceevo::NetworkLayer &layer : spec.layers) {
    auto block = ::spaceevo::expandBlock(
        layer.config, expansion.outChannels, expansion.outHeight,
        expansion.outWidth, candidate ? candidate->act : std::nullopt);
    if (!block)
      return fail(block.error());
    ::spaceevo::appendExpansion(expansion, *block);
  }
  return expansion;
}
