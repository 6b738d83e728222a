//===- Quantization.h - The INT8 quantization scheme ------------*- C++ -*-===//
//
// One scheme for every kernel (see docs/runtime.md):
//  * activations: uint8, asymmetric, per tensor: real = scale * (q - zp),
//    zp in [0, 255]. TOSA's int8 form of the same tensor is q - 128 with
//    zero point zp - 128 (identical real values), so every u8 kernel here is
//    the TOSA i8 operator with its operands shifted by 128.
//  * weights: int8, symmetric (zero point 0), per output channel, values in
//    [-127, 127]; biases int32 with scale input_scale * weight_scale[c].
//  * requantization: TOSA RESCALE with scale32 (int32 multiplier, shift in
//    [2, 62], optional double_round), per channel or per tensor, followed by
//    the output zero point, a clamp (ReLU/ReLU6/saturation) and optionally a
//    256-entry TABLE (Hswish, Swish, Sigmoid, Hsigmoid).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_RUNTIME_QUANTIZATION_H
#define SPACEEVO_RUNTIME_QUANTIZATION_H

#include "spaceevo/runtime/Status.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace spaceevo::runtime {

/// Affine quantization of a uint8 activation tensor: real = scale * (q - zp).
struct QuantParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

/// A TOSA scale32 factor: real ~= multiplier * 2^-shift with multiplier in
/// [2^30, 2^31) (or smaller when the scale is tiny) and shift in [2, 62].
struct ScaleMultiplier {
  int32_t multiplier = 1 << 30;
  int32_t shift = 30;
};

/// Encodes a positive real scale as TOSA's (multiplier, shift). Fails on a
/// non-positive, non-finite or too large (>= 2^29) scale. Scales below
/// 2^-31 keep shift = 62 and lose multiplier bits (down to 0).
Expected<ScaleMultiplier> quantizeScale(double realScale);

/// TOSA apply_scale_32: (value * multiplier + round) >> shift, with
/// round = 2^(shift-1), and for double_round and shift > 31 one more
/// +-2^30 towards the value's sign. Computed in 64 bits; shift must be in
/// [2, 62] (callers validate). The result is not narrowed: callers clamp.
inline int64_t applyScale32(int64_t value, int32_t multiplier, int32_t shift,
                            bool doubleRound) {
  int64_t round = int64_t(1) << (shift - 1);
  if (doubleRound && shift > 31)
    round += value >= 0 ? (int64_t(1) << 30) : -(int64_t(1) << 30);
  // value is an int32 and multiplier < 2^31, so the sum stays below 2^63.
  return (value * multiplier + round) >> shift;
}

/// What follows an int32 accumulator, in this order (the TOSA ops it
/// stands for in brackets): per-channel or per-tensor scale [RESCALE],
/// + zeroPoint [RESCALE output_zp], clamp to [clampMin, clampMax] (which
/// is at most [0, 255]) [CLAMP: ReLU, ReLU6, saturation], optionally
/// out = table[out] [TABLE]. With int32Output the accumulator itself is the
/// result (no scaling, no clamp, no table).
struct OutputStage {
  bool int32Output = false;
  std::vector<int32_t> multiplier; ///< one entry, or one per output channel
  std::vector<int32_t> shift;      ///< same length as multiplier
  int32_t zeroPoint = 0;
  bool doubleRound = false;
  int32_t clampMin = 0, clampMax = 255;
  std::optional<std::array<uint8_t, 256>> table;
};

/// Checks multiplier/shift sizes against `channels` (1 or channels), shift
/// range, zero point and clamp range.
Status validateOutputStage(const OutputStage &stage, int64_t channels);

/// Applies an output stage to one accumulator of channel `channel`.
inline uint8_t applyOutputStage(const OutputStage &stage, int64_t acc,
                                int64_t channel) {
  size_t index = stage.multiplier.size() == 1 ? 0 : size_t(channel);
  int64_t scaled = applyScale32(acc, stage.multiplier[index],
                                stage.shift[index], stage.doubleRound);
  int64_t shifted = scaled + stage.zeroPoint;
  int64_t clamped = shifted < stage.clampMin   ? stage.clampMin
                    : shifted > stage.clampMax ? stage.clampMax
                                               : shifted;
  uint8_t out = uint8_t(clamped);
  return stage.table ? (*stage.table)[out] : out;
}

/// An output stage scaling by realScales[c] (one or per channel), adding
/// outputZeroPoint, clamped to [0, 255].
Expected<OutputStage> makeOutputStage(const std::vector<double> &realScales,
                                      int32_t outputZeroPoint);

/// The output stage of a conv / FC: scale input.scale * weightScales[c] /
/// output.scale, zero point output.zeroPoint.
Expected<OutputStage> convOutputStage(QuantParams input,
                                      const std::vector<float> &weightScales,
                                      QuantParams output);

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// Non-linearities: ReLU and ReLU6 are clamps; the others become tables.
enum class ActivationFunction {
  Identity, ReLU, ReLU6, Sigmoid, Hsigmoid, Hswish, Swish
};

/// The real-valued function (Hsigmoid = relu6(x + 3) / 6, PyTorch's).
double evaluateActivation(ActivationFunction function, double x);

using LookupTable = std::array<uint8_t, 256>;

/// TOSA TABLE for 8 bits: table[q] = quantize(f(dequantize(q))), rounding
/// half to even and saturating to [0, 255]. Fails on non-positive scales.
Expected<LookupTable> makeActivationTable(ActivationFunction function,
                                          QuantParams input,
                                          QuantParams output);

/// The same table for TOSA's int8 TABLE: entry i is for the i8 input
/// i - 128 and holds the i8 output (table[i] - 128).
std::array<int8_t, 256> toTosaInt8Table(const LookupTable &table);

/// Sets stage.clampMin/clampMax for ReLU (q >= zp) or ReLU6 (also
/// q <= zp + round(6 / scale)); other functions leave [0, 255].
void setActivationClamp(OutputStage &stage, ActivationFunction function,
                        QuantParams output);

//===----------------------------------------------------------------------===//
// Quantize / dequantize (ONNX QuantizeLinear / DequantizeLinear)
//===----------------------------------------------------------------------===//

/// saturate(round_half_even(x / scale) + zp) to [qmin, qmax], in float32
/// as ONNX defines it.
int32_t quantizeValue(float x, float scale, int32_t zeroPoint, int32_t qmin,
                      int32_t qmax);
inline uint8_t quantizeToUint8(float x, QuantParams q) {
  return uint8_t(quantizeValue(x, q.scale, q.zeroPoint, 0, 255));
}
/// (q - zp) * scale in float32.
inline float dequantizeValue(int32_t q, float scale, int32_t zeroPoint) {
  return float(q - zeroPoint) * scale;
}

/// Symmetric per-output-channel weight quantization: scale[c] =
/// max|w[c]| / 127 (1 for an all-zero channel), q = round(w / scale).
/// `weights` holds `channels` contiguous blocks of equal size (OHWI), or
/// with channelsLast the channel is the fastest dimension (depthwise HWC).
struct QuantizedWeights {
  std::vector<int8_t> values;
  std::vector<float> scales;
};
Expected<QuantizedWeights> quantizeWeightsPerChannel(
    const std::vector<float> &weights, int64_t channels, bool channelsLast);

} // namespace spaceevo::runtime

#endif // SPACEEVO_RUNTIME_QUANTIZATION_H
