//===- FloatExecutorTest.cpp - FP32 primitives, networks, parameters ------===//
#include "spaceevo/exec/FloatExecutor.h"

#include "../common/BlockFixture.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace spaceevo;
using namespace spaceevo::exec;
using runtime::ActivationFunction;

namespace {

Tensor iota(TensorShape shape, float start = 1.0f) {
  Tensor t(shape);
  for (size_t i = 0; i < t.values.size(); ++i)
    t.values[i] = start + float(i);
  return t;
}

using spaceevo::testing::block;

double maxRelativeError(const Tensor &a, const Tensor &b) {
  double maxAbs = 0, maxDiff = 0;
  for (size_t i = 0; i < a.values.size(); ++i) {
    maxAbs = std::max(maxAbs, double(std::fabs(a.values[i])));
    maxDiff = std::max(maxDiff, double(std::fabs(a.values[i] - b.values[i])));
  }
  return maxDiff / std::max(maxAbs, 1e-30);
}

} // namespace

TEST(FloatPrimitives, ConvHandComputed) {
  // 3x3 single-channel input 1..9, 3x3 all-ones kernel, padding 1: each
  // output is the sum of the in-bounds neighbourhood.
  Tensor input = iota({3, 3, 1});
  std::vector<float> ones(9, 1.0f);
  Tensor out = convolve(input, ones.data(), nullptr, 1, 3, 1, 1);
  ASSERT_EQ(out.shape, (TensorShape{3, 3, 1}));
  EXPECT_FLOAT_EQ(out.at(0, 0, 0), 1 + 2 + 4 + 5);
  EXPECT_FLOAT_EQ(out.at(1, 1, 0), 45);
  EXPECT_FLOAT_EQ(out.at(2, 1, 0), 4 + 5 + 6 + 7 + 8 + 9);
  // Stride 2: outputs at (0,0), (0,2), (2,0), (2,2).
  Tensor strided = convolve(input, ones.data(), nullptr, 1, 3, 2, 1);
  ASSERT_EQ(strided.shape, (TensorShape{2, 2, 1}));
  EXPECT_FLOAT_EQ(strided.at(1, 1, 0), 5 + 6 + 8 + 9);
}

TEST(FloatPrimitives, ConvMixesChannelsWithOhwiWeights) {
  // 1x1 pixel, 2 input channels (1, 2), 3 output channels, 1x1 kernel.
  Tensor input({1, 1, 2});
  input.values = {1.0f, 2.0f};
  std::vector<float> w = {1, 0, 0, 1, 3, -1}; // [oc][ic]
  std::vector<float> bias = {0.5f, 0.0f, 1.0f};
  Tensor out = convolve(input, w.data(), bias.data(), 3, 1, 1, 0);
  EXPECT_FLOAT_EQ(out.values[0], 1.5f);
  EXPECT_FLOAT_EQ(out.values[1], 2.0f);
  EXPECT_FLOAT_EQ(out.values[2], 3 - 2 + 1.0f);
}

TEST(FloatPrimitives, DepthwisePoolScaleAddFc) {
  Tensor input = iota({2, 2, 2}); // pixel p has channels (2p+1, 2p+2)
  // Depthwise 3x3 with the centre tap only: channel 0 x2, channel 1 x3.
  std::vector<float> w(18, 0.0f);
  w[4 * 2 + 0] = 2.0f;
  w[4 * 2 + 1] = 3.0f;
  Tensor dw = convolveDepthwise(input, w.data(), nullptr, 3, 1, 1);
  EXPECT_FLOAT_EQ(dw.at(1, 0, 0), 2 * 5.0f);
  EXPECT_FLOAT_EQ(dw.at(1, 0, 1), 3 * 6.0f);

  Tensor pooled = globalAveragePool(input);
  ASSERT_EQ(pooled.shape, (TensorShape{1, 1, 2}));
  EXPECT_FLOAT_EQ(pooled.values[0], (1 + 3 + 5 + 7) / 4.0f);
  EXPECT_FLOAT_EQ(pooled.values[1], (2 + 4 + 6 + 8) / 4.0f);

  Tensor scale({1, 1, 2});
  scale.values = {0.5f, 2.0f};
  Tensor scaled = scaleChannels(input, scale);
  EXPECT_FLOAT_EQ(scaled.at(1, 1, 0), 3.5f);
  EXPECT_FLOAT_EQ(scaled.at(1, 1, 1), 16.0f);

  Tensor sum = addTensors(input, input);
  EXPECT_FLOAT_EQ(sum.at(0, 1, 1), 8.0f);

  std::vector<float> fcWeights = {1, 1, 2, -1}; // [oc][ic]
  std::vector<float> fcBias = {0.0f, 1.0f};
  Tensor fc = fullyConnect(pooled, fcWeights.data(), fcBias.data(), 2);
  EXPECT_FLOAT_EQ(fc.values[0], 4 + 5);
  EXPECT_FLOAT_EQ(fc.values[1], 2 * 4 - 5 + 1);
}

