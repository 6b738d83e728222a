//===- Int8Plan.cpp - an expansion as an INT8 graph in TOSA terms ---------===//
#include "spaceevo/lower/Int8Plan.h"

#include "spaceevo/space/Counting.h"

#include <algorithm>
#include <cmath>

namespace spaceevo {

namespace {

/// The range a tensor produced with `act` is given, [lo, hi]. Bounded
/// activations get their exact range; the others a range that covers the
/// values He-initialised blocks produce.
std::pair<double, double> activationRange(Activation act) {
  switch (act) {
  case Activation::ReLU:
  case Activation::ReLU6:
    return {0.0, 6.0};
  case Activation::Hswish:
    return {-0.375, 6.0};
  case Activation::Swish:
    return {-0.2785, 6.0};
  case Activation::Hsigmoid:
    return {0.0, 1.0};
  case Activation::None:
    break;
  }
  return {-8.0, 8.0};
}

/// Asymmetric int8 parameters covering [lo, hi] (0 exactly representable).
Int8Quant quantFor(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  Int8Quant q;
  q.scale = (hi - lo) / 255.0;
  if (q.scale <= 0)
    q.scale = 1.0;
  q.zeroPoint = static_cast<int32_t>(std::lround(-128.0 - lo / q.scale));
  q.zeroPoint = std::clamp(q.zeroPoint, -128, 127);
  return q;
}

int32_t quantize(const Int8Quant &q, double x) {
  long v = std::lround(x / q.scale) + q.zeroPoint;
  return static_cast<int32_t>(std::clamp<long>(v, -128, 127));
}

double gaussian(SplitMix64 &rng) {
  // Box-Muller from two 53-bit uniforms: platform-independent.
  double u1 = (static_cast<double>(rng.next() >> 11) + 1.0) / 9007199254740993.0;
  double u2 = static_cast<double>(rng.next() >> 11) / 9007199254740992.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// Weights of `outChannels` filters of `fanIn` values each, in filter-major
/// order, with per-filter scales. He-style: std 2 / sqrt(fanIn) before
/// quantization, each filter scaled to use the full int8 range.
void fillWeights(const Int8PlanOptions &options, SplitMix64 &rng,
                 int64_t outChannels, int64_t fanIn,
                 std::vector<std::vector<int8_t>> &filters,
                 std::vector<double> &scales) {
  double heStd = std::sqrt(2.0 / static_cast<double>(fanIn));
  filters.assign(outChannels, std::vector<int8_t>(fanIn, 1));
  scales.assign(outChannels, heStd / 127.0);
  if (options.weights == WeightFill::Splat)
    return;
  for (int64_t o = 0; o < outChannels; ++o) {
    std::vector<double> real(fanIn);
    double maxAbs = 0;
    for (double &w : real) {
      w = gaussian(rng) * heStd;
      maxAbs = std::max(maxAbs, std::fabs(w));
    }
    scales[o] = maxAbs > 0 ? maxAbs / 127.0 : 1.0;
    for (int64_t i = 0; i < fanIn; ++i)
      filters[o][i] = static_cast<int8_t>(
          std::clamp<long>(std::lround(real[i] / scales[o]), -127, 127));
  }
}

/// Sets how `node`'s activation is applied and the parameters it targets.
void planActivation(Int8Node &node) {
  Activation act = node.op.act;
  auto [lo, hi] = activationRange(act);
  node.output = quantFor(lo, hi);
  if (act == Activation::None) {
    node.activation = Int8ActivationKind::None;
    node.preActivation = node.output;
  } else if (act == Activation::ReLU || act == Activation::ReLU6) {
    // Clamp in the output's own parameters: [q(0), q(6)].
    node.activation = Int8ActivationKind::Clamp;
    node.preActivation = node.output;
    node.clampMin = quantize(node.output, 0.0);
    node.clampMax = act == Activation::ReLU6 ? quantize(node.output, 6.0) : 127;
  } else {
    node.activation = Int8ActivationKind::Table;
    node.preActivation = quantFor(-8.0, 8.0);
    for (int i = -128; i <= 127; ++i) {
      double x = node.preActivation.scale * (i - node.preActivation.zeroPoint);
      node.table[i + 128] =
          static_cast<int8_t>(quantize(node.output, applyActivation(act, x)));
    }
  }
}

} // namespace

double applyActivation(Activation act, double x) {
  switch (act) {
  case Activation::None:
    return x;
  case Activation::ReLU:
    return std::max(0.0, x);
  case Activation::ReLU6:
    return std::clamp(x, 0.0, 6.0);
  case Activation::Hswish:
    return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
  case Activation::Hsigmoid:
    return std::clamp(x + 3.0, 0.0, 6.0) / 6.0;
  case Activation::Swish:
    return x / (1.0 + std::exp(-x));
  }
  return x;
}

Int8Rescale makeRescale(const std::vector<double> &factors,
                        int32_t inputZeroPoint, int32_t outputZeroPoint) {
  Int8Rescale rescale;
  rescale.inputZeroPoint = inputZeroPoint;
  rescale.outputZeroPoint = outputZeroPoint;
  for (double factor : factors) {
    if (!(factor > 0)) {
      rescale.multiplier.push_back(0);
      rescale.shift.push_back(2);
      continue;
    }
    // factor = mantissa * 2^exponent, mantissa in [0.5, 1).
    int exponent;
    double mantissa = std::frexp(factor, &exponent);
    int64_t multiplier = std::llround(mantissa * 2147483648.0); // 2^31
    if (multiplier == (int64_t{1} << 31)) {
      multiplier /= 2;
      ++exponent;
    }
    int shift = 31 - exponent;
    // TOSA allows shifts in [2, 62]: saturate outside, reducing precision.
    while (shift > 62) {
      multiplier >>= 1;
      --shift;
    }
    if (shift < 2) {
      multiplier = INT32_MAX;
      shift = 2;
    }
    rescale.multiplier.push_back(static_cast<int32_t>(multiplier));
    rescale.shift.push_back(static_cast<int8_t>(shift));
  }
  return rescale;
}

Result<Int8Plan> planInt8(const Expansion &expansion, int64_t inChannels,
                          int64_t inHeight, int64_t inWidth,
                          const Int8PlanOptions &options) {
  Int8Plan plan;
  plan.inChannels = inChannels;
  plan.inHeight = inHeight;
  plan.inWidth = inWidth;
  // A network's input is normalised RGB, a block's input a previous
  // block's output: [-8, 8] covers both.
  plan.input = quantFor(-8.0, 8.0);
  SplitMix64 rng(options.seed ^ 0x1f83d9abfb41bd6bull);
  auto operandQuant = [&](int operand) -> Result<Int8Quant> {
    if (operand == kExpansionInput)
      return plan.input;
    if (operand < 0 || operand >= static_cast<int>(plan.nodes.size()))
      return Result<Int8Quant>::failure("operand " + std::to_string(operand) +
                                        " does not name an earlier primitive");
    return plan.nodes[operand].output;
  };

  for (size_t index = 0; index < expansion.ops.size(); ++index) {
    const Primitive &op = expansion.ops[index];
    Int8Node node;
    node.op = op;
    Result<Int8Quant> input = operandQuant(op.input);
    if (!input)
      return Result<Int8Plan>::failure("primitive " + std::to_string(index) +
                                       ": " + input.error());
    node.input = *input;
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv:
    case PrimitiveKind::FullyConnected: {
      bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
      int64_t taps = op.kind == PrimitiveKind::FullyConnected
                         ? 1
                         : op.kernel * op.kernel;
      int64_t fanIn = depthwise ? taps : taps * op.inChannels;
      std::vector<std::vector<int8_t>> filters;
      std::vector<double> weightScales;
      fillWeights(options, rng, op.outChannels, fanIn, filters, weightScales);
      // Filters are [O][KH][KW][C] (fully connected: [O][C]); a depthwise
      // filter has one channel and TOSA wants [KH][KW][C][1].
      if (depthwise) {
        node.weights.resize(taps * op.outChannels);
        for (int64_t c = 0; c < op.outChannels; ++c)
          for (int64_t t = 0; t < taps; ++t)
            node.weights[t * op.outChannels + c] = filters[c][t];
      } else {
        for (const std::vector<int8_t> &filter : filters)
          node.weights.insert(node.weights.end(), filter.begin(), filter.end());
      }
      planActivation(node);
      std::vector<double> factors;
      for (int64_t o = 0; o < op.outChannels; ++o) {
        double accumulatorScale = node.input.scale * weightScales[o];
        factors.push_back(accumulatorScale / node.preActivation.scale);
        // Biases: batch-norm shifts folded in, small next to the signal.
        double realBias = options.weights == WeightFill::Splat
                              ? 0.0
                              : 0.1 * gaussian(rng);
        node.bias.push_back(
            static_cast<int32_t>(std::lround(realBias / accumulatorScale)));
      }
      node.outputRescale =
          makeRescale(factors, 0, node.preActivation.zeroPoint);
      break;
    }
    case PrimitiveKind::GlobalAvgPool:
      // TOSA's average pool keeps the scale; only zero points move.
      node.output = node.input;
      node.preActivation = node.input;
      if (op.act != Activation::None)
        return Result<Int8Plan>::failure("primitive " + std::to_string(index) +
                                         ": a pooling with an activation");
      break;
    case PrimitiveKind::ChannelScale:
    case PrimitiveKind::Add: {
      Result<Int8Quant> other = operandQuant(op.other);
      if (!other)
        return Result<Int8Plan>::failure("primitive " + std::to_string(index) +
                                         ": " + other.error());
      node.other = *other;
      planActivation(node);
      if (op.kind == PrimitiveKind::ChannelScale) {
        // Exact int32 product of the zero-point-free operands, then one
        // rescale by the product of their scales.
        node.inputRescale = makeRescale({1.0}, node.input.zeroPoint, 0);
        node.otherRescale = makeRescale({1.0}, node.other.zeroPoint, 0);
        node.outputRescale = makeRescale(
            {node.input.scale * node.other.scale / node.preActivation.scale}, 0,
            node.preActivation.zeroPoint);
      } else {
        // Both operands to a common fine scale (2^20 steps per twice the
        // larger scale), add exactly in int32, rescale once.
        double common = 2.0 * std::max(node.input.scale, node.other.scale);
        double steps = 1048576.0;
        node.inputRescale = makeRescale({node.input.scale / common * steps},
                                        node.input.zeroPoint, 0);
        node.otherRescale = makeRescale({node.other.scale / common * steps},
                                        node.other.zeroPoint, 0);
        node.outputRescale =
            makeRescale({common / steps / node.preActivation.scale}, 0,
                        node.preActivation.zeroPoint);
      }
      break;
    }
    }
    plan.nodes.push_back(std::move(node));
  }
  return plan;
}

} // namespace spaceevo
