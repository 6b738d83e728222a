//===- SearchSubnets.cpp - --spaceevo-search-subnets ----------------------===//
#include "SearchSupport.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/search/SubnetSearch.h"
#include "spaceevo/space/TableFormat.h"

#include <cmath>
#include <cstdio>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_SEARCHSUBNETS
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;
namespace search = ::spaceevo::search;

namespace {

/// "10" -> "10", "15.5" -> "15_5": a constraint as part of a symbol name.
std::string constraintTag(double constraintMs) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", constraintMs);
  std::string tag = buffer;
  for (char &c : tag)
    if (c == '.' || c == '-' || c == '+')
      c = '_';
  return tag;
}

struct SearchSubnetsPass
    : public mlir::spaceevo::impl::SearchSubnetsBase<SearchSubnetsPass> {
  using SearchSubnetsBase::SearchSubnetsBase;

  /// The network of a subnet found in the tables: the stem and fixed stages
  /// at their smallest, except that the last fixed stage outputs the width
  /// stage 1's row takes; then each stage's row, parsed.
  FailureOr<::spaceevo::NetworkSpec>
  toNetwork(const ::spaceevo::HyperspaceSpec &hs,
            const ::spaceevo::SpaceSpec &space, const search::Subnet &subnet,
            Location loc) {
    ::spaceevo::NetworkSpec net;
    net.resolution = subnet.resolution;
    net.stemWidth = hs.stem.widths.front();
    std::vector<size_t> searchable = hs.searchableStages();
    std::vector<size_t> fixed;
    for (size_t s = 0; s < hs.stages.size(); ++s)
      if (hs.stages[s].fixed)
        fixed.push_back(s);
    for (size_t f = 0; f < fixed.size(); ++f) {
      const ::spaceevo::StageSpec &stage = hs.stages[fixed[f]];
      const ::spaceevo::CandidateSpec &candidate = stage.candidates.front();
      int64_t width = stage.widths.front();
      if (f + 1 == fixed.size() && !subnet.inputChannels.empty() &&
          llvm::is_contained(stage.widths, subnet.inputChannels.front()))
        width = subnet.inputChannels.front();
      for (int64_t i = 0; i < stage.depths.front(); ++i) {
        ::spaceevo::NetworkLayer layer;
        layer.stage = stage.index;
        layer.config.block = candidate.block;
        layer.config.kernel = candidate.kernels.front();
        layer.config.width = width;
        layer.config.expand =
            candidate.expands.empty() ? 0 : candidate.expands.front();
        layer.config.stride = i == 0 ? stage.stride : 1;
        net.layers.push_back(layer);
      }
    }
    for (size_t i = 0; i < searchable.size(); ++i) {
      const ::spaceevo::StageSpec &stage = hs.stages[searchable[i]];
      ::spaceevo::BlockType block = stage.candidates[space.blocks[i]].block;
      std::string error;
      auto layers = ::spaceevo::parseLayersField(subnet.layers[i], block,
                                                 stage.stride, error);
      if (!layers)
        return emitError(loc) << "stage " << stage.index << " row '"
                              << subnet.layers[i] << "': " << error;
      for (const ::spaceevo::LayerConfig &config : *layers)
        net.layers.push_back({stage.index, config});
    }
    if (auto error = ::spaceevo::checkNetwork(hs, net, &space))
      return emitError(loc) << "the subnet found in the tables is not a "
                               "network of the space: "
                            << error->message;
    return net;
  }

  NetworkOp emitNetwork(OpBuilder &builder, SymbolTable &symbols,
                        SpaceOp spaceOp, const ::spaceevo::NetworkSpec &net,
                        const std::string &name, StringRef method,
                        double constraintMs, const search::Subnet &subnet) {
    MLIRContext *context = builder.getContext();
    auto netOp = builder.create<NetworkOp>(
        spaceOp.getLoc(), builder.getStringAttr(name),
        FlatSymbolRefAttr::get(context, spaceOp.getHyperspaceName()),
        builder.getI64IntegerAttr(net.resolution),
        builder.getI64IntegerAttr(net.stemWidth), spaceOp.getSpace());
    OpBuilder::InsertionGuard guard(builder);
    Block *body = builder.createBlock(&netOp.getBody());
    builder.setInsertionPointToEnd(body);
    for (const ::spaceevo::NetworkLayer &layer : net.layers) {
      FloatAttr expand;
      if (::spaceevo::blockHasExpand(layer.config.block))
        expand = builder.getF64FloatAttr(layer.config.expand);
      builder.create<LayerOp>(spaceOp.getLoc(), layer.stage,
                              fromEngine(layer.config.block),
                              layer.config.kernel, layer.config.width, expand,
                              layer.config.stride);
    }
    netOp->setAttr("spaceevo.method", builder.getStringAttr(method));
    netOp->setAttr("spaceevo.constraint_ms",
                   builder.getF64FloatAttr(constraintMs));
    netOp->setAttr("spaceevo.predicted_loss",
                   builder.getF64FloatAttr(subnet.loss));
    netOp->setAttr("spaceevo.predicted_latency_ms",
                   builder.getF64FloatAttr(subnet.latencyMs));
    // Unique names even when the pass runs twice.
    symbols.insert(netOp);
    return netOp;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const char *flag = "--spaceevo-search-subnets";
    SmallVector<SpaceOp> spaces = llvm::to_vector(module.getOps<SpaceOp>());
    if (spaces.empty()) {
      emitError(module.getLoc()) << flag
                                 << ": the module has no 'spaceevo.space' to "
                                    "search (add one with "
                                    "--spaceevo-materialize-space or "
                                    "--spaceevo-evolve)";
      return signalPassFailure();
    }
    Location firstLoc = spaces.front().getLoc();
    if (tables.empty()) {
      emitError(firstLoc) << flag << " needs tables=DIR";
      return signalPassFailure();
    }
    if (failed(checkConstraints(constraints, firstLoc, flag)))
      return signalPassFailure();
    if (evolutionSubnets < 0) {
      emitError(firstLoc) << flag << ": evolution-subnets must be >= 0";
      return signalPassFailure();
    }
    SmallVector<int64_t> scoreResolutions(resolutions.begin(), resolutions.end());
    if (scoreResolutions.empty())
      scoreResolutions = {224, 192, 160};

    search::TableSet tableSet(tables);
    SymbolTable symbols(module);
    SymbolTableCollection symbolTables;
    for (SpaceOp spaceOp : spaces) {
      HyperspaceOp hyperspace = lookupHyperspace(spaceOp, spaceOp.getHyperspaceName(), &symbolTables);
      if (!hyperspace)
        return signalPassFailure();
      ::spaceevo::HyperspaceSpec hs = toSpec(hyperspace);
      ::spaceevo::SpaceSpec space = toSpec(spaceOp.getSpace());
      if (auto error = ::spaceevo::checkSpace(hs, space)) {
        emitError(spaceOp.getLoc()) << error->message;
        return signalPassFailure();
      }
      FailureOr<search::SearchSpaceShape> shape = buildSearchShape(
          hyperspace, {scoreResolutions, fixedLatency, tables}, hyperspace.getLoc());
      if (failed(shape))
        return signalPassFailure();

      search::SubnetSearchOptions options;
      options.constraintsMs.assign(constraints.begin(), constraints.end());
      options.latencyWindowMs = latencyWindow;
      options.populationSize = population;
      options.iterations = iterations;
      options.topK = std::max<int64_t>(1, evolutionSubnets);
      options.seed = seed;
      options.chainChannels = chain;
      // Stage 1 takes what the last fixed stage (or the stem) can output.
      const std::vector<int64_t> *firstInputs = &hs.stem.widths;
      for (const ::spaceevo::StageSpec &stage : hs.stages)
        if (stage.fixed)
          firstInputs = &stage.widths;
      for (int64_t w : *firstInputs)
        options.firstStageInputChannels.push_back(static_cast<int>(w));

      search::Expected<search::SubnetSearchResult> result =
          search::searchSubnets(tableSet, *shape, toSearchSpace(spaceOp.getSpace()),
                                options);
      if (!result) {
        emitError(spaceOp.getLoc()) << flag << ": " << result.error();
        return signalPassFailure();
      }

      OpBuilder builder(module.getContext());
      builder.setInsertionPointAfter(spaceOp);
      SmallVector<Attribute> summary;
      std::string prefix = hs.name + "_c";
      for (const search::ConstraintSubnets &c : result->constraints) {
        std::string tag = prefix + constraintTag(c.constraintMs);
        SmallVector<NamedAttribute> fields = {
            builder.getNamedAttr("constraint_ms",
                                 builder.getF64FloatAttr(c.constraintMs)),
            builder.getNamedAttr("feasible",
                                 builder.getBoolAttr(c.exact.feasible))};
        if (c.exact.feasible) {
          FailureOr<::spaceevo::NetworkSpec> net =
              toNetwork(hs, space, c.exact.subnet, spaceOp.getLoc());
          if (failed(net))
            return signalPassFailure();
          NetworkOp op = emitNetwork(builder, symbols, spaceOp, *net,
                                     tag + "_exact", "exact", c.constraintMs,
                                     c.exact.subnet);
          builder.setInsertionPointAfter(op);
          fields.push_back(builder.getNamedAttr(
              "exact_loss", builder.getF64FloatAttr(c.exact.subnet.loss)));
        }
        if (!c.evolutionTop.empty()) {
          fields.push_back(builder.getNamedAttr(
              "evolution_loss",
              builder.getF64FloatAttr(c.evolutionTop.front().loss)));
          fields.push_back(builder.getNamedAttr(
              "relative_gap", builder.getF64FloatAttr(c.relativeGap)));
        }
        // No subnet beats this loss: the exact solver's proof, or with
        // chaining the optimum of the relaxed (unchained) problem.
        double bound = chain ? c.exact.unchainedLowerBoundLoss
                             : c.exact.lowerBoundLoss;
        if (std::isfinite(bound))
          fields.push_back(builder.getNamedAttr(
              "lower_bound", builder.getF64FloatAttr(bound)));
        for (int64_t i = 0;
             i < evolutionSubnets &&
             i < static_cast<int64_t>(c.evolutionTop.size());
             ++i) {
          FailureOr<::spaceevo::NetworkSpec> net =
              toNetwork(hs, space, c.evolutionTop[i], spaceOp.getLoc());
          if (failed(net))
            return signalPassFailure();
          NetworkOp op = emitNetwork(
              builder, symbols, spaceOp, *net,
              tag + "_evolution" + std::to_string(i), "evolution",
              c.constraintMs, c.evolutionTop[i]);
          builder.setInsertionPointAfter(op);
        }
        summary.push_back(builder.getDictionaryAttr(fields));
      }
      spaceOp->setAttr("spaceevo.subnet_search", builder.getArrayAttr(summary));
    }
  }
};

} // namespace
