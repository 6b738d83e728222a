//===- Generators.cpp - Halide 14 AOT generators for the INT8 runtime -----===//
//
// Built into one generator executable that runs at CMake build time; only
// the emitted objects (no Halide, no LLVM 14) are linked into lib/runtime.
// Layout: dimension 0 is always the channel (NHWC, channels fastest), so
// buffers are (c, x, y, n) or (c, pixel[, n]).
//
// Every kernel ends with the same TOSA output stage as the reference
// (Quantization.h): apply_scale_32 in 64-bit integer arithmetic, + output
// zero point, clamp. Integer-only math is what makes bit-exactness easy.
//
//===----------------------------------------------------------------------===//

#include "Halide.h"

using namespace Halide;

namespace {

/// TOSA apply_scale_32 + zero point + clamp, as applyOutputStage does.
Expr tosaOutputStage(Expr acc, Expr multiplier, Expr shift, Expr doubleRound,
                     Expr zeroPoint, Expr clampMin, Expr clampMax) {
  Expr value = cast<int64_t>(acc);
  Expr shift64 = cast<int64_t>(shift);
  Expr round = cast<int64_t>(1) << (shift64 - 1);
  Expr extra = select(value >= 0, cast<int64_t>(1) << 30,
                      -(cast<int64_t>(1) << 30));
  round = select(doubleRound && shift > 31, round + extra, round);
  Expr scaled = (value * cast<int64_t>(multiplier) + round) >> shift64;
  Expr shifted = scaled + cast<int64_t>(zeroPoint);
  return cast<uint8_t>(
      clamp(shifted, cast<int64_t>(clampMin), cast<int64_t>(clampMax)));
}


/// Vectorizes `output` along channels (dimension 0, variable c): with
/// ShiftInwards when there are at least `width` channels (the last vector
/// overlaps the previous one instead of running a scalar tail; fine for
/// pure per-element outputs), with a guarded tail otherwise; and specializes
/// the single-rounding case, whose 64-bit lanes need no per-lane selects.
void vectorizeChannels(Func output, Expr channels, Var c, int width,
                       const Expr &doubleRound) {
  output.specialize(channels >= width && !doubleRound)
      .vectorize(c, width, TailStrategy::ShiftInwards);
  output.specialize(channels >= width)
      .vectorize(c, width, TailStrategy::ShiftInwards);
  output.vectorize(c, 8, TailStrategy::GuardWithIf);
}

/// Depthwise kxk conv, stride s, uint8 NHWC input padded with its zero
/// point, int8 weights (c, kx, ky), fused TOSA output stage.
class DepthwiseConv : public Generator<DepthwiseConv> {
public:
  GeneratorParam<int> kernel{"kernel", 3};
  GeneratorParam<int> stride{"stride", 1};
  GeneratorParam<int> vector_width{"vector_width", 32};

  Input<Buffer<uint8_t>> input{"input", 4};
  Input<Buffer<int8_t>> weights{"weights", 3};
  /// bias[c] - input_zp * sum(weights[c]): folds the zero point once.
  Input<Buffer<int32_t>> bias{"bias", 1};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> input_zp{"input_zp"};
  Input<int32_t> pad_top{"pad_top"};
  Input<int32_t> pad_left{"pad_left"};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  /// The host's check that the 32-bit form below is exact for every
  /// channel (single rounding, every shift in [33, 53], every result fits
  /// int32: the vnni kernels' "fast" scaling). round_high[c] is
  /// (2^(shift-1) + output_zp * 2^shift) / 2^32, shift32[c] = shift - 32.
  Input<bool> fast_stage{"fast_stage"};
  Input<Buffer<int32_t>> round_high{"round_high", 1};
  Input<Buffer<int32_t>> shift32{"shift32", 1};
  Output<Buffer<uint8_t>> output{"output", 4};

