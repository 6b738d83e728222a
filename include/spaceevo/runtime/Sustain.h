//===- Sustain.h - Keeping the vector units busy between measurements -*- C++ -*-===//
//
// Inside a network every kernel starts right after another one kept the
// core's vector units busy; a kernel timed in isolation starts after the
// cache-eviction loop, a memory-bound pause the core spends at a different
// clock and power state. Spinning the same kind of instructions the
// kernels use for a moment before each timed run puts the core back where a
// network leaves it (README, issue 4: without it isolated costs add up to
// a few percent less than the network).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_RUNTIME_SUSTAIN_H
#define SPACEEVO_RUNTIME_SUSTAIN_H

#include <cstdint>

namespace spaceevo::runtime {

/// Runs multiply-accumulate instructions for about `nanoseconds` (the
/// INT8 dot products of the VNNI kernels where the CPU has them, 256-bit
/// integer multiply-adds otherwise). Touches no memory; returns at once for
/// nanoseconds <= 0.
void keepVectorUnitsBusy(int64_t nanoseconds);

} // namespace spaceevo::runtime

#endif // SPACEEVO_RUNTIME_SUSTAIN_H
