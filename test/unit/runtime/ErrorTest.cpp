//===- ErrorTest.cpp - Bad input gives error values, never aborts ---------===//

#include "TestUtil.h"

#include "spaceevo/runtime/Kernel.h"

#include <gtest/gtest.h>

using namespace spaceevo::runtime;
using namespace spaceevo::runtime::test;

namespace {

OutputStage unitStage(int64_t channels = 1) {
  OutputStage stage;
  stage.multiplier.assign(size_t(channels), 1 << 30);
  stage.shift.assign(size_t(channels), 40);
  return stage;
}

KernelDesc validConv() {
  return makeConvDesc({1, 8, 8, 4}, 6, 3, 1, std::vector<int8_t>(6 * 9 * 4, 1),
                      {}, 10, unitStage());
}

/// Every backend must reject `desc` with a message containing `needle`.
void expectRejected(const KernelDesc &desc, const std::string &needle) {
  for (Backend backend : {Backend::Reference, Backend::OneDnn, Backend::Halide,
                          Backend::Vnni}) {
    auto kernel = createKernel(desc, backend);
    ASSERT_FALSE(kernel.ok()) << backendName(backend) << " accepted "
                              << describe(desc);
    EXPECT_NE(kernel.error().find(needle), std::string::npos)
        << backendName(backend) << ": '" << kernel.error()
        << "' does not mention '" << needle << "'";
  }
}

TEST(RuntimeErrors, ValidConvIsAccepted) {
  auto kernel = createKernel(validConv(), Backend::Reference);
  ASSERT_TRUE(kernel.ok()) << kernel.error();
  EXPECT_EQ((*kernel)->outputShape(), (Shape4{1, 8, 8, 6}));
}

TEST(RuntimeErrors, ZeroAndNegativeDimensions) {
  for (int dim = 0; dim < 4; ++dim)
    for (int64_t bad : {int64_t(0), int64_t(-3)}) {
      KernelDesc d = validConv();
      int64_t *dims[] = {&d.input.n, &d.input.h, &d.input.w, &d.input.c};
      *dims[dim] = bad;
      expectRejected(d, "zero or negative dimension");
    }
  KernelDesc d = validConv();
  d.outChannels = 0;
  expectRejected(d, "output channels");
  KernelDesc huge = validConv();
  huge.input.h = int64_t(1) << 40;
  expectRejected(huge, "too large");
}

TEST(RuntimeErrors, UnsupportedKernelsAndStrides) {
  for (int64_t k : {0, 2, 4, 9, -1}) {
    KernelDesc d = validConv();
    d.kernel = k;
    expectRejected(d, "unsupported kernel size");
  }
  for (int64_t s : {0, 3, -1}) {
    KernelDesc d = validConv();
    d.stride = s;
    expectRejected(d, "unsupported stride");
  }
  KernelDesc dw = makeDepthwiseDesc({1, 8, 8, 4}, 1, 1,
                                    std::vector<int8_t>(4, 1), {}, 0,
                                    unitStage());
  expectRejected(dw, "supported: 3, 5, 7");
}

TEST(RuntimeErrors, MismatchedShapes) {
  KernelDesc d = validConv();
  d.weights.pop_back();
  expectRejected(d, "weights");
  d = validConv();
  d.bias.assign(5, 0);
  expectRejected(d, "biases");
  d = validConv();
  d.output = unitStage(5); // neither 1 nor 6 scales
  expectRejected(d, "multipliers");
  KernelDesc fc = makeFullyConnectedDesc(1, 10, 3, std::vector<int8_t>(30, 1),
                                         {}, 0, unitStage());
  fc.input.h = 2;
  expectRejected(fc, "n x 1 x 1 x C");
  d = validConv();
  d.input.h = d.input.w = 1;
  d.padding = {};
  expectRejected(d, "does not fit");
  d = validConv();
  d.padding.left = 3;
  expectRejected(d, "padding");
}

TEST(RuntimeErrors, BadQuantization) {
  KernelDesc d = validConv();
  d.inputZeroPoint = 256;
  expectRejected(d, "zero point");
  d = validConv();
  d.output.shift = {1};
  expectRejected(d, "shift");
  d = validConv();
  d.output.shift = {63};
  expectRejected(d, "shift");
  d = validConv();
  d.output.multiplier = {-1};
  expectRejected(d, "negative multiplier");
  d = validConv();
  d.output.clampMin = 200;
  d.output.clampMax = 100;
  expectRejected(d, "clamp");
  d = validConv();
  d.output.multiplier.clear();
  expectRejected(d, "multiplier");
  KernelDesc rescale;
  rescale.kind = OpKind::Rescale;
  rescale.input = {1, 2, 2, 3};
  rescale.int32Input = true;
  rescale.inputZeroPoint = 5;
  rescale.output = unitStage();
  expectRejected(rescale, "zero point 0");
  // A reduction that could overflow int32.
  KernelDesc wide = makeConvDesc({1, 7, 7, 1400}, 1, 7, 1,
                                 std::vector<int8_t>(7 * 7 * 1400, 1), {}, 0,
                                 unitStage());
  expectRejected(wide, "overflow");
  EXPECT_FALSE(quantizeScale(0).ok());
  EXPECT_FALSE(quantizeScale(-1).ok());
  EXPECT_FALSE(quantizeScale(double(1 << 30)).ok());
  EXPECT_FALSE(makeActivationTable(ActivationFunction::Swish, {0.0f, 0},
                                   {1.0f, 0})
                   .ok());
}

TEST(RuntimeErrors, UnsupportedOpOnBackend) {
  if (!backendSupports(Backend::Halide, OpKind::DepthwiseConv2D))
    GTEST_SKIP() << "Halide not built";
  auto kernel = createKernel(validConv(), Backend::Halide);
  ASSERT_FALSE(kernel.ok());
  EXPECT_NE(kernel.error().find("does not implement conv2d"),
            std::string::npos)
      << kernel.error();
}

TEST(RuntimeErrors, VnniConvIsOneByOneOnly) {
  if (!backendSupports(Backend::Vnni, OpKind::Conv2D))
    GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  auto kernel = createKernel(validConv(), Backend::Vnni);
  ASSERT_FALSE(kernel.ok());
  EXPECT_NE(kernel.error().find("kernel 1 only"), std::string::npos)
      << kernel.error();
  EXPECT_FALSE(backendSupports(Backend::Vnni, OpKind::GlobalAvgPool));
  EXPECT_FALSE(backendSupports(Backend::Vnni, OpKind::GlobalAvgPool));
}

TEST(RuntimeErrors, HalideHasNoInt32Output) {
  if (!backendSupports(Backend::Halide, OpKind::DepthwiseConv2D))
    GTEST_SKIP() << "Halide not built";
  OutputStage stage;
  stage.int32Output = true;
  KernelDesc dw = makeDepthwiseDesc({1, 5, 5, 3}, 3, 1,
                                    std::vector<int8_t>(27, 1), {}, 0, stage);
  auto kernel = createKernel(dw, Backend::Halide);
  ASSERT_FALSE(kernel.ok());
  EXPECT_NE(kernel.error().find("int32"), std::string::npos) << kernel.error();
}

TEST(RuntimeErrors, RunChecksBuffers) {
  for (Backend backend : {Backend::Reference, Backend::OneDnn, Backend::Vnni}) {
    if (!backendSupports(backend, OpKind::Conv2D))
      continue;
    KernelDesc conv = validConv();
    if (backend == Backend::Vnni) { // 1x1 only
      conv = makeConvDesc({1, 8, 8, 4}, 6, 1, 1,
                          std::vector<int8_t>(6 * 4, 1), {}, 10, unitStage());
    }
    auto kernel = createKernel(conv, backend);
    ASSERT_TRUE(kernel.ok()) << kernel.error();
    Kernel &k = **kernel;
    std::vector<uint8_t> in(k.inputBytes()), out(k.outputBytes());
    std::vector<uint8_t> shortIn(k.inputBytes() - 1), longOut(k.outputBytes() + 1);
    EXPECT_TRUE(k.run(constBuffer(in), mutableBuffer(out)).ok());
    auto s = k.run(constBuffer(shortIn), mutableBuffer(out));
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error().find("input buffer has"), std::string::npos) << s.error();
    s = k.run(constBuffer(in), mutableBuffer(longOut));
    EXPECT_FALSE(s.ok());
    s = k.run(ConstBuffer{nullptr, in.size()}, mutableBuffer(out));
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.error().find("null"), std::string::npos);
  }
  KernelDesc add;
  add.kind = OpKind::Add;
  add.input = {1, 3, 3, 2};
  add.output = unitStage();
  auto kernel = createKernel(add, Backend::Reference);
  ASSERT_TRUE(kernel.ok()) << kernel.error();
  std::vector<uint8_t> a(18), out(18);
  auto s = (*kernel)->run(constBuffer(a), mutableBuffer(out)); // no other
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error().find("other"), std::string::npos) << s.error();
}

} // namespace

namespace {

// The vnni add sums its rescaled operands in 32 bits; where the reference
// would saturate them it refuses, and the best-backend lists fall back.
TEST(RuntimeErrors, VnniAddRefusesOperandsBeyondInt32) {
  if (!backendSupports(Backend::Vnni, OpKind::Add))
    GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  KernelDesc add;
  add.kind = OpKind::Add;
  add.input = {1, 3, 3, 2};
  add.output = unitStage();
  add.addInput = {0, INT32_MAX, 2}; // 255 * 2^31 / 4 > 2^31
  auto kernel = createKernel(add, Backend::Vnni);
  ASSERT_FALSE(kernel.ok());
  EXPECT_NE(kernel.error().find("beyond int32"), std::string::npos)
      << kernel.error();
  add.addInput = {0, 1 << 30, 20};
  EXPECT_TRUE(createKernel(add, Backend::Vnni).ok());
}

} // namespace
