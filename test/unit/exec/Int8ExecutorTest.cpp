//===- Int8ExecutorTest.cpp - Quantization quality, bit-exact backends ----===//
#include "spaceevo/exec/Int8Executor.h"
#include "spaceevo/exec/Metrics.h"
#include "spaceevo/exec/Quality.h"
#include "spaceevo/space/NetworkCost.h"

#include "../common/BlockFixture.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace spaceevo;
using namespace spaceevo::exec;

namespace {

using spaceevo::testing::block;

std::vector<Tensor> inputs(TensorShape shape, uint64_t seed, size_t count) {
  std::vector<Tensor> result;
  for (size_t i = 0; i < count; ++i)
    result.push_back(randomTensor(shape, seed + i));
  return result;
}

/// A block with He weights, batch norm recalibrated on the calibration
/// inputs, quantized on them; NSR measured on other inputs.
struct QuantizedBlock {
  Expansion expansion;
  ExpansionParameters parameters;
  QuantizedExpansion graph;
};

QuantizedBlock quantize(const Expansion &e, uint64_t seed) {
  QuantizedBlock q;
  q.expansion = e;
  auto params =
      initializeParameters(e, {WeightInit::Mode::HeNormal, seed, {}});
  EXPECT_TRUE(params.ok()) << params.error();
  q.parameters = *params;
  auto calibration = inputs(*expansionInputShape(e), seed * 1000, 4);
  EXPECT_TRUE(recalibrateBatchNorm(e, q.parameters, calibration).ok());
  auto graph = quantizePostTraining(e, q.parameters, calibration);
  EXPECT_TRUE(graph.ok()) << graph.error();
  if (graph.ok())
    q.graph = *graph;
  return q;
}

/// Every block type of both hyperspaces, odd and even channel counts,
/// strides 1 and 2, every kernel size, plus the stems and a head.
std::vector<Expansion> blockZoo() {
  std::vector<Expansion> zoo = {
      block(BlockType::MBv1Dual, 3, 17, 0, 1, 17, 9),
      block(BlockType::MBv1Dual, 7, 21, 0, 2, 13, 11),
      block(BlockType::MBv2Res, 5, 19, 4, 2, 13, 10),
      block(BlockType::MBv2Res, 3, 24, 6, 1, 24, 8),
      block(BlockType::MBv3ResHswish, 3, 23, 8, 1, 23, 7),
      block(BlockType::MBv3ResHswish, 5, 31, 6, 2, 15, 9),
      block(BlockType::MBv3ResSwish, 7, 27, 3, 2, 19, 9),
      block(BlockType::ResNet, 3, 33, 0.5, 2, 21, 9),
      block(BlockType::ResNet, 7, 24, 1.5, 1, 24, 7),
      block(BlockType::ResNetSE, 5, 25, 1, 1, 25, 8),
      block(BlockType::ResNetSE, 3, 35, 1.5, 2, 29, 7),
      block(BlockType::FusedMBConv, 5, 21, 2, 1, 21, 8),
      block(BlockType::FusedMBConv, 3, 37, 1, 2, 23, 9),
      block(BlockType::FusedMBConvSE, 7, 29, 3, 2, 17, 9),
      block(BlockType::FusedMBConvSE, 3, 19, 4, 1, 19, 6),
      block(BlockType::MBv3K3Res, 5, 27, 3, 1, 27, 7),
      block(BlockType::MBv3K3Res, 7, 29, 6, 2, 21, 10),
      block(BlockType::MBv2K3Res, 7, 23, 8, 1, 23, 7),
      block(BlockType::MBv2K3Res, 3, 31, 3, 2, 17, 9),
      block(BlockType::MBv2, 3, 24, 1, 1, 16, 9),
  };
  for (HyperspaceKind kind : {HyperspaceKind::OnnxW, HyperspaceKind::MobileW}) {
    StemConfig stem{16, 32, 2};
    auto e = expandStem(kind, stem, 32);
    EXPECT_TRUE(e.ok());
    zoo.push_back(*e);
  }
  auto head = expandHead(hyperspaceHead(HyperspaceKind::MobileW), 37, 3, 3);
  EXPECT_TRUE(head.ok());
  zoo.push_back(*head);
  return zoo;
}

std::vector<Int8Backend> allBackends() {
  return {Int8Backend::Reference, Int8Backend::OneDnn, Int8Backend::Halide,
          Int8Backend::Vnni, Int8Backend::Best};
}

} // namespace

