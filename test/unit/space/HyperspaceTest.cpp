//===- HyperspaceTest.cpp - checks, counting and sampling of spaces -------===//
#include "spaceevo/space/Builtin.h"
#include "spaceevo/space/Counting.h"
#include "spaceevo/space/Hyperspace.h"
#include "spaceevo/space/NetworkCost.h"
#include "spaceevo/space/TableFormat.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

using namespace spaceevo;

namespace {

/// Two searchable stages with overlapping windows, small enough to enumerate
/// every subnet by brute force.
HyperspaceSpec tinyHyperspace() {
  HyperspaceSpec hs;
  hs.name = "tiny";
  hs.resolutions = {32, 64};
  hs.stem = {3, 2, {8, 16}, Activation::ReLU};
  StageSpec stage0;
  stage0.index = 0;
  stage0.fixed = true;
  stage0.widths = {8, 16};
  stage0.window = 2;
  stage0.depths = {1, 2};
  stage0.candidates = {{BlockType::MBv2, {3}, {1}, Activation::ReLU}};
  StageSpec stage1;
  stage1.index = 1;
  stage1.stride = 2;
  stage1.widths = {16, 24, 32, 40};
  stage1.window = 2;
  stage1.depths = {1, 2, 3};
  stage1.candidates = {{BlockType::MBv1Dual, {3, 5}, {}, std::nullopt},
                       {BlockType::MBv2Res, {3}, {4, 6}, std::nullopt}};
  StageSpec stage2;
  stage2.index = 2;
  stage2.stride = 1;
  stage2.widths = {48, 64, 80};
  stage2.window = 3;
  stage2.depths = {1};
  stage2.candidates = {{BlockType::ResNet, {3, 5}, {0.5, 1}, std::nullopt}};
  hs.stages = {stage0, stage1, stage2};
  hs.head = {64, 96, 10, Activation::Hswish};
  return hs;
}

/// Every layer sequence a stage allows (any window), as strings.
std::set<std::string> allStageSequences(const StageSpec &stage,
                                        const std::vector<int64_t> &candidates,
                                        const std::vector<int64_t> &windows) {
  std::set<std::string> result;
  for (int64_t c : candidates)
    for (int64_t w : windows)
      for (int64_t depth : stage.depths) {
        const CandidateSpec &cand = stage.candidates[c];
        std::vector<double> expands =
            cand.expands.empty() ? std::vector<double>{0} : cand.expands;
        std::function<void(int64_t, std::string)> rec = [&](int64_t layer,
                                                             std::string acc) {
          if (layer == depth) {
            result.insert(std::to_string(static_cast<int>(cand.block)) + acc);
            return;
          }
          for (int64_t k : cand.kernels)
            for (int64_t i = 0; i < stage.window; ++i)
              for (double e : expands)
                rec(layer + 1, acc + "|" + std::to_string(k) + "," +
                                   std::to_string(stage.widths[w + i]) + "," +
                                   std::to_string(e));
        };
        rec(0, "");
      }
  return result;
}

std::vector<int64_t> range(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = i;
  return v;
}

} // namespace

TEST(BigUInt, ArithmeticAndPrinting) {
  BigUInt n(1);
  for (int i = 0; i < 30; ++i)
    n *= 10;
  EXPECT_EQ(n.toString(), "1" + std::string(30, '0'));
  n += BigUInt(7);
  EXPECT_EQ(n.toString(), "1" + std::string(29, '0') + "7");
  EXPECT_NEAR(n.log10(), 30.0, 1e-9);
  EXPECT_EQ(BigUInt(0).toString(), "0");
  BigUInt big(UINT64_MAX);
  big *= BigUInt(UINT64_MAX);
  EXPECT_EQ(big.toString(), "340282366920938463426481119284349108225");
}

TEST(Counting, SpaceCountMatchesBruteForce) {
  HyperspaceSpec hs = tinyHyperspace();
  ASSERT_FALSE(checkHyperspace(hs));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t w = 0; w < 3; ++w) {
      SpaceSpec space{"tiny", {b, 0}, {w, 0}};
      ASSERT_FALSE(checkSpace(hs, space));
      uint64_t expected = hs.resolutions.size() * hs.stem.widths.size() *
                          allStageSequences(hs.stages[0], {0}, {0}).size() *
                          allStageSequences(hs.stages[1], {b}, {w}).size() *
                          allStageSequences(hs.stages[2], {0}, {0}).size();
      EXPECT_EQ(countSubnets(hs, space).toString(), std::to_string(expected))
          << space.encoding();
    }
}

