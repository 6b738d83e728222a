//===- MeasureTest.cpp - Stopping logic with a fake clock ------------------===//
//
// The fake kernel advances a fake clock by a chosen duration per call, so the
// measurement's decisions are exact and nothing here depends on real timing.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/cost/Measure.h"

#include <gtest/gtest.h>

#include <sched.h>

#include <cstring>

using namespace spaceevo::cost;

namespace {

/// A kernel whose n-th call (warm-up included, from 0) takes duration(n) us
/// of fake time.
struct FakeKernel {
  explicit FakeKernel(std::function<double(int)> duration) : duration(std::move(duration)) {}
  std::function<double(int)> duration;
  int64_t nowNs = 0;
  int calls = 0;

  std::function<void()> run() {
    return [this] { nowNs += static_cast<int64_t>(duration(calls++) * 1000); };
  }
  NanosecondClock clock() {
    return [this] { return nowNs; };
  }
};

MeasureOptions unpinned() {
  MeasureOptions options;
  options.pinCpu = false;
  return options;
}

TEST(Measure, ConstantKernelIsStableAfterMinRepeats) {
  FakeKernel kernel([](int) { return 100.0; });
  Expected<Measurement> result = measure(kernel.run(), unpinned(), kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stopReason, StopReason::Stable);
  EXPECT_EQ(result->warmupRuns, 3);
  EXPECT_EQ(result->runs, 10);
  EXPECT_EQ(kernel.calls, 13);
  EXPECT_DOUBLE_EQ(result->medianUs, 100);
  EXPECT_DOUBLE_EQ(result->meanUs, 100);
  EXPECT_DOUBLE_EQ(result->p10Us, 100);
  EXPECT_DOUBLE_EQ(result->p90Us, 100);
  EXPECT_EQ(result->samplesUs.size(), 10u);
}

TEST(Measure, WarmUpRunsAreNotTimed) {
  FakeKernel kernel([](int call) { return call < 3 ? 5000.0 : 100.0; });
  Expected<Measurement> result = measure(kernel.run(), unpinned(), kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_DOUBLE_EQ(result->medianUs, 100);
  EXPECT_DOUBLE_EQ(result->p90Us, 100);
}

TEST(Measure, AnOutlierDelaysStabilityButNotTheMedian) {
  // The third timed run is ten times slower: with 10 samples the median's
  // confidence interval is the whole range, so more samples are taken.
  FakeKernel kernel([](int call) { return call == 5 ? 1000.0 : 100.0; });
  Expected<Measurement> result = measure(kernel.run(), unpinned(), kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stopReason, StopReason::Stable);
  EXPECT_GT(result->runs, 10);
  EXPECT_LE(result->runs, 20);
  EXPECT_DOUBLE_EQ(result->medianUs, 100);
  EXPECT_DOUBLE_EQ(result->samplesUs[2], 1000);
  // The mean keeps the outlier: a network pays for it when it happens.
  EXPECT_DOUBLE_EQ(result->meanUs, 100 + 900.0 / result->runs);
}

TEST(Measure, BimodalKernelRunsToTheRepeatCap) {
  FakeKernel kernel([](int call) { return call % 2 ? 200.0 : 100.0; });
  MeasureOptions options = unpinned();
  options.maxRepeats = 60;
  Expected<Measurement> result = measure(kernel.run(), options, kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stopReason, StopReason::RepeatCap);
  EXPECT_EQ(result->runs, 60);
  EXPECT_DOUBLE_EQ(result->medianUs, 150);
  EXPECT_DOUBLE_EQ(result->meanUs, 150);
  EXPECT_DOUBLE_EQ(result->p10Us, 100);
  EXPECT_DOUBLE_EQ(result->p90Us, 200);
}

TEST(Measure, SlowKernelStopsAtTheTimeCap) {
  FakeKernel kernel([](int) { return 1e6; }); // one second per run
  MeasureOptions options = unpinned();
  options.warmup = 1;
  options.maxSeconds = 3.5;
  Expected<Measurement> result = measure(kernel.run(), options, kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stopReason, StopReason::TimeCap);
  EXPECT_EQ(result->warmupRuns, 1);
  EXPECT_EQ(result->runs, 3); // t = 2, 3, 4 s after the warm-up's 1 s
  EXPECT_DOUBLE_EQ(result->medianUs, 1e6);
}

TEST(Measure, TheTimeCapCutsWarmUpButOneRunIsAlwaysTimed) {
  FakeKernel kernel([](int) { return 1e6; });
  MeasureOptions options = unpinned();
  options.warmup = 10;
  options.maxSeconds = 2.5;
  Expected<Measurement> result = measure(kernel.run(), options, kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->warmupRuns, 3);
  EXPECT_EQ(result->runs, 1);
  EXPECT_EQ(result->stopReason, StopReason::TimeCap);
}

TEST(Measure, SteadyCoarseNoiseStillConverges) {
  // +-1% deterministic jitter around 100 us is within the 2% target.
  FakeKernel kernel([](int call) { return 100.0 + ((call * 7) % 3 - 1); });
  Expected<Measurement> result = measure(kernel.run(), unpinned(), kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stopReason, StopReason::Stable);
  EXPECT_NEAR(result->medianUs, 100, 1);
  EXPECT_LE(result->p10Us, result->medianUs);
  EXPECT_GE(result->p90Us, result->medianUs);
}

TEST(MedianStability, DriftIsNotStabilityEvenWithATightInterval) {
  // 30 runs at 100 us then 10 at 105 us: the median's interval is tight (all
  // 100), but the recent half has drifted by 2.5%.
  std::vector<double> drifting(30, 100.0);
  drifting.insert(drifting.end(), 10, 105.0);
  EXPECT_FALSE(isMedianStable(drifting, 0.02));
  // The same samples with the slow ones first: it settled, so it is stable.
  std::vector<double> settled(10, 105.0);
  settled.insert(settled.end(), 30, 100.0);
  EXPECT_TRUE(isMedianStable(settled, 0.02));
  EXPECT_FALSE(isMedianStable({}, 0.02));
  EXPECT_TRUE(isMedianStable({0, 0, 0, 0}, 0.02));
  EXPECT_FALSE(isMedianStable({100, 100, 100, 100, 100, 100, 100, 100, 100, 150}, 0.02));
}

TEST(MedianStability, PercentilesInterpolateBetweenRanks) {
  EXPECT_DOUBLE_EQ(percentileOfSorted({}, 0.5), 0);
  EXPECT_DOUBLE_EQ(percentileOfSorted({7}, 0.9), 7);
  EXPECT_DOUBLE_EQ(percentileOfSorted({1, 2, 3, 4}, 0.5), 2.5);
  const std::vector<double> tens = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  EXPECT_DOUBLE_EQ(percentileOfSorted(tens, 0.1), 19);
  EXPECT_DOUBLE_EQ(percentileOfSorted(tens, 0.9), 91);
  EXPECT_DOUBLE_EQ(percentileOfSorted(tens, 0.0), 10);
  EXPECT_DOUBLE_EQ(percentileOfSorted(tens, 1.0), 100);
}

TEST(Measure, FailingRunStopsWithItsError) {
  int calls = 0;
  int64_t now = 0;
  auto run = [&]() -> Status {
    now += 1000;
    if (++calls == 5) return makeError("kernel returned -3");
    return Status::success();
  };
  Expected<Measurement> result = measureFallible(run, unpinned(), [&] { return now; });
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("timed run 2"), std::string::npos) << result.error();
  EXPECT_NE(result.error().find("kernel returned -3"), std::string::npos) << result.error();
}

TEST(Measure, InvalidOptionsAreErrors) {
  FakeKernel kernel([](int) { return 1.0; });
  std::vector<MeasureOptions> invalid(6, unpinned());
  invalid[0].minRepeats = 0;
  invalid[1].maxRepeats = invalid[1].minRepeats - 1;
  invalid[2].targetRelativeStability = 0;
  invalid[3].maxSeconds = 0;
  invalid[4].warmup = -1;
  invalid[5].maxSeconds = std::numeric_limits<double>::infinity();
  for (const MeasureOptions &options : invalid) {
    Expected<Measurement> result = measure(kernel.run(), options, kernel.clock());
    EXPECT_FALSE(result.ok());
    EXPECT_NE(result.error().find("measure:"), std::string::npos) << result.error();
  }
  EXPECT_FALSE(measure(kernel.run(), unpinned(), NanosecondClock()).ok());
  EXPECT_EQ(kernel.calls, 0);
}

bool sameMask(const cpu_set_t &a, const cpu_set_t &b) { return CPU_EQUAL(&a, &b); }

TEST(Measure, PinsToOneCpuAndRestoresTheAffinity) {
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  int cpusSeenDuringRuns = 0;
  FakeKernel kernel([](int) { return 100.0; });
  auto run = [&] {
    cpu_set_t now;
    if (sched_getaffinity(0, sizeof(now), &now) == 0)
      cpusSeenDuringRuns = std::max(cpusSeenDuringRuns, CPU_COUNT(&now));
    kernel.run()();
  };
  MeasureOptions options; // pinCpu defaults to true
  Expected<Measurement> result = measure(run, options, kernel.clock());
  ASSERT_TRUE(result.ok()) << result.error();
  cpu_set_t after;
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(sameMask(before, after));
  if (!result->pinned) GTEST_SKIP() << "this system does not allow pinning";
  EXPECT_EQ(cpusSeenDuringRuns, 1);
  EXPECT_TRUE(CPU_ISSET(result->cpu, &before));
}

TEST(Measure, AnUnavailableCpuIsAnErrorAndChangesNothing) {
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  FakeKernel kernel([](int) { return 100.0; });
  MeasureOptions options;
  options.cpu = CPU_SETSIZE - 1; // no test machine has this many CPUs
  Expected<Measurement> result = measure(kernel.run(), options, kernel.clock());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("cpu"), std::string::npos) << result.error();
  EXPECT_EQ(kernel.calls, 0);
  cpu_set_t after;
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(sameMask(before, after));
}

TEST(Measure, RealClockSmoke) {
  // Only the shape of the result: timings are never asserted.
  volatile int sink = 0;
  MeasureOptions options;
  options.warmup = 1;
  options.minRepeats = 3;
  options.maxRepeats = 20;
  options.maxSeconds = 1;
  Expected<Measurement> result = measure([&] { sink = sink + 1; }, options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_GE(result->runs, 1);
  EXPECT_LE(result->runs, 20);
  EXPECT_LE(result->p10Us, result->medianUs);
  EXPECT_LE(result->medianUs, result->p90Us);
  EXPECT_STREQ(stopReasonName(result->stopReason), stopReasonName(result->stopReason));
}

} // namespace
