//===- Tables.h - Filling the loss column of block tables -------*- C++ -*-===//
//
// Reads SpaceEvo-format tables `stage{s}_{block}_{window}.csv` of a
// hyperspace, estimates every row's loss (Features.h + Model.h) and writes
// the tables with the loss column replaced, every other field kept
// verbatim. Resumable: rows go to `out/<file>.partial`, appended and
// flushed one by one; a finished table is renamed to `out/<file>` and
// recorded in `out/.quality-estimated`, so `out` may be the input
// directory itself (a finished table is never estimated twice, an
// interrupted one continues where it stopped).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_QUALITY_TABLES_H
#define SPACEEVO_QUALITY_TABLES_H

#include "spaceevo/quality/Model.h"
#include "spaceevo/space/TableFormat.h"

#include <functional>
#include <optional>
#include <string>

namespace spaceevo::quality {

/// One parsed table row with its fields kept as text.
struct ParsedRow {
  SubstageRow row;
  std::vector<std::string> fields; ///< the six CSV fields
  int line = 0;
};

/// Parses a table of hyperspace `hs`; errors name `path:line`.
Expected<std::vector<ParsedRow>> readTable(const HyperspaceSpec &hs,
                                           const TableFileId &id,
                                           const std::string &path);

/// Every (searchable stage, block, window) of the hyperspace, optionally
/// restricted to `stages` (stage indices).
std::vector<TableFileId> hyperspaceTables(const HyperspaceSpec &hs,
                                          const std::vector<int64_t> &stages = {});

struct TableEstimateOptions {
  std::string dir;           ///< tables to read
  std::string out;           ///< where to write (empty: `dir`, in place)
  std::vector<int64_t> stages; ///< only these stages (empty: all)
  FeatureOptions features;
  /// The model (unset: QualityModel::builtinFor(the hyperspace's name)).
  std::optional<QualityModel> model;
  /// Called with a progress line now and then (empty: silent).
  std::function<void(const std::string &)> progress;
};

struct TableEstimateSummary {
  size_t files = 0, rows = 0;
  size_t estimatedNow = 0; ///< rows estimated in this run (0 when resumed done)
};

Expected<TableEstimateSummary> estimateTables(const HyperspaceSpec &hs,
                                              const TableEstimateOptions &options);

} // namespace spaceevo::quality

#endif // SPACEEVO_QUALITY_TABLES_H
