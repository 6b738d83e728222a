//===- BlockCostTest.cpp - block definitions against SpaceEvo's tables ----===//
//
// Hand-computed cases for the shape helpers and small blocks, and a check of
// every row of SpaceEvo's published block tables: the `mflops` and
// `params_m` columns must come out of our block definitions. The tables are
// found through SPACEEVO_BLOCK_LUT (a directory with onnxw/ and mobilew/);
// without it those tests are skipped.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/space/BlockCost.h"
#include "spaceevo/space/Blocks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace spaceevo;

namespace {

//===----------------------------------------------------------------------===//
// Names and helpers
//===----------------------------------------------------------------------===//

TEST(BlockNames, RoundTrip) {
  for (unsigned i = 0; i < kNumBlockTypes; ++i) {
    auto type = static_cast<BlockType>(i);
    EXPECT_EQ(parseBlockType(blockTypeName(type)), type);
  }
  EXPECT_EQ(blockTypeName(BlockType::MBv3K3Res), "mbv3_k3_res");
  EXPECT_EQ(blockTypeName(BlockType::FusedMBConvSE), "fused_mbconv_se");
  EXPECT_FALSE(parseBlockType("mbv4").has_value());
  for (const char *name : {"none", "relu", "relu6", "hswish", "swish",
                           "hsigmoid"})
    EXPECT_EQ(activationName(*parseActivation(name)), name);
  EXPECT_FALSE(parseActivation("gelu").has_value());
  EXPECT_FALSE(blockHasExpand(BlockType::MBv1Dual));
  EXPECT_TRUE(blockHasExpand(BlockType::ResNetSE));
}

TEST(BlockNames, HyperspaceDigits) {
  EXPECT_EQ(numHyperspaceBlocks(HyperspaceKind::OnnxW), 6u);
  EXPECT_EQ(numHyperspaceBlocks(HyperspaceKind::MobileW), 7u);
  EXPECT_EQ(hyperspaceBlockType(HyperspaceKind::OnnxW, 2),
            BlockType::MBv3ResHswish);
  EXPECT_EQ(hyperspaceBlockType(HyperspaceKind::OnnxW, 5),
            BlockType::FusedMBConv);
  EXPECT_EQ(hyperspaceBlockType(HyperspaceKind::MobileW, 2),
            BlockType::MBv3ResSwish);
  EXPECT_EQ(hyperspaceBlockType(HyperspaceKind::MobileW, 4),
            BlockType::FusedMBConvSE);
  EXPECT_EQ(hyperspaceBlockType(HyperspaceKind::MobileW, 6),
            BlockType::MBv2K3Res);
  EXPECT_FALSE(hyperspaceBlockType(HyperspaceKind::OnnxW, 6).has_value());
  EXPECT_EQ(parseHyperspaceKind("mobilew"), HyperspaceKind::MobileW);
  EXPECT_EQ(blockActivation(BlockType::MBv2K3Res), Activation::ReLU6);
  EXPECT_EQ(blockActivation(BlockType::MBv3K3Res), Activation::Swish);
  EXPECT_EQ(blockActivation(BlockType::ResNetSE), Activation::ReLU);
}

TEST(ShapeHelpers, MakeDivisible) {
  EXPECT_EQ(makeDivisible(96), 96);   // 32 x 3
  EXPECT_EQ(makeDivisible(24), 24);   // 48 x 0.5
  EXPECT_EQ(makeDivisible(60), 64);   // 40 x 1.5: halves round up
  EXPECT_EQ(makeDivisible(35), 32);
  EXPECT_EQ(makeDivisible(36), 40);
  EXPECT_EQ(makeDivisible(12), 16);
  EXPECT_EQ(makeDivisible(4), 8);     // never below the divisor
  EXPECT_EQ(makeDivisible(2), 8);
  EXPECT_EQ(makeDivisible(44, 32), 64); // 32 would lose more than 10%
  EXPECT_EQ(makeDivisible(1216), 1216);
}

TEST(ShapeHelpers, ConvOutputSize) {
  EXPECT_EQ(convOutputSize(224, 3, 2), 112);
  EXPECT_EQ(convOutputSize(112, 3, 2), 56);
  EXPECT_EQ(convOutputSize(7, 3, 2), 4);  // ceil for odd sizes
  EXPECT_EQ(convOutputSize(7, 1, 2), 4);  // strided 1x1 downsample agrees
  EXPECT_EQ(convOutputSize(14, 5, 1), 14);
  EXPECT_EQ(convOutputSize(0, 3, 1), 0);
  EXPECT_EQ(searchableStageInputSize(1, 224), 112);
  EXPECT_EQ(searchableStageInputSize(4, 160), 10);
  EXPECT_EQ(searchableStageInputSize(7, 224), 7);
  EXPECT_EQ(searchableStageInputSize(7, 160), 5);
}

//===----------------------------------------------------------------------===//
// Hand-computed blocks
//===----------------------------------------------------------------------===//

LayerConfig layer(BlockType block, int64_t kernel, int64_t width,
                  double expand, int64_t stride) {
  LayerConfig config;
  config.block = block;
  config.kernel = kernel;
  config.width = width;
  config.expand = expand;
  config.stride = stride;
  return config;
}

TEST(HandComputed, MBv2ResIdentity) {
  // 16 -> 16 channels on 8x8, k3, e4, stride 1: hidden 64, identity add.
  auto expansion =
      expandBlock(layer(BlockType::MBv2Res, 3, 16, 4, 1), 16, 8, 8);
  ASSERT_TRUE(expansion) << expansion.error();
  ASSERT_EQ(expansion->ops.size(), 4u);
  EXPECT_EQ(expansion->ops[0].kind, PrimitiveKind::Conv);
  EXPECT_EQ(expansion->ops[0].outChannels, 64);
  EXPECT_EQ(expansion->ops[0].act, Activation::ReLU6);
  EXPECT_EQ(expansion->ops[1].kind, PrimitiveKind::DepthwiseConv);
  EXPECT_EQ(expansion->ops[1].padding, 1);
  EXPECT_EQ(expansion->ops[2].act, Activation::None);
  EXPECT_EQ(expansion->ops[3].kind, PrimitiveKind::Add);
  EXPECT_EQ(expansion->ops[3].other, kExpansionInput);

  LayerCost cost = expansionCost(*expansion);
  // expand 16*64*64 + depthwise 64*9*64 + project 64*16*64
  EXPECT_EQ(cost.macs, 65536 + 36864 + 65536);
  // weights + 2 BN params per channel + 3 quantizer scalars per conv
  EXPECT_EQ(cost.params, (1024 + 128 + 3) + (576 + 128 + 3) + (1024 + 32 + 3));
  // weights + one folded bias per channel
  EXPECT_EQ(cost.deployParams, (1024 + 64) + (576 + 64) + (1024 + 16));
}

TEST(HandComputed, PointwiseDownsampleWithStride) {
  // MBv2-Res 16 -> 24 with stride 2 on 8x8: the shortcut is a strided 1x1.
  auto expansion =
      expandBlock(layer(BlockType::MBv2Res, 5, 24, 3, 2), 16, 8, 8);
  ASSERT_TRUE(expansion) << expansion.error();
  const Primitive &shortcut = expansion->ops[3];
  EXPECT_EQ(shortcut.role, "downsample");
  EXPECT_EQ(shortcut.kernel, 1);
  EXPECT_EQ(shortcut.stride, 2);
  EXPECT_EQ(shortcut.input, kExpansionInput);
  EXPECT_EQ(shortcut.outHeight, 4);
  EXPECT_TRUE(shortcut.batchNorm);
  EXPECT_EQ(shortcut.act, Activation::None);
  LayerCost cost = primitiveCost(shortcut);
  EXPECT_EQ(cost.macs, 16 * 24 * 4 * 4);
  EXPECT_EQ(cost.params, 16 * 24 + 2 * 24 + 3);
}

TEST(HandComputed, SqueezeExciteWidths) {
  // MBv3: SE on the hidden width, reduced to make_divisible(hidden / 4).
  auto mbv3 =
      expandBlock(layer(BlockType::MBv3ResHswish, 3, 32, 6, 1), 32, 4, 4);
  ASSERT_TRUE(mbv3) << mbv3.error();
  std::map<std::string, const Primitive *> byRole;
  for (const Primitive &op : mbv3->ops)
    byRole[op.role] = &op;
  ASSERT_TRUE(byRole.count("se_reduce"));
  EXPECT_EQ(byRole["se_reduce"]->inChannels, 192);
  EXPECT_EQ(byRole["se_reduce"]->outChannels, 48);
  EXPECT_TRUE(byRole["se_reduce"]->bias);
  EXPECT_EQ(byRole["se_reduce"]->act, Activation::ReLU);
  EXPECT_EQ(byRole["se_expand"]->act, Activation::Hsigmoid);
  EXPECT_EQ(byRole["depthwise"]->act, Activation::Hswish);
  EXPECT_EQ(primitiveCost(*byRole["se_reduce"]).params, 192 * 48 + 48 + 3);

  // ResNet-SE: SE on the hidden width, reduced from the *input* width / 4.
  auto resnet = expandBlock(layer(BlockType::ResNetSE, 3, 64, 1.5, 2), 40, 8,
                            8);
  ASSERT_TRUE(resnet) << resnet.error();
  for (const Primitive &op : resnet->ops)
    if (op.role == "se_reduce") {
      EXPECT_EQ(op.inChannels, 96); // make_divisible(64 * 1.5)
      EXPECT_EQ(op.outChannels, 16); // make_divisible(40 / 4 = 10)
    }
  // Post-add ReLU.
  EXPECT_EQ(resnet->ops.back().kind, PrimitiveKind::Add);
  EXPECT_EQ(resnet->ops.back().act, Activation::ReLU);
}

TEST(HandComputed, StackedDepthwise) {
  auto expansion =
      expandBlock(layer(BlockType::MBv2K3Res, 7, 24, 3, 2), 24, 10, 10);
  ASSERT_TRUE(expansion) << expansion.error();
  std::vector<const Primitive *> depthwise;
  for (const Primitive &op : expansion->ops)
    if (op.kind == PrimitiveKind::DepthwiseConv)
      depthwise.push_back(&op);
  ASSERT_EQ(depthwise.size(), 3u);
  EXPECT_EQ(depthwise[0]->stride, 2);
  EXPECT_EQ(depthwise[1]->stride, 1);
  for (const Primitive *op : depthwise)
    EXPECT_EQ(op->kernel, 3);
  // One batch norm and activation after the whole stack.
  EXPECT_FALSE(depthwise[0]->batchNorm);
  EXPECT_EQ(depthwise[1]->act, Activation::None);
  EXPECT_TRUE(depthwise[2]->batchNorm);
  EXPECT_EQ(depthwise[2]->act, Activation::ReLU6);
  // Identity shortcut impossible (stride 2): 1x1 downsample.
  EXPECT_EQ(expansion->outHeight, 5);
}

TEST(HandComputed, TableRowMBv1Dual) {
  // onnxw stage 1, block 0: "3#48#None_5#32#None" on 1x32x80x80 is printed
  // as 19.5072 MFLOPs. Per layer: dw1, pw1, dw2, pw2 and the 1x1 downsample.
  std::vector<LayerConfig> row = {layer(BlockType::MBv1Dual, 3, 48, 0, 2),
                                  layer(BlockType::MBv1Dual, 5, 32, 0, 1)};
  auto cost = layersCost(row, 32, 80, 80);
  ASSERT_TRUE(cost) << cost.error();
  double first = 32 * 9 * 1600 + 32 * 48 * 1600 + 48 * 9 * 1600 +
                 48 * 48 * 1600 + 32 * 48 * 1600;
  double second = 48 * 25 * 1600 + 48 * 32 * 1600 + 32 * 25 * 1600 +
                  32 * 32 * 1600 + 48 * 32 * 1600;
  EXPECT_EQ(cost->macs, first + second);
  auto table = tableCount(row, 32, 80, 80);
  ASSERT_TRUE(table);
  EXPECT_EQ(formatTableValue(table->mflops), "19.5072");
}

TEST(HandComputed, StemAndHead) {
  // onnxw, smallest stem at 224: 3x3 s2 conv 3->16 on 112x112, then a
  // ResNet k3 e0.5 block 16->16 (hidden 8) with identity shortcut.
  auto stem = expandStem(HyperspaceKind::OnnxW, StemConfig{}, 224);
  ASSERT_TRUE(stem) << stem.error();
  EXPECT_EQ(stem->outChannels, 16);
  EXPECT_EQ(stem->outHeight, 112);
  double pixels = 112 * 112;
  double firstConv = 3 * 16 * 9 * pixels;
  double resnet = (16 * 8 + 8 * 8 * 9 + 8 * 16) * pixels;
  EXPECT_EQ(expansionCost(*stem).macs, firstConv + resnet);

  // mobilew stage0 is a plain MBv2 e1 block: no expand conv, and no
  // residual at all when the widths differ.
  StemConfig wider{16, 24, 1};
  auto mobile = expandStem(HyperspaceKind::MobileW, wider, 192);
  ASSERT_TRUE(mobile) << mobile.error();
  for (const Primitive &op : mobile->ops) {
    EXPECT_NE(op.kind, PrimitiveKind::Add);
    EXPECT_NE(op.role, "expand");
  }
  EXPECT_EQ(mobile->ops.back().role, "project");

  auto head = expandHead(hyperspaceHead(HyperspaceKind::MobileW), 448, 7, 7);
  ASSERT_TRUE(head) << head.error();
  EXPECT_EQ(head->ops.front().act, Activation::Swish);
  LayerCost headCost = expansionCost(*head);
  EXPECT_EQ(headCost.macs, 448.0 * 1280 * 49 + 1280.0 * 1920 + 1920.0 * 1000);
  EXPECT_EQ(head->outChannels, 1000);

  auto fixed = fixedStagesCost(HyperspaceKind::OnnxW, StemConfig{}, 224, 448);
  ASSERT_TRUE(fixed) << fixed.error();
  EXPECT_EQ(fixed->stem.macs, firstConv + resnet);
  EXPECT_EQ(fixed->head.macs, headCost.macs);
}

TEST(HandComputed, AppendRenumbersOperands) {
  auto expansion = expandLayers({layer(BlockType::ResNet, 3, 32, 1, 2),
                                 layer(BlockType::ResNet, 3, 32, 1, 1)},
                                16, 8, 8);
  ASSERT_TRUE(expansion) << expansion.error();
  // Every operand refers to an earlier op; the second block reads the
  // first block's output.
  for (size_t i = 0; i < expansion->ops.size(); ++i) {
    EXPECT_LT(expansion->ops[i].input, static_cast<int>(i));
    EXPECT_LT(expansion->ops[i].other, static_cast<int>(i));
  }
  size_t firstBlockOps = 5; // reduce, spatial, restore, downsample, add
  EXPECT_EQ(expansion->ops[firstBlockOps].input,
            static_cast<int>(firstBlockOps) - 1);
  EXPECT_EQ(expansion->outHeight, 4);
}

TEST(Errors, BadLayersAreReportedNotFatal) {
  EXPECT_FALSE(expandBlock(layer(static_cast<BlockType>(42), 3, 16, 1, 1),
                           16, 8, 8));
  auto even = expandBlock(layer(BlockType::MBv2Res, 4, 16, 3, 1), 16, 8, 8);
  EXPECT_FALSE(even);
  EXPECT_NE(even.error().find("kernel"), std::string::npos);
  EXPECT_FALSE(expandBlock(layer(BlockType::MBv3K3Res, 9, 16, 3, 1), 16, 8,
                           8));
  EXPECT_FALSE(expandBlock(layer(BlockType::MBv1Dual, 3, 16, 4, 1), 16, 8, 8));
  EXPECT_FALSE(expandBlock(layer(BlockType::FusedMBConv, 3, 16, 0, 1), 16, 8,
                           8));
  EXPECT_FALSE(expandBlock(layer(BlockType::ResNet, 3, 0, 1, 1), 16, 8, 8));
  EXPECT_FALSE(expandBlock(layer(BlockType::ResNet, 3, 16, 1, 0), 16, 8, 8));
  EXPECT_FALSE(expandBlock(layer(BlockType::ResNet, 3, 16, 1, 1), 16, 0, 8));
  auto inRow = layersCost({layer(BlockType::ResNet, 3, 16, 1, 1),
                           layer(BlockType::ResNet, 2, 16, 1, 1)},
                          16, 8, 8);
  EXPECT_FALSE(inRow);
  EXPECT_NE(inRow.error().find("layer 1"), std::string::npos);
  EXPECT_FALSE(expandStem(HyperspaceKind::OnnxW, StemConfig{16, 16, 0}, 224));
  EXPECT_FALSE(expandHead(HeadConfig{}, 0, 7, 7));
}

//===----------------------------------------------------------------------===//
// SpaceEvo's published tables
//===----------------------------------------------------------------------===//

std::vector<std::string> split(const std::string &text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator))
    parts.push_back(part);
  return parts;
}

