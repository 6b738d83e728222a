//===- BlockCost.cpp - MACs and parameters of blocks ----------------------===//

#include "spaceevo/space/BlockCost.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace spaceevo {

namespace {

/// Weight count of a convolution or linear primitive (0 for the rest).
int64_t weightCount(const Primitive &op) {
  switch (op.kind) {
  case PrimitiveKind::Conv:
    return op.outChannels * op.inChannels * op.kernel * op.kernel;
  case PrimitiveKind::DepthwiseConv:
    return op.outChannels * op.kernel * op.kernel;
  case PrimitiveKind::FullyConnected:
    return op.outChannels * op.inChannels;
  default:
    return 0;
  }
}

int64_t macCount(const Primitive &op) {
  int64_t outputs = op.outChannels * op.outHeight * op.outWidth;
  switch (op.kind) {
  case PrimitiveKind::Conv:
    return outputs * op.inChannels * op.kernel * op.kernel;
  case PrimitiveKind::DepthwiseConv:
    return outputs * op.kernel * op.kernel;
  case PrimitiveKind::FullyConnected:
    return op.inChannels * op.outChannels;
  default:
    return 0;
  }
}

bool hasWeights(const Primitive &op) {
  return op.kind == PrimitiveKind::Conv ||
         op.kind == PrimitiveKind::DepthwiseConv ||
         op.kind == PrimitiveKind::FullyConnected;
}

} // namespace

LayerCost primitiveCost(const Primitive &op) {
  LayerCost cost;
  if (!hasWeights(op))
    return cost;
  double weights = static_cast<double>(weightCount(op));
  double channels = static_cast<double>(op.outChannels);
  cost.macs = static_cast<double>(macCount(op));
  cost.params = weights + (op.bias ? channels : 0) +
                (op.batchNorm ? 2 * channels : 0) +
                static_cast<double>(kQuantizerScalarsPerLayer);
  // After folding, a layer keeps one bias per channel if it had a bias or a
  // batch norm (the inner convolutions of a K3 stack have neither).
  cost.deployParams = weights + (op.bias || op.batchNorm ? channels : 0);
  return cost;
}

LayerCost expansionCost(const Expansion &expansion) {
  LayerCost total;
  for (const Primitive &op : expansion.ops) {
    LayerCost cost = primitiveCost(op);
    total.macs += cost.macs;
    total.params += cost.params;
    total.deployParams += cost.deployParams;
  }
  return total;
}

Result<LayerCost> layerCost(const LayerConfig &layer, int64_t inChannels,
                            int64_t inHeight, int64_t inWidth) {
  Result<Expansion> expansion =
      expandBlock(layer, inChannels, inHeight, inWidth);
  if (!expansion)
    return Result<LayerCost>::failure(expansion.error());
  return expansionCost(expansion.value());
}

Result<LayerCost> layersCost(const std::vector<LayerConfig> &layers,
                             int64_t inChannels, int64_t inHeight,
                             int64_t inWidth) {
  Result<Expansion> expansion =
      expandLayers(layers, inChannels, inHeight, inWidth);
  if (!expansion)
    return Result<LayerCost>::failure(expansion.error());
  return expansionCost(expansion.value());
}

TableCount tableCount(const Expansion &expansion) {
  // SpaceEvo's profiler stores each leaf module's count in a float32 tensor
  // and sums those tensors in float32, visiting modules in registration
  // order. Within a module, parameter sizes are summed in float32 in the
  // order weight, bias, then the quantizer scalars. A batch norm is its own
  // module, right after its convolution. Blocks above 2^24 MACs or
  // parameters round, so the order matters.
  std::vector<size_t> order(expansion.ops.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return expansion.ops[a].referenceOrder < expansion.ops[b].referenceOrder;
  });

  float totalOps = 0;
  float totalParams = 0;
  for (size_t index : order) {
    const Primitive &op = expansion.ops[index];
    if (!hasWeights(op))
      continue;
    // The quantized linear classifier has no counting hook upstream.
    if (op.kind != PrimitiveKind::FullyConnected)
      totalOps += static_cast<float>(macCount(op));

    float moduleParams = 0;
    moduleParams += static_cast<float>(weightCount(op));
    if (op.bias)
      moduleParams += static_cast<float>(op.outChannels);
    for (int64_t i = 0; i < kQuantizerScalarsPerLayer; ++i)
      moduleParams += 1.0f;
    totalParams += moduleParams;

    if (op.batchNorm) {
      float normParams = 0;
      normParams += static_cast<float>(op.outChannels); // gamma
      normParams += static_cast<float>(op.outChannels); // beta
      totalParams += normParams;
    }
  }
  TableCount count;
  count.mflops = static_cast<double>(totalOps) / 1e6;
  count.paramsM = static_cast<double>(totalParams) / 1e6;
  return count;
}

Result<TableCount> tableCount(const std::vector<LayerConfig> &layers,
                              int64_t inChannels, int64_t inHeight,
                              int64_t inWidth) {
  Result<Expansion> expansion =
      expandLayers(layers, inChannels, inHeight, inWidth);
  if (!expansion)
    return Result<TableCount>::failure(expansion.error());
  return tableCount(expansion.value());
}

std::string formatTableValue(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.4f", value);
  return buffer;
}

int64_t searchableStageInputSize(int64_t stage, int64_t resolution) {
  // first_conv halves the resolution; stage0 keeps it.
  int64_t size = convOutputSize(resolution, 3, 2);
  for (int64_t s = 1; s < stage && s <= 6; ++s)
    size = convOutputSize(size, 3, kSearchableStageStrides[s - 1]);
  return size;
}

LayerCost FixedStagesCost::total() const {
  LayerCost sum;
  sum.macs = stem.macs + head.macs;
  sum.params = stem.params + head.params;
  sum.deployParams = stem.deployParams + head.deployParams;
  return sum;
}

Result<FixedStagesCost> fixedStagesCost(HyperspaceKind kind,
                                        const StemConfig &stem,
                                        int64_t resolution,
                                        int64_t lastStageWidth) {
  Result<Expansion> stemOps = expandStem(kind, stem, resolution);
  if (!stemOps)
    return Result<FixedStagesCost>::failure(stemOps.error());
  int64_t headSize = searchableStageInputSize(7, resolution);
  Result<Expansion> headOps =
      expandHead(hyperspaceHead(kind), lastStageWidth, headSize, headSize);
  if (!headOps)
    return Result<FixedStagesCost>::failure(headOps.error());
  FixedStagesCost cost;
  cost.stem = expansionCost(stemOps.value());
  cost.head = expansionCost(headOps.value());
  return cost;
}

} // namespace spaceevo
