//===- ReferenceTest.cpp - The reference kernels on hand-checked cases ----===//

#include "TestUtil.h"

#include "spaceevo/runtime/Reference.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace spaceevo::runtime;
using namespace spaceevo::runtime::test;

namespace {

OutputStage identityStage(int32_t zeroPoint = 0) {
  OutputStage stage;
  stage.multiplier = {1 << 30};
  stage.shift = {30};
  stage.zeroPoint = zeroPoint;
  return stage;
}

std::vector<uint8_t> runReference(const KernelDesc &desc,
                                  const std::vector<uint8_t> &input,
                                  const std::vector<uint8_t> &other = {}) {
  auto kernel = createKernel(desc, Backend::Reference);
  EXPECT_TRUE(kernel.ok()) << kernel.error();
  std::vector<uint8_t> out((*kernel)->outputBytes());
  Status s = (*kernel)->run(constBuffer(input), constBuffer(other),
                            mutableBuffer(out));
  EXPECT_TRUE(s.ok()) << s.error();
  return out;
}

TEST(Reference, PaddingIsRealZero) {
  // All inputs are zp + 1 (real 1), all weights 1: a 3x3 same conv counts
  // the in-bounds taps (4 at corners, 6 on edges, 9 inside).
  OutputStage stage;
  stage.int32Output = true;
  KernelDesc d = makeConvDesc({1, 3, 3, 1}, 1, 3, 1,
                              std::vector<int8_t>(9, 1), {}, 100, stage);
  auto out = runReference(d, std::vector<uint8_t>(9, 101));
  const int32_t *acc = reinterpret_cast<const int32_t *>(out.data());
  EXPECT_EQ(std::vector<int32_t>(acc, acc + 9),
            (std::vector<int32_t>{4, 6, 4, 6, 9, 6, 4, 6, 4}));
}

TEST(Reference, StridedDepthwiseAndBias) {
  OutputStage stage;
  stage.int32Output = true;
  // 2 channels, 5x5, stride 2, same padding: output 3x3.
  std::vector<int8_t> weights(9 * 2);
  for (int t = 0; t < 9; ++t) {
    weights[size_t(t * 2)] = 1;
    weights[size_t(t * 2 + 1)] = int8_t(t == 4 ? 2 : 0);
  }
  KernelDesc d = makeDepthwiseDesc({1, 5, 5, 2}, 3, 2, weights, {10, -10}, 0,
                                   stage);
  std::vector<uint8_t> input(50);
  for (int p = 0; p < 25; ++p) {
    input[size_t(p * 2)] = 1;
    input[size_t(p * 2 + 1)] = uint8_t(p);
  }
  auto out = runReference(d, input);
  const int32_t *acc = reinterpret_cast<const int32_t *>(out.data());
  // Channel 0 counts taps (+10); channel 1 is 2 * centre pixel - 10.
  EXPECT_EQ(acc[0], 4 + 10);
  EXPECT_EQ(acc[1], 0 - 10);
  EXPECT_EQ(acc[(1 * 3 + 1) * 2], 9 + 10);
  EXPECT_EQ(acc[(1 * 3 + 1) * 2 + 1], 2 * 12 - 10);
  EXPECT_EQ(acc[(2 * 3 + 2) * 2 + 1], 2 * 24 - 10);
}

TEST(Reference, QuantizedConvApproximatesFloat) {
  // Fake-quantized float conv vs the INT8 pipeline: within 1 output step.
  Rng rng(3);
  Shape4 in{1, 6, 7, 5};
  int64_t outC = 4, k = 3;
  std::vector<float> wf(size_t(outC * k * k * in.c));
  for (auto &w : wf)
    w = float(uniformInt(rng, -1000, 1000)) / 1000.0f;
  auto wq = quantizeWeightsPerChannel(wf, outC, false);
  ASSERT_TRUE(wq.ok());
  QuantParams inQ{0.02f, 120}, outQ{0.05f, 100};
  auto stage = convOutputStage(inQ, wq->scales, outQ);
  ASSERT_TRUE(stage.ok());
  KernelDesc d = makeConvDesc(in, outC, k, 1, wq->values, {}, inQ.zeroPoint,
                              *stage);
  auto x = randomBytes(rng, size_t(in.elements()));
  auto y = runReference(d, x);
  // Float conv on the dequantized values.
  ConvGeometry g = convGeometry(d);
  for (int64_t oy = 0; oy < in.h; ++oy)
    for (int64_t ox = 0; ox < in.w; ++ox)
      for (int64_t oc = 0; oc < outC; ++oc) {
        double sum = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            int64_t iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w)
              continue;
            for (int64_t ic = 0; ic < in.c; ++ic) {
              double xv = inQ.scale * (x[size_t((iy * in.w + ix) * in.c + ic)] -
                                       inQ.zeroPoint);
              size_t wi = size_t(((oc * k + ky) * k + kx) * in.c + ic);
              sum += xv * wq->values[wi] * wq->scales[size_t(oc)];
            }
          }
        double expected = std::min(255.0, std::max(0.0, std::nearbyint(
                                   sum / outQ.scale) + outQ.zeroPoint));
        uint8_t got = y[size_t((oy * in.w + ox) * outC + oc)];
        EXPECT_NEAR(double(got), expected, 1.0);
      }
  (void)g;
}

