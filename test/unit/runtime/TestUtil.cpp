//===- TestUtil.cpp - Random kernel descriptions for runtime tests --------===//

#include "TestUtil.h"

#include "spaceevo/runtime/Reference.h"

#include <cmath>
#include <sstream>

namespace spaceevo::runtime::test {

int64_t uniformInt(Rng &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

std::vector<uint8_t> randomBytes(Rng &rng, size_t count) {
  std::vector<uint8_t> v(count);
  for (auto &x : v)
    x = uint8_t(uniformInt(rng, 0, 255));
  return v;
}

std::vector<int8_t> randomWeights(Rng &rng, size_t count) {
  std::vector<int8_t> v(count);
  for (auto &x : v)
    x = int8_t(uniformInt(rng, -127, 127));
  return v;
}

static int64_t pickChannels(Rng &rng) {
  static const int64_t awkward[] = {1, 3, 5, 7, 9, 13, 17, 24, 31, 33, 40, 65};
  return awkward[uniformInt(rng, 0, 11)];
}

OutputStage randomOutputStage(Rng &rng, int64_t channels, int64_t reduction,
                              bool allowTable) {
  OutputStage stage;
  bool perChannel = uniformInt(rng, 0, 1) == 1;
  int64_t count = perChannel ? channels : 1;
  // Accumulators are roughly sqrt(reduction) * 128 * 74 in magnitude; aim
  // the scale so outputs cover the uint8 range, with occasional extremes
  // (tiny scales need shift > 31, large ones saturate).
  double typical = std::sqrt(double(std::max<int64_t>(reduction, 1))) * 9500.0;
  for (int64_t c = 0; c < count; ++c) {
    double scale = 64.0 / typical *
                   std::pow(2.0, double(uniformInt(rng, -40, 40)) / 10.0);
    if (uniformInt(rng, 0, 15) == 0)
      scale *= std::pow(2.0, double(uniformInt(rng, -20, 8)));
    auto encoded = quantizeScale(scale);
    stage.multiplier.push_back(encoded->multiplier);
    stage.shift.push_back(encoded->shift);
  }
  stage.zeroPoint = int32_t(uniformInt(rng, 0, 255));
  stage.doubleRound = uniformInt(rng, 0, 1) == 1;
  if (uniformInt(rng, 0, 2) == 0) {
    stage.clampMin = int32_t(uniformInt(rng, 0, 128));
    stage.clampMax = int32_t(uniformInt(rng, stage.clampMin, 255));
  }
  if (allowTable && uniformInt(rng, 0, 3) == 0) {
    LookupTable table;
    for (auto &entry : table)
      entry = uint8_t(uniformInt(rng, 0, 255));
    stage.table = table;
  }
  return stage;
}

KernelDesc randomConvDesc(Rng &rng, OpKind kind) {
  KernelDesc d;
  d.kind = kind;
  d.input.n = uniformInt(rng, 1, 2);
  d.input.c = pickChannels(rng);
  if (kind == OpKind::FullyConnected) {
    d.input.h = d.input.w = 1;
    d.input.c = uniformInt(rng, 1, 300);
    d.outChannels = uniformInt(rng, 1, 70);
    d.kernel = 1;
  } else {
    static const int64_t denseKernels[] = {1, 3, 5, 7};
    d.kernel = kind == OpKind::DepthwiseConv2D ? 3 + 2 * uniformInt(rng, 0, 2)
                                               : denseKernels[uniformInt(rng, 0, 3)];
    d.stride = uniformInt(rng, 1, 2);
    d.input.h = uniformInt(rng, d.kernel, 17);
    d.input.w = uniformInt(rng, d.kernel, 17);
    if (uniformInt(rng, 0, 7) == 0) // tiny maps smaller than the kernel
      d.input.h = d.input.w = uniformInt(rng, 1, 3);
    d.outChannels =
        kind == OpKind::DepthwiseConv2D ? d.input.c : pickChannels(rng);
    if (uniformInt(rng, 0, 1) == 0) {
      d.padding = Padding::same(d.kernel);
    } else {
      d.padding.top = uniformInt(rng, 0, d.kernel - 1);
      d.padding.bottom = uniformInt(rng, 0, d.kernel - 1);
      d.padding.left = uniformInt(rng, 0, d.kernel - 1);
      d.padding.right = uniformInt(rng, 0, d.kernel - 1);
    }
    // Keep the padded input at least one kernel wide.
    while (d.input.h + d.padding.top + d.padding.bottom < d.kernel)
      ++d.padding.bottom;
    while (d.input.w + d.padding.left + d.padding.right < d.kernel)
      ++d.padding.right;
  }
  int64_t taps = d.kernel * d.kernel;
  int64_t reduction = kind == OpKind::DepthwiseConv2D ? taps : taps * d.input.c;
  int64_t outC = d.outChannels;
  d.weights = randomWeights(
      rng, size_t(kind == OpKind::DepthwiseConv2D ? taps * outC
                                                  : reduction * outC));
  if (uniformInt(rng, 0, 3) != 0) {
    d.bias.resize(size_t(outC));
    for (auto &b : d.bias)
      b = int32_t(uniformInt(rng, -100000, 100000));
  }
  d.inputZeroPoint = int32_t(uniformInt(rng, 0, 255));
  if (uniformInt(rng, 0, 5) == 0)
    d.inputZeroPoint = 0;
  if (uniformInt(rng, 0, 7) == 0)
    d.output.int32Output = true;
  else
    d.output = randomOutputStage(rng, outC, reduction);
  return d;
}

KernelDesc randomElementwiseDesc(Rng &rng, OpKind kind) {
  KernelDesc d;
  d.kind = kind;
  d.input = {uniformInt(rng, 1, 2), uniformInt(rng, 1, 13),
             uniformInt(rng, 1, 13), pickChannels(rng)};
  d.inputZeroPoint = int32_t(uniformInt(rng, 0, 255));
  switch (kind) {
  case OpKind::GlobalAvgPool: {
    d.output = randomOutputStage(rng, d.input.c, 1);
    // Mostly TOSA's reciprocal-of-count scales, sometimes arbitrary.
    if (uniformInt(rng, 0, 1) == 0) {
      auto s = quantizeScale(1.0 / double(d.input.h * d.input.w));
      d.output.multiplier = {s->multiplier};
      d.output.shift = {s->shift};
    }
    break;
  }
  case OpKind::Add: {
    // TFLite-style: operands scaled by 2^20 / (2 * max scale) into int32.
    auto a = quantizeScale(std::pow(2.0, 20) *
                           std::pow(2.0, double(uniformInt(rng, -20, 0)) / 10));
    auto b = quantizeScale(std::pow(2.0, 20) *
                           std::pow(2.0, double(uniformInt(rng, -20, 0)) / 10));
    d.addInput = {d.inputZeroPoint, a->multiplier, a->shift};
    d.addOther = {int32_t(uniformInt(rng, 0, 255)), b->multiplier, b->shift};
    d.output = randomOutputStage(rng, d.input.c, 1);
    auto out = quantizeScale(std::pow(2.0, -20) *
                             std::pow(2.0, double(uniformInt(rng, -10, 10)) / 10));
    for (auto &m : d.output.multiplier)
      m = out->multiplier;
    for (auto &s : d.output.shift)
      s = out->shift;
    break;
  }
  case OpKind::ChannelScale:
    d.otherZeroPoint = int32_t(uniformInt(rng, 0, 255));
    d.output = randomOutputStage(rng, d.input.c, 1);
    break;
  case OpKind::Rescale:
    d.int32Input = uniformInt(rng, 0, 1) == 1;
    if (d.int32Input)
      d.inputZeroPoint = 0;
    d.output = randomOutputStage(rng, d.input.c, d.int32Input ? 400 : 1);
    break;
  case OpKind::Table:
    for (auto &entry : d.table)
      entry = uint8_t(uniformInt(rng, 0, 255));
    break;
  default:
    break;
  }
  return d;
}

std::string describe(const KernelDesc &d) {
  std::ostringstream os;
  os << opKindName(d.kind) << " in " << d.input.n << "x" << d.input.h << "x"
     << d.input.w << "x" << d.input.c << " outC " << d.outChannels << " k "
     << d.kernel << " s " << d.stride << " pad " << d.padding.top << ","
     << d.padding.bottom << "," << d.padding.left << "," << d.padding.right
     << " zp " << d.inputZeroPoint << (d.output.int32Output ? " int32" : "")
     << (d.output.table ? " table" : "") << " scales "
     << d.output.multiplier.size()
     << (d.output.doubleRound ? " double_round" : "");
  return os.str();
}

std::string compareWithReference(const KernelDesc &desc, Backend backend,
                                 Rng &rng) {
  auto kernel = createKernel(desc, backend);
  if (!kernel)
    return "create failed: " + kernel.error();
  auto reference = createKernel(desc, Backend::Reference);
  if (!reference)
    return "reference create failed: " + reference.error();
  Kernel &k = **kernel;
  std::vector<uint8_t> input = randomBytes(rng, k.inputBytes());
  if (desc.kind == OpKind::Rescale && desc.int32Input) {
    // Realistic accumulators, not random bytes.
    auto values = reinterpret_cast<int32_t *>(input.data());
    for (size_t i = 0; i < input.size() / 4; ++i)
      values[i] = int32_t(uniformInt(rng, -3000000, 3000000));
  }
  std::vector<uint8_t> other = randomBytes(rng, k.otherBytes());
  // 64 guard bytes after the output: a kernel's full-width store past the
  // end would otherwise go unnoticed.
  const size_t guard = 64;
  std::vector<uint8_t> got(k.outputBytes() + guard, 0xAB),
      want(k.outputBytes(), 0xCD);
  if (auto s = k.run(constBuffer(input), constBuffer(other),
                     MutableBuffer{got.data(), k.outputBytes()});
      !s)
    return "run failed: " + s.error();
  for (size_t i = k.outputBytes(); i < got.size(); ++i)
    if (got[i] != 0xAB)
      return "wrote past the output's end (byte " +
             std::to_string(i - k.outputBytes()) + " after it)";
  got.resize(k.outputBytes());
  if (auto s = (*reference)->run(constBuffer(input), constBuffer(other),
                                 mutableBuffer(want));
      !s)
    return "reference run failed: " + s.error();
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) {
      size_t mismatches = 0;
      for (size_t j = 0; j < got.size(); ++j)
        mismatches += got[j] != want[j];
      std::ostringstream os;
      os << mismatches << " of " << got.size()
         << " output bytes differ, first at byte " << i << ": got "
         << int(got[i]) << " want " << int(want[i]);
      return os.str();
    }
  return "";
}

} // namespace spaceevo::runtime::test
