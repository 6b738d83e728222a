//===- EstimateQuality.cpp - --spaceevo-estimate-quality ------------------===//
//
// Fills the loss column of a hyperspace's block tables with lib/quality's
// training-free estimate. A thin adapter: the hyperspace op becomes a
// HyperspaceSpec, everything else is lib/quality's estimateTables.
//
//===----------------------------------------------------------------------===//
#include "PassSupport.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/quality/Tables.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_ESTIMATEQUALITY
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

struct EstimateQualityPass
    : public mlir::spaceevo::impl::EstimateQualityBase<EstimateQualityPass> {
  using EstimateQualityBase::EstimateQualityBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const char *flag = "--spaceevo-estimate-quality";
    HyperspaceOp hyperspaceOp = findHyperspace(module, hyperspace, flag);
    if (!hyperspaceOp)
      return signalPassFailure();
    Location loc = hyperspaceOp.getLoc();
    if (dir.empty()) {
      emitError(loc) << flag << " needs dir=DIR";
      return signalPassFailure();
    }
    if (maxInputSize < 0 || calibrationInputs < 1 || evaluationInputs < 1 ||
        kernelInputs < 2) {
      emitError(loc) << flag
                     << ": max-input-size must be >= 0, calibration-inputs and "
                        "evaluation-inputs >= 1, kernel-inputs >= 2";
      return signalPassFailure();
    }

    ::spaceevo::quality::TableEstimateOptions options;
    options.dir = dir;
    options.out = out;
    options.stages.assign(stages.begin(), stages.end());
    options.features.seed = seed;
    options.features.maxInputSize = maxInputSize;
    options.features.calibrationInputs = size_t(calibrationInputs);
    options.features.evaluationInputs = size_t(evaluationInputs);
    options.features.kernelInputs = size_t(kernelInputs);
    if (model == "structural") {
      options.model = ::spaceevo::quality::QualityModel::builtin();
    } else if (model == "generic") {
      options.model = ::spaceevo::quality::QualityModel::generic();
    } else if (!model.empty()) {
      auto buffer = llvm::MemoryBuffer::getFile(model);
      if (!buffer) {
        emitError(loc) << flag << ": cannot read model '" << model
                       << "': " << buffer.getError().message();
        return signalPassFailure();
      }
      auto parsed =
          ::spaceevo::quality::QualityModel::parse((*buffer)->getBuffer().str());
      if (!parsed) {
        emitError(loc) << flag << ": " << model << ": " << parsed.error();
        return signalPassFailure();
      }
      options.model = *parsed;
    }
    if (progress)
      options.progress = [](const std::string &line) {
        llvm::errs() << "spaceevo-estimate-quality: " << line << "\n";
      };

    auto summary = ::spaceevo::quality::estimateTables(toSpec(hyperspaceOp),
                                                       options);
    if (!summary) {
      emitError(loc) << flag << ": " << summary.error();
      return signalPassFailure();
    }
    Builder b(module.getContext());
    hyperspaceOp->setAttr(
        "spaceevo.quality_tables",
        b.getDictionaryAttr({
            b.getNamedAttr("files", b.getI64IntegerAttr(int64_t(summary->files))),
            b.getNamedAttr("rows", b.getI64IntegerAttr(int64_t(summary->rows))),
            b.getNamedAttr("estimated_now",
                           b.getI64IntegerAttr(int64_t(summary->estimatedNow))),
        }));
  }
};

} // namespace
