//===- QualityTest.cpp - lib/quality: terms, statistics, model, tables ----===//
#include "spaceevo/quality/Statistics.h"
#include "spaceevo/quality/Tables.h"

#include "spaceevo/exec/Metrics.h"
#include "spaceevo/exec/Quantize.h"
#include "spaceevo/runtime/Quantization.h"
#include "spaceevo/space/Builtin.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace spaceevo;
using namespace spaceevo::quality;

namespace {

std::vector<Tensor> randomInputs(exec::TensorShape shape, size_t n,
                                 uint64_t seed) {
  std::vector<Tensor> v;
  for (size_t i = 0; i < n; ++i)
    v.push_back(exec::randomTensor(shape, seed + i));
  return v;
}

Expansion block(BlockType type, int64_t c, int64_t size, int64_t width,
                double expand, int64_t kernel = 3) {
  LayerConfig layer;
  layer.block = type;
  layer.kernel = kernel;
  layer.width = width;
  layer.expand = blockHasExpand(type) ? expand : 0;
  layer.stride = 1;
  auto e = expandBlock(layer, c, size, size);
  EXPECT_TRUE(e.ok()) << e.error();
  return *e;
}

/// A tiny hyperspace: stem 16, fixed MBv2 stage 0, two searchable stages.
HyperspaceSpec tinyHyperspace() {
  HyperspaceSpec hs;
  hs.name = "tiny";
  hs.resolutions = {160, 192, 224};
  hs.stem.widths = {16};
  hs.head = {64, 64, 10, Activation::ReLU};
  StageSpec s0;
  s0.index = 0;
  s0.fixed = true;
  s0.widths = {16};
  s0.depths = {1};
  s0.candidates = {{BlockType::MBv2, {3}, {1}, Activation::ReLU}};
  hs.stages.push_back(s0);
  for (int64_t i = 1; i <= 2; ++i) {
    StageSpec s;
    s.index = i;
    s.stride = i == 1 ? 2 : 1;
    s.widths = i == 1 ? std::vector<int64_t>{16, 24, 32}
                      : std::vector<int64_t>{32, 40, 48};
    s.window = 2;
    s.depths = {1};
    s.candidates = {{BlockType::MBv1Dual, {3}, {}, std::nullopt},
                    {BlockType::MBv2Res, {3}, {4}, std::nullopt}};
    hs.stages.push_back(s);
  }
  return hs;
}

} // namespace

//===----------------------------------------------------------------------===//
// Statistics
//===----------------------------------------------------------------------===//

TEST(Statistics, KendallTauByHand) {
  EXPECT_DOUBLE_EQ(kendallTau({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(kendallTau({1, 2, 3}, {3, 2, 1}), -1.0);
  // Pairs (1,2) +, (1,3) +, (2,3) -: (2 - 1) / 3.
  EXPECT_NEAR(kendallTau({1, 2, 3}, {1, 3, 2}), 1.0 / 3, 1e-12);
  // tau-b with a tie in x: pairs 2 concordant of sqrt(2 * 3).
  EXPECT_NEAR(kendallTau({1, 1, 2}, {1, 2, 3}), 2 / std::sqrt(6.0), 1e-12);
  EXPECT_TRUE(std::isnan(kendallTau({1, 1}, {1, 2})));
  EXPECT_TRUE(std::isnan(kendallTau({1}, {1})));
}

TEST(Statistics, SpearmanRanksAndMedian) {
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {1, 4, 9, 16}), 1.0, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3}, {3, 1, 2}), -0.5, 1e-12);
  std::vector<double> r = ranks({5, 1, 5, 2});
  EXPECT_EQ(r, (std::vector<double>{3.5, 1, 3.5, 2}));
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2, NAN}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

//===----------------------------------------------------------------------===//
// The terms
//===----------------------------------------------------------------------===//

TEST(Terms, EvaluationSize) {
  EXPECT_EQ(evaluationSize(112, 16), 14);
  EXPECT_EQ(evaluationSize(96, 16), 12);
  EXPECT_EQ(evaluationSize(80, 16), 10);
  EXPECT_EQ(evaluationSize(56, 16), 14);
  EXPECT_EQ(evaluationSize(7, 16), 7);
  EXPECT_EQ(evaluationSize(112, 0), 112);
}

