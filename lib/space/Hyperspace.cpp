//===- Hyperspace.cpp - checks of hyperspaces, spaces and networks --------===//
#include "spaceevo/space/Hyperspace.h"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <climits>
#include <sstream>

namespace spaceevo {

namespace {

template <typename T> std::string listToString(const std::vector<T> &values) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < values.size(); ++i)
    os << (i ? ", " : "") << values[i];
  os << "]";
  return os.str();
}

template <typename T>
bool contains(const std::vector<T> &values, const T &value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::optional<CheckError> fail(int64_t layer, std::string message) {
  return CheckError{layer, std::move(message)};
}

int64_t indexOf(const std::vector<int64_t> &values, int64_t value) {
  auto it = std::find(values.begin(), values.end(), value);
  return it == values.end() ? -1 : static_cast<int64_t>(it - values.begin());
}

/// Checks the layers [begin, end) of `net` that form one stage. `block` and
/// `window` constrain them when they come from a space or a table file.
std::optional<CheckError>
checkStageLayers(const StageSpec &stage, const std::vector<NetworkLayer> &layers,
                 size_t begin, size_t end,
                 std::optional<int64_t> candidateIndex,
                 std::optional<int64_t> window) {
  const std::string where = "stage " + std::to_string(stage.index);
  int64_t depth = static_cast<int64_t>(end - begin);
  if (!contains(stage.depths, depth))
    return fail(static_cast<int64_t>(begin),
                where + " has " + std::to_string(depth) +
                    " layers; its depths are " + listToString(stage.depths));

  BlockType block = layers[begin].config.block;
  const CandidateSpec *candidate = nullptr;
  for (const CandidateSpec &c : stage.candidates)
    if (c.block == block)
      candidate = &c;
  if (!candidate)
    return fail(static_cast<int64_t>(begin),
                where + " has no candidate block '" +
                    std::string(blockTypeName(block)) + "'");
  if (candidateIndex) {
    const CandidateSpec &chosen = stage.candidates[*candidateIndex];
    if (chosen.block != block)
      return fail(static_cast<int64_t>(begin),
                  where + " uses block '" + std::string(blockTypeName(block)) +
                      "' but the space picks '" +
                      std::string(blockTypeName(chosen.block)) + "'");
  }

  int64_t minWidthIndex = INT64_MAX, maxWidthIndex = -1;
  for (size_t i = begin; i < end; ++i) {
    const LayerConfig &layer = layers[i].config;
    int64_t at = static_cast<int64_t>(i);
    if (layer.block != block)
      return fail(at, where + " mixes block types '" +
                          std::string(blockTypeName(block)) + "' and '" +
                          std::string(blockTypeName(layer.block)) +
                          "'; a stage uses one block type");
    if (!contains(candidate->kernels, layer.kernel))
      return fail(at, "kernel " + std::to_string(layer.kernel) +
                          " is not a choice of '" +
                          std::string(blockTypeName(block)) + "' in " + where +
                          " (kernels " + listToString(candidate->kernels) +
                          ")");
    if (candidate->expands.empty()) {
      if (layer.expand != 0)
        return fail(at, "block '" + std::string(blockTypeName(block)) +
                            "' in " + where + " takes no expansion ratio");
    } else {
      bool found = false;
      for (double e : candidate->expands)
        found |= sameExpand(e, layer.expand);
      if (!found) {
        std::ostringstream os;
        os << "expansion " << layer.expand << " is not a choice of '"
           << blockTypeName(block) << "' in " << where << " (expands "
           << listToString(candidate->expands) << ")";
        return fail(at, os.str());
      }
    }
    int64_t widthIndex = indexOf(stage.widths, layer.width);
    if (widthIndex < 0)
      return fail(at, "width " + std::to_string(layer.width) +
                          " is not in the width list of " + where + " " +
                          listToString(stage.widths));
    minWidthIndex = std::min(minWidthIndex, widthIndex);
    maxWidthIndex = std::max(maxWidthIndex, widthIndex);
    if (window && (widthIndex < *window || widthIndex >= *window + stage.window))
      return fail(at, "width " + std::to_string(layer.width) +
                          " is outside window " + std::to_string(*window) +
                          " of " + where);
    int64_t expectedStride = i == begin ? stage.stride : 1;
    if (layer.stride != expectedStride)
      return fail(at, "layer " + std::to_string(i - begin) + " of " + where +
                          " must have stride " +
                          std::to_string(expectedStride) + ", not " +
                          std::to_string(layer.stride));
  }
  if (maxWidthIndex - minWidthIndex + 1 > stage.window)
    return fail(static_cast<int64_t>(begin),
                "the widths of " + where + " span " +
                    std::to_string(maxWidthIndex - minWidthIndex + 1) +
                    " entries of its width list, more than its window of " +
                    std::to_string(stage.window));
  return std::nullopt;
}

} // namespace

