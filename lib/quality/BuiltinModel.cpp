//===- BuiltinModel.cpp - The model fitted on mobilew ---------------------===//
//
// Per-stage weights of the estimate, fitted by ridge least squares (1e-3 on
// standardized features) on sampled rows of SpaceEvo's published *mobilew*
// tables only (onnxw is the held-out check). Reproduce with (docs/quality.md)
//
//   spaceevo-validate-quality --lut ../shared/data/block-lut --rows 12 \
//       --fit --model-out model.txt
//
// Columns: intercept, then one weight per feature in Feature order.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/quality/Model.h"

namespace spaceevo::quality {

namespace {
const char *const kBuiltinModel = R"(# intercept log_params log_macs depth entropy log_nsr zen naswot
stage 1 1.09697283 -0.0680896814 0.0211029569 0.000619511396 6.21484997e-06 0.0213924778 0.00219547792 -0.0025389442
stage 2 1.1442687 -0.0864843635 0.0326867862 0.0340003326 -0.000207535215 0.0209906237 -0.00911566541 -0.00207640971
stage 3 1.40218313 -0.0633910776 0.0230352057 0.00860814772 -7.45055613e-05 0.0437027033 -0.000410023149 -0.00297002645
stage 4 1.0700259 -0.0599288123 0.027407358 -0.00615593463 0.000201651252 0.0455330725 0.000218702431 -0.00174372096
stage 5 1.06122713 -0.0506063474 0.036110638 -0.00928941137 9.44038856e-05 0.0707741525 -0.00181491657 -0.00074168667
stage 6 0.926972221 -0.00850215632 0.00603284245 -0.00608989607 -0.000293698769 0.0157678612 0.0126356779 -0.00010048554
fallback 1.18300786 -0.0616566769 0.0300634547 0.000254221543 8.19363459e-05 0.0480613762 -0.00132472812 -0.00174815019
)";
} // namespace

QualityModel QualityModel::builtin() {
  auto model = parse(kBuiltinModel);
  return model ? *model : QualityModel{};
}

} // namespace spaceevo::quality