TEST(Terms, ActivationKernelAndLogDeterminantByHand) {
  // Codes 1100 and 1010 agree on 2 of 4 units: K = [[4, 2], [2, 4]].
  auto k = activationKernel({{1, 1, 0, 0}, {1, 0, 1, 0}});
  EXPECT_EQ(k, (std::vector<std::vector<double>>{{4, 2}, {2, 4}}));
  EXPECT_NEAR(logDeterminant(k), std::log(12.0), 1e-6);
  EXPECT_NEAR(logDeterminant({{2, 0, 0}, {0, 3, 0}, {0, 0, 5}}),
              std::log(30.0), 1e-6);
  // Identical codes: a singular kernel, far below the distinct ones.
  auto same = activationKernel({{1, 1, 0, 0}, {1, 1, 0, 0}});
  EXPECT_LT(logDeterminant(same), std::log(12.0) - 5);
}

TEST(Terms, IdentityBlockAddsNoQuantizationNoiseBeyondItsInput) {
  // A one-channel 1x1 convolution with weight 1 (splat), no batch norm, no
  // activation: the INT8 output is the quantized input.
  const int64_t c = 1, size = 12;
  Expansion id;
  Primitive op;
  op.kind = PrimitiveKind::Conv;
  op.role = "identity";
  op.inChannels = op.outChannels = c;
  op.inHeight = op.outHeight = op.inWidth = op.outWidth = size;
  op.kernel = 1;
  id.ops.push_back(op);
  id.outChannels = c;
  id.outHeight = id.outWidth = size;
  auto inputs = randomInputs({size, size, c}, 6, 3);
  std::vector<Tensor> calibration(inputs.begin(), inputs.begin() + 3);
  std::vector<Tensor> evaluation(inputs.begin() + 3, inputs.end());
  auto noise = quantizationNoise(id, calibration, evaluation,
                                 {exec::WeightInit::Mode::Splat, 0, 1.0f});
  ASSERT_TRUE(noise.ok()) << noise.error();

  // The input's own quantization noise, with the range calibrated the same
  // way (min/max over the calibration inputs).
  exec::TensorRange range;
  range.min = range.max = 0;
  for (const Tensor &t : calibration)
    for (float v : t.values) {
      range.min = std::min(range.min, v);
      range.max = std::max(range.max, v);
    }
  runtime::QuantParams q = exec::quantParamsForRange(range);
  std::vector<Tensor> roundTrip = evaluation;
  for (Tensor &t : roundTrip)
    for (float &v : t.values)
      v = runtime::dequantizeValue(runtime::quantizeToUint8(v, q), q.scale,
                                   q.zeroPoint);
  auto inputNoise = exec::noiseToSignal(evaluation, roundTrip);
  ASSERT_TRUE(inputNoise.ok());
  EXPECT_GT(noise->nsr, 0);
  EXPECT_NEAR(noise->nsr, inputNoise->spaceEvo, 0.02 * inputNoise->spaceEvo);

  // A real block adds noise of its own.
  Expansion real = block(BlockType::MBv2Res, c, size, 8, 4);
  auto realNoise = quantizationNoise(real, calibration, evaluation,
                                     {exec::WeightInit::Mode::HeNormal, 1});
  ASSERT_TRUE(realNoise.ok()) << realNoise.error();
  EXPECT_GT(realNoise->nsr, 1.5 * noise->nsr);
}

TEST(Terms, WiderBlockIsNotLessExpressive) {
  auto inputs = randomInputs({8, 8, 16}, 16, 11);
  Expansion narrow = block(BlockType::MBv2Res, 16, 8, 16, 3);
  Expansion wide = block(BlockType::MBv2Res, 16, 8, 32, 6);
  EXPECT_GT(expansionEntropy(wide), expansionEntropy(narrow));
  auto nNarrow = naswotScore(narrow, inputs, 5);
  auto nWide = naswotScore(wide, inputs, 5);
  ASSERT_TRUE(nNarrow.ok() && nWide.ok());
  EXPECT_GE(*nWide, *nNarrow);
  std::vector<Tensor> four(inputs.begin(), inputs.begin() + 4);
  auto zNarrow = zenScore(narrow, four, 5);
  auto zWide = zenScore(wide, four, 5);
  ASSERT_TRUE(zNarrow.ok() && zWide.ok());
  EXPECT_GE(*zWide, *zNarrow);
  // Deeper (two blocks) is not less expressive either.
  Expansion deep = narrow;
  appendExpansion(deep, block(BlockType::MBv2Res, 16, 8, 16, 3));
  auto nDeep = naswotScore(deep, inputs, 5);
  ASSERT_TRUE(nDeep.ok());
  EXPECT_GE(*nDeep, *nNarrow);
}

