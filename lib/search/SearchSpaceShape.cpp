//===- SearchSpaceShape.cpp - Hyperspace facts the search needs ------------===//

#include "spaceevo/search/SearchSpaceShape.h"

#include <cmath>

namespace spaceevo::search {

int SearchSpaceShape::stageInputSize(int stageIndex, int resolution) const {
  // Round up at every stride, as SpaceEvo's latency code does (ceil(hw/s)).
  int size = (resolution + stemStride - 1) / stemStride;
  for (int s = 0; s < stageIndex && s < static_cast<int>(stageStrides.size()); ++s)
    size = (size + stageStrides[s] - 1) / stageStrides[s];
  return size;
}

int SearchSpaceShape::resolutionIndex(int resolution) const {
  for (size_t i = 0; i < resolutions.size(); ++i)
    if (resolutions[i] == resolution) return static_cast<int>(i);
  return -1;
}

double SearchSpaceShape::spaceCount() const {
  double count = 1;
  for (int s = 0; s < numStages(); ++s) {
    count *= static_cast<double>(blockCounts[s]) * windowCounts[s];
    if (count > 1e18) return 1e18;
  }
  return count;
}

Status SearchSpaceShape::validate() const {
  const std::string where = "search space shape '" + name + "': ";
  if (name.empty()) return makeError("search space shape: empty hyperspace name");
  if (blockCounts.empty()) return makeError(where + "no stages");
  if (blockCounts.size() > 16) return makeError(where + "more than 16 stages");
  if (windowCounts.size() != blockCounts.size() || stageStrides.size() != blockCounts.size())
    return makeError(where + "blockCounts, windowCounts and stageStrides must have one entry per stage");
  for (size_t s = 0; s < blockCounts.size(); ++s) {
    if (blockCounts[s] < 1 || blockCounts[s] > 10 || windowCounts[s] < 1 || windowCounts[s] > 10)
      return makeError(where + "stage " + std::to_string(s + 1) +
                       " needs 1..10 block types and 1..10 windows (one digit each in encodings)");
    if (stageStrides[s] < 1)
      return makeError(where + "stage " + std::to_string(s + 1) + " has a non-positive stride");
  }
  if (stemStride < 1) return makeError(where + "non-positive stem stride");
  if (resolutions.empty()) return makeError(where + "no resolutions");
  if (fixedLatencyMs.size() != resolutions.size())
    return makeError(where + "fixedLatencyMs needs one value per resolution");
  for (size_t i = 0; i < resolutions.size(); ++i) {
    if (resolutions[i] < 1) return makeError(where + "non-positive resolution");
    for (size_t j = 0; j < i; ++j)
      if (resolutions[j] == resolutions[i])
        return makeError(where + "resolution " + std::to_string(resolutions[i]) + " listed twice");
    if (!std::isfinite(fixedLatencyMs[i]) || fixedLatencyMs[i] < 0)
      return makeError(where + "fixed-stage latency at resolution " +
                       std::to_string(resolutions[i]) + " must be finite and non-negative");
  }
  // Two resolutions with the same input height at some stage would make a
  // table row's resolution ambiguous.
  for (int s = 0; s < numStages(); ++s)
    for (size_t i = 0; i < resolutions.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (stageInputSize(s, resolutions[i]) == stageInputSize(s, resolutions[j]))
          return makeError(where + "resolutions " + std::to_string(resolutions[j]) + " and " +
                           std::to_string(resolutions[i]) + " give the same input size at stage " +
                           std::to_string(s + 1));
  return Status::success();
}

Status SearchSpaceShape::validateSpace(const Space &space) const {
  const std::string encoding = encodeSpace(space);
  if (space.hyperspace != name)
    return makeError("space '" + encoding + "' is not a space of hyperspace '" + name + "'");
  if (static_cast<int>(space.blocks.size()) != numStages() ||
      static_cast<int>(space.windows.size()) != numStages())
    return makeError("space '" + encoding + "' has " + std::to_string(space.blocks.size()) +
                     " stages; hyperspace '" + name + "' has " + std::to_string(numStages()));
  for (int s = 0; s < numStages(); ++s) {
    if (space.blocks[s] < 0 || space.blocks[s] >= blockCounts[s])
      return makeError("space '" + encoding + "': stage " + std::to_string(s + 1) + " block " +
                       std::to_string(space.blocks[s]) + " out of range 0.." +
                       std::to_string(blockCounts[s] - 1));
    if (space.windows[s] < 0 || space.windows[s] >= windowCounts[s])
      return makeError("space '" + encoding + "': stage " + std::to_string(s + 1) + " window " +
                       std::to_string(space.windows[s]) + " out of range 0.." +
                       std::to_string(windowCounts[s] - 1));
  }
  return Status::success();
}

SearchSpaceShape onnxwShape() {
  SearchSpaceShape shape;
  shape.name = "onnxw";
  shape.blockCounts = {6, 6, 6, 6, 6, 6};
  // Width lists of 3,5,6,6,8,10 widths with window sizes 2,2,3,3,5,7.
  shape.windowCounts = {2, 4, 4, 4, 4, 4};
  shape.stemStride = 2;
  shape.stageStrides = {2, 2, 2, 1, 2, 1};
  shape.resolutions = {224, 192, 160};
  shape.fixedLatencyMs = {2.7906, 2.2692, 1.7450};
  shape.fixedLatencyIsEstimate = false;
  shape.fixedLatencySource = "SpaceEvo's published VNNI latency table (smallest stem and head)";
  return shape;
}

SearchSpaceShape mobilewShape() {
  SearchSpaceShape shape;
  shape.name = "mobilew";
  shape.blockCounts = {7, 7, 7, 7, 7, 7};
  // Width lists of 3,7,8,9,9,10 widths with window sizes 2,2,3,3,5,7.
  shape.windowCounts = {2, 6, 6, 7, 5, 4};
  shape.stemStride = 2;
  shape.stageStrides = {2, 2, 2, 1, 2, 1};
  shape.resolutions = {224, 192, 160};
  shape.fixedLatencyMs = {1.339, 1.071, 0.772};
  shape.fixedLatencyIsEstimate = true;
  shape.fixedLatencySource =
      "estimate (SpaceEvo's mobile latency predictor is not public), see DESIGN.md";
  return shape;
}

Expected<SearchSpaceShape> builtinShape(const std::string &hyperspace) {
  if (hyperspace == "onnxw") return onnxwShape();
  if (hyperspace == "mobilew") return mobilewShape();
  return makeError("unknown hyperspace '" + hyperspace + "' (built in: onnxw, mobilew)");
}

} // namespace spaceevo::search
