//===- SearchSupport.h - IR <-> search engine glue for the passes -*- C++ -*-===//
//
// Shared by --spaceevo-qt-score, --spaceevo-evolve and
// --spaceevo-search-subnets: builds the search engine's view of a hyperspace
// op and turns engine errors into diagnostics.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_PASSES_SEARCHSUPPORT_H
#define SPACEEVO_PASSES_SEARCHSUPPORT_H

#include "spaceevo/dialects/SpaceEvoOps.h"
#include "spaceevo/search/QTScore.h"
#include "spaceevo/search/SearchSpaceShape.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LogicalResult.h"

namespace mlir::spaceevo {

/// What a table-based pass knows about the fixed stages and resolutions.
struct SearchShapeOptions {
  /// Resolutions the Q-T score samples from (SpaceEvo: 224, 192, 160).
  ArrayRef<int64_t> resolutions;
  /// Latency (ms) of stem + head per resolution; empty: the tables'
  /// `fixed_latency.csv` (written by --spaceevo-build-latency-tables, lines
  /// `resolution,ms`) when `tablesDir` has one, else the published value
  /// (onnxw) or DESIGN's estimate (mobilew) for built-in hyperspaces.
  ArrayRef<double> fixedLatencyMs;
  StringRef tablesDir;
};

/// Name of the fixed-stage latency file beside measured tables.
inline constexpr const char *kFixedLatencyFile = "fixed_latency.csv";

/// The search engine's description of `hyperspace`: block and window counts
/// of the searchable stages, strides, resolutions and fixed-stage latency.
/// Emits an error at `loc` and fails when it cannot be built.
FailureOr<::spaceevo::search::SearchSpaceShape>
buildSearchShape(HyperspaceOp hyperspace, const SearchShapeOptions &options,
                 Location loc);

/// Q-T score options from the passes' shared options.
::spaceevo::search::QTScoreOptions
makeScoreOptions(ArrayRef<double> constraints, int64_t samples, int64_t batch,
                 double t, double a, int64_t topLosses, uint64_t seed,
                 unsigned threads);

/// The engine's space for a space attribute.
::spaceevo::search::Space toSearchSpace(SpaceAttr attr);

/// Q-T score details as attributes: `spaceevo.qt_score` and, per
/// constraint, `{constraint_ms, p, loss, penalty, feasible}` in `spaceevo.qt`.
void attachQTScore(Operation *op, const ::spaceevo::search::QTScore &score);

/// The mean, standard deviation and seed count of independent re-scorings as
/// `spaceevo.qt_rescore`.
void attachRescore(Operation *op,
                   const ::spaceevo::search::RescoreSummary &summary);

/// Parses "10,15" style constraint lists is done by ListOption; this checks
/// they are positive and finite.
LogicalResult checkConstraints(ArrayRef<double> constraints, Location loc,
                               StringRef passFlag);

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_SEARCHSUPPORT_H