TEST(Structure, ActivationPropertiesComeFromTheFunction) {
  EXPECT_DOUBLE_EQ(activationValue(Activation::Hswish, 1), 4.0 / 6);
  EXPECT_DOUBLE_EQ(activationValue(Activation::ReLU6, 9), 6);
  EXPECT_DOUBLE_EQ(activationValue(Activation::Hsigmoid, -4), 0);
  EXPECT_NEAR(activationValue(Activation::Swish, 2), 2 / (1 + std::exp(-2.0)),
              1e-12);
  EXPECT_TRUE(activationBoundedAbove(Activation::ReLU6));
  EXPECT_TRUE(activationBoundedAbove(Activation::Hsigmoid));
  EXPECT_FALSE(activationBoundedAbove(Activation::ReLU));
  EXPECT_FALSE(activationBoundedAbove(Activation::Hswish));
  EXPECT_FALSE(activationBoundedAbove(Activation::Swish));
  EXPECT_FALSE(activationBoundedAbove(Activation::None));
}

namespace {
double descriptor(const Expansion &e, size_t layers, Feature f) {
  return structuralDescriptors(e, layers)[unsigned(f) -
                                          unsigned(Feature::SqueezeExcite)];
}
} // namespace

TEST(Structure, InvertedResidualByHand) {
  // MBv2 (ReLU6), 8 -> 8 channels, e4: expand 1x1 to 32, 3x3 DW at 32,
  // project to 8, identity residual.
  Expansion mbv2 = block(BlockType::MBv2Res, 8, 6, 8, 4, 3);
  EXPECT_EQ(descriptor(mbv2, 1, Feature::SqueezeExcite), 0);
  EXPECT_EQ(descriptor(mbv2, 1, Feature::ActBounded), 1);
  EXPECT_EQ(descriptor(mbv2, 1, Feature::DepthwiseChain), 1);
  EXPECT_NEAR(descriptor(mbv2, 1, Feature::LogExpansion), std::log(4.0), 1e-12);
  EXPECT_NEAR(descriptor(mbv2, 1, Feature::LogReceptive), std::log(3.0), 1e-12);
  EXPECT_EQ(descriptor(mbv2, 1, Feature::BoundedDwChain), 1);

  // The K3 variant with k = 7: three stacked 3x3 DW (one chain of 3), the
  // receptive field of a 7x7, the same expansion.
  Expansion k3 = block(BlockType::MBv2K3Res, 8, 8, 8, 4, 7);
  EXPECT_EQ(descriptor(k3, 1, Feature::DepthwiseChain), 3);
  EXPECT_NEAR(descriptor(k3, 1, Feature::LogReceptive), std::log(7.0), 1e-12);
  EXPECT_NEAR(descriptor(k3, 1, Feature::LogExpansion), std::log(4.0), 1e-12);
  EXPECT_EQ(descriptor(k3, 1, Feature::BoundedDwChain), 3);

  // MBv3 (Swish + squeeze-excite): one gate per layer; only the SE's
  // Hsigmoid (32 units at 1x1) is bounded, against 2 x 32 x 36 Swish units.
  Expansion mbv3 = block(BlockType::MBv3ResSwish, 8, 6, 8, 4, 3);
  EXPECT_EQ(descriptor(mbv3, 1, Feature::SqueezeExcite), 1);
  double bounded = descriptor(mbv3, 1, Feature::ActBounded);
  EXPECT_GT(bounded, 0);
  EXPECT_LT(bounded, 32.0 / (2 * 32 * 36));
  Expansion two = mbv3;
  appendExpansion(two, block(BlockType::MBv3ResSwish, 8, 6, 8, 4, 3));
  EXPECT_EQ(descriptor(two, 2, Feature::SqueezeExcite), 1); // per layer
  // Receptive field through two layers: 1 + 2 + 2.
  EXPECT_NEAR(descriptor(two, 2, Feature::LogReceptive), std::log(5.0), 1e-12);
}

