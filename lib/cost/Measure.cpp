//===- Measure.cpp - Timing a kernel until its median is stable ------------===//

#include "spaceevo/cost/Measure.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace spaceevo::cost {

namespace {

/// Restores the thread's CPU affinity when it goes out of scope.
class AffinityRestorer {
public:
  AffinityRestorer() { CPU_ZERO(&saved); }
  AffinityRestorer(const AffinityRestorer &) = delete;
  AffinityRestorer &operator=(const AffinityRestorer &) = delete;
  ~AffinityRestorer() {
    if (active) sched_setaffinity(0, sizeof(saved), &saved);
  }
  void remember(const cpu_set_t &mask) {
    saved = mask;
    active = true;
  }

private:
  cpu_set_t saved;
  bool active = false;
};

/// Pins the calling thread to one CPU. Returns the CPU, or -1 when the
/// system refused and no particular CPU was asked for.
Expected<int> pinToOneCpu(int requestedCpu, AffinityRestorer &restorer) {
  const bool explicitCpu = requestedCpu >= 0;
  if (requestedCpu >= CPU_SETSIZE)
    return makeError("measure: cpu " + std::to_string(requestedCpu) + " is out of range");
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    if (explicitCpu) return makeError("measure: cannot read this thread's CPU affinity");
    return -1;
  }
  int target = explicitCpu ? requestedCpu : sched_getcpu();
  if (target < 0 || target >= CPU_SETSIZE || !CPU_ISSET(target, &allowed)) {
    if (explicitCpu)
      return makeError("measure: cpu " + std::to_string(requestedCpu) +
                       " is not among the CPUs this thread may run on");
    target = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && target < 0; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) target = cpu;
    if (target < 0) return -1;
  }
  cpu_set_t single;
  CPU_ZERO(&single);
  CPU_SET(target, &single);
  if (sched_setaffinity(0, sizeof(single), &single) != 0) {
    if (explicitCpu)
      return makeError("measure: the system refused to pin this thread to cpu " +
                       std::to_string(requestedCpu));
    return -1;
  }
  restorer.remember(allowed);
  return target;
}

Status validate(const MeasureOptions &options, const NanosecondClock &clock) {
  auto invalid = [](const std::string &why) { return Status(makeError("measure: " + why)); };
  if (options.warmup < 0) return invalid("warmup must be >= 0");
  if (options.minRepeats < 1) return invalid("minRepeats must be >= 1");
  if (options.maxRepeats < options.minRepeats) return invalid("maxRepeats must be >= minRepeats");
  if (!(options.targetRelativeStability > 0) || !std::isfinite(options.targetRelativeStability))
    return invalid("targetRelativeStability must be a positive number");
  if (!(options.maxSeconds > 0) || !std::isfinite(options.maxSeconds))
    return invalid("maxSeconds must be a positive number");
  if (!clock) return invalid("no clock");
  return Status::success();
}

double medianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return percentileOfSorted(values, 0.5);
}

