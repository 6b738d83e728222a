//===- Measure.h - Timing a kernel until its median is stable ---*- C++ -*-===//
//
// measure() runs a function repeatedly on one pinned CPU and summarizes the
// per-run times as mean, median, p10 and p90 (microseconds). It does `warmup`
// untimed runs, then timed runs until the median is stable, the repeat cap
// or the time cap is reached.
//
// Stability (checked once at least minRepeats timed runs exist) needs both:
//  * precision: the distribution-free 95% confidence interval of the median
//    (order statistics j..k of the sorted samples, j,k = n/2 -+ 0.98 sqrt(n),
//    clamped to the sample) has a half-width <= targetRelativeStability *
//    median. With few samples it is the whole range, so a single outlier
//    keeps the measurement going until there are enough samples to ignore it;
//  * no drift: the median of the most recent half of the samples is within
//    targetRelativeStability of the median of all (the interval assumes
//    independent samples; a clock ramping up or a neighbour starting breaks
//    that).
// The logic depends only on the clock's readings, so tests drive it with a
// fake clock and no timing assertions.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_COST_MEASURE_H
#define SPACEEVO_COST_MEASURE_H

#include "spaceevo/cost/Errors.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace spaceevo::cost {

struct MeasureOptions {
  int warmup = 3;      ///< untimed runs first (caches, page faults, JIT-free lazy init)
  int minRepeats = 10; ///< timed runs before stability is judged (time cap aside)
  int maxRepeats = 1000;
  double targetRelativeStability = 0.02; ///< 2%: see the header comment
  double maxSeconds = 5.0; ///< wall-clock budget including warm-up; >= 1 timed run always
  bool pinCpu = true;      ///< pin the calling thread to one CPU, restored afterwards
  int cpu = -1;            ///< the CPU to pin to; -1: the one the thread is on now
  /// Called before every timed run, outside the timing (e.g. to evict the
  /// caches so a kernel is timed as it runs inside a network).
  std::function<void()> beforeEachRun;
};

enum class StopReason { Stable, RepeatCap, TimeCap };
const char *stopReasonName(StopReason reason); ///< "stable", "repeat-cap", "time-cap"

struct Measurement {
  /// The mean is what a sum of kernels predicts: a network's time is the sum
  /// of its kernels' times, and the median of a sum is close to the sum of
  /// the means, not of the medians, when the times are skewed (they are: a
  /// slow tail of interrupted runs).
  double meanUs = 0;
  double medianUs = 0;
  double p10Us = 0;
  double p90Us = 0;
  int runs = 0;       ///< timed runs
  int warmupRuns = 0; ///< untimed runs actually done (fewer if the time cap hit)
  StopReason stopReason = StopReason::Stable;
  bool pinned = false;           ///< false if pinning was off or the system refused it
  int cpu = -1;                  ///< the CPU pinned to, when pinned
  std::vector<double> samplesUs; ///< every timed run, in order
};

/// Monotonic time in nanoseconds. The default reads std::chrono::steady_clock.
using NanosecondClock = std::function<int64_t()>;
int64_t steadyClockNanoseconds();

/// Times `run`. Errors for invalid options, or when an explicit `cpu` cannot
/// be pinned (pinning to the current CPU that the system refuses only clears
/// `pinned`).
Expected<Measurement> measure(const std::function<void()> &run, const MeasureOptions &options,
                              const NanosecondClock &clock = steadyClockNanoseconds);

/// Same for a run that can fail: the first failing run stops the measurement
/// and its error is returned (with the run index).
Expected<Measurement> measureFallible(const std::function<Status()> &run,
                                      const MeasureOptions &options,
                                      const NanosecondClock &clock = steadyClockNanoseconds);

/// Percentile of sorted samples, linear interpolation between closest ranks
/// (fraction in [0, 1]; 0.5 is the usual median). 0 for an empty vector.
double percentileOfSorted(const std::vector<double> &sorted, double fraction);

/// The stopping criterion above for samples in run order.
bool isMedianStable(const std::vector<double> &samplesInRunOrder, double relativeTolerance);

} // namespace spaceevo::cost

#endif // SPACEEVO_COST_MEASURE_H
