//===- Tensor.h - FP32 tensors and expansion checks for lib/exec -*- C++ -*-===//
//
// lib/exec executes an `Expansion` (a block, a sub-stage, a whole network;
// see spaceevo/space/Blocks.h) in FP32 and in INT8. Tensors are batch 1,
// NHWC (channels fastest), the layout of the INT8 runtime, so an FP32 tensor
// and its quantized uint8 twin index the same way.
//
// Errors are values (runtime::Status / runtime::Expected): a malformed
// expansion, a wrong input shape or a kernel the runtime rejects is a
// message, never an abort.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_TENSOR_H
#define SPACEEVO_EXEC_TENSOR_H

#include "spaceevo/runtime/Status.h"
#include "spaceevo/space/Blocks.h"

#include <cstdint>
#include <vector>

namespace spaceevo::exec {

using runtime::Expected;
using runtime::Status;

/// Height x width x channels of one batch-1 tensor.
struct TensorShape {
  int64_t height = 0, width = 0, channels = 0;
  int64_t elements() const { return height * width * channels; }
  bool operator==(const TensorShape &o) const {
    return height == o.height && width == o.width && channels == o.channels;
  }
  bool operator!=(const TensorShape &o) const { return !(*this == o); }
};

/// A batch-1 FP32 tensor, NHWC: values[(y * width + x) * channels + c].
struct Tensor {
  TensorShape shape;
  std::vector<float> values;

  Tensor() = default;
  explicit Tensor(TensorShape s, float fill = 0.0f)
      : shape(s), values(size_t(s.elements()), fill) {}
  float &at(int64_t y, int64_t x, int64_t c) {
    return values[size_t((y * shape.width + x) * shape.channels + c)];
  }
  float at(int64_t y, int64_t x, int64_t c) const {
    return values[size_t((y * shape.width + x) * shape.channels + c)];
  }
  /// The channels of pixel (y, x).
  const float *pixel(int64_t y, int64_t x) const {
    return values.data() + (y * shape.width + x) * shape.channels;
  }
};

/// Deterministic, platform-independent random numbers (SplitMix64 bits,
/// Box-Muller normals): the same seed gives the same tensors and weights
/// on every machine and standard library.
class RandomSource {
public:
  explicit RandomSource(uint64_t seed);
  uint64_t nextBits();
  double uniform(); ///< in [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal(); ///< standard normal

private:
  uint64_t state_;
  bool haveSpare_ = false;
  double spare_ = 0;
};

/// A tensor of independent N(mean, stddev^2) values.
Tensor randomTensor(TensorShape shape, uint64_t seed, float mean = 0.0f,
                    float stddev = 1.0f);

/// The shape of the tensor the expansion reads (taken from its first op that
/// reads the expansion input) and the shape of each op's output.
Expected<TensorShape> expansionInputShape(const Expansion &expansion);
inline TensorShape primitiveOutputShape(const Primitive &op) {
  return {op.outHeight, op.outWidth, op.outChannels};
}

/// Checks that an expansion can be executed: at least one op; operands refer
/// to earlier ops (or the expansion input) and every op's recorded input
/// shapes equal its operands' output shapes; Add / ChannelScale have their
/// second operand with the right shape; kernel, stride and padding are
/// sensible and the output size follows from them; the expansion's output
/// shape is its last op's. The message names the offending op.
Status validateExpansion(const Expansion &expansion);

/// For each op, the index of the last op that reads its output (or the op
/// count for the expansion's output): executors free a tensor after it.
std::vector<size_t> lastUses(const Expansion &expansion);

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_TENSOR_H