Expected<Measurement> measureWithStatus(const std::function<Status()> &run,
                                        const MeasureOptions &options,
                                        const NanosecondClock &clock) {
  if (Status valid = validate(options, clock); !valid) return makeError(valid.error());
  if (!run) return makeError("measure: no function to run");

  Measurement result;
  AffinityRestorer restorer; // declared before any run: affinity comes back on every return
  if (options.pinCpu) {
    Expected<int> cpu = pinToOneCpu(options.cpu, restorer);
    if (!cpu) return makeError(cpu.error());
    result.cpu = *cpu;
    result.pinned = *cpu >= 0;
  }

  // A year is plenty and keeps the nanosecond count far from overflow.
  const double budgetSeconds = std::min(options.maxSeconds, 365.0 * 24 * 3600);
  const int64_t budgetNs = static_cast<int64_t>(budgetSeconds * 1e9);
  const int64_t start = clock();

  for (int i = 0; i < options.warmup; ++i) {
    if (clock() - start >= budgetNs) break;
    if (Status ran = run(); !ran)
      return makeError("measure: warm-up run " + std::to_string(i + 1) + " failed: " + ran.error());
    ++result.warmupRuns;
  }

  std::vector<double> &samples = result.samplesUs;
  size_t checkedAt = 0;
  while (true) {
    if (options.beforeEachRun)
      options.beforeEachRun(); // untimed: e.g. evict caches
    const int64_t before = clock();
    Status ran = run();
    const int64_t after = clock();
    if (!ran)
      return makeError("measure: timed run " + std::to_string(samples.size() + 1) +
                       " failed: " + ran.error());
    samples.push_back(std::max<int64_t>(0, after - before) / 1000.0);

    const size_t n = samples.size();
    const bool atRepeatCap = n >= static_cast<size_t>(options.maxRepeats);
    const bool atTimeCap = after - start >= budgetNs;
    // Judging costs a sort; past a few dozen samples judge every ~3% more
    // runs (and always before a cap ends the measurement).
    const bool judgeNow = n - checkedAt >= std::max<size_t>(1, n / 32) || atRepeatCap || atTimeCap;
    if (n >= static_cast<size_t>(options.minRepeats) && judgeNow) {
      checkedAt = n;
      if (isMedianStable(samples, options.targetRelativeStability)) {
        result.stopReason = StopReason::Stable;
        break;
      }
    }
    if (atRepeatCap) {
      result.stopReason = StopReason::RepeatCap;
      break;
    }
    if (atTimeCap) {
      result.stopReason = StopReason::TimeCap;
      break;
    }
  }

  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  result.runs = static_cast<int>(samples.size());
  double total = 0;
  for (double sample : samples) total += sample;
  result.meanUs = total / static_cast<double>(samples.size());
  result.medianUs = percentileOfSorted(sorted, 0.5);
  result.p10Us = percentileOfSorted(sorted, 0.1);
  result.p90Us = percentileOfSorted(sorted, 0.9);
  return result;
}

} // namespace

const char *stopReasonName(StopReason reason) {
  switch (reason) {
  case StopReason::Stable:
    return "stable";
  case StopReason::RepeatCap:
    return "repeat-cap";
  case StopReason::TimeCap:
    return "time-cap";
  }
  return "unknown";
}

int64_t steadyClockNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double percentileOfSorted(const std::vector<double> &sorted, double fraction) {
  if (sorted.empty()) return 0;
  const double position = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double weight = position - static_cast<double>(below);
  return sorted[below] + weight * (sorted[above] - sorted[below]);
}

bool isMedianStable(const std::vector<double> &samplesInRunOrder, double relativeTolerance) {
  const size_t n = samplesInRunOrder.size();
  if (n == 0) return false;
  std::vector<double> sorted = samplesInRunOrder;
  std::sort(sorted.begin(), sorted.end());
  const double median = percentileOfSorted(sorted, 0.5);
  const double tolerance = relativeTolerance * median;

  // 95% confidence interval of the median from order statistics (1-based
  // ranks lower..upper), valid for any distribution of independent samples.
  const double spread = 1.96 * std::sqrt(static_cast<double>(n));
  const double count = static_cast<double>(n);
  const long lower = std::max(1L, static_cast<long>(std::floor((count - spread) / 2)));
  const long upper =
      std::min(static_cast<long>(n), static_cast<long>(std::ceil(1 + (count + spread) / 2)));
  const double halfWidth = (sorted[upper - 1] - sorted[lower - 1]) / 2;
  if (halfWidth > tolerance) return false;

  const size_t recentCount = (n + 1) / 2;
  const std::vector<double> recent(samplesInRunOrder.end() - recentCount, samplesInRunOrder.end());
  return std::abs(medianOf(recent) - median) <= tolerance;
}

Expected<Measurement> measure(const std::function<void()> &run, const MeasureOptions &options,
                              const NanosecondClock &clock) {
  if (!run) return makeError("measure: no function to run");
  return measureWithStatus(
      [&run]() {
        run();
        return Status::success();
      },
      options, clock);
}

Expected<Measurement> measureFallible(const std::function<Status()> &run,
                                      const MeasureOptions &options, const NanosecondClock &clock) {
  return measureWithStatus(run, options, clock);
}

} // namespace spaceevo::cost