struct BlockStats {
  int64_t rows = 0;
  int64_t emulatedFlops = 0;  ///< tableCount's mflops prints as the table's
  int64_t emulatedParams = 0; ///< tableCount's params_m prints as the table's
  int64_t exactFlops = 0;     ///< exact MACs / 1e6 prints as the table's
  int64_t exactParams = 0;    ///< exact params / 1e6 prints as the table's
  int64_t exactBoth = 0;      ///< both exact sums print as the table's
  /// Exact sums further than 1e-4 from the printed value: only possible
  /// where SpaceEvo's float32 accumulation rounded by more than that.
  int64_t beyondLastPlace = 0;
  int64_t beyondFloat32Bound = 0; ///< exact sums outside that rounding bound
  double maxDeviation = 0;        ///< largest |exact - printed|, in 1e-4 units
};

/// Parses one table row into layers; returns an error message or "".
std::string parseRow(const std::string &line, int64_t stageStride,
                     BlockType block, std::vector<LayerConfig> &layers,
                     int64_t &channels, int64_t &size, std::string &mflops,
                     std::string &params) {
  std::vector<std::string> columns = split(line, ',');
  if (columns.size() != 6)
    return "expected 6 columns";
  std::vector<std::string> shape = split(columns[1], 'x');
  if (shape.size() != 4)
    return "bad input shape " + columns[1];
  channels = std::atoll(shape[1].c_str());
  size = std::atoll(shape[2].c_str());
  if (size != std::atoll(shape[3].c_str()))
    return "non-square input";
  mflops = columns[3];
  params = columns[4];
  layers.clear();
  for (const std::string &text : split(columns[0], '_')) {
    std::vector<std::string> kwe = split(text, '#');
    if (kwe.size() != 3)
      return "bad layer " + text;
    LayerConfig config;
    config.block = block;
    config.kernel = std::atoll(kwe[0].c_str());
    config.width = std::atoll(kwe[1].c_str());
    config.expand = kwe[2] == "None" ? 0 : std::strtod(kwe[2].c_str(), nullptr);
    config.stride = layers.empty() ? stageStride : 1;
    layers.push_back(config);
  }
  return "";
}

