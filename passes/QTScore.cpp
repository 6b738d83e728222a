//===- QTScore.cpp - --spaceevo-qt-score ----------------------------------===//
#include "SearchSupport.h"
#include "spaceevo/passes/Passes.h"

#include <map>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_QTSCORE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;
namespace search = ::spaceevo::search;

namespace {

struct QTScorePass : public mlir::spaceevo::impl::QTScoreBase<QTScorePass> {
  using QTScoreBase::QTScoreBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const char *flag = "--spaceevo-qt-score";
    SmallVector<SpaceOp> spaces = llvm::to_vector(module.getOps<SpaceOp>());
    if (spaces.empty()) {
      emitError(module.getLoc()) << flag
                                 << ": the module has no 'spaceevo.space' to "
                                    "score (add one with "
                                    "--spaceevo-materialize-space)";
      return signalPassFailure();
    }
    // Option errors point at the first space: the module has no location.
    Location loc = spaces.front().getLoc();
    if (tables.empty()) {
      emitError(loc) << flag << " needs tables=DIR";
      return signalPassFailure();
    }
    if (failed(checkConstraints(constraints, loc, flag)))
      return signalPassFailure();
    if (rescore < 0) {
      emitError(loc) << flag << ": rescore must be >= 0";
      return signalPassFailure();
    }
    search::QTScoreOptions scoreOptions =
        makeScoreOptions(constraints, samples, batch, penaltyT, penaltyA,
                         topLosses, seed, threads);

    // One table set and scorer per hyperspace, shared by its spaces.
    search::TableSet tableSet(tables);
    SmallVector<int64_t> scoreResolutions(resolutions.begin(), resolutions.end());
    if (scoreResolutions.empty())
      scoreResolutions = {224, 192, 160};
    SymbolTableCollection symbolTables;
    std::map<std::string, std::unique_ptr<search::QTScorer>> scorers;
    for (SpaceOp spaceOp : spaces) {
      std::string name = spaceOp.getHyperspaceName().str();
      HyperspaceOp hyperspace = lookupHyperspace(spaceOp, name, &symbolTables);
      if (!hyperspace)
        return signalPassFailure();
      std::unique_ptr<search::QTScorer> &scorer = scorers[name];
      if (!scorer) {
        FailureOr<search::SearchSpaceShape> shape = buildSearchShape(
            hyperspace, {scoreResolutions, fixedLatency, tables}, hyperspace.getLoc());
        if (failed(shape))
          return signalPassFailure();
        scorer = std::make_unique<search::QTScorer>(tableSet, *shape,
                                                    scoreOptions);
        search::Status valid = scorer->validate();
        if (!valid.ok()) {
          emitError(spaceOp.getLoc()) << flag << ": " << valid.error();
          return signalPassFailure();
        }
      }
      search::Space space = toSearchSpace(spaceOp.getSpace());
      search::Expected<search::QTScore> score = scorer->score(space);
      if (!score) {
        emitError(spaceOp.getLoc()) << flag << ": " << score.error();
        return signalPassFailure();
      }
      attachQTScore(spaceOp, *score);
      if (rescore > 0) {
        search::Expected<search::RescoreSummary> summary = scorer->rescore(
            space, search::independentSeeds(seed, static_cast<int>(rescore)));
        if (!summary) {
          emitError(spaceOp.getLoc()) << flag << ": " << summary.error();
          return signalPassFailure();
        }
        attachRescore(spaceOp, *summary);
      }
    }
  }
};

} // namespace
