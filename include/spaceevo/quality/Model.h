//===- Model.h - From training-free features to a loss estimate -*- C++ -*-===//
//
// The estimate of a row's `int8_nsr_loss` is, per stage, an affine map of
// the features (Features.h): loss = intercept + sum_k weight_k feature_k.
// Weights are fitted by ridge least squares on sampled rows of SpaceEvo's
// published mobilew tables only (`spaceevo-validate-quality --fit`, see
// docs/quality.md); onnxw is held out. A stage without its own weights
// (another hyperspace's stage 7, say) uses `fallback`, a fit on all stages
// with each stage's mean removed.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_QUALITY_MODEL_H
#define SPACEEVO_QUALITY_MODEL_H

#include "spaceevo/quality/Features.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace spaceevo::quality {

/// The hyperspace whose published tables the built-in model was fitted on.
inline constexpr std::string_view kBuiltinHyperspace = "mobilew";

struct StageModel {
  double intercept = 0;
  std::array<double, kNumFeatures> weights{};
};

struct QualityModel {
  std::map<int64_t, StageModel> stages; ///< keyed by the stage's index
  StageModel fallback;

  const StageModel &forStage(int64_t stage) const;
  double estimate(int64_t stage, const Features &features) const;
  /// Whether any stage gives `feature` a nonzero weight.
  bool uses(Feature feature) const;
  /// FeatureOptions with only the forward-pass terms this model uses.
  FeatureOptions requiredTerms(FeatureOptions options) const;

  /// One line per stage: "stage S intercept w_log_params ... w_naswot",
  /// then "fallback intercept w...". parse() reads it back.
  std::string toText() const;
  static Expected<QualityModel> parse(const std::string &text);

  /// The model fitted on the published mobilew tables with every term,
  /// structural descriptors included (docs/quality.md has the command that
  /// reproduces it). Its structural terms tell mobilew's block types apart,
  /// which does not carry over to other block types.
  static QualityModel builtin();
  /// The same fit without the structural descriptors (7 terms).
  static QualityModel generic();
  /// builtin() for the hyperspace it was fitted on (kBuiltinHyperspace),
  /// generic() for any other.
  static QualityModel builtinFor(std::string_view hyperspace);
};

struct FitSample {
  int64_t stage = 1;
  Features features;
  double loss = 0;
};

struct FitOptions {
  std::vector<Feature> features; ///< the terms to fit (others get 0)
  double ridge = 1e-3;           ///< on standardized features
};

/// Ridge least squares per stage (and the pooled within-stage fallback).
/// Fails without samples, without features, or on a stage with fewer
/// samples than features + 2.
Expected<QualityModel> fitModel(const std::vector<FitSample> &samples,
                                const FitOptions &options);

} // namespace spaceevo::quality

#endif // SPACEEVO_QUALITY_MODEL_H
