//===- Features.cpp - Training-free features of a sub-stage ---------------===//
#include "spaceevo/quality/Features.h"

#include "spaceevo/exec/Quality.h"
#include "spaceevo/space/BlockCost.h"
#include "spaceevo/space/NetworkCost.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace spaceevo::quality {

using exec::ExpansionParameters;
using exec::FloatBackend;
using exec::FloatNetwork;
using exec::TensorShape;

std::string_view featureName(Feature feature) {
  switch (feature) {
  case Feature::LogParams: return "log_params";
  case Feature::LogMacs: return "log_macs";
  case Feature::Depth: return "depth";
  case Feature::Entropy: return "entropy";
  case Feature::LogNsr: return "log_nsr";
  case Feature::Zen: return "zen";
  case Feature::Naswot: return "naswot";
  case Feature::SqueezeExcite: return "se";
  case Feature::ActBounded: return "act_bounded";
  case Feature::DepthwiseChain: return "dw_chain";
  case Feature::LogExpansion: return "log_expansion";
  case Feature::LogReceptive: return "log_receptive";
  case Feature::BoundedDwChain: return "bounded_dw_chain";
  }
  return "unknown";
}

bool featureNeedsForwardPass(Feature feature) {
  return feature == Feature::LogNsr || feature == Feature::Zen ||
         feature == Feature::Naswot;
}

int64_t evaluationSize(int64_t size, int64_t maxInputSize) {
  if (maxInputSize <= 0)
    return size;
  int64_t divisor = 1;
  while ((size + divisor - 1) / divisor > maxInputSize)
    divisor *= 2;
  return std::max<int64_t>(1, (size + divisor - 1) / divisor);
}

namespace {

FloatBackend fastFloatBackend() {
  return exec::floatBackendAvailable(FloatBackend::OneDnn)
             ? FloatBackend::OneDnn
             : FloatBackend::Reference;
}

/// Seeds for independent streams derived from one seed (SplitMix64 step).
uint64_t deriveSeed(uint64_t seed, uint64_t salt) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

const CandidateSpec *findCandidate(const StageSpec &stage, BlockType block) {
  for (const CandidateSpec &c : stage.candidates)
    if (c.block == block)
      return &c;
  return nullptr;
}

/// Number of trailing ops expandNetwork appends for the head.
Expected<size_t> headOpCount(const HyperspaceSpec &hs, int64_t channels,
                             int64_t size) {
  HeadConfig head;
  head.finalExpandWidth = hs.head.finalExpand;
  head.featureMixWidth = hs.head.featureMix;
  head.numClasses = hs.head.classes;
  head.act = hs.head.act;
  auto ops = expandHead(head, channels, size, size);
  if (!ops)
    return Expected<size_t>::failure(ops.error());
  return ops->ops.size();
}

/// Weights (He, seed) with batch norm recalibrated on `inputs`.
Expected<ExpansionParameters> calibratedParameters(
    const Expansion &expansion, const std::vector<Tensor> &inputs,
    uint64_t seed) {
  auto params = exec::initializeParameters(
      expansion, {exec::WeightInit::Mode::HeNormal, seed});
  if (!params)
    return params;
  if (auto s = exec::recalibrateBatchNorm(expansion, *params, inputs,
                                          fastFloatBackend());
      !s)
    return Expected<ExpansionParameters>(s);
  return params;
}

} // namespace

//===----------------------------------------------------------------------===//
// Inputs through the fixed stem
//===----------------------------------------------------------------------===//

struct StemInputs::Impl {
  HyperspaceSpec hs;
  uint64_t seed;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::vector<Tensor>> cache;
};

StemInputs::StemInputs(HyperspaceSpec hyperspace, uint64_t seed)
    : impl_(std::make_unique<Impl>(Impl{std::move(hyperspace), seed, {}})) {}
StemInputs::StemInputs(StemInputs &&) noexcept = default;
StemInputs &StemInputs::operator=(StemInputs &&) noexcept = default;
StemInputs::~StemInputs() = default;
const HyperspaceSpec &StemInputs::hyperspace() const { return impl_->hs; }