bool sameExpand(double a, double b) { return std::fabs(a - b) < 1e-6; }

std::vector<size_t> HyperspaceSpec::searchableStages() const {
  std::vector<size_t> result;
  for (size_t i = 0; i < stages.size(); ++i)
    if (!stages[i].fixed)
      result.push_back(i);
  return result;
}

const StageSpec *HyperspaceSpec::findStage(int64_t index) const {
  for (const StageSpec &stage : stages)
    if (stage.index == index)
      return &stage;
  return nullptr;
}

std::string SpaceSpec::encoding() const {
  std::string result = hyperspace + "-";
  for (int64_t b : blocks)
    result += std::to_string(b);
  result += "-";
  for (int64_t w : windows)
    result += std::to_string(w);
  return result;
}

std::optional<SpaceSpec> SpaceSpec::parse(const std::string &encoding,
                                          std::string &error) {
  size_t second = encoding.rfind('-');
  size_t first =
      second == std::string::npos || second == 0
          ? std::string::npos
          : encoding.rfind('-', second - 1);
  if (first == std::string::npos || first == 0) {
    error = "space encoding '" + encoding +
            "' is not of the form <hyperspace>-<block digits>-<window digits>";
    return std::nullopt;
  }
  SpaceSpec space;
  space.hyperspace = encoding.substr(0, first);
  std::string blocks = encoding.substr(first + 1, second - first - 1);
  std::string windows = encoding.substr(second + 1);
  if (blocks.empty() || blocks.size() != windows.size()) {
    error = "space encoding '" + encoding +
            "' must have as many window digits as block digits";
    return std::nullopt;
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(blocks[i])) ||
        !std::isdigit(static_cast<unsigned char>(windows[i]))) {
      error = "space encoding '" + encoding + "' has a non-digit in position " +
              std::to_string(i + 1) + " of its block or window digits";
      return std::nullopt;
    }
    space.blocks.push_back(blocks[i] - '0');
    space.windows.push_back(windows[i] - '0');
  }
  return space;
}

std::optional<CheckError> checkHyperspace(const HyperspaceSpec &hs) {
  if (hs.resolutions.empty())
    return fail(-1, "hyperspace '" + hs.name + "' has no resolutions");
  if (hs.stages.empty())
    return fail(-1, "hyperspace '" + hs.name + "' has no stages");
  for (size_t i = 0; i < hs.stages.size(); ++i)
    if (hs.stages[i].index != static_cast<int64_t>(i))
      return fail(-1, "stages must be numbered 0, 1, 2, ... in order; found " +
                          std::to_string(hs.stages[i].index) + " at position " +
                          std::to_string(i));
  if (hs.searchableStages().empty())
    return fail(-1, "hyperspace '" + hs.name + "' has no searchable stage");
  return std::nullopt;
}

std::optional<CheckError> checkSpace(const HyperspaceSpec &hs,
                                     const SpaceSpec &space) {
  std::vector<size_t> searchable = hs.searchableStages();
  if (space.blocks.size() != searchable.size())
    return fail(-1, "space '" + space.encoding() + "' has " +
                        std::to_string(space.blocks.size()) +
                        " stages but hyperspace '" + hs.name + "' has " +
                        std::to_string(searchable.size()) +
                        " searchable stages");
  for (size_t i = 0; i < searchable.size(); ++i) {
    const StageSpec &stage = hs.stages[searchable[i]];
    int64_t numBlocks = static_cast<int64_t>(stage.candidates.size());
    if (space.blocks[i] < 0 || space.blocks[i] >= numBlocks)
      return fail(-1, "stage " + std::to_string(stage.index) + ": block digit " +
                          std::to_string(space.blocks[i]) +
                          " is out of range (the stage has " +
                          std::to_string(numBlocks) + " candidate blocks, 0-" +
                          std::to_string(numBlocks - 1) + ")");
    if (space.windows[i] < 0 || space.windows[i] >= stage.numWindows())
      return fail(-1, "stage " + std::to_string(stage.index) +
                          ": window digit " + std::to_string(space.windows[i]) +
                          " is out of range (the stage has " +
                          std::to_string(stage.numWindows()) + " windows, 0-" +
                          std::to_string(stage.numWindows() - 1) + ")");
  }
  return std::nullopt;
}