TEST(Structure, DenseAndDualBlocksByHand) {
  // ResNet bottleneck 16 -> 16, e0.5: its kxk convolution runs at 8
  // channels (ln 0.5), no depthwise, ReLU is unbounded.
  Expansion resnet = block(BlockType::ResNet, 16, 6, 16, 0.5, 5);
  EXPECT_NEAR(descriptor(resnet, 1, Feature::LogExpansion), std::log(0.5),
              1e-12);
  EXPECT_EQ(descriptor(resnet, 1, Feature::DepthwiseChain), 0);
  EXPECT_EQ(descriptor(resnet, 1, Feature::ActBounded), 0);
  EXPECT_EQ(descriptor(resnet, 1, Feature::BoundedDwChain), 0);
  EXPECT_NEAR(descriptor(resnet, 1, Feature::LogReceptive), std::log(5.0),
              1e-12);
  // MBv1-Dual 8 -> 16: DW k at 8 channels and DW k at 16, each its own
  // chain of 1 (a pointwise sits between); mean width 12 over 16 out.
  Expansion dual = block(BlockType::MBv1Dual, 8, 6, 16, 0, 3);
  EXPECT_EQ(descriptor(dual, 1, Feature::DepthwiseChain), 1);
  EXPECT_NEAR(descriptor(dual, 1, Feature::LogExpansion), std::log(0.75),
              1e-12);
  EXPECT_NEAR(descriptor(dual, 1, Feature::LogReceptive), std::log(5.0), 1e-12);
  // A stride-2 layer doubles what the next layer's kernel adds:
  // 1 + 2 (first 3x3) + 2 * 2 (second 3x3, after stride 2).
  LayerConfig strided{BlockType::MBv2Res, 3, 8, 4, 2};
  auto first = expandBlock(strided, 8, 8, 8);
  ASSERT_TRUE(first.ok());
  Expansion both = *first;
  appendExpansion(both, block(BlockType::MBv2Res, 8, 4, 8, 4, 3));
  EXPECT_NEAR(descriptor(both, 2, Feature::LogReceptive), std::log(7.0), 1e-12);
}

TEST(Structure, ComputedWithTheOtherAnalyticTerms) {
  HyperspaceSpec hs = builtinHyperspace(HyperspaceKind::MobileW);
  StemInputs inputs(hs, 0);
  SubstageRow row{/*stage=*/5,
                  {{BlockType::MBv3K3Res, 7, 200, 8, 2},
                   {BlockType::MBv3K3Res, 5, 208, 6, 1}},
                  /*inChannels=*/136, /*inSize=*/14};
  FeatureOptions o;
  o.quantization = o.zen = o.naswot = false;
  auto f = computeFeatures(row, inputs, o);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ((*f)[Feature::SqueezeExcite], 1);
  EXPECT_EQ((*f)[Feature::DepthwiseChain], 2.5); // chains of 3 and 2
  // mobilew's MBv3 uses Swish: only the SE gates are bounded.
  EXPECT_LT((*f)[Feature::ActBounded], 0.01);
}

TEST(Terms, ErrorsAreValues) {
  Expansion e = block(BlockType::MBv2Res, 8, 6, 8, 3);
  EXPECT_FALSE(naswotScore(e, randomInputs({6, 6, 8}, 1, 1), 0).ok());
  EXPECT_FALSE(zenScore(e, {}, 0).ok());
  EXPECT_FALSE(zenScore(e, randomInputs({6, 6, 8}, 2, 1), 0, 0.0).ok());
  // Wrong input shape.
  EXPECT_FALSE(naswotScore(e, randomInputs({5, 5, 8}, 4, 1), 0).ok());
}

TEST(Features, DeterministicPerSeedOnStemInputs) {
  HyperspaceSpec hs = builtinHyperspace(HyperspaceKind::MobileW);
  SubstageRow row{/*stage=*/2,
                  {{BlockType::MBv3ResSwish, 5, 40, 6, 2},
                   {BlockType::MBv3ResSwish, 3, 32, 3, 1}},
                  /*inChannels=*/24, /*inSize=*/56};
  FeatureOptions o;
  o.kernelInputs = 8;
  StemInputs a(hs, 0), b(hs, 0), c(hs, 1);
  auto fa = computeFeatures(row, a, o);
  auto fb = computeFeatures(row, b, o);
  ASSERT_TRUE(fa.ok()) << fa.error();
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fa->values, fb->values);
  o.seed = 1;
  auto fc = computeFeatures(row, c, o);
  ASSERT_TRUE(fc.ok());
  EXPECT_NE((*fa)[Feature::LogNsr], (*fc)[Feature::LogNsr]);
  EXPECT_EQ((*fa)[Feature::LogParams], (*fc)[Feature::LogParams]);
  EXPECT_EQ((*fa)[Feature::Depth], 2);
  // Stem inputs are post-stem activations of the requested shape.
  auto in = a.inputs(1, 24, 14, 3);
  ASSERT_TRUE(in.ok()) << in.error();
  ASSERT_EQ(in->size(), 3u);
  EXPECT_EQ(in->front().shape, (exec::TensorShape{14, 14, 24}));
  EXPECT_FALSE(a.inputs(0, 16, 14, 1).ok()); // stage 0 is fixed
  EXPECT_FALSE(a.inputs(9, 16, 14, 1).ok());
  // A row the stage cannot expand.
  SubstageRow bad = row;
  bad.layers.clear();
  EXPECT_FALSE(computeFeatures(bad, a, o).ok());
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