TEST(Int8Executor, IdentityBlockAddsOnlyInputQuantizationNoise) {
  // One depthwise 3x3 conv whose kernel is the centre tap 1.0, no batch
  // norm, no activation: FP32 output = input. Its weight quantizes exactly
  // and its calibrated output range is the input's, so INT8 adds nothing
  // to the input's own quantization noise.
  Primitive dw;
  dw.kind = PrimitiveKind::DepthwiseConv;
  dw.role = "identity";
  dw.inChannels = dw.outChannels = 13;
  dw.inHeight = dw.inWidth = dw.outHeight = dw.outWidth = 9;
  dw.kernel = 3;
  dw.padding = 1;
  Expansion e;
  e.ops = {dw};
  e.outChannels = 13;
  e.outHeight = e.outWidth = 9;
  ExpansionParameters params;
  params.ops.resize(1);
  params.ops[0].weights.assign(9 * 13, 0.0f);
  for (int c = 0; c < 13; ++c)
    params.ops[0].weights[4 * 13 + c] = 1.0f;
  auto calibration = inputs({9, 9, 13}, 1, 3);
  auto graph = quantizePostTraining(e, params, calibration);
  ASSERT_TRUE(graph.ok()) << graph.error();
  auto net = Int8Network::create(*graph, {Int8Backend::Reference});
  ASSERT_TRUE(net.ok()) << net.error();
  Tensor input = calibration[1];
  auto output = net->run(input);
  ASSERT_TRUE(output.ok());
  Tensor roundTrip = net->dequantizeOutput(net->quantizeInput(input));
  auto blockNsr = noiseToSignal(input, *output);
  auto inputNsr = noiseToSignal(input, roundTrip);
  ASSERT_TRUE(blockNsr.ok() && inputNsr.ok());
  EXPECT_GT(inputNsr->spaceEvo, 0.0);
  EXPECT_LT(inputNsr->spaceEvo, 1e-3);
  EXPECT_NEAR(blockNsr->spaceEvo, inputNsr->spaceEvo,
              0.01 * inputNsr->spaceEvo);
}

TEST(Int8Executor, TypicalBlocksHaveSmallNoise) {
  uint64_t seed = 1;
  for (const Expansion &e : blockZoo()) {
    QuantizedBlock q = quantize(e, seed);
    auto fp32 = FloatNetwork::create(e, q.parameters, FloatBackend::Reference);
    auto int8 = Int8Network::create(q.graph, {Int8Backend::Best});
    ASSERT_TRUE(fp32.ok() && int8.ok());
    auto evaluation = inputs(fp32->inputShape(), seed * 7919, 2);
    std::vector<Tensor> reference, quantized;
    for (const Tensor &x : evaluation) {
      reference.push_back(*fp32->run(x));
      quantized.push_back(*int8->run(x));
    }
    auto nsr = noiseToSignal(reference, quantized);
    ASSERT_TRUE(nsr.ok());
    std::string name = e.ops.back().role + " (first op '" + e.ops[0].role +
                       "', " + std::to_string(e.ops.size()) + " ops)";
    // A head's 1x1 logits have no spatial variance: use the energy ratio.
    double value = std::isnan(nsr->spaceEvo) ? nsr->energy : nsr->spaceEvo;
    EXPECT_LT(value, 1e-2) << name;
    EXPECT_GT(value, 0.0) << name;
    ++seed;
  }
}