Expected<std::vector<Tensor>> StemInputs::inputs(int64_t stageIndex,
                                                 int64_t channels,
                                                 int64_t size, size_t count) {
  using Result = Expected<std::vector<Tensor>>;
  const HyperspaceSpec &hs = impl_->hs;
  auto key = std::make_tuple(stageIndex, channels, size);
  if (auto it = impl_->cache.find(key);
      it != impl_->cache.end() && it->second.size() >= count)
    return std::vector<Tensor>(it->second.begin(), it->second.begin() + count);
  if (channels <= 0 || size <= 0 || count == 0)
    return Result::failure("stem inputs: channels, size and count must be "
                           "positive");
  if (hs.stem.widths.empty())
    return Result::failure("stem inputs: hyperspace '" + hs.name +
                           "' has no stem widths");
  std::vector<size_t> searchable = hs.searchableStages();
  if (searchable.empty())
    return Result::failure("stem inputs: hyperspace '" + hs.name +
                           "' has no searchable stage");
  const StageSpec *stage = hs.findStage(stageIndex);
  if (!stage || stage->fixed)
    return Result::failure("stem inputs: hyperspace '" + hs.name +
                           "' has no searchable stage " +
                           std::to_string(stageIndex));

  // The stem: its convolution and every fixed stage before the first
  // searchable one, at the smallest depth, at a resolution whose output is
  // `size` (fixed stages with stride > 1 are accounted for).
  bool firstSearchable = &hs.stages[searchable.front()] == stage;
  int64_t stemWidth = hs.stem.widths.front();
  if (firstSearchable &&
      std::find(hs.stem.widths.begin(), hs.stem.widths.end(), channels) !=
          hs.stem.widths.end())
    stemWidth = channels;
  NetworkSpec net;
  net.stemWidth = stemWidth;
  int64_t downsample = hs.stem.stride;
  int64_t width = stemWidth;
  for (const StageSpec &s : hs.stages) {
    if (!s.fixed)
      break;
    if (s.candidates.empty() || s.depths.empty())
      return Result::failure("stem inputs: fixed stage " +
                             std::to_string(s.index) + " has no candidate");
    const CandidateSpec &c = s.candidates.front();
    int64_t w = std::find(s.widths.begin(), s.widths.end(), stemWidth) !=
                        s.widths.end()
                    ? stemWidth
                    : s.widths.front();
    for (int64_t d = 0; d < s.depths.front(); ++d) {
      NetworkLayer layer;
      layer.stage = s.index;
      layer.config.block = c.block;
      layer.config.kernel = c.kernels.empty() ? 3 : c.kernels.front();
      layer.config.width = w;
      layer.config.expand = c.expands.empty() ? 0 : c.expands.front();
      layer.config.stride = d == 0 ? s.stride : 1;
      if (d == 0)
        downsample *= s.stride;
      net.layers.push_back(layer);
    }
    width = w;
  }
  // One layer of the previous stage's first candidate when the stem does
  // not end where this stage begins.
  if (width != channels || !firstSearchable) {
    const StageSpec *previous = nullptr;
    for (const StageSpec &s : hs.stages)
      if (s.index < stage->index && !s.candidates.empty())
        previous = &s;
    if (!previous)
      return Result::failure("stem inputs: no stage before stage " +
                             std::to_string(stageIndex));
    const CandidateSpec &c = previous->candidates.front();
    NetworkLayer layer;
    layer.stage = previous->index;
    layer.config.block = c.block;
    layer.config.kernel = c.kernels.empty() ? 3 : c.kernels.front();
    layer.config.width = channels;
    layer.config.expand = c.expands.empty() ? 0 : c.expands.front();
    layer.config.stride = 1;
    net.layers.push_back(layer);
  }
  net.resolution = size * downsample;
  auto network = expandNetwork(hs, net);
  if (!network)
    return Result::failure("stem inputs: " + network.error());
  auto headOps = headOpCount(hs, channels, size);
  if (!headOps)
    return Result(headOps.status());
  Expansion prefix = std::move(*network);
  prefix.ops.resize(prefix.ops.size() - *headOps);
  const Primitive &last = prefix.ops.back();
  prefix.outChannels = last.outChannels;
  prefix.outHeight = last.outHeight;
  prefix.outWidth = last.outWidth;
  if (prefix.outChannels != channels || prefix.outHeight != size)
    return Result::failure("stem inputs: internal error: the stem gives " +
                           std::to_string(prefix.outChannels) + "x" +
                           std::to_string(prefix.outHeight) + ", not " +
                           std::to_string(channels) + "x" +
                           std::to_string(size));

  uint64_t seed = deriveSeed(impl_->seed,
                             uint64_t(stageIndex) * 1000003u +
                                 uint64_t(channels) * 1009u + uint64_t(size));
  std::vector<Tensor> images;
  TensorShape rgb{net.resolution, net.resolution, 3};
  for (size_t i = 0; i < std::max<size_t>(count, 8); ++i)
    images.push_back(exec::randomTensor(rgb, deriveSeed(seed, 100 + i)));
  auto params = calibratedParameters(prefix, images, deriveSeed(seed, 1));
  if (!params)
    return Result::failure("stem inputs: " + params.error());
  auto fp32 = FloatNetwork::create(prefix, *params, fastFloatBackend());
  if (!fp32)
    return Result::failure("stem inputs: " + fp32.error());
  auto outputs = fp32->runBatch(images);
  if (!outputs)
    return Result::failure("stem inputs: " + outputs.error());
  impl_->cache[key] = *outputs;
  return std::vector<Tensor>(outputs->begin(), outputs->begin() + count);
}

