//===- BackendTest.cpp - oneDNN and Halide kernels are bit-exact ----------===//
//
// Every kernel of every optimized backend against the reference, on random
// shapes chosen to be awkward (see TestUtil.cpp), with fixed seeds so a
// failure reproduces.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace spaceevo::runtime;
using namespace spaceevo::runtime::test;

namespace {

struct BackendCase {
  Backend backend;
  OpKind kind;
};

std::string caseName(const testing::TestParamInfo<BackendCase> &info) {
  return std::string(backendName(info.param.backend)) + "_" +
         std::string(opKindName(info.param.kind));
}

class BitExact : public testing::TestWithParam<BackendCase> {};

TEST_P(BitExact, RandomShapesMatchReference) {
  const BackendCase &c = GetParam();
  if (!backendSupports(c.backend, c.kind))
    GTEST_SKIP() << backendName(c.backend) << " not built";
  Rng rng(0x5eed0000u + unsigned(c.kind) * 131u + unsigned(c.backend));
  bool convLike = c.kind == OpKind::Conv2D ||
                  c.kind == OpKind::DepthwiseConv2D ||
                  c.kind == OpKind::FullyConnected;
  const int cases = convLike ? 60 : 80;
  for (int i = 0; i < cases; ++i) {
    KernelDesc desc = convLike ? randomConvDesc(rng, c.kind)
                               : randomElementwiseDesc(rng, c.kind);
    // The vnni backend's dense conv is 1x1 only (stride 1 or 2).
    while (c.backend == Backend::Vnni && c.kind == OpKind::Conv2D &&
           desc.kernel != 1)
      desc = randomConvDesc(rng, c.kind);
    if (c.backend == Backend::Halide && desc.output.int32Output) {
      // Halide kernels always requantize; int32 accumulators come from
      // oneDNN or the reference (creation fails with a message, checked
      // in ErrorTest).
      desc.output = randomOutputStage(rng, desc.input.c, desc.kernel * desc.kernel);
    }
    std::string mismatch = compareWithReference(desc, c.backend, rng);
    ASSERT_EQ(mismatch, "") << "case " << i << ": " << describe(desc);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Runtime, BitExact,
    testing::Values(BackendCase{Backend::Vnni, OpKind::Conv2D},
                    BackendCase{Backend::Vnni, OpKind::DepthwiseConv2D},
                    BackendCase{Backend::Vnni, OpKind::FullyConnected},
                    BackendCase{Backend::Vnni, OpKind::Table},
                    BackendCase{Backend::Vnni, OpKind::Add},
                    BackendCase{Backend::Vnni, OpKind::ChannelScale},
                    BackendCase{Backend::OneDnn, OpKind::Conv2D},
                    BackendCase{Backend::OneDnn, OpKind::DepthwiseConv2D},
                    BackendCase{Backend::OneDnn, OpKind::FullyConnected},
                    BackendCase{Backend::Halide, OpKind::DepthwiseConv2D},
                    BackendCase{Backend::Halide, OpKind::GlobalAvgPool},
                    BackendCase{Backend::Halide, OpKind::Add},
                    BackendCase{Backend::Halide, OpKind::ChannelScale},
                    BackendCase{Backend::Halide, OpKind::Rescale},
                    BackendCase{Backend::Halide, OpKind::Table}),
    caseName);

// A layer shape from the hyperspaces (MBv2 stage 3, 56x56 depthwise) and
// every dense kernel size at a real width, once each: the random cases are
// small, so this also covers oneDNN's blocked code paths for wide layers.
TEST(BitExactLayers, HyperspaceShapes) {
  Rng rng(7);
  struct Layer {
    OpKind kind;
    Shape4 input;
    int64_t outC, kernel, stride;
  };
  const Layer layers[] = {
      {OpKind::DepthwiseConv2D, {1, 56, 56, 144}, 144, 3, 1},
      {OpKind::DepthwiseConv2D, {1, 28, 28, 240}, 240, 5, 2},
      {OpKind::DepthwiseConv2D, {1, 14, 14, 576}, 576, 7, 1},
      // > 512 KB of input: the vnni depthwise switches to 4-group blocks
      // (15 groups: 4, 4, 4, 3; the last one 8 channels wide).
      {OpKind::DepthwiseConv2D, {1, 48, 48, 232}, 232, 5, 2},
      {OpKind::DepthwiseConv2D, {1, 47, 45, 264}, 264, 3, 1},
      {OpKind::Conv2D, {1, 28, 28, 64}, 128, 1, 1},
      {OpKind::Conv2D, {1, 28, 28, 64}, 64, 3, 1},
      {OpKind::Conv2D, {1, 14, 14, 96}, 48, 5, 2},
      {OpKind::Conv2D, {1, 7, 7, 72}, 72, 7, 1},
      {OpKind::Conv2D, {1, 112, 112, 3}, 16, 3, 2},
  };
  for (const Layer &layer : layers) {
    KernelDesc d;
    d.kind = layer.kind;
    d.input = layer.input;
    d.outChannels = layer.outC;
    d.kernel = layer.kernel;
    d.stride = layer.stride;
    d.padding = Padding::same(layer.kernel);
    int64_t taps = layer.kernel * layer.kernel;
    int64_t reduction = layer.kind == OpKind::DepthwiseConv2D
                            ? taps
                            : taps * layer.input.c;
    d.weights = randomWeights(
        rng, size_t(layer.kind == OpKind::DepthwiseConv2D ? taps * layer.outC
                                                          : reduction * layer.outC));
    d.bias.assign(size_t(layer.outC), 1234);
    d.inputZeroPoint = 77;
    d.output = randomOutputStage(rng, layer.outC, reduction, false);
    for (Backend backend : {Backend::OneDnn, Backend::Halide, Backend::Vnni}) {
      if (!backendSupports(backend, layer.kind) ||
          (backend == Backend::Vnni && layer.kind == OpKind::Conv2D &&
           layer.kernel != 1))
        continue;
      EXPECT_EQ(compareWithReference(d, backend, rng), "")
          << backendName(backend) << " " << describe(d);
    }
  }
}

// The AVX-512 paths on wider layers than the random cases: several
// 16-channel groups and 64-channel blocks with masked tails, every
// depthwise kernel and stride with random paddings, 1x1 conv stride 1 and 2,
// fully connected with a batch, and the oneDNN conv whose int32 output goes
// through the AVX-512 epilogue.
TEST(BitExactWide, VnniAndFastEpilogue) {
  Rng rng(0xa512);
  static const int64_t channels[] = {16, 20, 47, 64, 79, 96, 130, 144, 200};
  auto pick = [&] { return channels[uniformInt(rng, 0, 8)]; };
  for (int i = 0; i < 60; ++i) {
    KernelDesc d;
    int type = int(uniformInt(rng, 0, 3)); // dw, conv1x1, fc, conv3x3
    d.kind = type == 0   ? OpKind::DepthwiseConv2D
             : type == 2 ? OpKind::FullyConnected
                         : OpKind::Conv2D;
    d.input = {uniformInt(rng, 1, 2), uniformInt(rng, 1, 23),
               uniformInt(rng, 1, 23), pick()};
    d.kernel = type == 0 ? 3 + 2 * uniformInt(rng, 0, 2) : type == 3 ? 3 : 1;
    d.stride = type == 2 ? 1 : uniformInt(rng, 1, 2);
    d.outChannels = type == 0 ? d.input.c : pick();
    if (type == 2)
      d.input.h = d.input.w = 1;
    if (type == 0 || type == 3) {
      d.padding = {uniformInt(rng, 0, d.kernel - 1),
                   uniformInt(rng, 0, d.kernel - 1),
                   uniformInt(rng, 0, d.kernel - 1),
                   uniformInt(rng, 0, d.kernel - 1)};
      while (d.input.h + d.padding.top + d.padding.bottom < d.kernel)
        ++d.padding.bottom;
      while (d.input.w + d.padding.left + d.padding.right < d.kernel)
        ++d.padding.right;
    }
    int64_t taps = d.kernel * d.kernel;
    int64_t reduction = type == 0 ? taps : taps * d.input.c;
    d.weights = randomWeights(
        rng, size_t(type == 0 ? taps * d.input.c : reduction * d.outChannels));
    if (uniformInt(rng, 0, 2) != 0) {
      d.bias.resize(size_t(d.outChannels));
      for (auto &b : d.bias)
        b = int32_t(uniformInt(rng, -200000, 200000));
    }
    d.inputZeroPoint = int32_t(uniformInt(rng, 0, 255));
    if (uniformInt(rng, 0, 9) == 0)
      d.output.int32Output = true;
    else
      d.output = randomOutputStage(rng, d.outChannels, reduction);
    for (Backend backend : {Backend::Vnni, Backend::OneDnn}) {
      if (!backendSupports(backend, d.kind) ||
          (backend == Backend::Vnni && type == 3))
        continue;
      ASSERT_EQ(compareWithReference(d, backend, rng), "")
          << "case " << i << " " << backendName(backend) << " "
          << describe(d);
    }
  }
}

// The vnni 1x1 conv's 6-pixel tiles take any six input pixels (one pointer
// each): stride 2, tiles that cross output rows, maps whose pixel count is
// not a multiple of 6, with 64-channel blocks full and masked.
TEST(BitExactWide, VnniConv1x1TilesAcrossRowsAndStrides) {
  Rng rng(0x1c1);
  struct Case { int64_t h, w, c, outC, stride; };
  const Case cases[] = {{14, 14, 64, 64, 2}, {13, 13, 96, 128, 2},
                        {23, 17, 64, 80, 2},  {7, 9, 192, 64, 2},
                        {14, 14, 64, 64, 1},  {5, 7, 128, 200, 1}};
  for (const Case &c : cases) {
    for (int round = 0; round < 3; ++round) {
      KernelDesc d;
      d.kind = OpKind::Conv2D;
      d.input = {1, c.h, c.w, c.c};
      d.kernel = 1;
      d.stride = c.stride;
      d.outChannels = c.outC;
      d.weights = randomWeights(rng, size_t(c.c * c.outC));
      d.bias.resize(size_t(c.outC));
      for (auto &b : d.bias)
        b = int32_t(uniformInt(rng, -200000, 200000));
      d.inputZeroPoint = int32_t(uniformInt(rng, 0, 255));
      d.output = randomOutputStage(rng, c.outC, c.c);
      EXPECT_EQ(compareWithReference(d, Backend::Vnni, rng), "") << describe(d);
    }
  }
}

/// A random 3x3 depthwise layer with C channels (batch 1-2, maps 1-19, both
/// strides by round, random paddings; round 3 gives int32 outputs).
KernelDesc randomDepthwise3x3(Rng &rng, int64_t c, int round) {
  KernelDesc d;
  d.kind = OpKind::DepthwiseConv2D;
  d.input = {uniformInt(rng, 1, 2), uniformInt(rng, 1, 19),
             uniformInt(rng, 1, 19), c};
  d.kernel = 3;
  d.stride = 1 + round % 2;
  d.outChannels = c;
  d.padding = {uniformInt(rng, 0, 2), uniformInt(rng, 0, 2),
               uniformInt(rng, 0, 2), uniformInt(rng, 0, 2)};
  while (d.input.h + d.padding.top + d.padding.bottom < 3)
    ++d.padding.bottom;
  while (d.input.w + d.padding.left + d.padding.right < 3)
    ++d.padding.right;
  d.weights = randomWeights(rng, size_t(9 * c));
  d.bias.resize(size_t(c));
  for (auto &b : d.bias)
    b = int32_t(uniformInt(rng, -200000, 200000));
  d.inputZeroPoint = int32_t(uniformInt(rng, 0, 255));
  if (round == 3)
    d.output.int32Output = true;
  else
    d.output = randomOutputStage(rng, c, 9);
  return d;
}

/// Four random 3x3 depthwise layers per channel count (both strides, int32
/// outputs in round 3): the vnni backend picks `implementation` for each
/// and matches the reference.
void expectDepthwise3x3(uint64_t seed, std::initializer_list<int64_t> channels,
                        const std::string &implementation) {
  Rng rng(seed);
  for (int64_t c : channels) {
    for (int round = 0; round < 4; ++round) {
      KernelDesc d = randomDepthwise3x3(rng, c, round);
      auto kernel = createKernel(d, Backend::Vnni);
      ASSERT_TRUE(kernel.ok()) << kernel.error();
      EXPECT_EQ((*kernel)->implementationName(), implementation) << describe(d);
      EXPECT_EQ(compareWithReference(d, Backend::Vnni, rng), "") << describe(d);
    }
  }
}

// The vnni 3x3 depthwise on C at most 24 channels short of a multiple of
// 64 interleaves four input rows per 64-channel block ("rows4"): full and
// masked blocks, both strides, random paddings, batches of 2, tiny maps,
// int32 outputs.
TEST(BitExactWide, VnniDepthwiseRows4) {
  if (!backendSupports(Backend::Vnni, OpKind::DepthwiseConv2D))
    GTEST_SKIP() << "no AVX-512 VNNI";
  expectDepthwise3x3(0xd3, {40, 56, 64, 104, 120, 128, 192, 248},
                     "vnni:depthwise_rows4");
}

// Other 3x3 depthwise layers with C >= 64 split their channels: rows4 for
// the full 64-channel blocks, X4 for the 16-channel groups after them (the
// last one masked when C is not a multiple of 16). Both write the same
// output rows, so a wrong stride or group offset in either shows here.
TEST(BitExactWide, VnniDepthwiseSplitRows4AndX4) {
  if (!backendSupports(Backend::Vnni, OpKind::DepthwiseConv2D))
    GTEST_SKIP() << "no AVX-512 VNNI";
  expectDepthwise3x3(0x5d1, {72, 80, 100, 136, 144, 200, 264, 333},
                     "vnni:depthwise_rows4+x4");
}

// The fast scaling adds the rounding term after taking the product's high
// dword when every shift is >= 33 (single rounding). Multipliers that are
// powers of two or small multiples of one make exact ties (acc * m an odd
// multiple of 2^(shift - 1)) common, of both signs; a shift of 32 in one
// channel must send the layer to the plain form; double rounding keeps
// the 64-bit form. Depthwise (rows4, split) and 1x1 conv share the epilogue.
TEST(BitExactWide, VnniFastScalingTiesAndShiftBoundary) {
  if (!backendSupports(Backend::Vnni, OpKind::DepthwiseConv2D))
    GTEST_SKIP() << "no AVX-512 VNNI";
  Rng rng(0x7135);
  const int32_t multipliers[] = {1 << 30, 3 << 28, (1 << 30) + (1 << 20), 5 << 27};
  for (int shiftCase = 0; shiftCase < 3; ++shiftCase) {
    for (bool doubleRound : {false, true}) {
      for (int64_t c : {64, 144}) {
        for (bool conv : {false, true}) {
          KernelDesc d = randomDepthwise3x3(rng, c, 0);
          if (conv) {
            d.kind = OpKind::Conv2D;
            d.kernel = 1;
            d.padding = {};
            d.outChannels = 80;
            d.weights = randomWeights(rng, size_t(80 * c));
            d.bias.assign(80, 0);
          }
          for (auto &b : d.bias) // small, both signs: ties near zero too
            b = int32_t(uniformInt(rng, -3000, 3000));
          OutputStage stage;
          stage.zeroPoint = int32_t(uniformInt(rng, 0, 255));
          stage.doubleRound = doubleRound;
          for (int64_t o = 0; o < d.outChannels; ++o) {
            stage.multiplier.push_back(multipliers[o % 4]);
            // 0: all shifts 33..36; 1: channel 0 at 32; 2: all 40..43.
            int32_t shift = shiftCase == 2 ? 40 + int32_t(o % 4) : 33 + int32_t(o % 4);
            if (shiftCase == 1 && o == 0)
              shift = 32;
            stage.shift.push_back(shift);
          }
          d.output = stage;
          EXPECT_EQ(compareWithReference(d, Backend::Vnni, rng), "")
              << "shift case " << shiftCase << " " << describe(d);
        }
      }
    }
  }
}

} // namespace

namespace {

// Element-wise kernels on maps large enough that the vnni add and channel
// scale work in several chunks of pixels (one chunk is ~4096 elements),
// chunks that straddle two images of a batch included.
TEST(BitExactLayers, ElementwiseOnLargeMaps) {
  Rng rng(11);
  for (OpKind kind : {OpKind::Add, OpKind::ChannelScale})
    for (int i = 0; i < 6; ++i) {
      KernelDesc desc = randomElementwiseDesc(rng, kind);
      desc.input.n = 2;
      desc.input.h = 31 + i;
      desc.input.w = 29;
      for (Backend backend : {Backend::Halide, Backend::Vnni})
        if (backendSupports(backend, kind))
          EXPECT_EQ(compareWithReference(desc, backend, rng), "")
              << backendName(backend) << ": " << describe(desc);
    }
}

} // namespace
