//===- TestUtil.h - Random kernel descriptions for runtime tests -*- C++ -*-===//
#ifndef SPACEEVO_TEST_UNIT_RUNTIME_TESTUTIL_H
#define SPACEEVO_TEST_UNIT_RUNTIME_TESTUTIL_H

#include "spaceevo/runtime/Kernel.h"

#include <random>
#include <string>
#include <vector>

namespace spaceevo::runtime::test {

using Rng = std::mt19937_64;

int64_t uniformInt(Rng &rng, int64_t lo, int64_t hi); // inclusive
std::vector<uint8_t> randomBytes(Rng &rng, size_t count);
std::vector<int8_t> randomWeights(Rng &rng, size_t count);

/// A random TOSA output stage for `channels` outputs whose scale keeps
/// typical accumulators of `reduction` products in range (plus random
/// per-tensor/per-channel, double_round, clamps, sometimes a table).
OutputStage randomOutputStage(Rng &rng, int64_t channels, int64_t reduction,
                              bool allowTable = true);

/// Random conv / depthwise / FC descriptions with awkward shapes: channel
/// counts that are not multiples of 8 or 16, odd sizes, stride 2,
/// asymmetric paddings.
KernelDesc randomConvDesc(Rng &rng, OpKind kind);
/// Random descriptions of the element-wise ops.
KernelDesc randomElementwiseDesc(Rng &rng, OpKind kind);

/// Runs `desc` on `backend` and on the reference with the same random
/// operands; returns "" if both outputs are identical, else a message.
std::string compareWithReference(const KernelDesc &desc, Backend backend,
                                 Rng &rng);

std::string describe(const KernelDesc &desc);

} // namespace spaceevo::runtime::test

#endif
