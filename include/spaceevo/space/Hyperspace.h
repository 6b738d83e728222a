//===- Hyperspace.h - MLIR-free model of SpaceEvo hyperspaces ---*- C++ -*-===//
//
// Plain data describing a hyperspace, a space and a network, plus the
// checks that decide whether a network or sub-stage belongs to a
// hyperspace (or space). The dialect's verifiers convert IR into these
// structs and call the checks, and so do the table checker and the search,
// so the rules live in one place.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SPACE_HYPERSPACE_H
#define SPACEEVO_SPACE_HYPERSPACE_H

#include "spaceevo/space/Blocks.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spaceevo {

/// A block a stage may use, with its kernel and expansion choices.
struct CandidateSpec {
  BlockType block = BlockType::MBv2Res;
  std::vector<int64_t> kernels;
  std::vector<double> expands; ///< empty when the block has no expansion
  std::optional<Activation> act; ///< overrides the block's default
};

struct StageSpec {
  int64_t index = 0;
  bool fixed = false; ///< part of the stem: not chosen by a space
  int64_t stride = 1;
  std::vector<int64_t> widths;
  std::optional<int64_t> step;
  int64_t window = 1;
  std::vector<int64_t> depths;
  std::vector<CandidateSpec> candidates;

  int64_t numWindows() const {
    return static_cast<int64_t>(widths.size()) - window + 1;
  }
};

struct StemSpec {
  int64_t kernel = 3;
  int64_t stride = 2;
  std::vector<int64_t> widths;
  Activation act = Activation::ReLU;
};

struct HeadSpec {
  int64_t finalExpand = 0;
  int64_t featureMix = 0;
  int64_t classes = 0;
  Activation act = Activation::ReLU;
};

struct HyperspaceSpec {
  std::string name;
  std::vector<int64_t> resolutions;
  StemSpec stem;
  std::vector<StageSpec> stages; ///< all stages, fixed ones included
  HeadSpec head;

  /// Indices into `stages` of the searchable stages, in order.
  std::vector<size_t> searchableStages() const;
  /// The stage with the given `index` field, or nullptr.
  const StageSpec *findStage(int64_t index) const;
};

/// A space: per searchable stage, a candidate index and a window index.
struct SpaceSpec {
  std::string hyperspace;
  std::vector<int64_t> blocks;
  std::vector<int64_t> windows;

  /// "onnxw-123450-012330"
  std::string encoding() const;
  /// Parses an encoding; on failure returns nullopt and sets `error`.
  static std::optional<SpaceSpec> parse(const std::string &encoding,
                                        std::string &error);
};

/// One layer of a network or sub-stage, with the stage it belongs to.
struct NetworkLayer {
  int64_t stage = 0;
  LayerConfig config;
};

struct NetworkSpec {
  int64_t resolution = 0;
  int64_t stemWidth = 0;
  std::vector<NetworkLayer> layers;
};

struct SubstageSpec {
  int64_t stage = 0;
  int64_t inChannels = 0;
  int64_t inSize = 0;
  std::optional<int64_t> window;
  std::vector<NetworkLayer> layers;
};

/// A failed check. `layer` is the offending layer's index, or -1 when the
/// problem is not tied to one layer.
struct CheckError {
  int64_t layer = -1;
  std::string message;
};

/// Internal consistency of a hyperspace (stages numbered 0..n-1, windows
/// inside width lists, ...). Reports the first problem.
std::optional<CheckError> checkHyperspace(const HyperspaceSpec &hs);

/// Whether `space` names blocks and windows that exist in `hs`. The error
/// names the offending stage.
std::optional<CheckError> checkSpace(const HyperspaceSpec &hs,
                                     const SpaceSpec &space);

/// Whether `net` is a subnet of `hs` (and of `space` when given).
std::optional<CheckError> checkNetwork(const HyperspaceSpec &hs,
                                       const NetworkSpec &net,
                                       const SpaceSpec *space = nullptr);

/// Whether `sub` is a valid sub-stage of `hs`: its input shape can occur
/// (channels a width of the previous stage, size reachable from a
/// resolution) and its layers are valid for the stage.
std::optional<CheckError> checkSubstage(const HyperspaceSpec &hs,
                                        const SubstageSpec &sub);

/// The spatial size at the input of stage `stageIndex` for `resolution`.
int64_t stageInputSize(const HyperspaceSpec &hs, int64_t stageIndex,
                       int64_t resolution);

/// Expansion ratios are compared with this tolerance (tables print 1.0, 4).
bool sameExpand(double a, double b);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_HYPERSPACE_H
