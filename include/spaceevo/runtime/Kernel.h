//===- Kernel.h - INT8 kernel objects: describe, build once, run ---*- C++ -*-===//
//
// A kernel is one operator (or a fused chain conv -> rescale -> clamp ->
// table) with fixed shapes, quantization and weights on one backend. It is
// built once (validation, weight packing, primitive creation, generated code
// lookup) and run many times; measuring a kernel means timing `run`.
//
// Layout is NHWC for activations (batch n, height h, width w, channels c,
// channels fastest). Weights: Conv2D [outC][k][k][inC] (TOSA's OHWI),
// DepthwiseConv2D [k][k][C] (TOSA's HWCM with M = 1), FullyConnected
// [outC][inC] (TOSA's [OC, IC]).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_RUNTIME_KERNEL_H
#define SPACEEVO_RUNTIME_KERNEL_H

#include "spaceevo/runtime/Quantization.h"
#include "spaceevo/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace spaceevo::runtime {

/// The revision of the kernels' code, raised whenever a change makes some
/// kernel faster or slower. Measured costs are stored under it, so a cost
/// database filled by older kernels is never read as the time of these
/// (session 7: the 6-instruction scaling and the skipped [0, 255] clamp;
/// 8: a vnni kernel for the standalone table op, a faster Halide depthwise).
inline constexpr int kKernelRevision = 8;

/// An NHWC tensor shape.
struct Shape4 {
  int64_t n = 1, h = 1, w = 1, c = 1;
  int64_t elements() const { return n * h * w * c; }
  bool operator==(const Shape4 &o) const {
    return n == o.n && h == o.h && w == o.w && c == o.c;
  }
};

/// Zero padding per side (in the quantized domain the padded value is the
/// input zero point, i.e. real 0).
struct Padding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  /// SpaceEvo's "same" padding: (k - 1) / 2 on every side.
  static Padding same(int64_t kernel) {
    int64_t p = (kernel - 1) / 2;
    return {p, p, p, p};
  }
};

enum class OpKind {
  Conv2D,          ///< dense kxk conv, groups 1
  DepthwiseConv2D, ///< kxk, one filter per channel
  FullyConnected,  ///< input n x 1 x 1 x inC
  GlobalAvgPool,   ///< n x h x w x c -> n x 1 x 1 x c
  Add,             ///< residual add: rescale both inputs to int32, add, output stage
  ChannelScale,    ///< squeeze-excite: x * s, s is n x 1 x 1 x c (other operand)
  Rescale,         ///< TOSA RESCALE of uint8 or int32 (int32Input) values
  Table,           ///< 256-entry lookup
};
std::string_view opKindName(OpKind kind);

/// Vnni: hand-written AVX-512 VNNI kernels (depthwise, 1x1 conv, fully
/// connected); available only on a CPU with AVX-512 VNNI/VBMI, which
/// backendSupports checks at run time.
enum class Backend { Reference, OneDnn, Halide, Vnni };
std::string_view backendName(Backend backend);

/// Scaling of one Add operand into the common int32 domain (TOSA RESCALE
/// i8 -> i32): (q - zeroPoint) * multiplier >> shift, rounded, no double
/// round, saturated to int32.
struct AddInputScale {
  int32_t zeroPoint = 0;
  int32_t multiplier = 1 << 30;
  int32_t shift = 30;
};

/// Everything a kernel needs, for every op kind (unused fields are ignored).
struct KernelDesc {
  OpKind kind = OpKind::Conv2D;
  Shape4 input;
  /// Conv / depthwise / FC.
  int64_t outChannels = 0; ///< ignored for depthwise (= input.c)
  int64_t kernel = 1;
  int64_t stride = 1;
  Padding padding;
  std::vector<int8_t> weights;
  std::vector<int32_t> bias; ///< one per output channel, or empty (= 0)
  /// Zero point of the main input (conv, pool, channel scale, u8 rescale).
  int32_t inputZeroPoint = 0;
  /// ChannelScale: zero point of the per-channel scale operand.
  int32_t otherZeroPoint = 0;
  /// Add: how each operand enters the int32 sum.
  AddInputScale addInput, addOther;
  /// Rescale: the input holds int32 values instead of uint8.
  bool int32Input = false;
  /// Conv, depthwise, FC, pool, add, channel scale, rescale.
  OutputStage output;
  /// Table op.
  LookupTable table{};
};