TEST(Int8Executor, BackendsAreBitIdentical) {
  uint64_t seed = 40;
  for (const Expansion &e : blockZoo()) {
    QuantizedBlock q = quantize(e, seed);
    std::vector<uint8_t> input = [&] {
      auto reference = Int8Network::create(q.graph, {Int8Backend::Reference});
      EXPECT_TRUE(reference.ok());
      return reference->quantizeInput(randomTensor(q.graph.inputShape, seed));
    }();
    std::vector<uint8_t> expected;
    for (Int8Backend backend : allBackends()) {
      auto net = Int8Network::create(q.graph, {backend});
      ASSERT_TRUE(net.ok()) << int8BackendName(backend) << ": " << net.error();
      std::vector<uint8_t> output;
      ASSERT_TRUE(net->run(input, output).ok());
      // Run twice: reused buffers and packed weights must not leak state.
      std::vector<uint8_t> again;
      ASSERT_TRUE(net->run(input, again).ok());
      EXPECT_EQ(output, again) << int8BackendName(backend);
      if (backend == Int8Backend::Reference)
        expected = output;
      else
        EXPECT_EQ(output, expected)
            << int8BackendName(backend) << " differs from the reference on "
            << e.ops.back().role << " (seed " << seed << ")";
    }
    ++seed;
  }
}

TEST(Int8Executor, AutotunedBestIsBitIdentical) {
  QuantizedBlock q = quantize(block(BlockType::MBv3ResHswish, 5, 24, 6, 1,
                                    24, 14),
                              3);
  auto reference = Int8Network::create(q.graph, {Int8Backend::Reference});
  Int8Options tuned{Int8Backend::Best, /*autotune=*/true, 2};
  auto best = Int8Network::create(q.graph, tuned);
  ASSERT_TRUE(reference.ok() && best.ok());
  auto input = reference->quantizeInput(randomTensor(q.graph.inputShape, 9));
  std::vector<uint8_t> a, b;
  ASSERT_TRUE(reference->run(input, a).ok());
  ASSERT_TRUE(best->run(input, b).ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(best->kernelImplementations().size(), q.graph.ops.size());
}

TEST(Int8Executor, DeterministicForASeed) {
  Expansion e = block(BlockType::FusedMBConvSE, 3, 24, 2, 2, 16, 12);
  auto digest = [&](uint64_t seed) {
    QuantizedBlock q = quantize(e, seed);
    auto net = Int8Network::create(q.graph, {Int8Backend::Best});
    EXPECT_TRUE(net.ok());
    std::vector<uint8_t> output;
    EXPECT_TRUE(
        net->run(net->quantizeInput(randomTensor(q.graph.inputShape, 77)),
                 output)
            .ok());
    return fnv1a64(output.data(), output.size());
  };
  EXPECT_EQ(digest(5), digest(5));
  EXPECT_NE(digest(5), digest(6));
}

TEST(Int8Executor, SmallNetworkEndToEnd) {
  // A whole onnxw-shaped network at resolution 64: stem, one layer per
  // stage of different block types, head; FP32 (both backends) and INT8.
  HyperspaceSpec hs;
  hs.name = "onnxw";
  hs.stem.widths = {16};
  hs.head = {1280, 1920, 1000, Activation::Hswish};
  NetworkSpec net;
  net.resolution = 64;
  net.stemWidth = 16;
  std::vector<std::pair<BlockType, LayerConfig>> layers = {
      {BlockType::ResNet, {BlockType::ResNet, 3, 16, 0.5, 1}},
      {BlockType::MBv2Res, {BlockType::MBv2Res, 3, 32, 4, 2}},
      {BlockType::MBv3ResHswish, {BlockType::MBv3ResHswish, 5, 48, 4, 2}},
      {BlockType::ResNetSE, {BlockType::ResNetSE, 3, 64, 1, 2}},
      {BlockType::FusedMBConv, {BlockType::FusedMBConv, 3, 112, 2, 1}},
      {BlockType::MBv1Dual, {BlockType::MBv1Dual, 5, 192, 0, 2}},
      {BlockType::ResNet, {BlockType::ResNet, 3, 304, 1, 1}},
  };
  for (size_t i = 0; i < layers.size(); ++i) {
    StageSpec stage;
    stage.index = int64_t(i);
    CandidateSpec candidate;
    candidate.block = layers[i].first;
    stage.candidates = {candidate};
    hs.stages.push_back(stage);
    net.layers.push_back({int64_t(i), layers[i].second});
  }
  auto e = expandNetwork(hs, net);
  ASSERT_TRUE(e.ok()) << e.error();
  QuantizedBlock q = quantize(*e, 2);
  auto fp32 = FloatNetwork::create(*e, q.parameters,
                                   floatBackendAvailable(FloatBackend::OneDnn)
                                       ? FloatBackend::OneDnn
                                       : FloatBackend::Reference);
  auto int8 = Int8Network::create(q.graph, {Int8Backend::Best});
  ASSERT_TRUE(fp32.ok()) << fp32.error();
  ASSERT_TRUE(int8.ok()) << int8.error();
  Tensor image = randomTensor({64, 64, 3}, 123);
  auto logitsFp32 = fp32->run(image);
  auto logitsInt8 = int8->run(image);
  ASSERT_TRUE(logitsFp32.ok() && logitsInt8.ok());
  EXPECT_EQ(logitsInt8->shape, (TensorShape{1, 1, 1000}));
  auto nsr = noiseToSignal(*logitsFp32, *logitsInt8);
  ASSERT_TRUE(nsr.ok());
  EXPECT_TRUE(std::isfinite(nsr->energy));
  EXPECT_LT(nsr->energy, 0.5); // a whole network, 8 bits: noisy but related
  EXPECT_GT(int8->activationBytes(), 0u);
}

TEST(Quality, OneCallEstimateIsDeterministic) {
  Expansion e = block(BlockType::MBv3ResSwish, 5, 24, 6, 2, 16, 12);
  QualityOptions options;
  options.init.seed = 4;
  auto a = int8NoiseToSignal(e, options);
  auto b = int8NoiseToSignal(e, options);
  ASSERT_TRUE(a.ok()) << a.error();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->noise.spaceEvo, b->noise.spaceEvo);
  EXPECT_GT(a->noise.spaceEvo, 0.0);
  EXPECT_LT(a->noise.spaceEvo, 1e-2);
  EXPECT_EQ(a->noise.perChannel.size(), 24u);
  // Every backend gives the same INT8 bytes, hence the same estimate.
  options.int8Backend = Int8Backend::Reference;
  auto c = int8NoiseToSignal(e, options);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(a->noise.spaceEvo, c->noise.spaceEvo);
  options.randomInputs = 0;
  EXPECT_FALSE(int8NoiseToSignal(e, options).ok());
}