  void generate() {
    Var c("c"), x("x"), y("y"), n("n");
    // Padding holds the zero point, so padded taps contribute zp * w, which
    // the folded bias removes again: no per-tap bounds logic in the sum.
    Func padded = BoundaryConditions::constant_exterior(
        input, cast<uint8_t>(input_zp),
        {{Expr(), Expr()},
         {0, input.dim(1).extent()},
         {0, input.dim(2).extent()},
         {Expr(), Expr()}});
    Expr sum = bias(c);
    for (int ky = 0; ky < kernel; ++ky)
      for (int kx = 0; kx < kernel; ++kx) {
        // u8 * s8 always fits int16: 255 * -128 = -32640.
        Expr tap = cast<int16_t>(padded(c, x * int(stride) + kx - pad_left,
                                        y * int(stride) + ky - pad_top, n));
        sum += cast<int32_t>(tap * cast<int16_t>(weights(c, kx, ky)));
      }
    // floor((acc * m + round + zp * 2^s) / 2^s) as the high dword of
    // acc * m (|acc * m| < 2^62, so it fits), plus the rounding term's high
    // dword (its low one is 0 for s >= 33), shifted by s - 32: every step
    // in 32 bits instead of 64 (4x fewer vectors).
    // (An unsigned shift count: a signed one may be negative, a left shift.)
    Expr fast = (mul_shift_right(sum, multiplier(c), 32) + round_high(c)) >>
                cast<uint32_t>(shift32(c));
    fast = cast<uint8_t>(clamp(fast, clamp_min, clamp_max));
    output(c, x, y, n) =
        select(fast_stage, fast,
               tosaOutputStage(sum, multiplier(c), shift(c), double_round,
                               output_zp, clamp_min, clamp_max));

    // specialize(fast_stage) folds the select in each branch. Channel
    // blocks outermost: a block's widened weights stay in registers over
    // all its pixels instead of being reloaded and extended per pixel.
    Var co("co"), ci("ci");
    output.specialize(fast_stage && output.dim(0).extent() >= int(vector_width))
        .split(c, co, ci, vector_width, TailStrategy::ShiftInwards)
        .reorder(ci, x, y, co, n)
        .vectorize(ci);
    vectorizeChannels(output, output.dim(0).extent(), c, vector_width, double_round);
    weights.dim(0).set_stride(1);
  }
};

/// int32 accumulators (c, pixel) + per-channel bias -> uint8 through the
/// TOSA output stage. The oneDNN backend's epilogue.
class RequantizeInt32 : public Generator<RequantizeInt32> {
public:
  Input<Buffer<int32_t>> input{"input", 2};
  Input<Buffer<int32_t>> bias{"bias", 1};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  Output<Buffer<uint8_t>> output{"output", 2};

  void generate() {
    Var c("c"), p("p");
    output(c, p) = tosaOutputStage(input(c, p) + bias(c), multiplier(c),
                                   shift(c), double_round, output_zp,
                                   clamp_min, clamp_max);
    vectorizeChannels(output, output.dim(0).extent(), c, 32, double_round);
  }
};

/// uint8 -> uint8 RESCALE with input zero point (per-channel scale).
class RescaleUint8 : public Generator<RescaleUint8> {
public:
  Input<Buffer<uint8_t>> input{"input", 2};
  Input<int32_t> input_zp{"input_zp"};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  Output<Buffer<uint8_t>> output{"output", 2};

  void generate() {
    Var c("c"), p("p");
    output(c, p) = tosaOutputStage(cast<int32_t>(input(c, p)) - input_zp,
                                   multiplier(c), shift(c), double_round,
                                   output_zp, clamp_min, clamp_max);
    vectorizeChannels(output, output.dim(0).extent(), c, 32, double_round);
  }
};

/// TOSA TABLE on uint8 (index = the uint8 value).
class TableLookup : public Generator<TableLookup> {
public:
  Input<Buffer<uint8_t>> input{"input", 1};
  Input<Buffer<uint8_t>> table{"table", 1};
  Output<Buffer<uint8_t>> output{"output", 1};

  void generate() {
    Var i("i");
    output(i) = table(cast<int32_t>(input(i)));
    table.dim(0).set_min(0).set_extent(256);
    output.vectorize(i, 64, TailStrategy::GuardWithIf);
  }
};

/// Squeeze-excite scaling: (x - zx) * (s[c] - zs) -> output stage.
class ChannelScale : public Generator<ChannelScale> {
public:
  Input<Buffer<uint8_t>> input{"input", 3};  // (c, pixel, n)
  Input<Buffer<uint8_t>> scale{"scale", 2};  // (c, n)
  Input<int32_t> input_zp{"input_zp"};
  Input<int32_t> scale_zp{"scale_zp"};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  Output<Buffer<uint8_t>> output{"output", 3};

