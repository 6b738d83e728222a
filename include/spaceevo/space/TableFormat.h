//===- TableFormat.h - SpaceEvo block-table fields --------------*- C++ -*-===//
//
// SpaceEvo's block tables are directories of stage{s}_{block}_{window}.csv
// files whose rows are `layers,input_shape,int8_nsr_loss,mflops,params_m,
// latency_ms`. These helpers parse and print the structured fields.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SPACE_TABLEFORMAT_H
#define SPACEEVO_SPACE_TABLEFORMAT_H

#include "spaceevo/space/Blocks.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spaceevo {

/// stage, block digit and window digit of a table file name.
struct TableFileId {
  int64_t stage = 0;
  int64_t block = 0;
  int64_t window = 0;
  std::string fileName() const; ///< "stage{s}_{b}_{w}.csv"
};

/// Parses "stage3_1_2.csv"; nullopt for any other name.
std::optional<TableFileId> parseTableFileName(const std::string &name);

/// Parses the `layers` field, e.g. "3#48#None_5#32#4", into layers of the
/// given block type; the first layer gets `firstStride`, the rest stride 1.
/// On failure returns nullopt and sets `error`.
std::optional<std::vector<LayerConfig>>
parseLayersField(const std::string &field, BlockType block,
                 int64_t firstStride, std::string &error);

/// Prints layers the way the tables do ("k#width#expand", expand "None"
/// when the block has none, one decimal for ResNet-style ratios).
std::string formatLayersField(const std::vector<LayerConfig> &layers);

/// Parses "1xCxHxW" into C and H (H must equal W); nullopt on failure.
std::optional<std::pair<int64_t, int64_t>>
parseInputShapeField(const std::string &field, std::string &error);

/// Splits a CSV line on commas (the tables never quote).
std::vector<std::string> splitCsvLine(const std::string &line);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_TABLEFORMAT_H