TEST(FloatPrimitives, Activations) {
  std::vector<float> x = {-4, -1, 0, 1, 7};
  auto apply = [&](ActivationFunction f) {
    std::vector<float> v = x;
    applyActivation(f, v.data(), v.size());
    return v;
  };
  auto relu6 = apply(ActivationFunction::ReLU6);
  EXPECT_EQ(relu6, (std::vector<float>{0, 0, 0, 1, 6}));
  auto hswish = apply(ActivationFunction::Hswish);
  EXPECT_FLOAT_EQ(hswish[0], 0.0f);
  EXPECT_FLOAT_EQ(hswish[1], -1.0f * 2 / 6);
  EXPECT_FLOAT_EQ(hswish[3], 4.0f / 6);
  EXPECT_FLOAT_EQ(hswish[4], 7.0f);
  auto hsigmoid = apply(ActivationFunction::Hsigmoid);
  EXPECT_FLOAT_EQ(hsigmoid[2], 0.5f);
  EXPECT_FLOAT_EQ(hsigmoid[4], 1.0f);
  auto swish = apply(ActivationFunction::Swish);
  EXPECT_NEAR(swish[3], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  auto sigmoid = apply(ActivationFunction::Sigmoid);
  EXPECT_FLOAT_EQ(sigmoid[2], 0.5f);
  // Every activation agrees with the runtime's definition (used for tables).
  for (auto f : {ActivationFunction::ReLU, ActivationFunction::ReLU6,
                 ActivationFunction::Hswish, ActivationFunction::Hsigmoid,
                 ActivationFunction::Swish, ActivationFunction::Sigmoid}) {
    auto y = apply(f);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(y[i], runtime::evaluateActivation(f, x[i]), 1e-5);
  }
}

TEST(Parameters, DeterministicPerSeedAndHeScaled) {
  Expansion e = block(BlockType::ResNet, 3, 32, 1.0, 1, 32, 8);
  auto a = initializeParameters(e, {WeightInit::Mode::HeNormal, 7, {}});
  auto b = initializeParameters(e, {WeightInit::Mode::HeNormal, 7, {}});
  auto c = initializeParameters(e, {WeightInit::Mode::HeNormal, 8, {}});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->ops[1].weights, b->ops[1].weights);
  EXPECT_NE(a->ops[1].weights, c->ops[1].weights);
  // The 3x3 spatial conv (32 -> 32): weight variance ~ 2 / (32 * 9).
  const std::vector<float> &w = a->ops[1].weights;
  double sumSquares = 0;
  for (float v : w)
    sumSquares += double(v) * v;
  double variance = sumSquares / double(w.size());
  EXPECT_NEAR(variance, 2.0 / (32 * 9), 0.15 * 2.0 / (32 * 9));
  ASSERT_TRUE(a->ops[1].batchNorm.has_value());
}

TEST(Parameters, FoldingEqualsConvThenBatchNorm) {
  Expansion e = block(BlockType::ResNet, 3, 16, 1.0, 1, 16, 6);
  auto params = initializeParameters(e, {WeightInit::Mode::HeNormal, 3, {}});
  ASSERT_TRUE(params.ok());
  auto folded = foldParameters(e, *params);
  ASSERT_TRUE(folded.ok()) << folded.error();
  Tensor input = randomTensor({6, 6, 16}, 11);
  const Primitive &op = e.ops[0]; // 1x1 reduce conv with batch norm
  Tensor raw = convolve(input, params->ops[0].weights.data(), nullptr,
                        op.outChannels, 1, 1, 0);
  Tensor fused = convolve(input, (*folded)[0].weights.data(),
                          (*folded)[0].bias.data(), op.outChannels, 1, 1, 0);
  const BatchNormParameters &bn = *params->ops[0].batchNorm;
  for (size_t i = 0; i < raw.values.size(); ++i) {
    size_t c = i % size_t(op.outChannels);
    double expected = (raw.values[i] - bn.mean[c]) * bn.gamma[c] /
                          std::sqrt(double(bn.variance[c]) + bn.epsilon) +
                      bn.beta[c];
    EXPECT_NEAR(fused.values[i], expected, 1e-4);
  }
}

TEST(Parameters, SplatHasIdentityBatchNorm) {
  Expansion e = block(BlockType::MBv2Res, 3, 8, 4.0, 1, 8, 5);
  auto params = initializeParameters(e, {WeightInit::Mode::Splat, 0, 0.25f});
  ASSERT_TRUE(params.ok());
  auto folded = foldParameters(e, *params);
  ASSERT_TRUE(folded.ok());
  for (const FoldedParameters &f : *folded) {
    for (float w : f.weights)
      EXPECT_FLOAT_EQ(w, 0.25f);
    for (float b : f.bias)
      EXPECT_FLOAT_EQ(b, 0.0f);
  }
}