  void generate() {
    Var c("c"), p("p"), n("n");
    Expr product = (cast<int32_t>(input(c, p, n)) - input_zp) *
                   (cast<int32_t>(scale(c, n)) - scale_zp);
    output(c, p, n) = tosaOutputStage(product, multiplier(c), shift(c),
                                      double_round, output_zp, clamp_min,
                                      clamp_max);
    vectorizeChannels(output, output.dim(0).extent(), c, 32, double_round);
  }
};

/// Global average pool: sum of (q - zp) over pixels, then the output stage
/// (the reciprocal of the pixel count is folded into the multiplier).
class GlobalAvgPool : public Generator<GlobalAvgPool> {
public:
  Input<Buffer<uint8_t>> input{"input", 3}; // (c, pixel, n)
  Input<int32_t> input_zp{"input_zp"};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  Output<Buffer<uint8_t>> output{"output", 2}; // (c, n)

  void generate() {
    Var c("c"), n("n");
    RDom r(0, input.dim(1).extent());
    Func sum("sum");
    sum(c, n) = 0;
    sum(c, n) += cast<int32_t>(input(c, r, n));
    Expr centered = sum(c, n) - input_zp * input.dim(1).extent();
    output(c, n) = tosaOutputStage(centered, multiplier(c), shift(c),
                                   double_round, output_zp, clamp_min,
                                   clamp_max);
    sum.compute_at(output, n).vectorize(c, 32, TailStrategy::GuardWithIf);
    sum.update().reorder(c, r).vectorize(c, 32, TailStrategy::GuardWithIf);
    vectorizeChannels(output, output.dim(0).extent(), c, 32, double_round);
  }
};

/// Residual add: each operand rescaled into int32 (TOSA RESCALE, single
/// rounding, saturated), summed (saturated), then the output stage.
class ResidualAdd : public Generator<ResidualAdd> {
public:
  Input<Buffer<uint8_t>> input{"input", 2}; // (c, pixel)
  Input<Buffer<uint8_t>> other{"other", 2};
  Input<int32_t> input_zp{"input_zp"};
  Input<int32_t> input_multiplier{"input_multiplier"};
  Input<int32_t> input_shift{"input_shift"};
  Input<int32_t> other_zp{"other_zp"};
  Input<int32_t> other_multiplier{"other_multiplier"};
  Input<int32_t> other_shift{"other_shift"};
  Input<Buffer<int32_t>> multiplier{"multiplier", 1};
  Input<Buffer<int32_t>> shift{"shift", 1};
  Input<int32_t> output_zp{"output_zp"};
  Input<int32_t> clamp_min{"clamp_min"};
  Input<int32_t> clamp_max{"clamp_max"};
  Input<bool> double_round{"double_round"};
  Output<Buffer<uint8_t>> output{"output", 2};

  static Expr scaleOperand(Expr q, Expr zp, Expr multiplier, Expr shift) {
    Expr value = cast<int64_t>(cast<int32_t>(q) - zp);
    Expr shift64 = cast<int64_t>(shift);
    Expr scaled = (value * cast<int64_t>(multiplier) +
                   (cast<int64_t>(1) << (shift64 - 1))) >> shift64;
    return clamp(scaled, cast<int64_t>(INT32_MIN), cast<int64_t>(INT32_MAX));
  }

  void generate() {
    Var c("c"), p("p");
    Expr sum = scaleOperand(input(c, p), input_zp, input_multiplier,
                            input_shift) +
               scaleOperand(other(c, p), other_zp, other_multiplier,
                            other_shift);
    sum = cast<int32_t>(
        clamp(sum, cast<int64_t>(INT32_MIN), cast<int64_t>(INT32_MAX)));
    output(c, p) = tosaOutputStage(sum, multiplier(c), shift(c), double_round,
                                   output_zp, clamp_min, clamp_max);
    vectorizeChannels(output, output.dim(0).extent(), c, 32, double_round);
  }
};

} // namespace

HALIDE_REGISTER_GENERATOR(DepthwiseConv, spaceevo_depthwise_conv)
HALIDE_REGISTER_GENERATOR(RequantizeInt32, spaceevo_requantize_int32)
HALIDE_REGISTER_GENERATOR(RescaleUint8, spaceevo_rescale_uint8)
HALIDE_REGISTER_GENERATOR(TableLookup, spaceevo_table_lookup)
HALIDE_REGISTER_GENERATOR(ChannelScale, spaceevo_channel_scale)
HALIDE_REGISTER_GENERATOR(GlobalAvgPool, spaceevo_global_avg_pool)
HALIDE_REGISTER_GENERATOR(ResidualAdd, spaceevo_residual_add)
