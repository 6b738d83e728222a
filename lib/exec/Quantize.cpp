//===- Quantize.cpp - Calibration and the INT8 graph ----------------------===//
#include "spaceevo/exec/Quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace spaceevo::exec {

using runtime::ActivationFunction;
using runtime::KernelDesc;
using runtime::OpKind;
using runtime::OutputStage;
using runtime::QuantParams;
using runtime::Shape4;

//===----------------------------------------------------------------------===//
// Calibration
//===----------------------------------------------------------------------===//

namespace {

/// Range statistics of one tensor over the calibration batch.
class RangeRecorder {
public:
  explicit RangeRecorder(const CalibrationOptions &options)
      : options_(options) {}

  TensorRange record(const std::vector<const std::vector<float> *> &batch) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    size_t total = 0;
    for (const auto *values : batch) {
      total += values->size();
      for (float v : *values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    if (options_.method == CalibrationOptions::Method::MinMax || total == 0)
      return {lo, hi};
    // An evenly strided subsample keeps the cost bounded on large maps.
    size_t stride = std::max<size_t>(
        1, (total + options_.maxSamplesPerTensor - 1) /
               std::max<size_t>(1, options_.maxSamplesPerTensor));
    std::vector<float> samples;
    samples.reserve(total / stride + 1);
    size_t position = 0;
    for (const auto *values : batch)
      for (float v : *values)
        if (position++ % stride == 0)
          samples.push_back(v);
    double tail = std::clamp(100.0 - options_.percentile, 0.0, 50.0) / 100.0;
    auto quantile = [&](double q) {
      size_t index = size_t(std::llround(q * double(samples.size() - 1)));
      std::nth_element(samples.begin(), samples.begin() + index,
                       samples.end());
      return samples[index];
    };
    return {quantile(tail), quantile(1.0 - tail)};
  }

private:
  CalibrationOptions options_;
};

std::vector<const std::vector<float> *>
valuesOf(const std::vector<Tensor> &tensors) {
  std::vector<const std::vector<float> *> result;
  for (const Tensor &t : tensors)
    result.push_back(&t.values);
  return result;
}

bool needsTable(ActivationFunction f) {
  return f == ActivationFunction::Hswish || f == ActivationFunction::Swish ||
         f == ActivationFunction::Hsigmoid || f == ActivationFunction::Sigmoid;
}

} // namespace

Expected<ActivationRanges> calibrateRanges(FloatNetwork &network,
                                           const std::vector<Tensor> &inputs,
                                           const CalibrationOptions &options) {
  if (inputs.empty())
    return Expected<ActivationRanges>::failure(
        "calibration needs at least one input");
  if (options.method == CalibrationOptions::Method::Percentile &&
      !(options.percentile > 50.0 && options.percentile <= 100.0))
    return Expected<ActivationRanges>::failure(
        "calibration percentile must be in (50, 100]");
  RangeRecorder recorder(options);
  ActivationRanges ranges;
  size_t count = network.expansion().ops.size();
  ranges.preActivation.resize(count);
  ranges.output.resize(count);
  ranges.input = recorder.record(valuesOf(inputs));
  FloatObserver observer;
  observer.beforeActivation = [&](size_t op, std::vector<Tensor> &values) {
    ActivationFunction f = activationFunction(network.expansion().ops[op].act);
    if (needsTable(f)) // only table activations need the pre-activation range
      ranges.preActivation[op] = recorder.record(valuesOf(values));
  };
  observer.afterActivation = [&](size_t op, const std::vector<Tensor> &values) {
    ranges.output[op] = recorder.record(valuesOf(values));
    ActivationFunction f = activationFunction(network.expansion().ops[op].act);
    if (!needsTable(f))
      ranges.preActivation[op] = ranges.output[op];
  };
  auto outputs = network.runBatch(inputs, &observer);
  if (!outputs)
    return Expected<ActivationRanges>(outputs.status());
  return ranges;
}

QuantParams quantParamsForRange(TensorRange range) {
  double lo = std::min(0.0, double(range.min));
  double hi = std::max(0.0, double(range.max));
  if (!std::isfinite(lo) || !std::isfinite(hi))
    lo = hi = 0.0;
  double scale = std::max((hi - lo) / 255.0, 1e-8);
  double zeroPoint = std::nearbyint(-lo / scale);
  QuantParams q;
  q.scale = float(scale);
  q.zeroPoint = int32_t(std::clamp(zeroPoint, 0.0, 255.0));
  return q;
}

//===----------------------------------------------------------------------===//
// The INT8 graph
//===----------------------------------------------------------------------===//

namespace {

Shape4 shape4(int64_t h, int64_t w, int64_t c) { return Shape4{1, h, w, c}; }

/// The output stage that requantizes real values `accScale[c] * acc` into
/// the op's output, through the pre-activation range and a table when the
/// activation is not a clamp.
Expected<OutputStage> activationOutputStage(const std::vector<double> &accScale,
                                            ActivationFunction function,
                                            QuantParams preActivation,
                                            QuantParams output) {
  bool table = needsTable(function);
  QuantParams target = table ? preActivation : output;
  std::vector<double> scales;
  for (double s : accScale)
    scales.push_back(s / target.scale);
  auto stage = runtime::makeOutputStage(scales, target.zeroPoint);
  if (!stage)
    return stage;
  if (table) {
    auto lut = runtime::makeActivationTable(function, preActivation, output);
    if (!lut)
      return Expected<OutputStage>(lut.status());
    stage->table = *lut;
  } else {
    runtime::setActivationClamp(*stage, function, output);
  }
  return stage;
}

std::string opText(size_t index, const Primitive &op) {
  return "op " + std::to_string(index) + " (" +
         std::string(primitiveKindName(op.kind)) + " '" + op.role + "')";
}

} // namespace

bool activationNeedsTable(ActivationFunction function) {
  return needsTable(function);
}

Expected<QuantizedOp> assembleQuantizedOp(const Primitive &op,
                                          OpQuantization q) {
  using Result = Expected<QuantizedOp>;
  QuantizedOp result;
  result.input = op.input;
  result.other = op.other;
  result.output = q.output;
  ActivationFunction act = activationFunction(op.act);
  // Clamps requantize straight into the output parameters.
  QuantParams pre = needsTable(act) ? q.preActivation : q.output;
  result.preActivation = pre;
  QuantParams in = q.input;
  Shape4 inShape = shape4(op.inHeight, op.inWidth, op.inChannels);
  KernelDesc &d = result.kernel;
  switch (op.kind) {
  case PrimitiveKind::Conv:
  case PrimitiveKind::DepthwiseConv:
  case PrimitiveKind::FullyConnected: {
    bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
    if (int64_t(q.weightScales.size()) != op.outChannels)
      return Result::failure("expected " + std::to_string(op.outChannels) +
                             " weight scales, got " +
                             std::to_string(q.weightScales.size()));
    if (!q.bias.empty() && int64_t(q.bias.size()) != op.outChannels)
      return Result::failure("expected " + std::to_string(op.outChannels) +
                             " biases, got " + std::to_string(q.bias.size()));
    // The accumulator of channel c holds real values in units of
    // input.scale * weightScales[c] (the bias is in the same units).
    std::vector<double> accScale(size_t(op.outChannels));
    for (size_t c = 0; c < accScale.size(); ++c)
      accScale[c] = double(in.scale) * q.weightScales[c];
    auto stage = activationOutputStage(accScale, act, pre, q.output);
    if (!stage)
      return Result(stage.status());
    result.weightScales = std::move(q.weightScales);
    if (op.kind == PrimitiveKind::FullyConnected) {
      d = runtime::makeFullyConnectedDesc(1, op.inChannels, op.outChannels,
                                          std::move(q.weights),
                                          std::move(q.bias), in.zeroPoint,
                                          std::move(*stage));
    } else if (depthwise) {
      d = runtime::makeDepthwiseDesc(inShape, op.kernel, op.stride,
                                     std::move(q.weights), std::move(q.bias),
                                     in.zeroPoint, std::move(*stage));
    } else {
      d = runtime::makeConvDesc(inShape, op.outChannels, op.kernel, op.stride,
                                std::move(q.weights), std::move(q.bias),
                                in.zeroPoint, std::move(*stage));
    }
    if (op.kind != PrimitiveKind::FullyConnected)
      d.padding = {op.padding, op.padding, op.padding, op.padding};
    break;
  }
  case PrimitiveKind::GlobalAvgPool: {
    // Sum of (q - zp) over the pixels, scaled by in.scale / pixels.
    double pixels = double(op.inHeight * op.inWidth);
    auto stage =
        activationOutputStage({double(in.scale) / pixels}, act, pre, q.output);
    if (!stage)
      return Result(stage.status());
    d.kind = OpKind::GlobalAvgPool;
    d.input = inShape;
    d.inputZeroPoint = in.zeroPoint;
    d.output = std::move(*stage);
    break;
  }
  case PrimitiveKind::ChannelScale: {
    // (qx - zx) * (qs - zs) has scale sx * ss.
    QuantParams scale = q.other;
    auto stage = activationOutputStage({double(in.scale) * scale.scale}, act,
                                       pre, q.output);
    if (!stage)
      return Result(stage.status());
    d.kind = OpKind::ChannelScale;
    d.input = inShape;
    d.inputZeroPoint = in.zeroPoint;
    d.otherZeroPoint = scale.zeroPoint;
    d.output = std::move(*stage);
    break;
  }
  case PrimitiveKind::Add: {
    // TOSA's quantized add: both operands to a common int32 domain,
    // real * 2^20 / (2 max(s_a, s_b)), then one output rescale.
    QuantParams other = q.other;
    double common = 2.0 * std::max(in.scale, other.scale) / double(1 << 20);
    auto addScale = [&](QuantParams p) -> Expected<runtime::AddInputScale> {
      auto m = runtime::quantizeScale(double(p.scale) / common);
      if (!m)
        return Expected<runtime::AddInputScale>(m.status());
      return runtime::AddInputScale{p.zeroPoint, m->multiplier, m->shift};
    };
    auto lhs = addScale(in), rhs = addScale(other);
    if (!lhs)
      return Result(lhs.status());
    if (!rhs)
      return Result(rhs.status());
    auto stage = activationOutputStage({common}, act, pre, q.output);
    if (!stage)
      return Result(stage.status());
    d.kind = OpKind::Add;
    d.input = inShape;
    d.addInput = *lhs;
    d.addOther = *rhs;
    d.output = std::move(*stage);
    break;
  }
  default:
    return Result::failure("unknown primitive kind");
  }
  if (auto s = runtime::validateKernelDesc(d); !s)
    return Result(s);
  return result;
}

Expected<QuantizedExpansion>
quantizeExpansion(const Expansion &expansion,
                  const ExpansionParameters &parameters,
                  const ActivationRanges &ranges) {
  using Result = Expected<QuantizedExpansion>;
  if (auto s = validateExpansion(expansion); !s)
    return Result(s);
  size_t count = expansion.ops.size();
  if (ranges.output.size() != count || ranges.preActivation.size() != count)
    return Result::failure("activation ranges for " +
                           std::to_string(ranges.output.size()) +
                           " ops, the expansion has " + std::to_string(count));
  auto folded = foldParameters(expansion, parameters);
  if (!folded)
    return Result(folded.status());

  QuantizedExpansion graph;
  graph.expansion = expansion;
  graph.inputShape = *expansionInputShape(expansion);
  graph.outputShape = primitiveOutputShape(expansion.ops.back());
  graph.input = quantParamsForRange(ranges.input);
  graph.ops.resize(count);
  auto paramsOf = [&](int operand) {
    return operand == kExpansionInput ? graph.input
                                      : graph.ops[size_t(operand)].output;
  };

  for (size_t i = 0; i < count; ++i) {
    const Primitive &op = expansion.ops[i];
    auto fail = [&](const std::string &why) {
      return Result::failure(opText(i, op) + ": " + why);
    };
    OpQuantization q;
    q.input = paramsOf(op.input);
    if (op.other != kNoOperand)
      q.other = paramsOf(op.other);
    q.output = quantParamsForRange(ranges.output[i]);
    q.preActivation = needsTable(activationFunction(op.act))
                          ? quantParamsForRange(ranges.preActivation[i])
                          : q.output;
    if (op.kind == PrimitiveKind::Conv ||
        op.kind == PrimitiveKind::DepthwiseConv ||
        op.kind == PrimitiveKind::FullyConnected) {
      bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
      const FoldedParameters &f = (*folded)[i];
      auto weights = runtime::quantizeWeightsPerChannel(
          f.weights, op.outChannels, /*channelsLast=*/depthwise);
      if (!weights)
        return fail(weights.error());
      // int32 bias in units of input_scale * weight_scale[c]; kept within
      // what the runtime's overflow check allows for this reduction.
      int64_t reduction = depthwise ? op.kernel * op.kernel
                                    : op.kernel * op.kernel * op.inChannels;
      double biasLimit = double(INT32_MAX) - double(reduction) * 255 * 128;
      q.bias.resize(size_t(op.outChannels));
      for (size_t c = 0; c < q.bias.size(); ++c) {
        double accScale = double(q.input.scale) * weights->scales[c];
        double value = std::nearbyint(f.bias[c] / accScale);
        q.bias[c] = int32_t(std::clamp(value, -biasLimit, biasLimit));
      }
      q.weights = std::move(weights->values);
      q.weightScales = std::move(weights->scales);
    }
    auto built = assembleQuantizedOp(op, std::move(q));
    if (!built)
      return fail(built.error());
    graph.ops[i] = std::move(*built);
  }
  return graph;
}

Expected<QuantizedExpansion>
quantizePostTraining(const Expansion &expansion,
                     const ExpansionParameters &parameters,
                     const std::vector<Tensor> &calibrationInputs,
                     const CalibrationOptions &options, FloatBackend backend) {
  auto network = FloatNetwork::create(expansion, parameters, backend);
  if (!network)
    return Expected<QuantizedExpansion>(network.status());
  auto ranges = calibrateRanges(*network, calibrationInputs, options);
  if (!ranges)
    return Expected<QuantizedExpansion>(ranges.status());
  return quantizeExpansion(expansion, parameters, *ranges);
}

} // namespace spaceevo::exec