/// Output shape of a valid description (errors as for createKernel).
Expected<Shape4> kernelOutputShape(const KernelDesc &desc);
/// Validates shapes, sizes, kernel/stride support and quantization.
Status validateKernelDesc(const KernelDesc &desc);

/// Convenience constructors (description only; nothing is validated yet).
/// `same` padding; weights/bias/outputs as described in KernelDesc.
KernelDesc makeConvDesc(Shape4 input, int64_t outChannels, int64_t kernel,
                        int64_t stride, std::vector<int8_t> weights,
                        std::vector<int32_t> bias, int32_t inputZeroPoint,
                        OutputStage output);
KernelDesc makeDepthwiseDesc(Shape4 input, int64_t kernel, int64_t stride,
                             std::vector<int8_t> weights,
                             std::vector<int32_t> bias, int32_t inputZeroPoint,
                             OutputStage output);
KernelDesc makeFullyConnectedDesc(int64_t batch, int64_t inChannels,
                                  int64_t outChannels,
                                  std::vector<int8_t> weights,
                                  std::vector<int32_t> bias,
                                  int32_t inputZeroPoint, OutputStage output);

/// Read-only / writable byte ranges passed to `run` (checked against the
/// kernel's shapes, so a wrong buffer is an error, not an overflow).
struct ConstBuffer {
  const void *data = nullptr;
  size_t bytes = 0;
};
struct MutableBuffer {
  void *data = nullptr;
  size_t bytes = 0;
};
template <typename T> ConstBuffer constBuffer(const std::vector<T> &v) {
  return {v.data(), v.size() * sizeof(T)};
}
template <typename T> MutableBuffer mutableBuffer(std::vector<T> &v) {
  return {v.data(), v.size() * sizeof(T)};
}

class Kernel {
public:
  virtual ~Kernel();
  const KernelDesc &desc() const { return desc_; }
  Backend backend() const { return backend_; }
  Shape4 outputShape() const { return outputShape_; }
  /// Bytes of each operand ("other" is 0 unless Add or ChannelScale).
  size_t inputBytes() const;
  size_t otherBytes() const;
  size_t outputBytes() const;
  /// What actually runs (e.g. oneDNN's "brg:avx512_core_vnni"), for reports.
  virtual std::string implementationName() const;

  /// Runs the kernel. Fails (without touching memory) when a buffer is null
  /// or has the wrong size. Not thread-safe per object (scratch is reused).
  Status run(ConstBuffer input, ConstBuffer other, MutableBuffer output);
  Status run(ConstBuffer input, MutableBuffer output) {
    return run(input, ConstBuffer{}, output);
  }

protected:
  Kernel(KernelDesc desc, Backend backend, Shape4 outputShape)
      : desc_(std::move(desc)), backend_(backend), outputShape_(outputShape) {}
  virtual Status execute(const void *input, const void *other,
                         void *output) = 0;

private:
  KernelDesc desc_;
  Backend backend_;
  Shape4 outputShape_;
};

/// Whether `backend` implements `kind` (and was compiled in).
bool backendSupports(Backend backend, OpKind kind);

/// Builds a kernel: validates the description, packs weights, creates
/// primitives. Fails with a message for bad shapes, unsupported kernel sizes
/// or strides, or an op the backend does not implement.
Expected<std::unique_ptr<Kernel>> createKernel(const KernelDesc &desc,
                                               Backend backend);

} // namespace spaceevo::runtime

#endif // SPACEEVO_RUNTIME_KERNEL_H
