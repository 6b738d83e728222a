//===- ExecErrorTest.cpp - Malformed input is an error value --------------===//
#include "spaceevo/exec/Int8Executor.h"

#include <gtest/gtest.h>

using namespace spaceevo;
using namespace spaceevo::exec;

namespace {

Expansion validBlock() {
  LayerConfig layer{BlockType::MBv3ResHswish, 3, 16, 4, 1};
  auto e = expandBlock(layer, 16, 6, 6);
  EXPECT_TRUE(e.ok());
  return *e;
}

void expectRejected(const Expansion &e, const std::string &fragment) {
  Status status = validateExpansion(e);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().find(fragment), std::string::npos)
      << status.error();
  // Every entry point reports it, none aborts.
  EXPECT_FALSE(initializeParameters(e, {}).ok());
  ExpansionParameters none;
  EXPECT_FALSE(FloatNetwork::create(e, none, FloatBackend::Reference).ok());
  ActivationRanges ranges;
  EXPECT_FALSE(quantizeExpansion(e, none, ranges).ok());
}

} // namespace

TEST(ExecErrors, MalformedExpansions) {
  expectRejected(Expansion{}, "no ops");

  Expansion forward = validBlock();
  forward.ops[1].input = 3; // reads a later op
  expectRejected(forward, "not an earlier op");

  Expansion shape = validBlock();
  shape.ops[1].inChannels += 1;
  expectRejected(shape, "declared input");

  Expansion kernel = validBlock();
  kernel.ops[1].padding = kernel.ops[1].kernel;
  expectRejected(kernel, "padding");

  Expansion size = validBlock();
  size.ops[0].outHeight += 1;
  expectRejected(size, "does not follow");

  Expansion missingOther = validBlock();
  missingOther.ops.back().other = kNoOperand;
  expectRejected(missingOther, "second operand");

  Expansion scale = validBlock();
  for (Primitive &op : scale.ops)
    if (op.kind == PrimitiveKind::ChannelScale)
      op.other = op.input; // a full map instead of Cx1x1
  expectRejected(scale, "scale operand");

  Expansion output = validBlock();
  output.outChannels += 1;
  expectRejected(output, "expansion output shape");

  Expansion act = validBlock();
  act.ops[0].act = static_cast<Activation>(42);
  expectRejected(act, "unknown activation");
}

TEST(ExecErrors, ParameterAndInputMismatches) {
  Expansion e = validBlock();
  auto params = initializeParameters(e, {});
  ASSERT_TRUE(params.ok());

  ExpansionParameters shortWeights = *params;
  shortWeights.ops[0].weights.pop_back();
  auto bad = FloatNetwork::create(e, shortWeights, FloatBackend::Reference);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("weights"), std::string::npos) << bad.error();

  ExpansionParameters noBatchNorm = *params;
  noBatchNorm.ops[0].batchNorm.reset();
  EXPECT_FALSE(foldParameters(e, noBatchNorm).ok());

  ExpansionParameters negative = *params;
  negative.ops[0].batchNorm->variance[0] = -1.0f;
  EXPECT_FALSE(foldParameters(e, negative).ok());

  auto net = FloatNetwork::create(e, *params, FloatBackend::Reference);
  ASSERT_TRUE(net.ok());
  EXPECT_FALSE(net->run(Tensor({5, 6, 16})).ok());
  EXPECT_FALSE(calibrateRanges(*net, {}).ok());
  CalibrationOptions badPercentile;
  badPercentile.method = CalibrationOptions::Method::Percentile;
  badPercentile.percentile = 20;
  EXPECT_FALSE(
      calibrateRanges(*net, {randomTensor({6, 6, 16}, 1)}, badPercentile).ok());
  EXPECT_FALSE(recalibrateBatchNorm(e, *params, {}).ok());

  auto graph = quantizePostTraining(e, *params, {randomTensor({6, 6, 16}, 1)});
  ASSERT_TRUE(graph.ok()) << graph.error();
  auto int8 = Int8Network::create(*graph, {Int8Backend::Reference});
  ASSERT_TRUE(int8.ok());
  std::vector<uint8_t> output;
  Status wrongSize = int8->run(std::vector<uint8_t>(10), output);
  EXPECT_FALSE(wrongSize.ok());
  EXPECT_FALSE(int8->run(Tensor({6, 6, 15})).ok());

  QuantizedExpansion broken = *graph;
  broken.ops[1].input = 5;
  EXPECT_FALSE(Int8Network::create(broken, {Int8Backend::Reference}).ok());
  QuantizedExpansion badKernel = *graph;
  badKernel.ops[0].kernel.weights.pop_back();
  auto rejected = Int8Network::create(badKernel, {Int8Backend::Best});
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().find("no backend"), std::string::npos);
}

TEST(ExecErrors, BackendNames) {
  for (Int8Backend b : {Int8Backend::Reference, Int8Backend::OneDnn,
                        Int8Backend::Halide, Int8Backend::Vnni,
                        Int8Backend::Best})
    EXPECT_EQ(parseInt8Backend(int8BackendName(b)), b);
  EXPECT_FALSE(parseInt8Backend("tpu").has_value());
  EXPECT_TRUE(floatBackendAvailable(FloatBackend::Reference));
}