//===----------------------------------------------------------------------===//
// Terms
//===----------------------------------------------------------------------===//

double activationValue(Activation act, double x) {
  auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  switch (act) {
  case Activation::None: return x;
  case Activation::ReLU: return std::max(x, 0.0);
  case Activation::ReLU6: return relu6(x);
  case Activation::Hswish: return x * relu6(x + 3) / 6;
  case Activation::Swish: return x / (1 + std::exp(-x));
  case Activation::Hsigmoid: return relu6(x + 3) / 6;
  }
  return x;
}

bool activationBoundedAbove(Activation act) {
  // Bounded: f stays small where the identity is huge.
  return activationValue(act, 1e6) < 1e3;
}

std::array<double, kNumFeatures - unsigned(Feature::SqueezeExcite)>
structuralDescriptors(const Expansion &e, size_t layers) {
  std::array<double, kNumFeatures - unsigned(Feature::SqueezeExcite)> d{};
  auto at = [&](Feature f) -> double & {
    return d[unsigned(f) - unsigned(Feature::SqueezeExcite)];
  };
  double perLayer = 1.0 / double(std::max<size_t>(layers, 1));
  double units = 0, bounded = 0;
  double spatialWidth = 0, spatialOps = 0;
  size_t n = e.ops.size();
  std::vector<int> chain(n, 0);
  std::vector<bool> feedsDepthwise(n, false);
  std::vector<double> rf(n, 1), jump(n, 1);
  auto rfOf = [&](int operand) {
    return operand >= 0 ? rf[size_t(operand)] : 1.0;
  };
  auto jumpOf = [&](int operand) {
    return operand >= 0 ? jump[size_t(operand)] : 1.0;
  };
  for (size_t i = 0; i < n; ++i) {
    const Primitive &op = e.ops[i];
    if (op.act != Activation::None) {
      double out = double(op.outChannels) * op.outHeight * op.outWidth;
      units += out;
      bounded += out * (activationBoundedAbove(op.act) ? 1 : 0);
    }
    rf[i] = rfOf(op.input);
    jump[i] = jumpOf(op.input);
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv:
      if (op.kind == PrimitiveKind::DepthwiseConv) {
        chain[i] = 1;
        if (op.input >= 0 &&
            e.ops[size_t(op.input)].kind == PrimitiveKind::DepthwiseConv) {
          chain[i] += chain[size_t(op.input)];
          feedsDepthwise[size_t(op.input)] = true;
        }
      }
      if (op.kernel > 1) {
        spatialWidth += double(op.outChannels);
        spatialOps += 1;
      }
      rf[i] += double(op.kernel - 1) * jump[i];
      jump[i] *= double(op.stride);
      break;
    case PrimitiveKind::Add:
      rf[i] = std::max(rf[i], rfOf(op.other));
      jump[i] = std::max(jump[i], jumpOf(op.other));
      break;
    case PrimitiveKind::ChannelScale:
      at(Feature::SqueezeExcite) += perLayer;
      break;
    case PrimitiveKind::GlobalAvgPool:
    case PrimitiveKind::FullyConnected:
      break;
    }
  }
  double chains = 0, chainLength = 0;
  for (size_t i = 0; i < n; ++i)
    if (e.ops[i].kind == PrimitiveKind::DepthwiseConv && !feedsDepthwise[i]) {
      chains += 1;
      chainLength += chain[i];
    }
  at(Feature::ActBounded) = units > 0 ? bounded / units : 0;
  at(Feature::DepthwiseChain) = chains > 0 ? chainLength / chains : 0;
  at(Feature::LogExpansion) =
      spatialOps > 0 && e.outChannels > 0
          ? std::log(spatialWidth / spatialOps / double(e.outChannels))
          : 0;
  at(Feature::LogReceptive) = n > 0 ? std::log(rf[n - 1]) : 0;
  at(Feature::BoundedDwChain) =
      at(Feature::ActBounded) * at(Feature::DepthwiseChain);
  return d;
}

