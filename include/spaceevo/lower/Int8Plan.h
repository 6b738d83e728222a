//===- Int8Plan.h - an expansion as an INT8 graph in TOSA terms -*- C++ -*-===//
//
// Turns the primitives of a block, sub-stage or network (Blocks.h) into the
// quantized operations TOSA expresses: signed 8-bit activations with a zero
// point, per-output-channel symmetric int8 weights, int32 biases and
// accumulators, RESCALE (int32 multiplier and shift) back to int8, CLAMP for
// ReLU/ReLU6 and a 256-entry TABLE for the other non-linearities. The
// MLIR lowering (--spaceevo-lower-int8) only emits what this plan says, so
// the numbers can be tested without MLIR.
//
// Weights are synthetic and deterministic ("splat" or seeded He-style), and
// activation ranges come from each tensor's producer (e.g. [0, 6] after
// ReLU6): good for measuring latency and for checking the graph's structure;
// calibrated quantization of real weights is a separate step.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_LOWER_INT8PLAN_H
#define SPACEEVO_LOWER_INT8PLAN_H

#include "spaceevo/space/Blocks.h"

#include <array>
#include <cstdint>
#include <vector>

namespace spaceevo {

/// Scale and zero point of an int8 tensor: real = scale * (q - zeroPoint).
struct Int8Quant {
  double scale = 1.0;
  int32_t zeroPoint = 0;
};

/// TOSA RESCALE: out = zpOut + ((in - zpIn) * multiplier[c] rounded >> shift[c]).
struct Int8Rescale {
  int32_t inputZeroPoint = 0;
  int32_t outputZeroPoint = 0;
  std::vector<int32_t> multiplier; ///< one, or one per channel
  std::vector<int8_t> shift;       ///< same length as multiplier
  bool perChannel() const { return multiplier.size() > 1; }
};

/// Rescale by a real factor: multiplier in [2^30, 2^31) and shift in
/// [2, 62] as TOSA requires (factor 0 gives multiplier 0).
Int8Rescale makeRescale(const std::vector<double> &factors,
                        int32_t inputZeroPoint, int32_t outputZeroPoint);

/// How the non-linearity after a primitive is applied in int8.
enum class Int8ActivationKind { None, Clamp, Table };

struct Int8Node {
  Primitive op;                 ///< shapes, operands, kernel, stride, act
  Int8Quant input, other, output;

  // Conv, DepthwiseConv, FullyConnected: weights in TOSA layout
  // (conv [O][KH][KW][C], depthwise [KH][KW][C][1], fully connected [O][C]).
  std::vector<int8_t> weights;
  std::vector<int32_t> bias;

  /// Conv-like: accumulator (int32) -> int8. Add: the sum -> int8.
  /// ChannelScale: the product -> int8.
  Int8Rescale outputRescale;
  /// Add and ChannelScale: each operand int8 -> int32 first.
  Int8Rescale inputRescale, otherRescale;

  Int8ActivationKind activation = Int8ActivationKind::None;
  int32_t clampMin = -128, clampMax = 127;
  /// With a table: `outputRescale` targets `preActivation`, then the table
  /// maps it to `output`.
  Int8Quant preActivation;
  std::array<int8_t, 256> table{}; ///< table[i + 128] for input i
};

struct Int8Plan {
  Int8Quant input;              ///< of the expansion's input tensor
  int64_t inChannels = 0, inHeight = 0, inWidth = 0;
  std::vector<Int8Node> nodes;  ///< one per primitive, same order
};

enum class WeightFill { Splat, Seeded };

struct Int8PlanOptions {
  WeightFill weights = WeightFill::Seeded;
  uint64_t seed = 0;
};

/// The INT8 plan of `expansion`, whose input has `inChannels` x `inHeight`
/// x `inWidth` (batch 1). Fails on primitives it cannot express.
Result<Int8Plan> planInt8(const Expansion &expansion, int64_t inChannels,
                          int64_t inHeight, int64_t inWidth,
                          const Int8PlanOptions &options);

/// The real-valued non-linearity, for building tables.
double applyActivation(Activation act, double x);

} // namespace spaceevo

#endif // SPACEEVO_LOWER_INT8PLAN_H
