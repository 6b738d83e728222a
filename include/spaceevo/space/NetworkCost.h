//===- NetworkCost.h - MACs and parameters of whole networks ----*- C++ -*-===//
#ifndef SPACEEVO_SPACE_NETWORKCOST_H
#define SPACEEVO_SPACE_NETWORKCOST_H

#include "spaceevo/space/BlockCost.h"
#include "spaceevo/space/Hyperspace.h"

namespace spaceevo {

/// The primitives of a whole network of `hs`: stem convolution, every layer
/// (fixed stages included, with their candidate's activation), then the head.
Result<Expansion> expandNetwork(const HyperspaceSpec &hs,
                                const NetworkSpec &net);

/// The fixed stages SpaceEvo adds to every subnet's latency, at their
/// smallest configuration: the stem (stem convolution at the smallest
/// width, then every fixed stage at its smallest width, depth, kernel and
/// expansion) and the head (fed by the last stage's smallest width at the
/// final spatial size).
struct FixedStages {
  Expansion stem, head;
};
Result<FixedStages> expandFixedStages(const HyperspaceSpec &hs,
                                      int64_t resolution);

/// Exact MACs and parameters of a network.
Result<LayerCost> networkCost(const HyperspaceSpec &hs, const NetworkSpec &net);

struct CostRange {
  LayerCost min, max;
};

/// Smallest and largest MACs and parameters over the networks of `space`
/// (or of the whole hyperspace when `space` is null). Every choice (width,
/// kernel, expansion, depth, resolution) is monotone in cost, so the extremes
/// are the all-smallest and all-largest networks; over a hyperspace the
/// block of each stage is picked separately, which is exact because a
/// stage's cost depends only on its own block and on the widths around it.
Result<CostRange> costRange(const HyperspaceSpec &hs,
                            const SpaceSpec *space = nullptr);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_NETWORKCOST_H
