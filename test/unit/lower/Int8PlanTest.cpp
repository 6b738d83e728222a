//===- Int8PlanTest.cpp - the INT8 plan behind --spaceevo-lower-int8 ------===//
#include "spaceevo/lower/Int8Plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace spaceevo;

TEST(Rescale, RepresentsTheFactor) {
  for (double factor : {1e-6, 0.0123, 0.5, 0.999, 1.0, 3.7, 524288.0}) {
    Int8Rescale r = makeRescale({factor}, 5, -7);
    ASSERT_EQ(r.multiplier.size(), 1u);
    EXPECT_GE(r.shift[0], 2);
    EXPECT_LE(r.shift[0], 62);
    EXPECT_GE(r.multiplier[0], 1 << 30) << factor;
    double represented = r.multiplier[0] * std::ldexp(1.0, -r.shift[0]);
    EXPECT_NEAR(represented / factor, 1.0, 1e-9) << factor;
    EXPECT_EQ(r.inputZeroPoint, 5);
    EXPECT_EQ(r.outputZeroPoint, -7);
    EXPECT_FALSE(r.perChannel());
  }
  // Too small for shift 62: precision drops, the value stays close.
  Int8Rescale tiny = makeRescale({1e-12}, 0, 0);
  EXPECT_EQ(tiny.shift[0], 62);
  EXPECT_NEAR(tiny.multiplier[0] * std::ldexp(1.0, -62) / 1e-12, 1.0, 1e-6);
  Int8Rescale zero = makeRescale({0.0, 2.0}, 0, 0);
  EXPECT_EQ(zero.multiplier[0], 0);
  EXPECT_TRUE(zero.perChannel());
}

TEST(Activation, RealFunctions) {
  EXPECT_DOUBLE_EQ(applyActivation(Activation::ReLU6, 7.5), 6.0);
  EXPECT_DOUBLE_EQ(applyActivation(Activation::ReLU, -1.0), 0.0);
  EXPECT_DOUBLE_EQ(applyActivation(Activation::Hswish, 3.0), 3.0);
  EXPECT_DOUBLE_EQ(applyActivation(Activation::Hswish, -3.0), 0.0);
  EXPECT_DOUBLE_EQ(applyActivation(Activation::Hsigmoid, 0.0), 0.5);
  EXPECT_NEAR(applyActivation(Activation::Swish, 1.0), 1.0 / (1.0 + std::exp(-1.0)), 1e-15);
}

namespace {
Expansion mbv3Block(int64_t inC, int64_t size) {
  LayerConfig layer;
  layer.block = BlockType::MBv3ResHswish;
  layer.kernel = 3;
  layer.width = 24;
  layer.expand = 4;
  layer.stride = 2;
  Result<Expansion> e = expandBlock(layer, inC, size, size);
  EXPECT_TRUE(e) << e.error();
  return *e;
}
} // namespace

TEST(Int8Plan, OneNodePerPrimitiveWithTosaLayouts) {
  Expansion block = mbv3Block(16, 20);
  Result<Int8Plan> plan = planInt8(block, 16, 20, 20, {WeightFill::Seeded, 7});
  ASSERT_TRUE(plan) << plan.error();
  ASSERT_EQ(plan->nodes.size(), block.ops.size());
  for (const Int8Node &node : plan->nodes) {
    const Primitive &op = node.op;
    switch (op.kind) {
    case PrimitiveKind::Conv:
      EXPECT_EQ(node.weights.size(),
                static_cast<size_t>(op.outChannels * op.kernel * op.kernel * op.inChannels));
      EXPECT_EQ(node.bias.size(), static_cast<size_t>(op.outChannels));
      EXPECT_EQ(node.outputRescale.multiplier.size(), static_cast<size_t>(op.outChannels));
      break;
    case PrimitiveKind::DepthwiseConv:
      EXPECT_EQ(node.weights.size(), static_cast<size_t>(op.kernel * op.kernel * op.outChannels));
      break;
    case PrimitiveKind::GlobalAvgPool:
      // Average pooling keeps the scale: only zero points appear in TOSA.
      EXPECT_EQ(node.output.scale, node.input.scale);
      EXPECT_EQ(node.output.zeroPoint, node.input.zeroPoint);
      break;
    case PrimitiveKind::Add:
    case PrimitiveKind::ChannelScale:
      EXPECT_EQ(node.inputRescale.outputZeroPoint, 0);
      EXPECT_EQ(node.otherRescale.outputZeroPoint, 0);
      break;
    default:
      break;
    }
    for (int8_t w : node.weights)
      EXPECT_GE(w, -127); // symmetric weights never use -128
  }
}

TEST(Int8Plan, ActivationsBecomeClampsAndTables) {
  Result<Int8Plan> plan = planInt8(mbv3Block(16, 20), 16, 20, 20, {});
  ASSERT_TRUE(plan);
  int tables = 0;
  for (const Int8Node &node : plan->nodes) {
    if (node.op.act == Activation::Hswish) {
      ASSERT_EQ(node.activation, Int8ActivationKind::Table);
      ++tables;
      // The table is hswish between the two quantizations: check three
      // points, and that it is non-decreasing where hswish is (x >= -1.5).
      auto input = [&](int i) { return node.preActivation.scale * (i - node.preActivation.zeroPoint); };
      for (int i = -128; i <= 127; ++i) {
        // Saturates at the output's representable range.
        double expected = std::clamp(
            applyActivation(Activation::Hswish, input(i)),
            node.output.scale * (-128 - node.output.zeroPoint),
            node.output.scale * (127 - node.output.zeroPoint));
        double got = node.output.scale * (node.table[i + 128] - node.output.zeroPoint);
        EXPECT_NEAR(got, expected, node.output.scale * 0.5 + 1e-9) << i;
        if (i > -128 && input(i - 1) >= -1.5)
          EXPECT_GE(node.table[i + 128], node.table[i + 127]);
      }
    }
    if (node.op.act == Activation::ReLU) {
      // SE reduce: ReLU is a clamp at the zero point.
      ASSERT_EQ(node.activation, Int8ActivationKind::Clamp);
      EXPECT_EQ(node.clampMin, node.output.zeroPoint);
    }
  }
  EXPECT_EQ(tables, 2); // expand and depthwise; the SE gate (Hsigmoid) too is a table
}

TEST(Int8Plan, DeterministicForASeed) {
  Expansion block = mbv3Block(16, 20);
  Result<Int8Plan> a = planInt8(block, 16, 20, 20, {WeightFill::Seeded, 1});
  Result<Int8Plan> b = planInt8(block, 16, 20, 20, {WeightFill::Seeded, 1});
  Result<Int8Plan> c = planInt8(block, 16, 20, 20, {WeightFill::Seeded, 2});
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->nodes[0].weights, b->nodes[0].weights);
  EXPECT_EQ(a->nodes[0].bias, b->nodes[0].bias);
  EXPECT_NE(a->nodes[0].weights, c->nodes[0].weights);
  Result<Int8Plan> splat = planInt8(block, 16, 20, 20, {WeightFill::Splat, 0});
  ASSERT_TRUE(splat);
  for (int8_t w : splat->nodes[0].weights)
    EXPECT_EQ(w, 1);
}

TEST(Int8Plan, BadOperandIsAnError) {
  Expansion block = mbv3Block(16, 20);
  block.ops[1].input = 40; // not an earlier primitive
  Result<Int8Plan> plan = planInt8(block, 16, 20, 20, {});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().find("primitive 1"), std::string::npos);
}
