//===- BlockCost.h - MACs and parameters of blocks -------------*- C++ -*-===//
//
// Counts multiply-accumulates and parameters from a block's primitive
// expansion (Blocks.h), the way SpaceEvo's published block tables count
// them (docs/blocks.md, "Counting"):
//   mflops   = MACs of convolutions / 1e6 (BN, activations, adds, SE pooling
//              and scaling are free);
//   params_m = (weights + existing biases + 2 per BN channel
//              + 3 LSQ+ quantizer scalars per convolution) / 1e6.
// Their counter accumulates in float32; `tableCount` emulates that and
// reproduces the printed columns exactly, while `layerCost` gives exact
// counts, whose sum can differ from the printed value in the last digit.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SPACE_BLOCKCOST_H
#define SPACEEVO_SPACE_BLOCKCOST_H

#include "spaceevo/space/Blocks.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spaceevo {

/// Quantizer scalars SpaceEvo's LSQ+ layers carry (and count as parameters):
/// weight scale, activation scale, activation offset.
constexpr int64_t kQuantizerScalarsPerLayer = 3;

/// Exact cost of one primitive.
LayerCost primitiveCost(const Primitive &op);

/// Exact cost of an expansion: the sum over its primitives.
LayerCost expansionCost(const Expansion &expansion);

/// Exact cost of one layer with the given input shape.
Result<LayerCost> layerCost(const LayerConfig &layer, int64_t inChannels,
                            int64_t inHeight, int64_t inWidth);

/// Exact cost of consecutive layers (a sub-stage, a table row).
Result<LayerCost> layersCost(const std::vector<LayerConfig> &layers,
                             int64_t inChannels, int64_t inHeight,
                             int64_t inWidth);

/// What SpaceEvo's profiler reports for a model: its `mflops` and
/// `params_m` columns before printing with 4 decimals.
struct TableCount {
  double mflops = 0;
  double paramsM = 0;
};

/// Emulates SpaceEvo's counter on an expansion: per-module counts rounded to
/// float32, summed in float32 in the modules' registration order. Their
/// counter does not count the classifier's MACs (its quantized linear layer
/// has no counting hook); this emulation does the same, so use
/// expansionCost for the head's real cost.
TableCount tableCount(const Expansion &expansion);

/// tableCount of consecutive layers: reproduces a table row's `mflops` and
/// `params_m` from its layers and input shape.
Result<TableCount> tableCount(const std::vector<LayerConfig> &layers,
                              int64_t inChannels, int64_t inHeight,
                              int64_t inWidth);

/// A value as the tables print it ("%.4f").
std::string formatTableValue(double value);

/// Strides of the six searchable stages, in both hyperspaces.
constexpr int64_t kSearchableStageStrides[6] = {2, 2, 2, 1, 2, 1};

/// Spatial size at the input of searchable stage `stage` (1..6), or of the
/// head for stage 7, for a square input of `resolution`.
int64_t searchableStageInputSize(int64_t stage, int64_t resolution);

/// Cost of the parts of a network the space search does not choose.
struct FixedStagesCost {
  LayerCost stem; ///< first_conv + stage0
  LayerCost head; ///< final_expand + feature_mix + classifier
  LayerCost total() const;
};

/// Stem and head cost of a network of hyperspace `kind` at `resolution`,
/// whose last searchable stage has `lastStageWidth` channels.
Result<FixedStagesCost> fixedStagesCost(HyperspaceKind kind,
                                        const StemConfig &stem,
                                        int64_t resolution,
                                        int64_t lastStageWidth);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_BLOCKCOST_H