TEST(Counting, HyperspaceCountsDistinctSubnetsOnce) {
  HyperspaceSpec hs = tinyHyperspace();
  // Windows overlap: a subnet whose stage-1 widths all lie in two windows
  // belongs to two spaces but is one subnet.
  uint64_t expected =
      hs.resolutions.size() * hs.stem.widths.size() *
      allStageSequences(hs.stages[0], {0}, {0}).size() *
      allStageSequences(hs.stages[1], {0, 1}, range(3)).size() *
      allStageSequences(hs.stages[2], {0}, {0}).size();
  EXPECT_EQ(countSubnets(hs).toString(), std::to_string(expected));
  EXPECT_EQ(countSpaces(hs).toString(), "6");
}

TEST(Sampling, DeterministicValidAndCoversTheSpace) {
  HyperspaceSpec hs = tinyHyperspace();
  SpaceSpec space{"tiny", {1, 0}, {2, 0}};
  SplitMix64 a(42), b(42);
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    NetworkSpec x = sampleNetwork(hs, space, a);
    NetworkSpec y = sampleNetwork(hs, space, b);
    ASSERT_FALSE(checkNetwork(hs, x, &space));
    std::string key = std::to_string(x.resolution) + "/" +
                      std::to_string(x.stemWidth);
    std::string keyY = std::to_string(y.resolution) + "/" +
                       std::to_string(y.stemWidth);
    for (size_t l = 0; l < x.layers.size(); ++l)
      key += "|" + std::to_string(x.layers[l].config.kernel) + "," +
             std::to_string(x.layers[l].config.width) + "," +
             std::to_string(x.layers[l].config.expand);
    for (size_t l = 0; l < y.layers.size(); ++l)
      keyY += "|" + std::to_string(y.layers[l].config.kernel) + "," +
              std::to_string(y.layers[l].config.width) + "," +
              std::to_string(y.layers[l].config.expand);
    ASSERT_EQ(key, keyY);
    seen.insert(key);
  }
  // 2 x 2 x (2 + 4) x (4 + 16 + 64) x 12 = 24192 subnets: 20000 draws
  // reach thousands of them, never one outside the space (checked above).
  EXPECT_EQ(countSubnets(hs, space).toString(), "24192");
  EXPECT_GT(seen.size(), 5000u);
}

TEST(Checks, NetworkErrorsNameTheLayer) {
  HyperspaceSpec hs = tinyHyperspace();
  SpaceSpec space{"tiny", {0, 0}, {0, 0}};
  SplitMix64 rng(1);
  NetworkSpec net = sampleNetwork(hs, space, rng);
  ASSERT_FALSE(checkNetwork(hs, net, &space));
  // Find the first stage-1 layer and break its kernel.
  size_t first = 0;
  while (net.layers[first].stage != 1)
    ++first;
  net.layers[first].config.kernel = 7;
  auto error = checkNetwork(hs, net, &space);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->layer, static_cast<int64_t>(first));
  EXPECT_NE(error->message.find("kernel 7 is not a choice"), std::string::npos);
  // A width of window 1 is outside window 0.
  net.layers[first].config.kernel = 3;
  net.layers[first].config.width = 32;
  error = checkNetwork(hs, net, &space);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("outside window 0"), std::string::npos);
}

