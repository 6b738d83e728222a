//===- NetworkCost.cpp - MACs and parameters of whole networks ------------===//
#include "spaceevo/space/NetworkCost.h"

#include <algorithm>

namespace spaceevo {

namespace {

const CandidateSpec *findCandidate(const StageSpec &stage, BlockType block) {
  for (const CandidateSpec &candidate : stage.candidates)
    if (candidate.block == block)
      return &candidate;
  return nullptr;
}

/// The stem convolution: kxk, stride s, from RGB, BN, activation.
Primitive stemConvolution(const StemSpec &stem, int64_t width,
                          int64_t resolution) {
  Primitive conv;
  conv.kind = PrimitiveKind::Conv;
  conv.role = "first_conv";
  conv.inChannels = 3;
  conv.inHeight = conv.inWidth = resolution;
  conv.outChannels = width;
  conv.kernel = stem.kernel;
  conv.stride = stem.stride;
  conv.padding = (stem.kernel - 1) / 2;
  conv.outHeight = conv.outWidth =
      convOutputSize(resolution, stem.kernel, stem.stride);
  conv.batchNorm = true;
  conv.act = stem.act;
  return conv;
}

HeadConfig headConfig(const HyperspaceSpec &hs) {
  HeadConfig head;
  head.finalExpandWidth = hs.head.finalExpand;
  head.featureMixWidth = hs.head.featureMix;
  head.numClasses = hs.head.classes;
  head.act = hs.head.act;
  return head;
}

} // namespace

Result<Expansion> expandNetwork(const HyperspaceSpec &hs,
                                const NetworkSpec &net) {
  Expansion network;
  network.ops.push_back(stemConvolution(hs.stem, net.stemWidth, net.resolution));
  network.outChannels = net.stemWidth;
  network.outHeight = network.outWidth = network.ops.back().outHeight;
  for (const NetworkLayer &layer : net.layers) {
    const StageSpec *stage = hs.findStage(layer.stage);
    const CandidateSpec *candidate =
        stage ? findCandidate(*stage, layer.config.block) : nullptr;
    if (!candidate)
      return Result<Expansion>::failure(
          "stage " + std::to_string(layer.stage) + " has no block '" +
          std::string(blockTypeName(layer.config.block)) + "'");
    Result<Expansion> block =
        expandBlock(layer.config, network.outChannels, network.outHeight,
                    network.outWidth, candidate->act);
    if (!block)
      return block;
    appendExpansion(network, *block);
  }
  Result<Expansion> headOps = expandHead(headConfig(hs), network.outChannels,
                                         network.outHeight, network.outWidth);
  if (!headOps)
    return headOps;
  appendExpansion(network, *headOps);
  return network;
}

Result<FixedStages> expandFixedStages(const HyperspaceSpec &hs,
                                      int64_t resolution) {
  using R = Result<FixedStages>;
  if (hs.stem.widths.empty() || hs.stages.empty())
    return R::failure("the hyperspace has no stem widths or no stages");
  FixedStages fixed;
  Expansion &stem = fixed.stem;
  stem.ops.push_back(stemConvolution(hs.stem, hs.stem.widths.front(), resolution));
  stem.outChannels = hs.stem.widths.front();
  stem.outHeight = stem.outWidth = stem.ops.back().outHeight;
  for (const StageSpec &stage : hs.stages) {
    if (!stage.fixed)
      continue;
    if (stage.candidates.empty() || stage.widths.empty() || stage.depths.empty())
      return R::failure("fixed stage " + std::to_string(stage.index) +
                        " has no candidate, width or depth");
    const CandidateSpec &candidate = stage.candidates.front();
    for (int64_t i = 0; i < stage.depths.front(); ++i) {
      LayerConfig layer;
      layer.block = candidate.block;
      layer.kernel = candidate.kernels.front();
      layer.width = stage.widths.front();
      layer.expand = candidate.expands.empty() ? 0 : candidate.expands.front();
      layer.stride = i == 0 ? stage.stride : 1;
      Result<Expansion> block = expandBlock(layer, stem.outChannels,
                                            stem.outHeight, stem.outWidth,
                                            candidate.act);
      if (!block)
        return R::failure(block.error());
      appendExpansion(stem, *block);
    }
  }
  // The head reads the last stage's smallest width at the final size.
  const StageSpec &last = hs.stages.back();
  int64_t size = stageInputSize(hs, last.index, resolution);
  size = (size + last.stride - 1) / last.stride;
  Result<Expansion> head = expandHead(headConfig(hs), last.widths.front(), size,
                                      size);
  if (!head)
    return R::failure(head.error());
  fixed.head = std::move(*head);
  return fixed;
}

Result<LayerCost> networkCost(const HyperspaceSpec &hs, const NetworkSpec &net) {
  Result<Expansion> network = expandNetwork(hs, net);
  if (!network)
    return Result<LayerCost>::failure(network.error());
  return expansionCost(*network);
}

namespace {

/// The network with every choice at its smallest (or largest), with the
/// given block per stage and widths from the given window per stage.
NetworkSpec extremeNetwork(const HyperspaceSpec &hs,
                           const std::vector<size_t> &candidateOf,
                           const std::vector<int64_t> &windowOf, bool largest) {
  auto pick = [&](const auto &values) {
    return largest ? values.back() : values.front();
  };
  NetworkSpec net;
  net.resolution = pick(hs.resolutions);
  net.stemWidth = pick(hs.stem.widths);
  for (size_t s = 0; s < hs.stages.size(); ++s) {
    const StageSpec &stage = hs.stages[s];
    const CandidateSpec &candidate = stage.candidates[candidateOf[s]];
    int64_t width = stage.widths[windowOf[s] + (largest ? stage.window - 1 : 0)];
    for (int64_t i = 0, depth = pick(stage.depths); i < depth; ++i) {
      NetworkLayer layer;
      layer.stage = stage.index;
      layer.config.block = candidate.block;
      layer.config.kernel = pick(candidate.kernels);
      layer.config.width = width;
      layer.config.expand = candidate.expands.empty() ? 0 : pick(candidate.expands);
      layer.config.stride = i == 0 ? stage.stride : 1;
      net.layers.push_back(layer);
    }
  }
  return net;
}

/// The network with every choice at one extreme whose blocks maximise (or
/// minimise) `metric`. With a space the blocks and windows are the space's;
/// without, each stage's block is chosen greedily: with every width at its
/// extreme, stages do not interact, so one stage at a time finds the extreme.
Result<LayerCost> extremeCost(const HyperspaceSpec &hs, const SpaceSpec *space,
                              bool largest,
                              double (*metric)(const LayerCost &)) {
  std::vector<size_t> searchable = hs.searchableStages();
  std::vector<size_t> candidateOf(hs.stages.size(), 0);
  std::vector<int64_t> windowOf(hs.stages.size(), 0);
  for (size_t s = 0; s < hs.stages.size(); ++s)
    windowOf[s] = largest ? hs.stages[s].numWindows() - 1 : 0;
  if (space) {
    for (size_t i = 0; i < searchable.size(); ++i) {
      candidateOf[searchable[i]] = space->blocks[i];
      windowOf[searchable[i]] = space->windows[i];
    }
  } else {
    for (size_t s : searchable) {
      double best = largest ? -1 : 1e300;
      size_t bestCandidate = 0;
      for (size_t c = 0; c < hs.stages[s].candidates.size(); ++c) {
        candidateOf[s] = c;
        Result<LayerCost> cost =
            networkCost(hs, extremeNetwork(hs, candidateOf, windowOf, largest));
        if (!cost)
          return cost;
        double value = metric(*cost);
        if (largest ? value > best : value < best) {
          best = value;
          bestCandidate = c;
        }
      }
      candidateOf[s] = bestCandidate;
    }
  }
  return networkCost(hs, extremeNetwork(hs, candidateOf, windowOf, largest));
}

} // namespace

Result<CostRange> costRange(const HyperspaceSpec &hs, const SpaceSpec *space) {
  // MACs and parameters may reach their extremes with different blocks.
  auto macs = [](const LayerCost &c) { return c.macs; };
  auto params = [](const LayerCost &c) { return c.deployParams; };
  CostRange range;
  for (bool largest : {false, true}) {
    Result<LayerCost> byMacs = extremeCost(hs, space, largest, macs);
    Result<LayerCost> byParams = extremeCost(hs, space, largest, params);
    if (!byMacs)
      return Result<CostRange>::failure(byMacs.error());
    if (!byParams)
      return Result<CostRange>::failure(byParams.error());
    LayerCost &extreme = largest ? range.max : range.min;
    extreme = *byMacs;
    extreme.params = byParams->params;
    extreme.deployParams = byParams->deployParams;
  }
  return range;
}

} // namespace spaceevo
