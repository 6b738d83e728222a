//===- FloatExecutor.h - FP32 execution of an expansion ---------*- C++ -*-===//
//
// The FP32 side of lib/exec: plain C++ reference primitives (the definition
// the INT8 path is compared with), and `FloatNetwork`, an expansion with
// folded parameters prepared once and run many times, on the plain loops or
// with oneDNN's fp32 convolutions (bias and, where oneDNN has it, the
// activation fused).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_FLOATEXECUTOR_H
#define SPACEEVO_EXEC_FLOATEXECUTOR_H

#include "spaceevo/exec/Parameters.h"
#include "spaceevo/runtime/Quantization.h"

#include <functional>
#include <memory>
#include <string_view>

namespace spaceevo::exec {

//===----------------------------------------------------------------------===//
// Reference primitives (batch 1, NHWC, no checks: callers pass valid shapes)
//===----------------------------------------------------------------------===//

/// The runtime's function for a block activation (Activation has no
/// Sigmoid; runtime::ActivationFunction does, and both executors accept it).
runtime::ActivationFunction activationFunction(Activation act);

/// In place, in float: ReLU, ReLU6, Hswish = x relu6(x + 3) / 6,
/// Hsigmoid = relu6(x + 3) / 6, Swish = x sigmoid(x), Sigmoid.
void applyActivation(runtime::ActivationFunction function, float *values,
                     size_t count);

/// Dense convolution, weights OHWI [oc][k][k][ic], zero padding `padding`
/// on every side; bias may be null. Output shape from the usual formula.
Tensor convolve(const Tensor &input, const float *weights, const float *bias,
                int64_t outChannels, int64_t kernel, int64_t stride,
                int64_t padding);
/// Depthwise convolution, weights [k][k][c].
Tensor convolveDepthwise(const Tensor &input, const float *weights,
                         const float *bias, int64_t kernel, int64_t stride,
                         int64_t padding);
/// Cx1x1 -> outChannels x1x1, weights [oc][ic].
Tensor fullyConnect(const Tensor &input, const float *weights,
                    const float *bias, int64_t outChannels);
Tensor globalAveragePool(const Tensor &input);
/// input * scale, scale is 1x1xC broadcast over height and width.
Tensor scaleChannels(const Tensor &input, const Tensor &scale);
Tensor addTensors(const Tensor &a, const Tensor &b);

//===----------------------------------------------------------------------===//
// Networks
//===----------------------------------------------------------------------===//

enum class FloatBackend {
  Reference, ///< the plain loops above
  OneDnn,    ///< oneDNN fp32 for conv / depthwise / FC, the rest plain
};
std::string_view floatBackendName(FloatBackend backend);
/// Whether lib/exec was built with oneDNN (the reference always is).
bool floatBackendAvailable(FloatBackend backend);

/// Hooks called once per op during runBatch, with that op's output for
/// every input of the batch: `beforeActivation` may change the values (batch
/// norm calibration does); both see ops in dataflow order.
struct FloatObserver {
  std::function<void(size_t op, std::vector<Tensor> &preActivation)>
      beforeActivation;
  std::function<void(size_t op, const std::vector<Tensor> &outputs)>
      afterActivation;
};

class FloatNetwork {
public:
  /// Validates the expansion and parameters, folds batch norms, prepares
  /// every op (oneDNN primitives, packed weights). Fails with a message,
  /// also when `backend` is not available.
  static Expected<FloatNetwork> create(const Expansion &expansion,
                                       const ExpansionParameters &parameters,
                                       FloatBackend backend);
  FloatNetwork(FloatNetwork &&) noexcept;
  FloatNetwork &operator=(FloatNetwork &&) noexcept;
  ~FloatNetwork();

  /// One input of inputShape(); returns the expansion's output.
  Expected<Tensor> run(const Tensor &input);
  /// Runs op by op over all inputs (op-major, so an observer sees a whole
  /// batch per op). Tensors are freed after their last use.
  Expected<std::vector<Tensor>> runBatch(const std::vector<Tensor> &inputs,
                                         const FloatObserver *observer =
                                             nullptr);

  const Expansion &expansion() const;
  TensorShape inputShape() const;
  TensorShape outputShape() const;
  FloatBackend backend() const;

private:
  struct Impl;
  explicit FloatNetwork(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// SpaceEvo recalibrates batch-norm running statistics on real inputs
/// before it scores a block; this does the same: every batch norm's mean
/// and variance become the per-channel mean and (biased) variance of its
/// convolution's output over `inputs` (all pixels), in dataflow order, so
/// later statistics see the recalibrated earlier layers. gamma and beta are
/// kept. A batch norm whose statistics would rest on fewer than
/// `minSamplesPerChannel` values per channel (inputs x pixels: the head's
/// feature_mix sees one pixel per input) keeps its drawn statistics, since
/// a handful of samples would overfit them. Needs at least one input.
Status recalibrateBatchNorm(const Expansion &expansion,
                            ExpansionParameters &parameters,
                            const std::vector<Tensor> &inputs,
                            FloatBackend backend = FloatBackend::Reference,
                            size_t minSamplesPerChannel = 32);

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_FLOATEXECUTOR_H
