//===- Parameters.cpp - Synthetic weights, batch norm folding -------------===//
#include "spaceevo/exec/Parameters.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace spaceevo::exec {

namespace {

bool hasWeights(const Primitive &op) {
  return op.kind == PrimitiveKind::Conv ||
         op.kind == PrimitiveKind::DepthwiseConv ||
         op.kind == PrimitiveKind::FullyConnected;
}

/// Inputs that feed one output value (He's fan-in).
int64_t fanIn(const Primitive &op) {
  switch (op.kind) {
  case PrimitiveKind::Conv:
    return op.inChannels * op.kernel * op.kernel;
  case PrimitiveKind::DepthwiseConv:
    return op.kernel * op.kernel;
  case PrimitiveKind::FullyConnected:
    return op.inChannels;
  default:
    return 0;
  }
}

/// A stream per op: mixing the op index into the seed keeps each op's
/// values independent of the other ops' sizes.
uint64_t opSeed(uint64_t seed, size_t index) {
  RandomSource mixer(seed ^ (0xD1B54A32D192ED03ull * (index + 1)));
  return mixer.nextBits();
}

std::string opText(size_t index, const Primitive &op) {
  return "op " + std::to_string(index) + " (" +
         std::string(primitiveKindName(op.kind)) + " '" + op.role + "')";
}

} // namespace

int64_t weightCount(const Primitive &op) {
  if (!hasWeights(op))
    return 0;
  return op.kind == PrimitiveKind::DepthwiseConv
             ? op.kernel * op.kernel * op.outChannels
             : fanIn(op) * op.outChannels;
}

Expected<ExpansionParameters> initializeParameters(const Expansion &expansion,
                                                   const WeightInit &init) {
  if (auto s = validateExpansion(expansion); !s)
    return Expected<ExpansionParameters>(s);
  bool splat = init.mode == WeightInit::Mode::Splat;
  ExpansionParameters result;
  result.ops.resize(expansion.ops.size());
  for (size_t i = 0; i < expansion.ops.size(); ++i) {
    const Primitive &op = expansion.ops[i];
    PrimitiveParameters &p = result.ops[i];
    if (!hasWeights(op))
      continue;
    RandomSource random(opSeed(init.seed, i));
    double fan = double(fanIn(op));
    p.weights.resize(size_t(weightCount(op)));
    if (splat) {
      float value = init.splatValue ? *init.splatValue : float(1.0 / fan);
      std::fill(p.weights.begin(), p.weights.end(), value);
    } else {
      double gain = op.kind == PrimitiveKind::FullyConnected ? 1.0 : 2.0;
      double stddev = std::sqrt(gain / fan);
      for (float &w : p.weights)
        w = float(stddev * random.normal());
    }
    size_t channels = size_t(op.outChannels);
    if (op.bias) {
      p.bias.resize(channels);
      for (float &b : p.bias)
        b = splat ? 0.0f : float(0.1 * random.normal());
    }
    if (op.batchNorm) {
      BatchNormParameters bn;
      bn.gamma.resize(channels);
      bn.beta.resize(channels);
      bn.mean.resize(channels);
      bn.variance.resize(channels);
      for (size_t c = 0; c < channels; ++c) {
        bn.gamma[c] = splat ? 1.0f : float(random.uniform(0.5, 1.5));
        bn.beta[c] = splat ? 0.0f : float(0.1 * random.normal());
        bn.mean[c] = splat ? 0.0f : float(0.1 * random.normal());
        // Splat: variance + eps = 1 exactly, so the batch norm is identity.
        bn.variance[c] =
            splat ? 1.0f - bn.epsilon : float(random.uniform(0.5, 2.0));
      }
      p.batchNorm = std::move(bn);
    }
  }
  return result;
}

Status checkParameters(const Expansion &expansion,
                       const ExpansionParameters &parameters) {
  if (parameters.ops.size() != expansion.ops.size())
    return Status::failure("parameters for " +
                           std::to_string(parameters.ops.size()) +
                           " ops, the expansion has " +
                           std::to_string(expansion.ops.size()));
  for (size_t i = 0; i < expansion.ops.size(); ++i) {
    const Primitive &op = expansion.ops[i];
    const PrimitiveParameters &p = parameters.ops[i];
    size_t channels = size_t(op.outChannels);
    if (p.weights.size() != size_t(weightCount(op)))
      return Status::failure(opText(i, op) + ": expected " +
                             std::to_string(weightCount(op)) +
                             " weights, got " +
                             std::to_string(p.weights.size()));
    bool wantsBias = hasWeights(op) && op.bias;
    if (p.bias.size() != (wantsBias ? channels : 0))
      return Status::failure(opText(i, op) + ": expected " +
                             std::to_string(wantsBias ? channels : 0) +
                             " biases, got " + std::to_string(p.bias.size()));
    bool wantsBatchNorm = hasWeights(op) && op.batchNorm;
    if (p.batchNorm.has_value() != wantsBatchNorm)
      return Status::failure(opText(i, op) +
                             (wantsBatchNorm ? ": missing its batch norm"
                                             : ": has a batch norm it lacks"));
    if (p.batchNorm) {
      const BatchNormParameters &bn = *p.batchNorm;
      if (bn.gamma.size() != channels || bn.beta.size() != channels ||
          bn.mean.size() != channels || bn.variance.size() != channels)
        return Status::failure(opText(i, op) + ": batch norm needs " +
                               std::to_string(channels) +
                               " values per statistic");
      for (float v : bn.variance)
        if (!(v + bn.epsilon > 0))
          return Status::failure(opText(i, op) +
                                 ": batch norm variance + eps must be > 0");
    }
  }
  return Status::success();
}

Expected<std::vector<FoldedParameters>>
foldParameters(const Expansion &expansion,
               const ExpansionParameters &parameters) {
  using Result = Expected<std::vector<FoldedParameters>>;
  if (auto s = checkParameters(expansion, parameters); !s)
    return Result(s);
  std::vector<FoldedParameters> folded(expansion.ops.size());
  for (size_t i = 0; i < expansion.ops.size(); ++i) {
    const Primitive &op = expansion.ops[i];
    const PrimitiveParameters &p = parameters.ops[i];
    if (!hasWeights(op))
      continue;
    size_t channels = size_t(op.outChannels);
    FoldedParameters &f = folded[i];
    f.weights = p.weights;
    f.bias.assign(channels, 0.0f);
    for (size_t c = 0; c < channels; ++c) {
      double scale = 1.0, shift = 0.0;
      if (p.batchNorm) {
        const BatchNormParameters &bn = *p.batchNorm;
        scale = bn.gamma[c] / std::sqrt(double(bn.variance[c]) + bn.epsilon);
        shift = bn.beta[c] - bn.mean[c] * scale;
      }
      double ownBias = p.bias.empty() ? 0.0 : p.bias[c];
      f.bias[c] = float(shift + scale * ownBias);
      if (scale == 1.0)
        continue;
      if (op.kind == PrimitiveKind::DepthwiseConv) {
        // [k][k][c]: the channel is the fastest dimension.
        for (size_t t = c; t < f.weights.size(); t += channels)
          f.weights[t] = float(f.weights[t] * scale);
      } else {
        size_t perChannel = f.weights.size() / channels;
        for (size_t t = 0; t < perChannel; ++t)
          f.weights[c * perChannel + t] =
              float(f.weights[c * perChannel + t] * scale);
      }
    }
  }
  return folded;
}

} // namespace spaceevo::exec
