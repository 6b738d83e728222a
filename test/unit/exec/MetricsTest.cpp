//===- MetricsTest.cpp - NSR definition, digests, latency helper ----------===//
#include "spaceevo/exec/Metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace spaceevo::exec;

TEST(Metrics, NoiseToSignalHandComputed) {
  // One channel, 2x2 pixels. Student s = (1, 2, 3, 4) (unbiased variance
  // 5/3), teacher t = s + (1, -1, 1, -1): mean squared noise 1, so
  // SpaceEvo's NSR = 1 / (5/3) = 0.6.
  Tensor s({2, 2, 1}), t({2, 2, 1});
  s.values = {1, 2, 3, 4};
  t.values = {2, 1, 4, 3};
  auto nsr = noiseToSignal(t, s);
  ASSERT_TRUE(nsr.ok()) << nsr.error();
  EXPECT_NEAR(nsr->spaceEvo, 0.6, 1e-12);
  EXPECT_NEAR(nsr->perChannel[0], 0.6, 1e-12);
  // The teacher has the same variance here.
  EXPECT_NEAR(nsr->referenceVariance, 0.6, 1e-12);
  EXPECT_NEAR(nsr->energy, 4.0 / (4 + 1 + 16 + 9), 1e-12);
  EXPECT_EQ(nsr->skippedChannels, 0);
}

TEST(Metrics, NoiseToSignalAveragesChannelsAndSkipsConstantOnes) {
  // Channel 0 as above (0.6); channel 1 constant in the student: skipped.
  Tensor s({2, 2, 2}), t({2, 2, 2});
  s.values = {1, 5, 2, 5, 3, 5, 4, 5};
  t.values = {2, 5, 1, 5, 4, 5, 3, 5};
  auto nsr = noiseToSignal(t, s);
  ASSERT_TRUE(nsr.ok());
  EXPECT_NEAR(nsr->spaceEvo, 0.6, 1e-12);
  EXPECT_EQ(nsr->skippedChannels, 1);
  EXPECT_TRUE(std::isnan(nsr->perChannel[1]));
  // Identical tensors: zero noise.
  auto zero = noiseToSignal(t, t);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->spaceEvo, 0.0);
  EXPECT_EQ(zero->energy, 0.0);
}

TEST(Metrics, NoiseToSignalRejectsMismatchedShapes) {
  Tensor a({2, 2, 1}), b({2, 1, 2});
  EXPECT_FALSE(noiseToSignal(a, b).ok());
  EXPECT_FALSE(noiseToSignal(std::vector<Tensor>{a}, {}).ok());
}

TEST(Metrics, Fnv1aKnownValues) {
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(digestHex(fnv1a64("foobar", 6)), "85944171f73967e8");
}

TEST(Metrics, LatencyHelperCountsAndReportsFailures) {
  int calls = 0;
  LatencyOptions options;
  options.warmupRuns = 2;
  options.minRuns = 5;
  options.maxRuns = 5;
  options.minSeconds = 0;
  auto stats = measureLatency(
      [&] {
        ++calls;
        return Status::success();
      },
      options);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->runs, 5);
  EXPECT_EQ(calls, 7);
  EXPECT_LE(stats->p10Ms, stats->medianMs);
  EXPECT_LE(stats->medianMs, stats->p90Ms);
  auto failing =
      measureLatency([] { return Status::failure("boom"); }, options);
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.error(), "boom");
}