TEST(Reference, ElementwiseOps) {
  // Global average pool with TOSA's reciprocal scale (same in/out scale).
  KernelDesc pool;
  pool.kind = OpKind::GlobalAvgPool;
  pool.input = {1, 2, 2, 1};
  pool.inputZeroPoint = 10;
  auto recip = quantizeScale(0.25);
  pool.output.multiplier = {recip->multiplier};
  pool.output.shift = {recip->shift};
  pool.output.zeroPoint = 10;
  EXPECT_EQ(runReference(pool, {11, 12, 13, 15}),
            (std::vector<uint8_t>{13})); // mean of 1,2,3,5 = 2.75 -> 3
  // Residual add: both operands x 2^20 into int32, sum x 2^-20.
  KernelDesc add;
  add.kind = OpKind::Add;
  add.input = {1, 1, 2, 2};
  auto up = quantizeScale(std::pow(2.0, 20));
  auto down = quantizeScale(std::pow(2.0, -20));
  add.addInput = {5, up->multiplier, up->shift};
  add.addOther = {7, up->multiplier, up->shift};
  add.output.multiplier = {down->multiplier};
  add.output.shift = {down->shift};
  add.output.zeroPoint = 3;
  EXPECT_EQ(runReference(add, {5, 10, 6, 200}, {7, 7, 100, 200}),
            (std::vector<uint8_t>{3, 8, 97, 255}));
  // Squeeze-excite: x * s with the scale's zero point removed.
  KernelDesc se;
  se.kind = OpKind::ChannelScale;
  se.input = {1, 1, 2, 2};
  se.inputZeroPoint = 100;
  se.otherZeroPoint = 0;
  auto eighth = quantizeScale(1.0 / 8);
  se.output.multiplier = {eighth->multiplier};
  se.output.shift = {eighth->shift};
  se.output.zeroPoint = 100;
  EXPECT_EQ(runReference(se, {108, 116, 92, 100}, {8, 4}),
            (std::vector<uint8_t>{108, 108, 92, 100}));
  // Table.
  KernelDesc table;
  table.kind = OpKind::Table;
  table.input = {1, 1, 1, 3};
  for (int i = 0; i < 256; ++i)
    table.table[size_t(i)] = uint8_t(i / 2);
  EXPECT_EQ(runReference(table, {0, 101, 255}), (std::vector<uint8_t>{0, 50, 127}));
  // Rescale uint8 -> uint8 with zero points: (q - 20) * 0.5 + 30.
  KernelDesc rescale;
  rescale.kind = OpKind::Rescale;
  rescale.input = {1, 1, 1, 3};
  rescale.inputZeroPoint = 20;
  auto half = quantizeScale(0.5);
  rescale.output.multiplier = {half->multiplier};
  rescale.output.shift = {half->shift};
  rescale.output.zeroPoint = 30;
  EXPECT_EQ(runReference(rescale, {20, 25, 0}),
            (std::vector<uint8_t>{30, 33, 20})); // 2.5 -> 3, -10 -> 20
}

} // namespace
