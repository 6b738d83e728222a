//===- QuantizationTest.cpp - TOSA rescale arithmetic, tables, scales -----===//

#include "spaceevo/runtime/Quantization.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace spaceevo::runtime;

namespace {

TEST(Quantization, ScaleEncoding) {
  auto half = quantizeScale(0.5);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->multiplier, 1 << 30);
  EXPECT_EQ(half->shift, 31);
  auto one = quantizeScale(1.0);
  EXPECT_EQ(one->multiplier, 1 << 30);
  EXPECT_EQ(one->shift, 30);
  // Tiny scales keep shift 62 and lose multiplier bits.
  auto tiny = quantizeScale(std::ldexp(1.0, -40));
  EXPECT_EQ(tiny->shift, 62);
  EXPECT_EQ(tiny->multiplier, 1 << 22); // 2^30 * 2^-8: shift 70 -> 62
  // Random scales are encoded to 31 significant bits.
  for (double scale : {0.000123, 0.0371, 0.9999999999, 3.5, 1234.5}) {
    auto s = quantizeScale(scale);
    ASSERT_TRUE(s.ok());
    EXPECT_GE(s->multiplier, 1 << 30);
    double decoded = s->multiplier * std::ldexp(1.0, -s->shift);
    EXPECT_NEAR(decoded / scale, 1.0, 1e-9);
  }
  // Mantissas rounding up to 2^31 carry into the exponent.
  auto carry = quantizeScale(std::nextafter(1.0, 0.0));
  EXPECT_EQ(carry->multiplier, 1 << 30);
  EXPECT_EQ(carry->shift, 30);
}

TEST(Quantization, ApplyScale32RoundsHalfUp) {
  const int32_t half = 1 << 30; // x 0.5 with shift 31
  EXPECT_EQ(applyScale32(100, half, 31, false), 50);
  EXPECT_EQ(applyScale32(101, half, 31, false), 51);  // 50.5 -> 51
  EXPECT_EQ(applyScale32(-101, half, 31, false), -50); // -50.5 -> -50
  EXPECT_EQ(applyScale32(-103, half, 31, false), -51); // -51.5 -> -51
  EXPECT_EQ(applyScale32(INT32_MAX, (1 << 30) + 1, 30, false),
            int64_t(INT32_MAX) + 2); // not narrowed: callers clamp
}

TEST(Quantization, DoubleRoundOnlyAboveShift31) {
  // 1 * 2^30 / 2^32 = 0.25: single rounding gives 0; TOSA's double_round
  // rounds at bit 31 first (0.5 -> 1) and then again (0.5 -> 1).
  EXPECT_EQ(applyScale32(1, 1 << 30, 32, false), 0);
  EXPECT_EQ(applyScale32(1, 1 << 30, 32, true), 1);
  // Negative values get the -2^30 nudge: -0.25 -> 0 here, and -0.75 -> -1.
  EXPECT_EQ(applyScale32(-1, 1 << 30, 32, true), 0);
  EXPECT_EQ(applyScale32(-3, 1 << 30, 32, true), -1);
  // shift <= 31: double_round changes nothing.
  for (int32_t v : {-7, -1, 0, 1, 7, 12345})
    EXPECT_EQ(applyScale32(v, 1 << 30, 31, true),
              applyScale32(v, 1 << 30, 31, false));
}

TEST(Quantization, OutputStageClampsAndLooksUp) {
  OutputStage stage;
  stage.multiplier = {1 << 30};
  stage.shift = {30}; // x 1
  stage.zeroPoint = 10;
  EXPECT_EQ(applyOutputStage(stage, 5, 0), 15);
  EXPECT_EQ(applyOutputStage(stage, -100, 0), 0);
  EXPECT_EQ(applyOutputStage(stage, 1000, 0), 255);
  setActivationClamp(stage, ActivationFunction::ReLU6, {0.1f, 10});
  EXPECT_EQ(stage.clampMin, 10);
  EXPECT_EQ(stage.clampMax, 70);
  EXPECT_EQ(applyOutputStage(stage, -5, 0), 10);
  EXPECT_EQ(applyOutputStage(stage, 100, 0), 70);
  LookupTable table;
  for (int i = 0; i < 256; ++i)
    table[i] = uint8_t(255 - i);
  stage.table = table;
  EXPECT_EQ(applyOutputStage(stage, 5, 0), 255 - 15);
  EXPECT_TRUE(validateOutputStage(stage, 3).ok());
}

TEST(Quantization, ActivationTables) {
  QuantParams in{0.05f, 128}, out{1.0f / 256, 0};
  auto sigmoid = makeActivationTable(ActivationFunction::Sigmoid, in, out);
  ASSERT_TRUE(sigmoid.ok());
  EXPECT_EQ((*sigmoid)[128], 128); // sigmoid(0) = 0.5 -> 128
  for (int q = 1; q < 256; ++q)
    EXPECT_GE((*sigmoid)[q], (*sigmoid)[q - 1]);
  auto hsigmoid = makeActivationTable(ActivationFunction::Hsigmoid, in, out);
  EXPECT_EQ((*hsigmoid)[0], 0);   // x = -6.4 -> 0
  EXPECT_EQ((*hsigmoid)[255], 255); // x = 6.35 -> 1
  QuantParams signedOut{0.05f, 128};
  auto hswish = makeActivationTable(ActivationFunction::Hswish, in, signedOut);
  auto swish = makeActivationTable(ActivationFunction::Swish, in, signedOut);
  for (int q : {0, 60, 128, 200, 255}) {
    double x = 0.05 * (q - 128);
    EXPECT_NEAR(0.05 * ((*hswish)[q] - 128), x * std::min(std::max(x + 3, 0.0), 6.0) / 6,
                0.026);
    EXPECT_NEAR(0.05 * ((*swish)[q] - 128), x / (1 + std::exp(-x)), 0.026);
  }
  // TOSA int8 TABLE view: index i is the i8 value i - 128 (= u8 i).
  auto tosa = toTosaInt8Table(*sigmoid);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(int(tosa[i]), int((*sigmoid)[i]) - 128);
}

TEST(Quantization, QuantizeDequantize) {
  EXPECT_EQ(quantizeValue(2.5f, 1.0f, 0, 0, 255), 2);  // half to even
  EXPECT_EQ(quantizeValue(3.5f, 1.0f, 0, 0, 255), 4);
  EXPECT_EQ(quantizeValue(-1.0f, 0.5f, 10, 0, 255), 8);
  EXPECT_EQ(quantizeValue(1000.0f, 0.5f, 10, 0, 255), 255);
  EXPECT_EQ(quantizeValue(-1000.0f, 0.5f, 0, -128, 127), -128);
  EXPECT_FLOAT_EQ(dequantizeValue(8, 0.5f, 10), -1.0f);
  auto weights = quantizeWeightsPerChannel({1.0f, -0.5f, 0.25f, 0.0f}, 2,
                                           /*channelsLast=*/false);
  ASSERT_TRUE(weights.ok());
  EXPECT_EQ(weights->values, (std::vector<int8_t>{127, -64, 127, 0}));
  EXPECT_FLOAT_EQ(weights->scales[1], 0.25f / 127);
  EXPECT_FALSE(quantizeWeightsPerChannel({1, 2, 3}, 2, false).ok());
}

} // namespace
