//===- Counting.h - sizes of spaces and sampling of subnets -----*- C++ -*-===//
#ifndef SPACEEVO_SPACE_COUNTING_H
#define SPACEEVO_SPACE_COUNTING_H

#include "spaceevo/space/Hyperspace.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spaceevo {

/// Unsigned integer of any size: the number of subnets of a hyperspace
/// overflows 64 bits.
class BigUInt {
public:
  BigUInt(uint64_t value = 0);
  BigUInt &operator*=(uint64_t factor);
  BigUInt &operator*=(const BigUInt &other);
  BigUInt &operator+=(const BigUInt &other);
  bool operator==(const BigUInt &other) const { return limbs == other.limbs; }
  std::string toString() const;
  double log10() const;

private:
  std::vector<uint32_t> limbs; ///< little endian, no leading zero limbs
  void trim();
};

/// Number of spaces of a hyperspace: the product over searchable stages of
/// (candidate blocks x windows).
BigUInt countSpaces(const HyperspaceSpec &hs);

/// Number of distinct subnets of a space (resolutions x stem widths x the
/// layer choices of every stage, fixed stages included).
BigUInt countSubnets(const HyperspaceSpec &hs, const SpaceSpec &space);

/// Number of distinct subnets of the whole hyperspace. Windows overlap, so a
/// subnet may lie in many spaces; it is counted once.
BigUInt countSubnets(const HyperspaceSpec &hs);

/// Deterministic, platform-independent generator (SplitMix64): the same seed
/// gives the same networks everywhere.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform integer in [0, bound); bound > 0.
  uint64_t below(uint64_t bound);

private:
  uint64_t state;
};

/// Draws one network of `space`: resolution (or `resolution` when nonzero),
/// stem width, then per stage a depth and per layer a kernel, a width from
/// the stage's window and an expansion.
NetworkSpec sampleNetwork(const HyperspaceSpec &hs, const SpaceSpec &space,
                          SplitMix64 &rng, int64_t resolution = 0);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_COUNTING_H