TEST(Int8Executor, PercentileCalibrationClipsTails) {
  Expansion e = block(BlockType::ResNet, 3, 16, 1, 1, 16, 10);
  auto params = initializeParameters(e, {WeightInit::Mode::HeNormal, 8, {}});
  ASSERT_TRUE(params.ok());
  auto net = FloatNetwork::create(e, *params, FloatBackend::Reference);
  ASSERT_TRUE(net.ok());
  auto calibration = inputs({10, 10, 16}, 30, 2);
  auto minMax = calibrateRanges(*net, calibration);
  CalibrationOptions percentile;
  percentile.method = CalibrationOptions::Method::Percentile;
  percentile.percentile = 99.0;
  auto clipped = calibrateRanges(*net, calibration, percentile);
  ASSERT_TRUE(minMax.ok() && clipped.ok());
  EXPECT_LT(clipped->input.max, minMax->input.max);
  EXPECT_GT(clipped->input.min, minMax->input.min);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    EXPECT_LE(clipped->output[i].max, minMax->output[i].max);
    EXPECT_GE(clipped->output[i].min, minMax->output[i].min);
  }
  // The clipped ranges still give a valid, runnable INT8 graph.
  auto graph = quantizeExpansion(e, *params, *clipped);
  ASSERT_TRUE(graph.ok()) << graph.error();
  EXPECT_TRUE(Int8Network::create(*graph, {Int8Backend::Best}).ok());
}