TEST(FloatNetwork, SplatBlockHandComputed) {
  // ResNet bottleneck 8 -> 8 (identity shortcut), splat weights 1 / fan_in,
  // identity batch norms, ReLU: on a constant positive input every conv
  // averages, so in the interior each stage keeps the value v and the
  // output is relu(v + v) = 2v.
  Expansion e = block(BlockType::ResNet, 3, 8, 1.0, 1, 8, 5);
  auto params = initializeParameters(e, {WeightInit::Mode::Splat, 0, {}});
  ASSERT_TRUE(params.ok());
  auto net = FloatNetwork::create(e, *params, FloatBackend::Reference);
  ASSERT_TRUE(net.ok()) << net.error();
  Tensor input({5, 5, 8}, 0.75f);
  auto out = net->run(input);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_FLOAT_EQ(out->at(2, 2, 3), 1.5f);
  // A corner sees 4 of the 9 taps of the 3x3 conv: 0.75 * 4 / 9 + 0.75.
  EXPECT_NEAR(out->at(0, 0, 0), 0.75 * 4 / 9 + 0.75, 1e-6);
}

TEST(FloatNetwork, OneDnnMatchesReference) {
  if (!floatBackendAvailable(FloatBackend::OneDnn))
    GTEST_SKIP() << "built without oneDNN";
  std::vector<Expansion> blocks = {
      block(BlockType::MBv1Dual, 5, 24, 0, 2, 16, 15),
      block(BlockType::MBv2Res, 3, 24, 6, 1, 24, 14),
      block(BlockType::MBv3ResHswish, 5, 40, 4, 2, 24, 14),
      block(BlockType::MBv3ResSwish, 7, 40, 3, 1, 40, 7),
      block(BlockType::ResNetSE, 7, 48, 1.5, 2, 32, 13),
      block(BlockType::FusedMBConvSE, 3, 33, 2, 1, 17, 9),
      block(BlockType::MBv3K3Res, 7, 24, 6, 2, 24, 12),
  };
  auto head = expandHead(hyperspaceHead(HyperspaceKind::OnnxW), 40, 4, 4);
  ASSERT_TRUE(head.ok());
  blocks.push_back(*head);
  uint64_t seed = 1;
  for (const Expansion &e : blocks) {
    auto params = initializeParameters(e, {WeightInit::Mode::HeNormal, seed, {}});
    ASSERT_TRUE(params.ok());
    auto reference = FloatNetwork::create(e, *params, FloatBackend::Reference);
    auto onednn = FloatNetwork::create(e, *params, FloatBackend::OneDnn);
    ASSERT_TRUE(reference.ok()) << reference.error();
    ASSERT_TRUE(onednn.ok()) << onednn.error();
    Tensor input = randomTensor(reference->inputShape(), seed + 100);
    auto a = reference->run(input);
    auto b = onednn->run(input);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_LT(maxRelativeError(*a, *b), 1e-4) << e.ops.front().role << " seed "
                                              << seed;
    ++seed;
  }
}

TEST(FloatNetwork, RecalibratedBatchNormNormalizes) {
  Expansion e = block(BlockType::MBv2Res, 3, 16, 6, 1, 16, 10);
  auto params = initializeParameters(e, {WeightInit::Mode::HeNormal, 5, {}});
  ASSERT_TRUE(params.ok());
  std::vector<Tensor> inputs;
  for (uint64_t s = 0; s < 3; ++s)
    inputs.push_back(randomTensor({10, 10, 16}, 50 + s, 0.5f, 2.0f));
  ASSERT_TRUE(recalibrateBatchNorm(e, *params, inputs).ok());
  // After recalibration the expand conv's normalized output (before ReLU6)
  // has per-channel mean beta and standard deviation gamma.
  auto net = FloatNetwork::create(e, *params, FloatBackend::Reference);
  ASSERT_TRUE(net.ok());
  FloatObserver observer;
  bool checked = false;
  observer.beforeActivation = [&](size_t op, std::vector<Tensor> &values) {
    if (op != 0)
      return;
    const BatchNormParameters &bn = *params->ops[0].batchNorm;
    size_t channels = size_t(e.ops[0].outChannels);
    for (size_t c = 0; c < channels; c += 7) {
      double sum = 0, squares = 0, count = 0;
      for (const Tensor &t : values)
        for (size_t i = c; i < t.values.size(); i += channels) {
          sum += t.values[i];
          squares += double(t.values[i]) * t.values[i];
          ++count;
        }
      double mean = sum / count;
      EXPECT_NEAR(mean, bn.beta[c], 1e-3);
      EXPECT_NEAR(std::sqrt(squares / count - mean * mean), bn.gamma[c], 1e-3);
    }
    checked = true;
  };
  ASSERT_TRUE(net->runBatch(inputs, &observer).ok());
  EXPECT_TRUE(checked);
}