TEST(Model, FitRecoversALinearRelationAndRoundTrips) {
  std::vector<FitSample> samples;
  for (int stage = 1; stage <= 2; ++stage)
    for (int i = 0; i < 40; ++i) {
      FitSample s;
      s.stage = stage;
      s.features[Feature::Depth] = 1 + i % 4;
      s.features[Feature::LogParams] = 10 + 0.37 * i;
      s.loss = 0.5 * stage + 0.1 * s.features[Feature::Depth] -
               0.05 * s.features[Feature::LogParams];
      samples.push_back(s);
    }
  auto m = fitModel(samples, {{Feature::Depth, Feature::LogParams}, 1e-9});
  ASSERT_TRUE(m.ok()) << m.error();
  for (int stage = 1; stage <= 2; ++stage) {
    const StageModel &sm = m->forStage(stage);
    EXPECT_NEAR(sm.weights[unsigned(Feature::Depth)], 0.1, 1e-5);
    EXPECT_NEAR(sm.weights[unsigned(Feature::LogParams)], -0.05, 1e-5);
    EXPECT_NEAR(sm.intercept, 0.5 * stage, 1e-4);
    EXPECT_EQ(sm.weights[unsigned(Feature::Zen)], 0);
  }
  EXPECT_NEAR(m->fallback.weights[unsigned(Feature::Depth)], 0.1, 1e-5);
  EXPECT_TRUE(m->uses(Feature::Depth));
  EXPECT_FALSE(m->uses(Feature::Naswot));
  FeatureOptions terms = m->requiredTerms({});
  EXPECT_FALSE(terms.quantization || terms.zen || terms.naswot);
  EXPECT_NEAR(m->estimate(1, samples[3].features), samples[3].loss, 1e-5);
  // Unknown stages use the fallback.
  EXPECT_EQ(&m->forStage(7), &m->fallback);

  auto back = QualityModel::parse(m->toText());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_NEAR(back->estimate(2, samples[50].features),
              m->estimate(2, samples[50].features), 1e-6);
}

TEST(Model, ErrorsAreValues) {
  EXPECT_FALSE(fitModel({}, {{Feature::Depth}, 0}).ok());
  EXPECT_FALSE(fitModel({FitSample{}}, {{}, 0}).ok());
  EXPECT_FALSE(fitModel({FitSample{}, FitSample{}}, {{Feature::Depth}, 0}).ok());
  // Without a header: intercept + one weight per feature.
  std::string zeros;
  for (unsigned k = 0; k <= kNumFeatures; ++k)
    zeros += " 0";
  EXPECT_FALSE(QualityModel::parse("stage 1 0 1 2\nfallback" + zeros + "\n").ok());
  EXPECT_FALSE(QualityModel::parse("stage 1" + zeros + "\n").ok());
  EXPECT_FALSE(QualityModel::parse("stages 1\nfallback" + zeros + "\n").ok());
  EXPECT_FALSE(QualityModel::parse("fallback" + zeros + " 9\n").ok());
  EXPECT_FALSE(QualityModel::parse("fallback 0 0 0 0 0 0 0 0\n").ok());
  EXPECT_TRUE(QualityModel::parse("# c\nfallback" + zeros + "\n").ok());
  // A header names the columns: a model of the first seven terms reads
  // with the structural ones at 0; an unknown name is an error.
  auto legacy = QualityModel::parse(
      "# intercept log_params log_macs depth entropy log_nsr zen naswot\n"
      "fallback 1 2 0 0 0 0 0 3\n");
  ASSERT_TRUE(legacy.ok()) << legacy.error();
  EXPECT_EQ(legacy->fallback.weights[unsigned(Feature::LogParams)], 2);
  EXPECT_EQ(legacy->fallback.weights[unsigned(Feature::Naswot)], 3);
  EXPECT_EQ(legacy->fallback.weights[unsigned(Feature::SqueezeExcite)], 0);
  EXPECT_FALSE(legacy->uses(Feature::DepthwiseChain));
  auto named = QualityModel::parse("# intercept dw_chain se\nfallback 1 2 3\n");
  ASSERT_TRUE(named.ok()) << named.error();
  EXPECT_EQ(named->fallback.weights[unsigned(Feature::DepthwiseChain)], 2);
  EXPECT_EQ(named->fallback.weights[unsigned(Feature::SqueezeExcite)], 3);
  EXPECT_FALSE(QualityModel::parse("# intercept warp\nfallback 1 2\n").ok());
}

