//===- Tensor.cpp - Random tensors and expansion validation ---------------===//
#include "spaceevo/exec/Tensor.h"

#include <cmath>
#include <string>

namespace spaceevo::exec {

RandomSource::RandomSource(uint64_t seed) : state_(seed) {}

uint64_t RandomSource::nextBits() {
  // SplitMix64 (the generator lib/space uses for sampling networks).
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double RandomSource::uniform() {
  // 53 random bits: exactly representable, never 1.
  return double(nextBits() >> 11) * (1.0 / 9007199254740992.0);
}

double RandomSource::normal() {
  if (haveSpare_) {
    haveSpare_ = false;
    return spare_;
  }
  // Box-Muller; 1 - u keeps the logarithm finite.
  double u1 = 1.0 - uniform(), u2 = uniform();
  double radius = std::sqrt(-2.0 * std::log(u1));
  double angle = 2.0 * M_PI * u2;
  spare_ = radius * std::sin(angle);
  haveSpare_ = true;
  return radius * std::cos(angle);
}

Tensor randomTensor(TensorShape shape, uint64_t seed, float mean,
                    float stddev) {
  Tensor t(shape);
  RandomSource random(seed);
  for (float &v : t.values)
    v = float(mean + stddev * random.normal());
  return t;
}

namespace {

std::string opName(const Expansion &e, size_t index) {
  const Primitive &op = e.ops[index];
  return "op " + std::to_string(index) + " (" +
         std::string(primitiveKindName(op.kind)) +
         (op.role.empty() ? "" : " '" + op.role + "'") + ")";
}

std::string shapeText(TensorShape s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

bool isConvLike(PrimitiveKind kind) {
  return kind == PrimitiveKind::Conv || kind == PrimitiveKind::DepthwiseConv;
}

} // namespace

Expected<TensorShape> expansionInputShape(const Expansion &expansion) {
  for (const Primitive &op : expansion.ops) {
    if (op.input == kExpansionInput)
      return TensorShape{op.inHeight, op.inWidth, op.inChannels};
    if (op.other == kExpansionInput)
      return TensorShape{op.outHeight, op.outWidth, op.outChannels};
  }
  return Expected<TensorShape>::failure(
      "expansion has no op that reads the expansion input");
}

Status validateExpansion(const Expansion &e) {
  if (e.ops.empty())
    return Status::failure("expansion has no ops");
  auto input = expansionInputShape(e);
  if (!input)
    return input.status();
  if (input->height <= 0 || input->width <= 0 || input->channels <= 0)
    return Status::failure("expansion input shape " + shapeText(*input) +
                           " is not positive");
  auto operandShape = [&](int operand) {
    return operand == kExpansionInput ? *input
                                      : primitiveOutputShape(e.ops[operand]);
  };
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const Primitive &op = e.ops[i];
    std::string name = opName(e, i);
    auto validOperand = [&](int operand) {
      return operand == kExpansionInput ||
             (operand >= 0 && size_t(operand) < i);
    };
    if (!validOperand(op.input))
      return Status::failure(name + ": input operand " +
                             std::to_string(op.input) +
                             " is not an earlier op or the expansion input");
    TensorShape in = operandShape(op.input);
    TensorShape declaredIn{op.inHeight, op.inWidth, op.inChannels};
    if (in != declaredIn)
      return Status::failure(name + ": declared input " +
                             shapeText(declaredIn) + " but its operand is " +
                             shapeText(in));
    TensorShape out = primitiveOutputShape(op);
    if (out.height <= 0 || out.width <= 0 || out.channels <= 0)
      return Status::failure(name + ": output shape " + shapeText(out) +
                             " is not positive");
    bool binary = op.kind == PrimitiveKind::Add ||
                  op.kind == PrimitiveKind::ChannelScale;
    if (binary && !validOperand(op.other))
      return Status::failure(name + ": second operand " +
                             std::to_string(op.other) +
                             " is not an earlier op or the expansion input");
    if (uint32_t(op.act) > uint32_t(Activation::Hsigmoid))
      return Status::failure(name + ": unknown activation " +
                             std::to_string(uint32_t(op.act)));
    if (!binary && op.other != kNoOperand)
      return Status::failure(name + ": has a second operand it does not use");
    if (isConvLike(op.kind)) {
      if (op.kernel < 1 || op.stride < 1 || op.padding < 0 ||
          op.padding >= op.kernel)
        return Status::failure(name + ": needs kernel >= 1, stride >= 1 and "
                                      "padding in [0, kernel - 1]");
      int64_t outH = (in.height + 2 * op.padding - op.kernel) / op.stride + 1;
      int64_t outW = (in.width + 2 * op.padding - op.kernel) / op.stride + 1;
      if (in.height + 2 * op.padding < op.kernel ||
          in.width + 2 * op.padding < op.kernel || outH != out.height ||
          outW != out.width)
        return Status::failure(name + ": output " + shapeText(out) +
                               " does not follow from the input, kernel, "
                               "stride and padding");
      if (op.kind == PrimitiveKind::DepthwiseConv &&
          out.channels != in.channels)
        return Status::failure(name + ": depthwise output channels differ "
                                      "from its input channels");
    }
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv:
      break;
    case PrimitiveKind::GlobalAvgPool:
      if (out != TensorShape{1, 1, in.channels})
        return Status::failure(name + ": output must be " +
                               std::to_string(in.channels) + "x1x1");
      break;
    case PrimitiveKind::FullyConnected:
      if (in.height != 1 || in.width != 1 || out.height != 1 ||
          out.width != 1)
        return Status::failure(name + ": input and output must be Cx1x1");
      break;
    case PrimitiveKind::Add:
      if (operandShape(op.other) != in || out != in)
        return Status::failure(name + ": operands and output must have the "
                                      "same shape, got " +
                               shapeText(in) + " and " +
                               shapeText(operandShape(op.other)));
      break;
    case PrimitiveKind::ChannelScale:
      if (operandShape(op.other) != TensorShape{1, 1, in.channels} ||
          out != in)
        return Status::failure(name + ": the scale operand must be " +
                               std::to_string(in.channels) +
                               "x1x1 and the output the input's shape");
      break;
    default:
      return Status::failure(name + ": unknown primitive kind");
    }
  }
  TensorShape last = primitiveOutputShape(e.ops.back());
  if (last != TensorShape{e.outHeight, e.outWidth, e.outChannels})
    return Status::failure("expansion output shape " +
                           shapeText({e.outHeight, e.outWidth, e.outChannels}) +
                           " differs from its last op's " + shapeText(last));
  return Status::success();
}

std::vector<size_t> lastUses(const Expansion &expansion) {
  size_t count = expansion.ops.size();
  std::vector<size_t> last(count, 0);
  for (size_t i = 0; i < count; ++i) {
    const Primitive &op = expansion.ops[i];
    for (int operand : {op.input, op.other})
      if (operand >= 0)
        last[size_t(operand)] = i;
  }
  if (count)
    last[count - 1] = count; // the result outlives the run
  return last;
}

} // namespace spaceevo::exec