TEST(Checks, SpaceDigitsNameTheStage) {
  HyperspaceSpec hs = tinyHyperspace();
  auto error = checkSpace(hs, SpaceSpec{"tiny", {0, 1}, {0, 0}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message,
            "stage 2: block digit 1 is out of range (the stage has 1 "
            "candidate blocks, 0-0)");
  error = checkSpace(hs, SpaceSpec{"tiny", {0, 0}, {3, 0}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message, "stage 1: window digit 3 is out of range (the "
                            "stage has 3 windows, 0-2)");
}

TEST(SpaceEncoding, ParseAndPrint) {
  std::string error;
  auto space = SpaceSpec::parse("onnxw-123450-012330", error);
  ASSERT_TRUE(space);
  EXPECT_EQ(space->hyperspace, "onnxw");
  EXPECT_EQ(space->blocks, (std::vector<int64_t>{1, 2, 3, 4, 5, 0}));
  EXPECT_EQ(space->windows, (std::vector<int64_t>{0, 1, 2, 3, 3, 0}));
  EXPECT_EQ(space->encoding(), "onnxw-123450-012330");
  // Hyperspace names may contain dashes.
  space = SpaceSpec::parse("my-space-01-10", error);
  ASSERT_TRUE(space);
  EXPECT_EQ(space->hyperspace, "my-space");
  for (const char *bad : {"", "onnxw", "onnxw-1", "-12-12", "onnxw-12-1",
                          "onnxw-1a-12", "onnxw--"})
    EXPECT_FALSE(SpaceSpec::parse(bad, error)) << bad;
}

TEST(TableFormat, FieldsRoundTrip) {
  std::string error;
  auto id = parseTableFileName("stage3_1_2.csv");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->stage, 3);
  EXPECT_EQ(id->block, 1);
  EXPECT_EQ(id->window, 2);
  EXPECT_EQ(id->fileName(), "stage3_1_2.csv");
  for (const char *bad : {"stage3_1.csv", "stage3_1_2.txt", "stagex_1_2.csv",
                          "foo3_1_2.csv", "stage3_1_2_4.csv"})
    EXPECT_FALSE(parseTableFileName(bad)) << bad;

  auto layers = parseLayersField("3#48#None_5#32#None", BlockType::MBv1Dual, 2,
                                 error);
  ASSERT_TRUE(layers);
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].stride, 2);
  EXPECT_EQ((*layers)[1].stride, 1);
  EXPECT_EQ((*layers)[1].width, 32);
  EXPECT_EQ(formatLayersField(*layers), "3#48#None_5#32#None");
  layers = parseLayersField("7#80#0.5_7#96#1.5", BlockType::ResNet, 1, error);
  ASSERT_TRUE(layers);
  EXPECT_EQ(formatLayersField(*layers), "7#80#0.5_7#96#1.5");
  layers = parseLayersField("3#240#4_5#288#1", BlockType::FusedMBConv, 2, error);
  ASSERT_TRUE(layers);
  EXPECT_EQ(formatLayersField(*layers), "3#240#4_5#288#1");
  for (const char *bad : {"", "3#48", "3#48#x", "a#48#4", "3#48#4#1",
                          "3#48#-1", "3#48#4__3#48#4"})
    EXPECT_FALSE(parseLayersField(bad, BlockType::MBv2Res, 1, error)) << bad;

  auto shape = parseInputShapeField("1x32x80x80", error);
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->first, 32);
  EXPECT_EQ(shape->second, 80);
  for (const char *bad : {"1x32x80", "2x32x80x80", "1x32x80x81", "1x0x8x8",
                          "1x-3x8x8", "1xax8x8"})
    EXPECT_FALSE(parseInputShapeField(bad, error)) << bad;
}

TEST(NetworkCost, RangeBracketsSampledNetworks) {
  HyperspaceSpec hs = tinyHyperspace();
  auto whole = costRange(hs);
  ASSERT_TRUE(whole) << whole.error();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t w = 0; w < 3; ++w) {
      SpaceSpec space{"tiny", {b, 0}, {w, 0}};
      auto range = costRange(hs, &space);
      ASSERT_TRUE(range) << range.error();
      SplitMix64 rng(b * 10 + w);
      for (int i = 0; i < 300; ++i) {
        auto cost = networkCost(hs, sampleNetwork(hs, space, rng));
        ASSERT_TRUE(cost) << cost.error();
        EXPECT_GE(cost->macs, range->min.macs);
        EXPECT_LE(cost->macs, range->max.macs);
        EXPECT_GE(cost->deployParams, range->min.deployParams);
        EXPECT_LE(cost->deployParams, range->max.deployParams);
        EXPECT_GE(cost->macs, whole->min.macs);
        EXPECT_LE(cost->macs, whole->max.macs);
      }
    }
}

// The fixed stages the Q-T score adds to every subnet, at their smallest:
// stem conv + fixed stage 0 from RGB, and the head from the last stage's
// smallest width at resolution / 32.
TEST(FixedStages, SmallestStemAndHeadOfBothHyperspaces) {
  for (HyperspaceKind kind : {HyperspaceKind::OnnxW, HyperspaceKind::MobileW}) {
    HyperspaceSpec hs = builtinHyperspace(kind);
    for (int64_t resolution : {224, 192, 160}) {
      auto fixed = expandFixedStages(hs, resolution);
      ASSERT_TRUE(fixed) << fixed.error();
      const Primitive &first = fixed->stem.ops.front();
      EXPECT_EQ(first.role, "first_conv");
      EXPECT_EQ(first.inChannels, 3);
      EXPECT_EQ(first.inHeight, resolution);
      EXPECT_EQ(first.outChannels, hs.stem.widths.front());
      EXPECT_EQ(fixed->stem.outHeight, stageInputSize(hs, 1, resolution));
      const Primitive &headIn = fixed->head.ops.front();
      EXPECT_EQ(headIn.inChannels, hs.stages.back().widths.front());
      EXPECT_EQ(headIn.inHeight, resolution / 32);
      EXPECT_EQ(fixed->head.ops.back().kind, PrimitiveKind::FullyConnected);
      EXPECT_EQ(fixed->head.outChannels, hs.head.classes);
    }
  }
}