TEST(Model, StructuralTermsOnlyForTheHyperspaceTheyWereFittedOn) {
  // The structural descriptors tell mobilew's block types apart; another
  // hyperspace gets the fit without them.
  QualityModel mobile = QualityModel::builtinFor("mobilew");
  QualityModel other = QualityModel::builtinFor("onnxw");
  EXPECT_TRUE(mobile.uses(Feature::SqueezeExcite));
  EXPECT_TRUE(mobile.uses(Feature::DepthwiseChain));
  EXPECT_FALSE(other.uses(Feature::SqueezeExcite));
  EXPECT_FALSE(other.uses(Feature::BoundedDwChain));
  EXPECT_TRUE(other.uses(Feature::Naswot));
  EXPECT_EQ(other.toText(), QualityModel::generic().toText());
  EXPECT_EQ(mobile.toText(), QualityModel::builtin().toText());
}

TEST(Model, BuiltinModelRanksCapacityTheWayTheTablesDo) {
  // More layers of the same block: the built-in model never predicts a
  // higher loss for a strictly larger sub-stage of the same block.
  QualityModel m = QualityModel::builtin();
  HyperspaceSpec hs = builtinHyperspace(HyperspaceKind::MobileW);
  StemInputs inputs(hs, 0);
  SubstageRow small, large;
  small.stage = large.stage = 3;
  small.inChannels = large.inChannels = 40;
  small.inSize = large.inSize = 28;
  small.layers = {{BlockType::MBv2Res, 3, 56, 3, 2},
                  {BlockType::MBv2Res, 3, 56, 3, 1}};
  large.layers = {{BlockType::MBv2Res, 5, 72, 6, 2},
                  {BlockType::MBv2Res, 5, 72, 6, 1},
                  {BlockType::MBv2Res, 5, 72, 6, 1},
                  {BlockType::MBv2Res, 5, 72, 6, 1}};
  FeatureOptions o = m.requiredTerms({});
  o.kernelInputs = 8;
  auto fs = computeFeatures(small, inputs, o);
  auto fl = computeFeatures(large, inputs, o);
  ASSERT_TRUE(fs.ok() && fl.ok());
  EXPECT_LT(m.estimate(3, *fl), m.estimate(3, *fs));
}

//===----------------------------------------------------------------------===//
// Tables
//===----------------------------------------------------------------------===//

class TablesTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("spaceevo-quality-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "in");
    hs = tinyHyperspace();
    for (const TableFileId &id : hyperspaceTables(hs)) {
      std::ofstream f(dir / "in" / id.fileName());
      bool dual = id.block == 0;
      int64_t w = hs.findStage(id.stage)->widths[size_t(id.window)];
      std::string layer = "3#" + std::to_string(w) + (dual ? "#None" : "#4");
      std::string c = id.stage == 1 ? "16" : "24";
      std::string size = id.stage == 1 ? "112" : "56";
      f << layer << ",1x" << c << "x" << size << "x" << size
        << ",0.3000,1.0000,0.0100,1.5000\n";
      f << layer << "_" << layer << ",1x" << c << "x" << size << "x" << size
        << ",0.2000,2.0000,0.0200,2.5000\n";
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::vector<std::string> lines(const std::filesystem::path &p) {
    std::ifstream in(p);
    std::vector<std::string> v;
    std::string line;
    while (std::getline(in, line))
      v.push_back(line);
    return v;
  }

  TableEstimateOptions options() {
    TableEstimateOptions o;
    o.dir = (dir / "in").string();
    o.out = (dir / "out").string();
    o.features.kernelInputs = 4;
    o.features.calibrationInputs = o.features.evaluationInputs = 2;
    // A model that uses every term, so every forward pass runs.
    StageModel sm;
    sm.intercept = 0.5;
    sm.weights = {-0.01, 0.001, -0.02, -0.001, 0.01, -0.0001, -0.0001};
    QualityModel model;
    model.fallback = sm;
    o.model = model;
    return o;
  }

  std::filesystem::path dir;
  HyperspaceSpec hs;
};

TEST_F(TablesTest, WritesTheLossColumnKeepsTheRestAndResumes) {
  auto summary = estimateTables(hs, options());
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->files, 8u);
  EXPECT_EQ(summary->rows, 16u);
  EXPECT_EQ(summary->estimatedNow, 16u);
  auto out = lines(dir / "out" / "stage2_1_0.csv");
  ASSERT_EQ(out.size(), 2u);
  auto fields = splitCsvLine(out[1]);
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0], "3#32#4_3#32#4");
  EXPECT_EQ(fields[1], "1x24x56x56");
  EXPECT_NE(fields[2], "0.2000");
  EXPECT_EQ(fields[3] + "," + fields[4] + "," + fields[5],
            "2.0000,0.0200,2.5000");
  // Done: nothing again.
  auto again = estimateTables(hs, options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->estimatedNow, 0u);
  EXPECT_EQ(again->rows, 16u);
  // An interrupted table (one row written) continues with the other.
  std::filesystem::rename(dir / "out" / "stage1_0_1.csv",
                          dir / "out" / "stage1_0_1.csv.partial");
  auto partial = lines(dir / "out" / "stage1_0_1.csv.partial");
  {
    std::ofstream f(dir / "out" / "stage1_0_1.csv.partial");
    f << partial[0] << "\n";
  }
  {
    std::ofstream f(dir / "out" / ".quality-estimated");
    for (const TableFileId &id : hyperspaceTables(hs))
      if (id.fileName() != "stage1_0_1.csv")
        f << id.fileName() << "\n";
  }
  auto resumed = estimateTables(hs, options());
  ASSERT_TRUE(resumed.ok()) << resumed.error();
  EXPECT_EQ(resumed->estimatedNow, 1u);
  EXPECT_EQ(lines(dir / "out" / "stage1_0_1.csv"), partial);
  // Deterministic: an independent run gives the same bytes.
  auto o = options();
  o.out = (dir / "out2").string();
  ASSERT_TRUE(estimateTables(hs, o).ok());
  EXPECT_EQ(lines(dir / "out2" / "stage2_0_1.csv"),
            lines(dir / "out" / "stage2_0_1.csv"));
  // In place.
  o.out.clear();
  ASSERT_TRUE(estimateTables(hs, o).ok());
  EXPECT_EQ(lines(dir / "in" / "stage2_0_1.csv"),
            lines(dir / "out" / "stage2_0_1.csv"));
}

TEST_F(TablesTest, ErrorsNameTheFileAndLine) {
  auto o = options();
  o.dir = (dir / "nowhere").string();
  auto missingDir = estimateTables(hs, o);
  ASSERT_FALSE(missingDir.ok());
  EXPECT_NE(missingDir.error().find("is not a directory"), std::string::npos);

  std::filesystem::remove(dir / "in" / "stage2_1_1.csv");
  auto missing = estimateTables(hs, options());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("missing table"), std::string::npos);
  EXPECT_NE(missing.error().find("stage2_1_1.csv"), std::string::npos);

  {
    std::ofstream f(dir / "in" / "stage2_1_1.csv");
    f << "3#48#4,1x24x56x56,0.3,1,0.01,1.5\n3#48,1x24x56x56,0.3,1,0.01,1.5\n";
  }
  auto bad = estimateTables(hs, options());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("stage2_1_1.csv:2:"), std::string::npos)
      << bad.error();
  {
    std::ofstream f(dir / "in" / "stage2_1_1.csv");
    f << "3#48#4,1x24x56x56,0.3,1,0.01\n";
  }
  auto short_ = estimateTables(hs, options());
  ASSERT_FALSE(short_.ok());
  EXPECT_NE(short_.error().find("expected 6 comma-separated fields"),
            std::string::npos);
}
