//===- Features.h - Training-free features of a sub-stage -------*- C++ -*-===//
//
// Issue 7: a training-free estimate of a sub-stage's INT8 block-wise
// distillation loss (the `int8_nsr_loss` column of SpaceEvo's block tables)
// from forward passes only, on our own kernels. This header computes the
// terms the estimate is built from (docs/quality.md):
//
//  * analytic capacity: log parameters, log MACs, depth, and an entropy in
//    the spirit of DeepMAD (sum over convolutions of log(out_channels k^2));
//  * quantization: SpaceEvo's NSR of the INT8 output against FP32
//    (lib/exec's int8NoiseToSignal: He weights, batch norm recalibrated and
//    folded, per-channel int8 weights, ranges calibrated on inputs drawn
//    through the hyperspace's fixed stem);
//  * expressivity from the training-free NAS literature: Zen-score (Lin et
//    al., ICCV 2021) and NASWOT's activation-pattern kernel log-determinant
//    (Mellor et al., ICML 2021), on the same weights and inputs.
//  * structural descriptors of the sub-stage (squeeze-excite, bounded
//    activations, depthwise chains, expansion, receptive field), analytic,
//    from the ops and the definition of their non-linearities.
//
// Everything is deterministic for a seed. Forward passes may run at a
// reduced spatial size (`maxInputSize`) to keep the cost per row small;
// docs/quality.md measures what that changes.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_QUALITY_FEATURES_H
#define SPACEEVO_QUALITY_FEATURES_H

#include "spaceevo/exec/Parameters.h"
#include "spaceevo/space/Hyperspace.h"

#include <array>
#include <map>
#include <memory>
#include <string_view>
#include <tuple>
#include <vector>

namespace spaceevo::quality {

using exec::Expected;
using exec::Status;
using exec::Tensor;

/// The terms, in the order of `Features::values`.
enum class Feature : unsigned {
  LogParams = 0, ///< ln of deployed parameters (weights + folded biases)
  LogMacs,       ///< ln of multiply-accumulates at the row's input size
  Depth,         ///< number of layers
  Entropy,       ///< sum over convolutions of ln(out_channels * k^2)
  LogNsr,        ///< log10 of SpaceEvo's NSR of INT8 vs FP32
  Zen,           ///< Zen-score
  Naswot,        ///< NASWOT: ln det of the activation-pattern kernel
  // Structural descriptors: analytic, from the expansion's ops and the
  // definition of their non-linearities, never from a block-type id (a new
  // block type gets values from its structure). docs/quality.md says which
  // descriptors were measured and left out (they added nothing).
  SqueezeExcite,  ///< squeeze-excite gates (ChannelScale ops) per layer
  ActBounded,     ///< share of activation units whose f is bounded above
  DepthwiseChain, ///< mean length of chains of consecutive depthwise convs
  LogExpansion,   ///< ln(mean out channels of kxk (k > 1) convs / out channels)
  LogReceptive,   ///< ln of the receptive field of the sub-stage's output
  BoundedDwChain, ///< ActBounded * DepthwiseChain
};
constexpr unsigned kNumFeatures = 13;
/// Terms of the first model format (before the structural descriptors).
constexpr unsigned kNumLegacyFeatures = 7;
std::string_view featureName(Feature feature);
/// Whether the term needs forward passes (the analytic ones do not).
bool featureNeedsForwardPass(Feature feature);

struct Features {
  std::array<double, kNumFeatures> values{};
  double operator[](Feature f) const { return values[unsigned(f)]; }
  double &operator[](Feature f) { return values[unsigned(f)]; }
};

/// One row of a block table: a sub-stage of stage `stage` (the stage's
/// `index`), its layers and its input shape.
struct SubstageRow {
  int64_t stage = 1;
  std::vector<LayerConfig> layers;
  int64_t inChannels = 0;
  int64_t inSize = 0;
};

struct FeatureOptions {
  uint64_t seed = 0;
  /// Forward passes run at the input size divided by the smallest power of
  /// two that brings it to at most this (112 -> 14, 96 -> 12, 80 -> 10 with
  /// 16); 0 runs at the row's own size.
  int64_t maxInputSize = 16;
  size_t calibrationInputs = 4; ///< batch norm and range calibration
  size_t evaluationInputs = 4;  ///< NSR and Zen-score
  size_t kernelInputs = 16;     ///< NASWOT's batch
  double zenAlpha = 0.01;       ///< Zen-score's perturbation size
  /// Which forward-pass terms to compute (the analytic ones always are);
  /// skipped terms are 0.
  bool quantization = true, zen = true, naswot = true;
};

/// The spatial size forward passes use for an input of size `size`.
int64_t evaluationSize(int64_t size, int64_t maxInputSize);

/// Inputs of a searchable stage drawn through the hyperspace's fixed stem:
/// random N(0, 1) RGB images go through the stem convolution and the fixed
/// stages (He weights, batch norm recalibrated on those images, smallest
/// depth); when the stem does not produce the requested channels, or the
/// stage is not the first searchable one, one layer of the previous
/// stage's first candidate (stride 1, smallest kernel and expansion) maps
/// the stem's output to them. Cached per (stage, channels, size).
class StemInputs {
public:
  StemInputs(HyperspaceSpec hyperspace, uint64_t seed);
  StemInputs(StemInputs &&) noexcept;
  StemInputs &operator=(StemInputs &&) noexcept;
  ~StemInputs();

