//===- Quantization.cpp - INT8 quantization scheme ------------------------===//

#include "spaceevo/runtime/Quantization.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <string>

namespace spaceevo::runtime {

Expected<ScaleMultiplier> quantizeScale(double realScale) {
  if (!std::isfinite(realScale) || realScale <= 0)
    return Expected<ScaleMultiplier>::failure(
        "quantizeScale: scale must be positive and finite, got " +
        std::to_string(realScale));
  int exponent = 0;
  double mantissa = std::frexp(realScale, &exponent); // [0.5, 1)
  int64_t multiplier = std::llround(mantissa * double(int64_t(1) << 31));
  if (multiplier == (int64_t(1) << 31)) { // rounding carried into bit 31
    multiplier >>= 1;
    ++exponent;
  }
  int64_t shift = 31 - int64_t(exponent);
  if (shift < 2)
    return Expected<ScaleMultiplier>::failure(
        "quantizeScale: scale " + std::to_string(realScale) +
        " is too large for a TOSA scale32 (needs shift >= 2)");
  if (shift > 62) {
    // Tiny scales: keep the largest legal shift and drop multiplier bits,
    // rounding to nearest, as the exact value would need shift > 62.
    int64_t excess = shift - 62;
    multiplier = excess >= 63 ? 0
                              : (multiplier + (int64_t(1) << (excess - 1))) >>
                                    excess;
    shift = 62;
  }
  return ScaleMultiplier{int32_t(multiplier), int32_t(shift)};
}

Status validateOutputStage(const OutputStage &stage, int64_t channels) {
  if (stage.int32Output)
    return Status::success();
  if (stage.multiplier.empty() ||
      stage.multiplier.size() != stage.shift.size())
    return Status::failure("output stage: multiplier and shift must be "
                           "non-empty and of equal length");
  if (stage.multiplier.size() != 1 &&
      int64_t(stage.multiplier.size()) != channels)
    return Status::failure(
        "output stage: " + std::to_string(stage.multiplier.size()) +
        " multipliers for " + std::to_string(channels) +
        " channels (need 1 or one per channel)");
  for (size_t i = 0; i < stage.multiplier.size(); ++i) {
    if (stage.multiplier[i] < 0)
      return Status::failure("output stage: negative multiplier");
    if (stage.shift[i] < 2 || stage.shift[i] > 62)
      return Status::failure("output stage: shift " +
                             std::to_string(stage.shift[i]) +
                             " outside TOSA's [2, 62]");
  }
  if (stage.zeroPoint < 0 || stage.zeroPoint > 255)
    return Status::failure("output stage: uint8 zero point " +
                           std::to_string(stage.zeroPoint) +
                           " outside [0, 255]");
  if (stage.clampMin < 0 || stage.clampMax > 255 ||
      stage.clampMin > stage.clampMax)
    return Status::failure("output stage: clamp range [" +
                           std::to_string(stage.clampMin) + ", " +
                           std::to_string(stage.clampMax) +
                           "] is not a sub-range of [0, 255]");
  return Status::success();
}

Expected<OutputStage> makeOutputStage(const std::vector<double> &realScales,
                                      int32_t outputZeroPoint) {
  if (realScales.empty())
    return Expected<OutputStage>::failure("output stage: no scales");
  OutputStage stage;
  stage.zeroPoint = outputZeroPoint;
  for (double scale : realScales) {
    auto encoded = quantizeScale(scale);
    if (!encoded)
      return Expected<OutputStage>::failure(encoded.error());
    stage.multiplier.push_back(encoded->multiplier);
    stage.shift.push_back(encoded->shift);
  }
  if (outputZeroPoint < 0 || outputZeroPoint > 255)
    return Expected<OutputStage>::failure(
        "output stage: zero point outside [0, 255]");
  return stage;
}

Expected<OutputStage> convOutputStage(QuantParams input,
                                      const std::vector<float> &weightScales,
                                      QuantParams output) {
  if (!(output.scale > 0))
    return Expected<OutputStage>::failure("output scale must be positive");
  std::vector<double> scales;
  for (float weightScale : weightScales)
    scales.push_back(double(input.scale) * weightScale / output.scale);
  return makeOutputStage(scales, output.zeroPoint);
}

double evaluateActivation(ActivationFunction function, double x) {
  auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  switch (function) {
  case ActivationFunction::Identity:
    return x;
  case ActivationFunction::ReLU:
    return std::max(x, 0.0);
  case ActivationFunction::ReLU6:
    return relu6(x);
  case ActivationFunction::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case ActivationFunction::Hsigmoid:
    return relu6(x + 3.0) / 6.0;
  case ActivationFunction::Hswish:
    return x * relu6(x + 3.0) / 6.0;
  case ActivationFunction::Swish:
    return x / (1.0 + std::exp(-x));
  }
  return x;
}

Expected<LookupTable> makeActivationTable(ActivationFunction function,
                                          QuantParams input,
                                          QuantParams output) {
  if (!(input.scale > 0) || !(output.scale > 0) ||
      !std::isfinite(input.scale) || !std::isfinite(output.scale))
    return Expected<LookupTable>::failure(
        "activation table: scales must be positive and finite");
  if (input.zeroPoint < 0 || input.zeroPoint > 255 || output.zeroPoint < 0 ||
      output.zeroPoint > 255)
    return Expected<LookupTable>::failure(
        "activation table: zero points must be in [0, 255]");
  LookupTable table{};
  for (int q = 0; q < 256; ++q) {
    double x = double(input.scale) * (q - input.zeroPoint);
    double y = evaluateActivation(function, x) / output.scale;
    // nearbyint rounds half to even in the default rounding mode.
    double rounded = std::nearbyint(y) + output.zeroPoint;
    table[q] = uint8_t(std::min(255.0, std::max(0.0, rounded)));
  }
  return table;
}

std::array<int8_t, 256> toTosaInt8Table(const LookupTable &table) {
  std::array<int8_t, 256> tosa{};
  for (int i = 0; i < 256; ++i)
    tosa[i] = int8_t(int(table[i]) - 128);
  return tosa;
}

void setActivationClamp(OutputStage &stage, ActivationFunction function,
                        QuantParams output) {
  if (function != ActivationFunction::ReLU &&
      function != ActivationFunction::ReLU6)
    return;
  stage.clampMin = std::max(0, std::min(255, output.zeroPoint));
  if (function == ActivationFunction::ReLU6 && output.scale > 0) {
    double six = std::nearbyint(6.0 / output.scale) + output.zeroPoint;
    stage.clampMax = int32_t(std::min(255.0, std::max(double(stage.clampMin), six)));
  }
}

int32_t quantizeValue(float x, float scale, int32_t zeroPoint, int32_t qmin,
                      int32_t qmax) {
  float scaled = x / scale; // float32 division, as ONNX's reference does
  float rounded = std::nearbyint(scaled);
  if (std::isnan(rounded))
    return std::max(qmin, std::min(qmax, zeroPoint));
  double shifted = double(rounded) + zeroPoint;
  return int32_t(std::max(double(qmin), std::min(double(qmax), shifted)));
}

Expected<QuantizedWeights> quantizeWeightsPerChannel(
    const std::vector<float> &weights, int64_t channels, bool channelsLast) {
  if (channels <= 0 || weights.empty() ||
      int64_t(weights.size()) % channels != 0)
    return Expected<QuantizedWeights>::failure(
        "weight quantization: " + std::to_string(weights.size()) +
        " weights do not split into " + std::to_string(channels) +
        " channels");
  int64_t perChannel = int64_t(weights.size()) / channels;
  auto index = [&](int64_t c, int64_t i) {
    return channelsLast ? i * channels + c : c * perChannel + i;
  };
  QuantizedWeights result;
  result.values.resize(weights.size());
  result.scales.resize(size_t(channels));
  for (int64_t c = 0; c < channels; ++c) {
    float maxAbs = 0;
    for (int64_t i = 0; i < perChannel; ++i)
      maxAbs = std::max(maxAbs, std::fabs(weights[size_t(index(c, i))]));
    float scale = maxAbs > 0 ? maxAbs / 127.0f : 1.0f;
    result.scales[size_t(c)] = scale;
    for (int64_t i = 0; i < perChannel; ++i)
      result.values[size_t(index(c, i))] = int8_t(
          quantizeValue(weights[size_t(index(c, i))], scale, 0, -127, 127));
  }
  return result;
}

} // namespace spaceevo::runtime
