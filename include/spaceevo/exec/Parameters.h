//===- Parameters.h - Synthetic weights for an expansion --------*- C++ -*-===//
//
// Deterministic parameters for every op of an Expansion, drawn the way a
// trained network's look (see docs/exec.md):
//  * conv / depthwise weights: He (Kaiming) normal, fan-in mode,
//    std = sqrt(2 / fan_in) with fan_in = in_channels * k * k (k * k for
//    depthwise); classifier: std = sqrt(1 / fan_in) (no ReLU follows);
//  * batch norm after a conv: gamma ~ U(0.5, 1.5), beta ~ N(0, 0.1^2),
//    running mean ~ N(0, 0.1^2), running variance ~ U(0.5, 2) (He-initialised
//    convs keep unit-order variance), eps 1e-5; `recalibrateBatchNorm`
//    (FloatExecutor.h) replaces mean and variance by statistics measured on
//    inputs, as SpaceEvo does before scoring a block;
//  * own biases (squeeze-excite convs, classifier): N(0, 0.1^2).
// "Splat" mode sets every weight of an op to one value (1 / fan_in unless
// given), own biases to 0 and every batch norm to the identity, for tests
// whose results can be computed by hand.
//
// Folding turns (weights, batch norm, own bias) into the affine map each
// conv applies: w'[oc] = w[oc] * s[oc], b'[oc] = beta - mean * s + s * bias
// with s = gamma / sqrt(var + eps). Both executors run the folded form.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_PARAMETERS_H
#define SPACEEVO_EXEC_PARAMETERS_H

#include "spaceevo/exec/Tensor.h"

#include <optional>

namespace spaceevo::exec {

struct WeightInit {
  enum class Mode { HeNormal, Splat };
  Mode mode = Mode::HeNormal;
  uint64_t seed = 0;
  /// Splat mode: the value of every weight; unset means 1 / fan_in per op.
  std::optional<float> splatValue;
};

struct BatchNormParameters {
  std::vector<float> gamma, beta, mean, variance;
  float epsilon = 1e-5f;
};

/// Parameters of one op. Layouts are the runtime's: Conv [oc][k][k][ic]
/// (OHWI), DepthwiseConv [k][k][c], FullyConnected [oc][ic]. Ops without
/// parameters (pool, add, channel scale) have everything empty.
struct PrimitiveParameters {
  std::vector<float> weights;
  std::vector<float> bias; ///< own bias (op.bias), one per output channel
  std::optional<BatchNormParameters> batchNorm; ///< when op.batchNorm
};

/// One entry per op of the expansion, same order.
struct ExpansionParameters {
  std::vector<PrimitiveParameters> ops;
};

/// Number of weights op `op` needs (0 for ops without weights).
int64_t weightCount(const Primitive &op);

/// Draws parameters for a valid expansion (validateExpansion). The same
/// seed and expansion always give the same values; each op draws from its
/// own stream (seed, op index), so editing one op leaves the others alone.
Expected<ExpansionParameters> initializeParameters(const Expansion &expansion,
                                                   const WeightInit &init);

/// Sizes of every parameter vector against the expansion.
Status checkParameters(const Expansion &expansion,
                       const ExpansionParameters &parameters);

/// The affine map a conv / FC applies after folding (bias has one entry per
/// output channel, zero when the op has neither bias nor batch norm).
struct FoldedParameters {
  std::vector<float> weights;
  std::vector<float> bias;
};

/// Folds batch norms and own biases; entries of ops without weights are
/// empty. Fails like checkParameters, or on a negative variance.
Expected<std::vector<FoldedParameters>>
foldParameters(const Expansion &expansion,
               const ExpansionParameters &parameters);

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_PARAMETERS_H
