//===- Random.h - Deterministic, platform-independent randomness -*- C++ -*-===//
//
// The standard distributions (std::uniform_int_distribution, ...) differ
// between standard libraries, so the search uses its own: SplitMix64 to
// derive seeds, xoshiro256** for streams, and a multiply-shift map from 32
// random bits to an index. Same seed, same numbers, on every platform.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_RANDOM_H
#define SPACEEVO_SEARCH_RANDOM_H

#include <cstdint>
#include <cstring>

namespace spaceevo::search {

/// SplitMix64's output function: a good stateless 64-bit mixer.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Combines a seed with a stream label (order matters).
inline uint64_t deriveSeed(uint64_t seed, uint64_t label) {
  return mix64(mix64(seed) ^ (label * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
}

/// The bit pattern of a double, to key streams by a constraint's value.
inline uint64_t doubleBits(double value) {
  if (value == 0) value = 0; // -0.0 and 0.0 name the same constraint
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

/// Maps 32 uniform bits onto [0, count) by multiply-shift (Lemire, without
/// the rejection step: the bias is below count / 2^32, irrelevant here, and
/// skipping it keeps the number of draws fixed, which common random numbers
/// need).
inline uint32_t scaleToIndex(uint32_t randomBits, uint32_t count) {
  return static_cast<uint32_t>((static_cast<uint64_t>(randomBits) * count) >> 32);
}

/// xoshiro256** 1.0 (Blackman & Vigna), seeded through SplitMix64.
class Xoshiro256 {
public:
  explicit Xoshiro256(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t &word : state) {
      x += 0x9E3779B97F4A7C15ull;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      word = z ^ (z >> 31);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(state[1] * 5, 7) * 9;
    const uint64_t t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
  }

  /// Uniform integer in [0, count); count must be >= 1.
  uint32_t below(uint32_t count) {
    return scaleToIndex(static_cast<uint32_t>(next() >> 32), count);
  }

  /// Uniform double in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state[4];
};

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_RANDOM_H
