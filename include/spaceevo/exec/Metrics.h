//===- Metrics.h - NSR, output digests and latency ---------------*- C++ -*-===//
//
// Quality: SpaceEvo scores a block by the noise-to-signal ratio (NSR) of
// its output against a reference (its NSRLoss in
// SpaceEvo/modules/training/loss_fn.py, used by eval_block_kd.py as
// criterion(student_out, teacher_out)):
//
//   NSR = mean over (n, c) of  mean_hw (s - t)^2 / var_hw(s)
//
// s = the student's (tested) output, t = the teacher's (reference), var the
// unbiased variance over H x W of the *student's* channel. Here the student
// is the dequantized INT8 output and the teacher the FP32 output.
// `noiseToSignal` returns that (`spaceEvo`), the same with the reference's
// variance (`referenceVariance`), and the energy ratio
// ||s - t||^2 / ||t||^2 over the whole tensor (`energy`), plus the
// per-channel SpaceEvo terms. Channels whose variance is zero (constant
// maps, e.g. a 1x1 output) have no defined term and are skipped (counted in
// `skippedChannels`); with none left the SpaceEvo value is NaN.
//
// Digests: FNV-1a (64 bit) of output bytes, for spaceevo-run.
// Latency: median / p10 / p90 of repeated runs after warm-up (timings
// belong in benchmarks and reports; tests never assert them).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_METRICS_H
#define SPACEEVO_EXEC_METRICS_H

#include "spaceevo/exec/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>

namespace spaceevo::exec {

struct NoiseToSignal {
  double spaceEvo = 0;          ///< SpaceEvo's NSR (student variance)
  double referenceVariance = 0; ///< same, divided by the reference's variance
  double energy = 0;            ///< ||test - ref||^2 / ||ref||^2, whole tensor
  std::vector<double> perChannel; ///< SpaceEvo terms averaged over the batch
                                  ///< (NaN where every sample was skipped)
  int64_t skippedChannels = 0;  ///< (sample, channel) pairs without variance
};

/// `reference` (teacher, FP32) and `test` (student, e.g. dequantized INT8):
/// equal-length lists of tensors with equal shapes.
Expected<NoiseToSignal> noiseToSignal(const std::vector<Tensor> &reference,
                                      const std::vector<Tensor> &test);
inline Expected<NoiseToSignal> noiseToSignal(const Tensor &reference,
                                             const Tensor &test) {
  return noiseToSignal(std::vector<Tensor>{reference},
                       std::vector<Tensor>{test});
}

/// FNV-1a 64 of bytes; `digestHex` prints it as 16 hex digits.
uint64_t fnv1a64(const void *data, size_t bytes, uint64_t seed =
                                                     0xcbf29ce484222325ull);
std::string digestHex(uint64_t digest);

struct LatencyOptions {
  int warmupRuns = 3;
  int minRuns = 10;
  int maxRuns = 1000;
  double minSeconds = 0.5; ///< keep repeating until this much time is spent
  /// Stop early once the median of the last half and of all runs agree
  /// within this fraction (after minRuns).
  double stableFraction = 0.01;
};

struct LatencyStats {
  double medianMs = 0, p10Ms = 0, p90Ms = 0, minMs = 0;
  int runs = 0;
};

/// Times `run` (which reports failures) after warm-up.
Expected<LatencyStats> measureLatency(const std::function<Status()> &run,
                                      const LatencyOptions &options = {});

/// Pins the calling thread to one CPU (sched_setaffinity); false on failure.
bool pinThreadToCpu(int cpu);

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_METRICS_H
