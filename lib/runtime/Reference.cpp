//===- Reference.cpp - Ground-truth INT8 kernels --------------------------===//
//
// Straightforward loops, written for clarity rather than speed: this is the
// definition the oneDNN and Halide kernels are tested against.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/runtime/Reference.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace spaceevo::runtime {

namespace {

int64_t saturateToInt32(int64_t v) {
  return std::min<int64_t>(std::max<int64_t>(v, INT32_MIN), INT32_MAX);
}

/// TOSA RESCALE of one Add operand into the int32 domain.
int64_t scaleAddOperand(const AddInputScale &scale, uint8_t q) {
  return saturateToInt32(applyScale32(int64_t(q) - scale.zeroPoint,
                                      scale.multiplier, scale.shift,
                                      /*doubleRound=*/false));
}

} // namespace

ConvGeometry convGeometry(const KernelDesc &desc) {
  ConvGeometry g;
  g.input = desc.input;
  if (desc.kind == OpKind::FullyConnected) {
    g.outChannels = desc.outChannels;
    return g; // a 1x1 convolution on the 1x1 map
  }
  g.depthwise = desc.kind == OpKind::DepthwiseConv2D;
  g.outChannels = g.depthwise ? desc.input.c : desc.outChannels;
  g.kernelH = g.kernelW = desc.kernel;
  g.strideH = g.strideW = desc.stride;
  g.padding = desc.padding;
  return g;
}

void referenceAccumulate(const KernelDesc &desc, const uint8_t *input,
                         int32_t *acc) {
  ConvGeometry g = convGeometry(desc);
  convAccumulate<uint8_t, int8_t>(g, input, desc.inputZeroPoint,
                                  desc.weights.data(), nullptr,
                                  desc.bias.empty() ? nullptr
                                                    : desc.bias.data(),
                                  acc);
}

void applyOutputStageTo(const OutputStage &stage, const int32_t *acc,
                        int64_t count, int64_t channels, uint8_t *out) {
  for (int64_t i = 0; i < count; ++i)
    out[i] = applyOutputStage(stage, acc[i], i % channels);
}

Status referenceExecute(const KernelDesc &desc, const void *inputData,
                        const void *otherData, void *outputData) {
  auto input = static_cast<const uint8_t *>(inputData);
  auto other = static_cast<const uint8_t *>(otherData);
  auto out = static_cast<uint8_t *>(outputData);
  const Shape4 &in = desc.input;
  switch (desc.kind) {
  case OpKind::Conv2D:
  case OpKind::DepthwiseConv2D:
  case OpKind::FullyConnected: {
    Shape4 outShape = convGeometry(desc).outputShape();
    int64_t count = outShape.elements();
    if (desc.output.int32Output) {
      referenceAccumulate(desc, input, static_cast<int32_t *>(outputData));
      return Status::success();
    }
    std::vector<int32_t> acc(static_cast<size_t>(count));
    referenceAccumulate(desc, input, acc.data());
    applyOutputStageTo(desc.output, acc.data(), count, outShape.c, out);
    return Status::success();
  }
  case OpKind::GlobalAvgPool: {
    // TOSA AVG_POOL2D: sum of (q - zp) in int32, then a scale32 rescale
    // (the reciprocal of the count folded into the multiplier).
    int64_t pixels = in.h * in.w;
    std::vector<int32_t> acc(size_t(in.n * in.c));
    for (int64_t n = 0; n < in.n; ++n)
      for (int64_t c = 0; c < in.c; ++c) {
        int64_t sum = 0;
        for (int64_t p = 0; p < pixels; ++p)
          sum += int64_t(input[(n * pixels + p) * in.c + c]) -
                 desc.inputZeroPoint;
        acc[size_t(n * in.c + c)] = int32_t(sum);
      }
    if (desc.output.int32Output)
      std::memcpy(outputData, acc.data(), acc.size() * sizeof(int32_t));
    else
      applyOutputStageTo(desc.output, acc.data(), int64_t(acc.size()), in.c,
                         out);
    return Status::success();
  }
  case OpKind::Add: {
    int64_t count = in.elements();
    for (int64_t i = 0; i < count; ++i) {
      int64_t sum = saturateToInt32(scaleAddOperand(desc.addInput, input[i]) +
                                    scaleAddOperand(desc.addOther, other[i]));
      out[i] = applyOutputStage(desc.output, sum, i % in.c);
    }
    return Status::success();
  }
  case OpKind::ChannelScale: {
    int64_t pixels = in.h * in.w;
    for (int64_t n = 0; n < in.n; ++n)
      for (int64_t p = 0; p < pixels; ++p)
        for (int64_t c = 0; c < in.c; ++c) {
          int64_t i = (n * pixels + p) * in.c + c;
          int64_t product =
              (int64_t(input[i]) - desc.inputZeroPoint) *
              (int64_t(other[n * in.c + c]) - desc.otherZeroPoint);
          out[i] = applyOutputStage(desc.output, product, c);
        }
    return Status::success();
  }
  case OpKind::Rescale: {
    int64_t count = in.elements();
    if (desc.int32Input) {
      auto values = static_cast<const int32_t *>(inputData);
      applyOutputStageTo(desc.output, values, count, in.c, out);
    } else {
      for (int64_t i = 0; i < count; ++i)
        out[i] = applyOutputStage(
            desc.output, int64_t(input[i]) - desc.inputZeroPoint, i % in.c);
    }
    return Status::success();
  }
  case OpKind::Table: {
    int64_t count = in.elements();
    for (int64_t i = 0; i < count; ++i)
      out[i] = desc.table[input[i]];
    return Status::success();
  }
  }
  return Status::failure("reference: unknown op kind");
}

} // namespace spaceevo::runtime
