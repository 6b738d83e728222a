//===- SpaceEncoding.h - A space and its textual encoding ------*- C++ -*-===//
//
// A *space* picks, for every searchable stage of a hyperspace, one block type
// and one width window. It is written `<hyperspace>-<block digits>-<window
// digits>`, one digit per stage, e.g. `onnxw-123450-012330`.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_SPACEENCODING_H
#define SPACEEVO_SEARCH_SPACEENCODING_H

#include "spaceevo/search/Expected.h"

#include <string>
#include <string_view>
#include <vector>

namespace spaceevo::search {

struct Space {
  std::string hyperspace;   ///< e.g. "onnxw"
  std::vector<int> blocks;  ///< block id per stage (stage 1 first)
  std::vector<int> windows; ///< width-window id per stage

  bool operator==(const Space &other) const {
    return hyperspace == other.hyperspace && blocks == other.blocks &&
           windows == other.windows;
  }
  bool operator!=(const Space &other) const { return !(*this == other); }
};

/// `<hyperspace>-<block digits>-<window digits>`. Ids must be 0..9 (one digit
/// each); SearchSpaceShape::validate guarantees that for shaped spaces.
std::string encodeSpace(const Space &space);

/// Inverse of encodeSpace. The hyperspace name may itself contain '-': the
/// last two '-'-separated fields are the digits. Both digit fields must have
/// the same, non-zero length.
Expected<Space> parseSpaceEncoding(std::string_view text);

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_SPACEENCODING_H
