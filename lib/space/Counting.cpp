//===- Counting.cpp - sizes of spaces and sampling of subnets -------------===//
#include "spaceevo/space/Counting.h"

#include <algorithm>
#include <cmath>

namespace spaceevo {

BigUInt::BigUInt(uint64_t value) {
  while (value) {
    limbs.push_back(static_cast<uint32_t>(value));
    value >>= 32;
  }
}

void BigUInt::trim() {
  while (!limbs.empty() && limbs.back() == 0)
    limbs.pop_back();
}

BigUInt &BigUInt::operator*=(const BigUInt &other) {
  std::vector<uint32_t> product(limbs.size() + other.limbs.size(), 0);
  for (size_t i = 0; i < limbs.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < other.limbs.size(); ++j) {
      uint64_t cur = product[i + j] +
                     static_cast<uint64_t>(limbs[i]) * other.limbs[j] + carry;
      product[i + j] = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    for (size_t k = i + other.limbs.size(); carry; ++k) {
      uint64_t cur = product[k] + carry;
      product[k] = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
  }
  limbs = std::move(product);
  trim();
  return *this;
}

BigUInt &BigUInt::operator*=(uint64_t factor) { return *this *= BigUInt(factor); }

BigUInt &BigUInt::operator+=(const BigUInt &other) {
  limbs.resize(std::max(limbs.size(), other.limbs.size()) + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < limbs.size(); ++i) {
    uint64_t cur = static_cast<uint64_t>(limbs[i]) + carry +
                   (i < other.limbs.size() ? other.limbs[i] : 0);
    limbs[i] = static_cast<uint32_t>(cur);
    carry = cur >> 32;
  }
  trim();
  return *this;
}

std::string BigUInt::toString() const {
  if (limbs.empty())
    return "0";
  std::vector<uint32_t> rest = limbs;
  std::string digits;
  while (!rest.empty()) {
    // Divide by 10^9 and collect the remainder as nine digits.
    uint64_t remainder = 0;
    for (size_t i = rest.size(); i-- > 0;) {
      uint64_t cur = (remainder << 32) | rest[i];
      rest[i] = static_cast<uint32_t>(cur / 1000000000u);
      remainder = cur % 1000000000u;
    }
    while (!rest.empty() && rest.back() == 0)
      rest.pop_back();
    for (int k = 0; k < 9; ++k) {
      digits.push_back(static_cast<char>('0' + remainder % 10));
      remainder /= 10;
    }
  }
  while (digits.size() > 1 && digits.back() == '0')
    digits.pop_back();
  return std::string(digits.rbegin(), digits.rend());
}

double BigUInt::log10() const {
  double value = 0;
  for (size_t i = limbs.size(); i-- > 0;)
    value = value * 4294967296.0 + limbs[i];
  return std::log10(value);
}

namespace {

uint64_t power(uint64_t base, int64_t exponent) {
  uint64_t result = 1;
  for (int64_t i = 0; i < exponent; ++i)
    result *= base;
  return result;
}

uint64_t choicesPerLayer(const CandidateSpec &candidate) {
  return candidate.kernels.size() *
         std::max<size_t>(1, candidate.expands.size());
}

/// Layer sequences of one candidate within one window: every layer picks a
/// kernel, an expansion and one of the window's widths.
BigUInt countInWindow(const StageSpec &stage, const CandidateSpec &candidate) {
  BigUInt total;
  uint64_t perLayer = choicesPerLayer(candidate) * stage.window;
  for (int64_t depth : stage.depths)
    total += BigUInt(power(perLayer, depth));
  return total;
}

/// Distinct layer sequences of one candidate over all windows: sequences
/// whose smallest width index is i and whose widths fit in a window, i.e.
/// lie in [i, i + window). Counted as all sequences over that range minus
/// those avoiding width i.
BigUInt countOverWindows(const StageSpec &stage,
                         const CandidateSpec &candidate) {
  BigUInt total;
  uint64_t c = choicesPerLayer(candidate);
  int64_t n = static_cast<int64_t>(stage.widths.size());
  for (int64_t depth : stage.depths)
    for (int64_t i = 0; i < n; ++i) {
      uint64_t m = static_cast<uint64_t>(std::min(stage.window, n - i));
      total += BigUInt(power(c * m, depth) - power(c * (m - 1), depth));
    }
  return total;
}

BigUInt countFixedPart(const HyperspaceSpec &hs) {
  BigUInt total(hs.resolutions.size());
  total *= hs.stem.widths.size();
  for (const StageSpec &stage : hs.stages) {
    if (!stage.fixed)
      continue;
    BigUInt stageCount;
    for (const CandidateSpec &candidate : stage.candidates)
      stageCount += countOverWindows(stage, candidate);
    total *= stageCount;
  }
  return total;
}

} // namespace

BigUInt countSpaces(const HyperspaceSpec &hs) {
  BigUInt total(1);
  for (const StageSpec &stage : hs.stages)
    if (!stage.fixed)
      total *= stage.candidates.size() * static_cast<uint64_t>(stage.numWindows());
  return total;
}

BigUInt countSubnets(const HyperspaceSpec &hs, const SpaceSpec &space) {
  BigUInt total = countFixedPart(hs);
  std::vector<size_t> searchable = hs.searchableStages();
  for (size_t i = 0; i < searchable.size(); ++i) {
    const StageSpec &stage = hs.stages[searchable[i]];
    total *= countInWindow(stage, stage.candidates[space.blocks[i]]);
  }
  return total;
}

BigUInt countSubnets(const HyperspaceSpec &hs) {
  BigUInt total = countFixedPart(hs);
  for (const StageSpec &stage : hs.stages) {
    if (stage.fixed)
      continue;
    BigUInt stageCount;
    for (const CandidateSpec &candidate : stage.candidates)
      stageCount += countOverWindows(stage, candidate);
    total *= stageCount;
  }
  return total;
}

uint64_t SplitMix64::next() {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t bound) {
  // Rejection keeps the draw unbiased for any bound.
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do
    value = next();
  while (value >= limit);
  return value % bound;
}

NetworkSpec sampleNetwork(const HyperspaceSpec &hs, const SpaceSpec &space,
                          SplitMix64 &rng, int64_t resolution) {
  NetworkSpec net;
  net.resolution = resolution ? resolution
                              : hs.resolutions[rng.below(hs.resolutions.size())];
  net.stemWidth = hs.stem.widths[rng.below(hs.stem.widths.size())];
  size_t digit = 0;
  for (const StageSpec &stage : hs.stages) {
    int64_t candidateIndex, window;
    if (stage.fixed) {
      candidateIndex = static_cast<int64_t>(rng.below(stage.candidates.size()));
      window = static_cast<int64_t>(rng.below(stage.numWindows()));
    } else {
      candidateIndex = space.blocks[digit];
      window = space.windows[digit];
      ++digit;
    }
    const CandidateSpec &candidate = stage.candidates[candidateIndex];
    int64_t depth = stage.depths[rng.below(stage.depths.size())];
    for (int64_t i = 0; i < depth; ++i) {
      NetworkLayer layer;
      layer.stage = stage.index;
      layer.config.block = candidate.block;
      layer.config.kernel = candidate.kernels[rng.below(candidate.kernels.size())];
      layer.config.width = stage.widths[window + rng.below(stage.window)];
      layer.config.expand =
          candidate.expands.empty()
              ? 0
              : candidate.expands[rng.below(candidate.expands.size())];
      layer.config.stride = i == 0 ? stage.stride : 1;
      net.layers.push_back(layer);
    }
  }
  return net;
}

} // namespace spaceevo