double deviation(double value, const std::string &printed) {
  return std::fabs(value - std::strtod(printed.c_str(), nullptr));
}

/// How far SpaceEvo's float32 sum of `terms` values can drift from the exact
/// sum `value` (each conversion and each addition rounds by at most 2^-24
/// relative), plus the printing's half unit, plus one unit of slack.
double float32Bound(double value, size_t terms) {
  return 1e-4 + 2.0 * static_cast<double>(terms) * std::ldexp(value, -24);
}

void checkHyperspaceTables(const std::filesystem::path &root,
                           HyperspaceKind kind) {
  std::filesystem::path dir = root / std::string(hyperspaceKindName(kind));
  if (!std::filesystem::is_directory(dir))
    GTEST_SKIP() << dir << " not found";

  std::map<BlockType, BlockStats> stats;
  int files = 0;
  int reported = 0;
  for (const auto &entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    unsigned stage = 0, digit = 0, window = 0;
    if (std::sscanf(name.c_str(), "stage%u_%u_%u.csv", &stage, &digit,
                    &window) != 3)
      continue;
    ASSERT_TRUE(stage >= 1 && stage <= 6) << name;
    std::optional<BlockType> block = hyperspaceBlockType(kind, digit);
    ASSERT_TRUE(block.has_value()) << name << ": unknown block digit";
    ++files;

    std::ifstream file(entry.path());
    std::string line;
    int lineNumber = 0;
    while (std::getline(file, line)) {
      ++lineNumber;
      if (line.empty())
        continue;
      std::vector<LayerConfig> layers;
      int64_t channels = 0, size = 0;
      std::string mflops, params;
      std::string error =
          parseRow(line, kSearchableStageStrides[stage - 1], *block, layers,
                   channels, size, mflops, params);
      ASSERT_EQ(error, "") << name << ":" << lineNumber;

      auto expansion = expandLayers(layers, channels, size, size);
      ASSERT_TRUE(expansion) << name << ":" << lineNumber << ": "
                             << expansion.error();
      TableCount emulated = tableCount(*expansion);
      LayerCost exact = expansionCost(*expansion);

      BlockStats &s = stats[*block];
      ++s.rows;
      bool flopsOk = formatTableValue(emulated.mflops) == mflops;
      bool paramsOk = formatTableValue(emulated.paramsM) == params;
      s.emulatedFlops += flopsOk;
      s.emulatedParams += paramsOk;
      s.exactFlops += formatTableValue(exact.macs / 1e6) == mflops;
      bool exactParamsOk = formatTableValue(exact.params / 1e6) == params;
      s.exactParams += exactParamsOk;
      s.exactBoth +=
          exactParamsOk && formatTableValue(exact.macs / 1e6) == mflops;
      double flopsOff = deviation(exact.macs / 1e6, mflops);
      double paramsOff = deviation(exact.params / 1e6, params);
      s.maxDeviation = std::max({s.maxDeviation, flopsOff / 1e-4,
                                 paramsOff / 1e-4});
      s.beyondLastPlace += std::max(flopsOff, paramsOff) > 1e-4 * (1 + 1e-9);
      // Terms summed upstream: a convolution and its batch norm are two
      // modules; 2 x primitives bounds that.
      size_t terms = 2 * expansion->ops.size();
      bool close = flopsOff <= float32Bound(exact.macs / 1e6, terms) &&
                   paramsOff <= float32Bound(exact.params / 1e6, terms);
      s.beyondFloat32Bound += !close;
      if ((!flopsOk || !paramsOk || !close) && reported++ < 10)
        ADD_FAILURE() << name << ":" << lineNumber << ": " << line
                      << "\n  emulated " << formatTableValue(emulated.mflops)
                      << " / " << formatTableValue(emulated.paramsM)
                      << ", exact " << exact.macs / 1e6 << " / "
                      << exact.params / 1e6;
    }
  }
  EXPECT_GT(files, 0) << "no tables in " << dir;

  BlockStats total;
  for (const auto &[block, s] : stats) {
    std::printf("[ %-7s ] %-16s rows %6lld  emulated flops %6lld params %6lld"
                "  exact-sum flops %6lld params %6lld  >1e-4 off %4lld"
                "  max off %.2fe-4\n",
                std::string(hyperspaceKindName(kind)).c_str(),
                std::string(blockTypeName(block)).c_str(),
                static_cast<long long>(s.rows),
                static_cast<long long>(s.emulatedFlops),
                static_cast<long long>(s.emulatedParams),
                static_cast<long long>(s.exactFlops),
                static_cast<long long>(s.exactParams),
                static_cast<long long>(s.beyondLastPlace), s.maxDeviation);
    total.rows += s.rows;
    total.emulatedFlops += s.emulatedFlops;
    total.emulatedParams += s.emulatedParams;
    total.beyondFloat32Bound += s.beyondFloat32Bound;
    total.exactBoth += s.exactBoth;
    total.beyondLastPlace += s.beyondLastPlace;
  }
  std::printf("[ %-7s ] all rows %lld: emulation reproduces %lld; exact sums "
              "print identically in %lld, are >1e-4 off in %lld\n",
              std::string(hyperspaceKindName(kind)).c_str(),
              static_cast<long long>(total.rows),
              static_cast<long long>(
                  std::min(total.emulatedFlops, total.emulatedParams)),
              static_cast<long long>(total.exactBoth),
              static_cast<long long>(total.beyondLastPlace));
  // The float32 emulation reproduces every printed value. Exact sums differ
  // from them only by SpaceEvo's float32 rounding, which exceeds the last
  // printed place for some large rows (see docs/blocks.md).
  EXPECT_EQ(total.emulatedFlops, total.rows);
  EXPECT_EQ(total.emulatedParams, total.rows);
  EXPECT_EQ(total.beyondFloat32Bound, 0);
}

std::optional<std::filesystem::path> tableRoot() {
  const char *root = std::getenv("SPACEEVO_BLOCK_LUT");
  if (!root || !*root || !std::filesystem::is_directory(root))
    return std::nullopt;
  return std::filesystem::path(root);
}

TEST(PublishedTables, OnnxW) {
  auto root = tableRoot();
  if (!root)
    GTEST_SKIP() << "SPACEEVO_BLOCK_LUT is unset or not a directory";
  checkHyperspaceTables(*root, HyperspaceKind::OnnxW);
}

TEST(PublishedTables, MobileW) {
  auto root = tableRoot();
  if (!root)
    GTEST_SKIP() << "SPACEEVO_BLOCK_LUT is unset or not a directory";
  checkHyperspaceTables(*root, HyperspaceKind::MobileW);
}

} // namespace
