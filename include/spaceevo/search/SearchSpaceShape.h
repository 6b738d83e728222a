//===- SearchSpaceShape.h - What the search needs of a hyperspace -*- C++ -*-===//
//
// The search engine does not need the full hyperspace description (blocks,
// widths, kernels): it needs how many block types and width windows each
// stage offers, how the input resolution shrinks from stage to stage (to find
// a table row's resolution from its input height), and the latency of the
// stages the space search never changes (stem and head). The MLIR passes fill
// this struct from the hyperspace op; onnxwShape()/mobilewShape() hold the
// published numbers from DESIGN.md.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_SEARCHSPACESHAPE_H
#define SPACEEVO_SEARCH_SEARCHSPACESHAPE_H

#include "spaceevo/search/Expected.h"
#include "spaceevo/search/SpaceEncoding.h"

#include <string>
#include <vector>

namespace spaceevo::search {

struct SearchSpaceShape {
  std::string name; ///< hyperspace name, the prefix of space encodings

  /// Per searchable stage (stage 1 first): number of block types and of
  /// width windows. Their common length is the number of stages.
  std::vector<int> blockCounts;
  std::vector<int> windowCounts;

  /// Stride of everything before stage 1 (first_conv x stage0).
  int stemStride = 2;
  /// Stride of each searchable stage.
  std::vector<int> stageStrides;

  /// Input resolutions the Q-T score samples from, in draw order. SpaceEvo
  /// uses {224, 192, 160}.
  std::vector<int> resolutions;
  /// Latency (ms) of the fixed stages (stem + head) per resolution, parallel
  /// to `resolutions`.
  std::vector<double> fixedLatencyMs;
  /// True when fixedLatencyMs is an estimate rather than a measurement or a
  /// published value (mobilew: its predictor is not public).
  bool fixedLatencyIsEstimate = false;
  /// Where fixedLatencyMs comes from, for reports.
  std::string fixedLatencySource;

  int numStages() const { return static_cast<int>(blockCounts.size()); }

  /// Input height/width of stage `stageIndex` (0-based) at `resolution`:
  /// resolution divided (rounding up, as SpaceEvo does) by the stem stride and
  /// the strides of the stages before it.
  int stageInputSize(int stageIndex, int resolution) const;

  /// Index of `resolution` in `resolutions`, or -1.
  int resolutionIndex(int resolution) const;

  /// Number of distinct spaces (saturates at 1e18).
  double spaceCount() const;

  /// Consistent sizes, 1..10 choices per stage (one digit in encodings),
  /// positive strides and resolutions, finite non-negative fixed latencies.
  Status validate() const;

  /// The space has this shape's name, stage count and in-range ids.
  Status validateSpace(const Space &space) const;
};

/// onnxw (VNNI CPU): 6 stages, 6 block types, windows 2,4,4,4,4,4, strides
/// 2,2,2,1,2,1; fixed stages 2.7906/2.2692/1.7450 ms at 224/192/160 (the
/// published VNNI latency table).
SearchSpaceShape onnxwShape();

/// mobilew (mobile CPU): 6 stages, 7 block types, windows 2,6,6,7,5,4;
/// fixed stages 1.339/1.071/0.772 ms, an *estimate* (the mobile latency
/// predictor is not public).
SearchSpaceShape mobilewShape();

/// onnxwShape() or mobilewShape() by name.
Expected<SearchSpaceShape> builtinShape(const std::string &hyperspace);

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_SEARCHSPACESHAPE_H
