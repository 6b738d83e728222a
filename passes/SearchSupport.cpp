//===- SearchSupport.cpp - IR <-> search engine glue for the passes -------===//
#include "SearchSupport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdio>
#include <map>

using namespace mlir;
using namespace mlir::spaceevo;
namespace search = ::spaceevo::search;

FailureOr<search::SearchSpaceShape>
mlir::spaceevo::buildSearchShape(HyperspaceOp hyperspace,
                                 const SearchShapeOptions &options,
                                 Location loc) {
  search::SearchSpaceShape shape;
  shape.name = hyperspace.getSymName().str();
  StemOp stem = hyperspace.getStem();
  shape.stemStride = stem ? static_cast<int>(stem.getStride()) : 1;
  for (StageOp stage : hyperspace.getStages()) {
    if (stage.getFixed()) {
      // Fixed stages sit between the stem and stage 1: their stride shrinks
      // the input of the first searchable stage.
      shape.stemStride *= static_cast<int>(stage.getStride());
      continue;
    }
    shape.blockCounts.push_back(static_cast<int>(stage.getCandidates().size()));
    shape.windowCounts.push_back(static_cast<int>(stage.getNumWindows()));
    shape.stageStrides.push_back(static_cast<int>(stage.getStride()));
  }
  for (int64_t r : options.resolutions)
    shape.resolutions.push_back(static_cast<int>(r));

  if (!options.fixedLatencyMs.empty()) {
    if (options.fixedLatencyMs.size() != options.resolutions.size())
      return emitError(loc) << "fixed-latency has "
                            << options.fixedLatencyMs.size()
                            << " values but there are "
                            << options.resolutions.size()
                            << " resolutions; give one latency (ms) per "
                               "resolution, in the same order";
    shape.fixedLatencyMs.assign(options.fixedLatencyMs.begin(),
                                options.fixedLatencyMs.end());
    shape.fixedLatencySource = "given on the command line";
  } else if (std::string path = (options.tablesDir + "/" + kFixedLatencyFile).str();
             !options.tablesDir.empty() && llvm::sys::fs::exists(path)) {
    // Measured with the tables: one `resolution,ms` line per resolution.
    auto file = llvm::MemoryBuffer::getFile(path);
    if (!file)
      return emitError(loc) << "cannot read " << path;
    std::map<int64_t, double> byResolution;
    SmallVector<StringRef> lines;
    (*file)->getBuffer().split(lines, '\n', -1, false);
    for (auto [index, line] : llvm::enumerate(lines)) {
      auto [r, ms] = line.trim().split(',');
      int64_t resolution = 0;
      double value = 0;
      if (r.getAsInteger(10, resolution) || ms.getAsDouble(value) ||
          !(value >= 0))
        return emitError(loc) << path << ":" << index + 1
                              << ": expected 'resolution,latency_ms'";
      byResolution[resolution] = value;
    }
    for (int r : shape.resolutions) {
      auto it = byResolution.find(r);
      if (it == byResolution.end())
        return emitError(loc) << path << " has no latency for resolution " << r
                              << "; pass fixed-latency=...";
      shape.fixedLatencyMs.push_back(it->second);
    }
    shape.fixedLatencySource = "measured here (" + path + ")";
  } else {
    search::Expected<search::SearchSpaceShape> builtin =
        search::builtinShape(shape.name);
    if (!builtin)
      return emitError(loc)
             << "no built-in fixed-stage latency for hyperspace @" << shape.name
             << "; pass fixed-latency=MS,MS,... (stem + head latency per "
                "resolution)";
    // The published numbers are per resolution: look each one up.
    for (int r : shape.resolutions) {
      int index = builtin->resolutionIndex(r);
      if (index < 0)
        return emitError(loc)
               << "no built-in fixed-stage latency for @" << shape.name
               << " at resolution " << r << "; pass fixed-latency=...";
      shape.fixedLatencyMs.push_back(builtin->fixedLatencyMs[index]);
    }
    shape.fixedLatencyIsEstimate = builtin->fixedLatencyIsEstimate;
    shape.fixedLatencySource = builtin->fixedLatencySource;
  }
  search::Status status = shape.validate();
  if (!status.ok())
    return emitError(loc) << status.error();
  return shape;
}

search::QTScoreOptions mlir::spaceevo::makeScoreOptions(
    ArrayRef<double> constraints, int64_t samples, int64_t batch, double t,
    double a, int64_t topLosses, uint64_t seed, unsigned threads) {
  search::QTScoreOptions options;
  options.constraintsMs.assign(constraints.begin(), constraints.end());
  options.samplesPerConstraint = samples;
  options.batchSize = batch;
  options.t = t;
  options.a = a;
  options.topK = topLosses;
  options.seed = seed;
  options.threads = threads;
  return options;
}

search::Space mlir::spaceevo::toSearchSpace(SpaceAttr attr) {
  search::Space space;
  space.hyperspace = attr.getHyperspace().str();
  for (int64_t b : attr.getBlocks())
    space.blocks.push_back(static_cast<int>(b));
  for (int64_t w : attr.getWindows())
    space.windows.push_back(static_cast<int>(w));
  return space;
}

void mlir::spaceevo::attachQTScore(Operation *op,
                                   const search::QTScore &score) {
  Builder b(op->getContext());
  SmallVector<Attribute> perConstraint;
  for (const search::ConstraintScore &c : score.constraints)
    perConstraint.push_back(b.getDictionaryAttr({
        b.getNamedAttr("constraint_ms", b.getF64FloatAttr(c.constraintMs)),
        b.getNamedAttr("feasible", b.getI64IntegerAttr(c.feasibleSamples)),
        b.getNamedAttr("loss", b.getF64FloatAttr(c.topLoss)),
        b.getNamedAttr("p", b.getF64FloatAttr(c.p)),
        b.getNamedAttr("penalty", b.getF64FloatAttr(c.penalty)),
        b.getNamedAttr("samples", b.getI64IntegerAttr(c.samples)),
    }));
  op->setAttr("spaceevo.qt_score", b.getF64FloatAttr(score.score));
  op->setAttr("spaceevo.qt", b.getArrayAttr(perConstraint));
}

void mlir::spaceevo::attachRescore(Operation *op,
                                   const search::RescoreSummary &summary) {
  Builder b(op->getContext());
  op->setAttr("spaceevo.qt_rescore",
              b.getDictionaryAttr({
                  b.getNamedAttr("mean", b.getF64FloatAttr(summary.mean)),
                  b.getNamedAttr("sd", b.getF64FloatAttr(summary.sd)),
                  b.getNamedAttr("seeds",
                                 b.getI64IntegerAttr(summary.scores.size())),
              }));
}

/// 10, 0.5, -1: numbers as people write them in options.
static std::string formatNumber(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

LogicalResult mlir::spaceevo::checkConstraints(ArrayRef<double> constraints,
                                               Location loc,
                                               StringRef passFlag) {
  if (constraints.empty())
    return emitError(loc) << passFlag
                          << " needs latency constraints, e.g. constraints=10 "
                             "or constraints=15,20 (ms)";
  for (double c : constraints)
    if (!(c > 0) || !std::isfinite(c))
      return emitError(loc) << passFlag << ": constraint "
                            << formatNumber(c)
                            << " ms must be a positive number";
  return success();
}
