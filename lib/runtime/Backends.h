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

namespace spaceevo::runtime::detail {

/// A Kernel subclass may use the protected constructor through this base.
class KernelBase : public Kernel {
protected:
  KernelBase(KernelDesc desc, Backend backend, Shape4 outputShape)
      : Kernel(std::move(desc), backend, outputShape) {}
};

bool oneDnnSupports(OpKind kind);
bool halideSupports(OpKind kind);

/// `desc` is already validated and `outputShape` computed.
Expected<std::unique_ptr<Kernel>> createOneDnnKernel(const KernelDesc &desc,
                                                     Shape4 outputShape);
Expected<std::unique_ptr<Kernel>> createHalideKernel(const KernelDesc &desc,
                                                     Shape4 outputShape);

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
