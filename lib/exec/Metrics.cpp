//===- Metrics.cpp - NSR, digests, latency --------------------------------===//
#include "spaceevo/exec/Metrics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include <pthread.h>
#include <sched.h>

namespace spaceevo::exec {

Expected<NoiseToSignal> noiseToSignal(const std::vector<Tensor> &reference,
                                      const std::vector<Tensor> &test) {
  using Result = Expected<NoiseToSignal>;
  if (reference.empty() || reference.size() != test.size())
    return Result::failure("NSR needs equally many (and at least one) "
                           "reference and test tensors");
  TensorShape shape = reference.front().shape;
  for (size_t n = 0; n < reference.size(); ++n)
    if (reference[n].shape != shape || test[n].shape != shape ||
        reference[n].values.size() != size_t(shape.elements()) ||
        test[n].values.size() != size_t(shape.elements()))
      return Result::failure("NSR: all tensors must have the same shape");
  const size_t channels = size_t(shape.channels);
  const size_t pixels = size_t(shape.height * shape.width);
  NoiseToSignal result;
  std::vector<double> channelSum(channels, 0.0);
  std::vector<int64_t> channelCount(channels, 0);
  double spaceEvoSum = 0, referenceSum = 0, noiseEnergy = 0, signalEnergy = 0;
  int64_t spaceEvoTerms = 0, referenceTerms = 0;
  for (size_t n = 0; n < reference.size(); ++n) {
    const std::vector<float> &t = reference[n].values, &s = test[n].values;
    for (size_t c = 0; c < channels; ++c) {
      double sMean = 0, tMean = 0, noise = 0;
      for (size_t p = 0; p < pixels; ++p) {
        size_t i = p * channels + c;
        sMean += s[i];
        tMean += t[i];
        double d = double(s[i]) - t[i];
        noise += d * d;
        signalEnergy += double(t[i]) * t[i];
      }
      noiseEnergy += noise;
      sMean /= double(pixels);
      tMean /= double(pixels);
      double sVar = 0, tVar = 0;
      for (size_t p = 0; p < pixels; ++p) {
        size_t i = p * channels + c;
        sVar += (s[i] - sMean) * (s[i] - sMean);
        tVar += (t[i] - tMean) * (t[i] - tMean);
      }
      // torch.var is unbiased (divides by N - 1).
      double denominator = pixels > 1 ? double(pixels - 1) : 0.0;
      double meanNoise = noise / double(pixels);
      if (denominator > 0 && sVar > 0) {
        double term = meanNoise / (sVar / denominator);
        spaceEvoSum += term;
        ++spaceEvoTerms;
        channelSum[c] += term;
        ++channelCount[c];
      } else {
        ++result.skippedChannels;
      }
      if (denominator > 0 && tVar > 0) {
        referenceSum += meanNoise / (tVar / denominator);
        ++referenceTerms;
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  result.spaceEvo = spaceEvoTerms ? spaceEvoSum / double(spaceEvoTerms) : nan;
  result.referenceVariance =
      referenceTerms ? referenceSum / double(referenceTerms) : nan;
  result.energy = signalEnergy > 0 ? noiseEnergy / signalEnergy
                                   : (noiseEnergy > 0 ? nan : 0.0);
  result.perChannel.resize(channels);
  for (size_t c = 0; c < channels; ++c)
    result.perChannel[c] =
        channelCount[c] ? channelSum[c] / double(channelCount[c]) : nan;
  return result;
}

uint64_t fnv1a64(const void *data, size_t bytes, uint64_t seed) {
  const auto *p = static_cast<const unsigned char *>(data);
  uint64_t hash = seed;
  for (size_t i = 0; i < bytes; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string digestHex(uint64_t digest) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(digest));
  return text;
}

namespace {

double percentileOf(std::vector<double> sorted, double q) {
  std::sort(sorted.begin(), sorted.end());
  double position = q * double(sorted.size() - 1);
  size_t lo = size_t(std::floor(position));
  size_t hi = std::min(sorted.size() - 1, lo + 1);
  double weight = position - double(lo);
  return sorted[lo] * (1 - weight) + sorted[hi] * weight;
}

} // namespace

Expected<LatencyStats> measureLatency(const std::function<Status()> &run,
                                      const LatencyOptions &options) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < options.warmupRuns; ++i)
    if (auto s = run(); !s)
      return Expected<LatencyStats>(s);
  std::vector<double> samples;
  auto begin = Clock::now();
  int maxRuns = std::max(options.maxRuns, std::max(1, options.minRuns));
  while (int(samples.size()) < maxRuns) {
    auto start = Clock::now();
    if (auto s = run(); !s)
      return Expected<LatencyStats>(s);
    auto end = Clock::now();
    samples.push_back(std::chrono::duration<double, std::milli>(end - start)
                          .count());
    double spent = std::chrono::duration<double>(end - begin).count();
    if (int(samples.size()) < options.minRuns || spent < options.minSeconds)
      continue;
    // Stable: the median of the first half agrees with the overall median.
    std::vector<double> firstHalf(samples.begin(),
                                  samples.begin() + samples.size() / 2);
    double all = percentileOf(samples, 0.5);
    double half = firstHalf.empty() ? all : percentileOf(firstHalf, 0.5);
    if (std::fabs(all - half) <= options.stableFraction * all)
      break;
  }
  LatencyStats stats;
  stats.runs = int(samples.size());
  stats.medianMs = percentileOf(samples, 0.5);
  stats.p10Ms = percentileOf(samples, 0.1);
  stats.p90Ms = percentileOf(samples, 0.9);
  stats.minMs = *std::min_element(samples.begin(), samples.end());
  return stats;
}

bool pinThreadToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

} // namespace spaceevo::exec