double expansionEntropy(const Expansion &expansion) {
  double entropy = 0;
  for (const Primitive &op : expansion.ops)
    if (op.kind == PrimitiveKind::Conv ||
        op.kind == PrimitiveKind::DepthwiseConv)
      entropy += std::log(double(op.outChannels) * op.kernel * op.kernel);
  return entropy;
}

std::vector<std::vector<double>>
activationKernel(const std::vector<std::vector<bool>> &codes) {
  size_t n = codes.size();
  std::vector<std::vector<double>> k(n, std::vector<double>(n, 0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) {
      size_t same = 0, units = std::min(codes[i].size(), codes[j].size());
      for (size_t u = 0; u < units; ++u)
        same += codes[i][u] == codes[j][u];
      k[i][j] = k[j][i] = double(same);
    }
  return k;
}

double logDeterminant(std::vector<std::vector<double>> a) {
  size_t n = a.size();
  if (n == 0)
    return 0;
  double scale = 0;
  for (size_t i = 0; i < n; ++i)
    scale = std::max(scale, std::fabs(a[i][i]));
  double ridge = std::max(scale, 1.0) * 1e-9;
  for (size_t i = 0; i < n; ++i)
    a[i][i] += ridge;
  double logDet = 0;
  for (size_t j = 0; j < n; ++j) {
    double d = a[j][j];
    for (size_t k = 0; k < j; ++k)
      d -= a[j][k] * a[j][k];
    if (d <= ridge)
      d = ridge; // numerically singular: clamp rather than fail
    double l = std::sqrt(d);
    a[j][j] = l;
    logDet += 2 * std::log(l);
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i][j];
      for (size_t k = 0; k < j; ++k)
        s -= a[i][k] * a[j][k];
      a[i][j] = s / l;
    }
  }
  return logDet;
}