  /// `count` inputs (size x size x channels) for stage `stage` (its index).
  Expected<std::vector<Tensor>> inputs(int64_t stage, int64_t channels,
                                       int64_t size, size_t count);
  const HyperspaceSpec &hyperspace() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The expansion of a row at input size `size` (candidate activations of
/// the hyperspace's stage applied).
Expected<Expansion> expandRow(const HyperspaceSpec &hs, const SubstageRow &row,
                              int64_t size);

/// Every term of one row.
Expected<Features> computeFeatures(const SubstageRow &row, StemInputs &inputs,
                                   const FeatureOptions &options = {});

//===----------------------------------------------------------------------===//
// The individual terms, public for tests
//===----------------------------------------------------------------------===//

/// The structural descriptors (Feature::SqueezeExcite ..
/// Feature::BoundedDwChain) of an expansion of `layers` layers, in Feature
/// order. Properties of a non-linearity come from evaluating it
/// (`activationValue`), never from its name. Activations are weighted by
/// their output units (so the 1x1 squeeze-excite internals barely count);
/// a chain of depthwise convolutions is a path of DepthwiseConv ops each
/// fed by the previous one; the receptive field follows every path (Add:
/// the larger operand; squeeze-excite's global pooling is not counted).
std::array<double, kNumFeatures - unsigned(Feature::SqueezeExcite)>
structuralDescriptors(const Expansion &expansion, size_t layers);

/// f(x) of a non-linearity (None is the identity).
double activationValue(Activation act, double x);
/// Whether f is bounded above (ReLU6, Hsigmoid).
bool activationBoundedAbove(Activation act);

/// DeepMAD-like entropy: sum over Conv / DepthwiseConv ops of
/// ln(out_channels * kernel^2).
double expansionEntropy(const Expansion &expansion);

/// NASWOT's kernel of binary activation codes: K[i][j] = number of units on
/// which inputs i and j have the same sign pattern (x > 0). `codes[i]` is
/// input i's bits, all of equal length.
std::vector<std::vector<double>>
activationKernel(const std::vector<std::vector<bool>> &codes);

/// ln |det K| of a symmetric positive semi-definite matrix (Cholesky with a
/// tiny ridge; -inf never: a singular K gives a large negative value).
double logDeterminant(std::vector<std::vector<double>> matrix);

/// NASWOT score of an expansion: every op with an activation other than
/// Hsigmoid contributes its pre-activation signs (x > 0) over `inputs`.
/// Weights: He (seed), batch norm recalibrated on the inputs.
Expected<double> naswotScore(const Expansion &expansion,
                             const std::vector<Tensor> &inputs, uint64_t seed);

/// The quantization term: SpaceEvo's NSR of the dequantized INT8 output
/// against FP32 (lib/exec's int8NoiseToSignal) with weights from `init`,
/// batch norm and ranges calibrated on `calibration`, measured on
/// `evaluation`. Falls back to the energy ratio when no output channel has
/// variance. Also returns the recalibrated parameters.
struct QuantizationNoise {
  double nsr = 0;
  exec::ExpansionParameters parameters;
};
Expected<QuantizationNoise> quantizationNoise(const Expansion &expansion,
                                              const std::vector<Tensor> &calibration,
                                              const std::vector<Tensor> &evaluation,
                                              const exec::WeightInit &init);

/// Zen-score: ln(mean_i ||f(x_i) - f(x_i + alpha e_i)||_F / alpha) plus, for
/// every batch norm, ln of the root mean (over channels) of its recalibrated
/// variance. `inputs` calibrate batch norm and are the x_i.
Expected<double> zenScore(const Expansion &expansion,
                          const std::vector<Tensor> &inputs, uint64_t seed,
                          double alpha = 0.01);

} // namespace spaceevo::quality

#endif // SPACEEVO_QUALITY_FEATURES_H
