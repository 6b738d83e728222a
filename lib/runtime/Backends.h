//===- Backends.h - Internal: backend factories ---------------*- C++ -*-===//
//
// Not installed: lib/runtime's private interface between the generic
// kernel factory (Kernel.cpp) and the backends. Each backend file is only
// compiled when its library was found (SPACEEVO_RUNTIME_HAVE_DNNL,
// SPACEEVO_RUNTIME_HAVE_HALIDE).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_LIB_RUNTIME_BACKENDS_H
#define SPACEEVO_LIB_RUNTIME_BACKENDS_H

#include "spaceevo/runtime/Kernel.h"

#include <cstddef>
#include <new>
#include <optional>

namespace spaceevo::runtime::detail {

/// A Kernel subclass may use the protected constructor through this base.
class KernelBase : public Kernel {
protected:
  KernelBase(KernelDesc desc, Backend backend, Shape4 outputShape)
      : Kernel(std::move(desc), backend, outputShape) {}
};

bool oneDnnSupports(OpKind kind);
bool halideSupports(OpKind kind);
/// False when the CPU lacks AVX-512 VNNI (checked at run time).
bool vnniSupports(OpKind kind);
/// AVX-512 F/BW/DQ/VL/VNNI/VBMI on this CPU (__builtin_cpu_supports).
bool cpuHasAvx512Vnni();

/// `desc` is already validated and `outputShape` computed.
Expected<std::unique_ptr<Kernel>> createOneDnnKernel(const KernelDesc &desc,
                                                     Shape4 outputShape);
Expected<std::unique_ptr<Kernel>> createHalideKernel(const KernelDesc &desc,
                                                     Shape4 outputShape);
/// Hand-written AVX-512 VNNI kernels (VnniKernels.cpp): depthwise, 1x1
/// conv, fully connected, table, add, channel scale. Fails on a CPU without
/// AVX-512 VNNI, and for an add whose rescaled operands overflow int32.
Expected<std::unique_ptr<Kernel>> createVnniKernel(const KernelDesc &desc,
                                                   Shape4 outputShape);

/// Allocates on 64-byte boundaries, so that no zmm load of the epilogue's
/// constants splits a cache line (a split load costs two).
template <class T> struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U> CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(size_t n) {
    return static_cast<T *>(::operator new(n * sizeof(T), std::align_val_t(64)));
  }
  void deallocate(T *p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <class U> bool operator==(const CacheLineAllocator<U> &) const {
    return true;
  }
  template <class U> bool operator!=(const CacheLineAllocator<U> &) const {
    return false;
  }
};
using CacheLineBytes = std::vector<uint8_t, CacheLineAllocator<uint8_t>>;

/// An OutputStage (plus the effective bias) as per-channel constants for
/// the AVX-512 epilogue, channels padded to a multiple of 16. Even/odd
/// arrays hold the 64-bit lanes VPMULDQ works on (channel 2i / 2i + 1).
struct VnniRequant {
  int64_t channels = 0, groups = 0;
  bool int32Output = false;
  bool doubleRound = false; ///< some channel has double_round and shift > 31
  bool preClamp = false; ///< clamp to [lo, hi] first so the scaled value fits int32
  bool fast = false;     ///< shifts in [32, 53] ([33, 53] without double rounding): high-dword form, zp folded
  int32_t zeroPoint = 0, clampMin = 0, clampMax = 255;
  bool clamps = true; ///< [clampMin, clampMax] is narrower than [0, 255]
  std::optional<LookupTable> table;
  std::vector<int32_t> bias, lo, hi, shift32; ///< per channel
  /// fast without double rounding: (round + zp * 2^shift) / 2^32 per channel
  std::vector<int32_t> roundHigh;
  /// 64 x int16 zero point, 64 x clampMin, 64 x clampMax, 256 table bytes.
  CacheLineBytes stageBytes;
  /// The per-channel vectors above regrouped: 12 x 64 bytes per group.
  CacheLineBytes blocks;
  std::vector<int64_t> mulEven, mulOdd, roundEven, roundOdd, shiftEven,
      shiftOdd, deltaEven, deltaOdd; ///< per channel pair
};
VnniRequant makeVnniRequant(const OutputStage &stage,
                            const std::vector<int32_t> &effectiveBias,
                            int64_t channels);
/// out[p][c] = stage(acc[p][c] + bias[c]) for NHWC int32 accumulators
/// (AVX-512; only call when cpuHasAvx512Vnni()). Not for int32Output.
void vnniRequantize(const VnniRequant &q, const int32_t *acc, int64_t pixels,
                    uint8_t *out);
/// out[i] = table[in[i]] with VPERMI2B; in == out is allowed (only when
/// cpuHasAvx512Vnni()).
void vnniTable(const LookupTable &table, const uint8_t *in, uint8_t *out,
               int64_t count);

/// Halide-generated epilogue used by the oneDNN backend when available:
/// out[p][c] = stage(acc[p][c] + bias[c]). Returns false if Halide was not
/// compiled in (the caller then uses the reference loop).
bool halideRequantizeInt32(const int32_t *acc, const int32_t *bias,
                           int64_t pixels, int64_t channels,
                           const OutputStage &stage,
                           const std::vector<int32_t> &multipliers,
                           const std::vector<int32_t> &shifts, uint8_t *out);

/// Applies stage.table in place through Halide (false when unavailable).
bool halideTableInPlace(const LookupTable &table, uint8_t *data,
                        int64_t count);

/// bias[c] - inputZeroPoint * (sum of channel c's weights): with it a
/// kernel may pad with (or multiply raw bytes by) the zero point and still
/// compute sum(w * (q - zp)) + bias. Weights are [taps][C] for depthwise,
/// [outC][taps * inC] otherwise.
std::vector<int32_t> effectiveBias(const KernelDesc &desc, int64_t outC,
                                   bool depthwise);

/// The correction that makes a zero-padded convolution (what oneDNN
/// computes on raw uint8 input) equal one padded with the input zero point
/// (real zero). For output positions whose window leaves the input, the
/// out-of-bounds taps' weights times the zero point are added back. Built
/// once per kernel; applying it touches only border pixels.
class BorderCorrection {
public:
  BorderCorrection() = default;
  /// Builds the tables for a conv or depthwise description.
  explicit BorderCorrection(const KernelDesc &desc);
  /// acc is the NHWC int32 output of the zero-padded convolution.
  void apply(int32_t *acc) const;
  bool empty() const { return corrections_.empty(); }

private:
  int64_t batch_ = 0, outH_ = 0, outW_ = 0, outC_ = 0;
  std::vector<int> rowPattern_, colPattern_; // 0 = window inside the input
  int numColPatterns_ = 0;
  // corrections_[(rowPattern * numColPatterns_ + colPattern) * outC + c]
  std::vector<int32_t> corrections_;
};

} // namespace spaceevo::runtime::detail

#endif // SPACEEVO_LIB_RUNTIME_BACKENDS_H
