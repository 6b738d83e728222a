//===- Evolve.cpp - --spaceevo-evolve -------------------------------------===//
#include "SearchSupport.h"
#include "PassSupport.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/search/Evolution.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_EVOLVE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;
namespace search = ::spaceevo::search;

namespace {

struct EvolvePass : public mlir::spaceevo::impl::EvolveBase<EvolvePass> {
  using EvolveBase::EvolveBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const char *flag = "--spaceevo-evolve";
    HyperspaceOp hyperspaceOp = findHyperspace(module, hyperspace, "--spaceevo-evolve");
    if (!hyperspaceOp)
      return signalPassFailure();
    Location loc = hyperspaceOp.getLoc();
    if (tables.empty()) {
      emitError(loc) << flag << " needs tables=DIR";
      return signalPassFailure();
    }
    if (failed(checkConstraints(constraints, loc, flag)))
      return signalPassFailure();

    search::QTScoreOptions scoreOptions =
        makeScoreOptions(constraints, samples, batch, penaltyT, penaltyA,
                         topLosses, seed, threads);
    SmallVector<int64_t> scoreResolutions(resolutions.begin(), resolutions.end());
    if (scoreResolutions.empty())
      scoreResolutions = {224, 192, 160};
    FailureOr<search::SearchSpaceShape> shape = buildSearchShape(
        hyperspaceOp, {scoreResolutions, fixedLatency, tables}, loc);
    if (failed(shape))
      return signalPassFailure();
    search::TableSet tableSet(tables);
    search::QTScorer scorer(tableSet, *shape, scoreOptions);

    search::EvolutionOptions options;
    options.populationSize = population;
    options.tournamentSize = sample;
    options.totalEvaluations = cycles;
    options.seed = seed;
    options.topK = topSpaces;
    options.rescoreSeeds = static_cast<int>(rescoreSeeds);
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
          .count();
    };
    if (progress) {
      options.progressInterval = std::max<int64_t>(1, cycles / 20);
      options.onProgress = [&](const search::EvolutionProgress &p) {
        double seconds = elapsed();
        double left = p.evaluated > 0
                          ? seconds * (p.total - p.evaluated) / p.evaluated
                          : 0;
        llvm::errs() << llvm::format(
            "spaceevo-evolve: %lld/%lld spaces, best %.5f %s, %.1f s, ~%.1f s "
            "left\n",
            static_cast<long long>(p.evaluated),
            static_cast<long long>(p.total), p.bestScore,
            p.bestEncoding.c_str(), seconds, left);
      };
    }
    search::Expected<search::EvolutionResult> result =
        search::runAgingEvolution(scorer, options);
    if (!result) {
      emitError(loc) << flag << ": " << result.error();
      return signalPassFailure();
    }
    if (progress)
      llvm::errs() << llvm::format(
          "spaceevo-evolve: done: %lld spaces scored in %lld cycles (%lld "
          "duplicate children skipped), %.2f s; %s\n",
          static_cast<long long>(result->history.size()),
          static_cast<long long>(result->cycles),
          static_cast<long long>(result->duplicateChildren), elapsed(),
          result->stopReason.c_str());

    if (!history.empty()) {
      search::Status written = search::writeHistoryCsv(*result, history);
      if (!written.ok()) {
        emitError(loc) << flag << ": " << written.error();
        return signalPassFailure();
      }
    }

    // The top spaces, best first, on the hyperspace.
    Builder b(module.getContext());
    SmallVector<Attribute> top;
    for (const search::TopSpace &entry : result->top) {
      const search::EvaluatedSpace &evaluated =
          result->history[static_cast<size_t>(entry.id)];
      SmallVector<NamedAttribute> fields = {
          b.getNamedAttr("score", b.getF64FloatAttr(evaluated.score.score)),
          b.getNamedAttr("space", b.getStringAttr(evaluated.encoding))};
      if (entry.rescore) {
        fields.push_back(
            b.getNamedAttr("rescore_mean", b.getF64FloatAttr(entry.rescore->mean)));
        fields.push_back(
            b.getNamedAttr("rescore_sd", b.getF64FloatAttr(entry.rescore->sd)));
      }
      top.push_back(b.getDictionaryAttr(fields));
    }
    hyperspaceOp->setAttr("spaceevo.top_spaces", b.getArrayAttr(top));
    hyperspaceOp->setAttr(
        "spaceevo.evolution",
        b.getDictionaryAttr({
            b.getNamedAttr("cycles", b.getI64IntegerAttr(result->cycles)),
            b.getNamedAttr("duplicates",
                           b.getI64IntegerAttr(result->duplicateChildren)),
            b.getNamedAttr("evaluated",
                           b.getI64IntegerAttr(result->history.size())),
            b.getNamedAttr("seed", b.getI64IntegerAttr(seed)),
        }));

    // The best space, materialized right after the hyperspace. A space this
    // pass made earlier is replaced, so re-running does not pile them up.
    for (SpaceOp old : llvm::make_early_inc_range(module.getOps<SpaceOp>()))
      if (old->hasAttr("spaceevo.evolved") &&
          old.getHyperspaceName() == hyperspaceOp.getSymName())
        old.erase();
    const search::EvaluatedSpace &best = result->best();
    std::string error;
    SpaceAttr spaceAttr =
        SpaceAttr::parseEncoding(module.getContext(), best.encoding, error);
    if (!spaceAttr) {
      emitError(loc) << flag << ": internal error: " << error;
      return signalPassFailure();
    }
    OpBuilder builder(module.getContext());
    builder.setInsertionPointAfter(hyperspaceOp);
    auto bestOp = builder.create<SpaceOp>(loc, spaceAttr);
    bestOp->setAttr("spaceevo.evolved", b.getUnitAttr());
    attachQTScore(bestOp, best.score);
    for (const search::TopSpace &entry : result->top)
      if (entry.id == result->bestId && entry.rescore)
        attachRescore(bestOp, *entry.rescore);
  }
};

} // namespace