std::optional<CheckError> checkNetwork(const HyperspaceSpec &hs,
                                       const NetworkSpec &net,
                                       const SpaceSpec *space) {
  if (!contains(hs.resolutions, net.resolution))
    return fail(-1, "resolution " + std::to_string(net.resolution) +
                        " is not one of " + listToString(hs.resolutions));
  if (!contains(hs.stem.widths, net.stemWidth))
    return fail(-1, "stem width " + std::to_string(net.stemWidth) +
                        " is not one of " + listToString(hs.stem.widths));
  if (space) {
    if (space->hyperspace != hs.name)
      return fail(-1, "space '" + space->encoding() +
                          "' belongs to another hyperspace than '" + hs.name +
                          "'");
    if (auto error = checkSpace(hs, *space))
      return error;
  }
  std::vector<size_t> searchable = hs.searchableStages();
  size_t layer = 0;
  for (size_t s = 0; s < hs.stages.size(); ++s) {
    const StageSpec &stage = hs.stages[s];
    if (layer < net.layers.size() && net.layers[layer].stage < stage.index)
      return fail(static_cast<int64_t>(layer),
                  "layers must be ordered by stage; stage " +
                      std::to_string(net.layers[layer].stage) +
                      " comes after a later stage");
    size_t begin = layer;
    while (layer < net.layers.size() && net.layers[layer].stage == stage.index)
      ++layer;
    if (begin == layer)
      return fail(begin < net.layers.size() ? static_cast<int64_t>(begin) : -1,
                  "the network has no layer in stage " +
                      std::to_string(stage.index));
    std::optional<int64_t> candidate, window;
    if (space && !stage.fixed) {
      size_t digit = std::find(searchable.begin(), searchable.end(), s) -
                     searchable.begin();
      candidate = space->blocks[digit];
      window = space->windows[digit];
    }
    if (auto error =
            checkStageLayers(stage, net.layers, begin, layer, candidate, window))
      return error;
  }
  if (layer != net.layers.size())
    return fail(static_cast<int64_t>(layer),
                "layer in stage " + std::to_string(net.layers[layer].stage) +
                    ", which the hyperspace does not have (or is out of order)");
  return std::nullopt;
}

int64_t stageInputSize(const HyperspaceSpec &hs, int64_t stageIndex,
                       int64_t resolution) {
  // Same padding: every stride-s layer maps n to ceil(n / s).
  int64_t size = (resolution + hs.stem.stride - 1) / hs.stem.stride;
  for (const StageSpec &stage : hs.stages) {
    if (stage.index >= stageIndex)
      break;
    size = (size + stage.stride - 1) / stage.stride;
  }
  return size;
}

std::optional<CheckError> checkSubstage(const HyperspaceSpec &hs,
                                        const SubstageSpec &sub) {
  const StageSpec *stage = hs.findStage(sub.stage);
  if (!stage)
    return fail(-1, "hyperspace '" + hs.name + "' has no stage " +
                        std::to_string(sub.stage));
  const std::vector<int64_t> &inputWidths =
      sub.stage == 0 ? hs.stem.widths : hs.findStage(sub.stage - 1)->widths;
  if (!contains(inputWidths, sub.inChannels))
    return fail(-1, "input channels " + std::to_string(sub.inChannels) +
                        " cannot feed stage " + std::to_string(sub.stage) +
                        " (the previous stage's widths are " +
                        listToString(inputWidths) + ")");
  bool sizeReachable = false;
  for (int64_t r : hs.resolutions)
    sizeReachable |= stageInputSize(hs, sub.stage, r) == sub.inSize;
  if (!sizeReachable)
    return fail(-1, "input size " + std::to_string(sub.inSize) +
                        " is not the input size of stage " +
                        std::to_string(sub.stage) + " at any resolution of " +
                        listToString(hs.resolutions));
  if (sub.window && (*sub.window < 0 || *sub.window >= stage->numWindows()))
    return fail(-1, "window " + std::to_string(*sub.window) +
                        " is out of range for stage " +
                        std::to_string(sub.stage) + " (" +
                        std::to_string(stage->numWindows()) + " windows)");
  for (size_t i = 0; i < sub.layers.size(); ++i)
    if (sub.layers[i].stage != sub.stage)
      return fail(static_cast<int64_t>(i),
                  "layer of stage " + std::to_string(sub.layers[i].stage) +
                      " in a sub-stage of stage " + std::to_string(sub.stage));
  if (sub.layers.empty())
    return fail(-1, "a sub-stage needs at least one layer");
  return checkStageLayers(*stage, sub.layers, 0, sub.layers.size(),
                          std::nullopt, sub.window);
}

} // namespace spaceevo