namespace {

/// NASWOT kernel accumulated from packed sign bits, one bitset per input.
double naswotFromObservedRun(FloatNetwork &fp32, const Expansion &expansion,
                             const std::vector<Tensor> &inputs, Status &status) {
  size_t n = inputs.size();
  std::vector<std::vector<uint64_t>> bits(n);
  std::vector<uint64_t> current(n, 0);
  size_t used = 0; // bits in `current`
  exec::FloatObserver observer;
  observer.beforeActivation = [&](size_t op, std::vector<Tensor> &pre) {
    Activation act = expansion.ops[op].act;
    if (act == Activation::None || act == Activation::Hsigmoid)
      return;
    size_t units = pre.front().values.size();
    for (size_t u = 0; u < units; ++u) {
      for (size_t i = 0; i < n; ++i)
        current[i] |= uint64_t(pre[i].values[u] > 0.0f) << used;
      if (++used == 64) {
        for (size_t i = 0; i < n; ++i) {
          bits[i].push_back(current[i]);
          current[i] = 0;
        }
        used = 0;
      }
    }
  };
  auto out = fp32.runBatch(inputs, &observer);
  if (!out) {
    status = out.status();
    return 0;
  }
  uint64_t mask = used == 64 ? ~0ull : ((1ull << used) - 1);
  for (size_t i = 0; i < n; ++i)
    bits[i].push_back(current[i] & mask);
  size_t units = (bits[0].size() - 1) * 64 + used;
  std::vector<std::vector<double>> k(n, std::vector<double>(n, 0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j) {
      size_t differ = 0;
      for (size_t w = 0; w < bits[i].size(); ++w)
        differ += size_t(__builtin_popcountll(bits[i][w] ^ bits[j][w]));
      k[i][j] = k[j][i] = double(units - differ);
    }
  status = Status::success();
  return logDeterminant(std::move(k));
}

double zenFromNetwork(FloatNetwork &fp32, const ExpansionParameters &params,
                      const std::vector<Tensor> &inputs, uint64_t seed,
                      double alpha, Status &status) {
  std::vector<Tensor> perturbed = inputs;
  for (size_t i = 0; i < perturbed.size(); ++i) {
    Tensor noise = exec::randomTensor(perturbed[i].shape, deriveSeed(seed, i));
    for (size_t v = 0; v < noise.values.size(); ++v)
      perturbed[i].values[v] += float(alpha) * noise.values[v];
  }
  auto a = fp32.runBatch(inputs);
  if (!a) {
    status = a.status();
    return 0;
  }
  auto b = fp32.runBatch(perturbed);
  if (!b) {
    status = b.status();
    return 0;
  }
  double meanNorm = 0;
  for (size_t i = 0; i < a->size(); ++i) {
    double sum = 0;
    for (size_t v = 0; v < (*a)[i].values.size(); ++v) {
      double d = double((*a)[i].values[v]) - (*b)[i].values[v];
      sum += d * d;
    }
    meanNorm += std::sqrt(sum);
  }
  meanNorm /= double(a->size());
  double zen = std::log(std::max(meanNorm / alpha, 1e-30));
  for (const exec::PrimitiveParameters &op : params.ops)
    if (op.batchNorm && !op.batchNorm->variance.empty()) {
      double mean = 0;
      for (float v : op.batchNorm->variance)
        mean += v;
      mean /= double(op.batchNorm->variance.size());
      zen += 0.5 * std::log(std::max(mean, 1e-30));
    }
  status = Status::success();
  return zen;
}

} // namespace

Expected<double> naswotScore(const Expansion &expansion,
                             const std::vector<Tensor> &inputs, uint64_t seed) {
  if (inputs.size() < 2)
    return Expected<double>::failure("NASWOT needs at least two inputs");
  auto params = calibratedParameters(expansion, inputs, seed);
  if (!params)
    return Expected<double>(params.status());
  auto fp32 = FloatNetwork::create(expansion, *params, fastFloatBackend());
  if (!fp32)
    return Expected<double>(fp32.status());
  Status status;
  double score = naswotFromObservedRun(*fp32, expansion, inputs, status);
  if (!status)
    return Expected<double>(status);
  return score;
}

Expected<double> zenScore(const Expansion &expansion,
                          const std::vector<Tensor> &inputs, uint64_t seed,
                          double alpha) {
  if (inputs.empty())
    return Expected<double>::failure("Zen-score needs inputs");
  if (!(alpha > 0))
    return Expected<double>::failure("Zen-score needs alpha > 0");
  auto params = calibratedParameters(expansion, inputs, seed);
  if (!params)
    return Expected<double>(params.status());
  auto fp32 = FloatNetwork::create(expansion, *params, fastFloatBackend());
  if (!fp32)
    return Expected<double>(fp32.status());
  Status status;
  double score = zenFromNetwork(*fp32, *params, inputs, deriveSeed(seed, 7),
                                alpha, status);
  if (!status)
    return Expected<double>(status);
  return score;
}

Expected<QuantizationNoise>
quantizationNoise(const Expansion &expansion,
                  const std::vector<Tensor> &calibration,
                  const std::vector<Tensor> &evaluation,
                  const exec::WeightInit &init) {
  exec::QualityOptions q;
  q.init = init;
  q.calibrationInputs = calibration;
  q.evaluationInputs = evaluation;
  q.floatBackend = fastFloatBackend();
  auto report = exec::int8NoiseToSignal(expansion, q);
  if (!report)
    return Expected<QuantizationNoise>(report.status());
  QuantizationNoise noise;
  noise.nsr = report->noise.spaceEvo;
  if (!std::isfinite(noise.nsr))
    noise.nsr = report->noise.energy;
  noise.parameters = std::move(report->parameters);
  return noise;
}

Expected<Expansion> expandRow(const HyperspaceSpec &hs, const SubstageRow &row,
                              int64_t size) {
  using Result = Expected<Expansion>;
  const StageSpec *stage = hs.findStage(row.stage);
  if (!stage)
    return Result::failure("hyperspace '" + hs.name + "' has no stage " +
                           std::to_string(row.stage));
  if (row.layers.empty())
    return Result::failure("a sub-stage needs at least one layer");
  if (row.inChannels <= 0 || size <= 0)
    return Result::failure("a sub-stage needs a positive input shape");
  Expansion all;
  int64_t c = row.inChannels, h = size, w = size;
  for (const LayerConfig &layer : row.layers) {
    const CandidateSpec *candidate = findCandidate(*stage, layer.block);
    auto block = expandBlock(layer, c, h, w,
                             candidate ? candidate->act : std::nullopt);
    if (!block)
      return Result::failure(block.error());
    if (all.ops.empty())
      all = *block;
    else
      appendExpansion(all, *block);
    c = all.outChannels;
    h = all.outHeight;
    w = all.outWidth;
  }
  return all;
}

Expected<Features> computeFeatures(const SubstageRow &row, StemInputs &source,
                                   const FeatureOptions &options) {
  using Result = Expected<Features>;
  const HyperspaceSpec &hs = source.hyperspace();
  auto full = expandRow(hs, row, row.inSize);
  if (!full)
    return Result(full.status());
  Features f;
  LayerCost cost = expansionCost(*full);
  f[Feature::LogParams] = std::log(std::max(cost.deployParams, 1.0));
  f[Feature::LogMacs] = std::log(std::max(cost.macs, 1.0));
  f[Feature::Depth] = double(row.layers.size());
  f[Feature::Entropy] = expansionEntropy(*full);
  auto structure = structuralDescriptors(*full, row.layers.size());
  for (unsigned k = 0; k < structure.size(); ++k)
    f.values[unsigned(Feature::SqueezeExcite) + k] = structure[k];
  if (!options.quantization && !options.zen && !options.naswot)
    return f;

  int64_t size = evaluationSize(row.inSize, options.maxInputSize);
  auto small = size == row.inSize ? full : expandRow(hs, row, size);
  if (!small)
    return Result(small.status());
  size_t calib = std::max<size_t>(1, options.calibrationInputs);
  size_t eval = std::max<size_t>(1, options.evaluationInputs);
  size_t kernel = options.naswot ? std::max<size_t>(2, options.kernelInputs) : 0;
  auto pool = source.inputs(row.stage, row.inChannels, size,
                            std::max(calib + eval, kernel));
  if (!pool)
    return Result(pool.status());
  std::vector<Tensor> calibration(pool->begin(), pool->begin() + calib);
  std::vector<Tensor> evaluation(pool->begin() + calib,
                                 pool->begin() + calib + eval);
  uint64_t weightSeed = deriveSeed(options.seed, 17);

  ExpansionParameters params;
  if (options.quantization) {
    auto noise = quantizationNoise(
        *small, calibration, evaluation,
        {exec::WeightInit::Mode::HeNormal, weightSeed});
    if (!noise)
      return Result(noise.status());
    f[Feature::LogNsr] = std::log10(std::max(noise->nsr, 1e-12));
    params = std::move(noise->parameters);
  } else {
    auto p = calibratedParameters(*small, calibration, weightSeed);
    if (!p)
      return Result(p.status());
    params = std::move(*p);
  }
  if (options.zen) {
    auto fp32 = FloatNetwork::create(*small, params, fastFloatBackend());
    if (!fp32)
      return Result(fp32.status());
    Status status;
    f[Feature::Zen] = zenFromNetwork(*fp32, params, evaluation,
                                     deriveSeed(options.seed, 23),
                                     options.zenAlpha, status);
    if (!status)
      return Result(status);
  }
  if (options.naswot) {
    std::vector<Tensor> batch(pool->begin(), pool->begin() + kernel);
    auto fp32 = FloatNetwork::create(*small, params, fastFloatBackend());
    if (!fp32)
      return Result(fp32.status());
    Status status;
    f[Feature::Naswot] = naswotFromObservedRun(*fp32, *small, batch, status);
    if (!status)
      return Result(status);
  }
  return f;
}

} // namespace spaceevo::quality
