//===- HalideKernels.cpp - Kernels backed by Halide AOT-generated code ----===//
//
// The generated functions (build/lib/runtime/halide/*.h) take
// halide_buffer_t descriptions of our NHWC arrays; channels are always
// dimension 0. Only the header-only HalideBuffer.h is used here; no Halide
// library is linked.
//
//===----------------------------------------------------------------------===//

#include "Backends.h"

#include "HalideBuffer.h"
#include "spaceevo_halide_channel_scale.h"
#include "spaceevo_halide_dw_k3_s1.h"
#include "spaceevo_halide_dw_k3_s2.h"
#include "spaceevo_halide_dw_k5_s1.h"
#include "spaceevo_halide_dw_k5_s2.h"
#include "spaceevo_halide_dw_k7_s1.h"
#include "spaceevo_halide_dw_k7_s2.h"
#include "spaceevo_halide_global_avg_pool.h"
#include "spaceevo_halide_requantize_int32.h"
#include "spaceevo_halide_rescale_uint8.h"
#include "spaceevo_halide_residual_add.h"
#include "spaceevo_halide_table_lookup.h"

#include <climits>
#include <string>

namespace spaceevo::runtime::detail {

template <typename T> using HBuffer = Halide::Runtime::Buffer<T>;

bool halideSupports(OpKind kind) {
  return kind == OpKind::DepthwiseConv2D || kind == OpKind::GlobalAvgPool ||
         kind == OpKind::Add || kind == OpKind::ChannelScale ||
         kind == OpKind::Rescale || kind == OpKind::Table;
}

namespace {

/// Per-channel copies of a (possibly per-tensor) output stage's scale.
struct ChannelScales {
  std::vector<int32_t> multiplier, shift;
  ChannelScales() = default;
  ChannelScales(const OutputStage &stage, int64_t channels) {
    for (int64_t c = 0; c < channels; ++c) {
      size_t i = stage.multiplier.size() == 1 ? 0 : size_t(c);
      multiplier.push_back(stage.multiplier[i]);
      shift.push_back(stage.shift[i]);
    }
  }
};

Status halideStatus(int code, const char *what) {
  if (code == 0)
    return Status::success();
  return Status::failure(std::string("Halide ") + what + " failed with code " +
                         std::to_string(code));
}

using DepthwiseFunction = decltype(&spaceevo_halide_dw_k3_s1);

DepthwiseFunction depthwiseFunction(int64_t kernel, int64_t stride) {
  if (kernel == 3)
    return stride == 1 ? spaceevo_halide_dw_k3_s1 : spaceevo_halide_dw_k3_s2;
  if (kernel == 5)
    return stride == 1 ? spaceevo_halide_dw_k5_s1 : spaceevo_halide_dw_k5_s2;
  return stride == 1 ? spaceevo_halide_dw_k7_s1 : spaceevo_halide_dw_k7_s2;
}

class HalideKernel final : public KernelBase {
public:
  HalideKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::Halide, outputShape) {
    const KernelDesc &d = this->desc();
    if (!d.output.int32Output && !d.output.multiplier.empty())
      scales_ = ChannelScales(d.output, outputShape.c);
    if (d.kind == OpKind::DepthwiseConv2D) {
      // Fold the input zero point: the generated code pads with zp, so
      // every tap contributes (q * w) and -zp * sum(w) restores (q - zp).
      effectiveBias_ = effectiveBias(d, d.input.c, /*depthwise=*/true);
      // The vnni kernels' decision of when the 32-bit form is exact.
      VnniRequant q = makeVnniRequant(d.output, effectiveBias_, d.input.c);
      fastStage_ = q.fast && !q.doubleRound;
      if (fastStage_) {
        roundHigh_ = q.roundHigh;
        shift32_ = q.shift32;
      } else {
        roundHigh_.assign(size_t(d.input.c), 0);
        shift32_.assign(size_t(d.input.c), 0);
      }
    }
    if (d.kind == OpKind::Rescale && d.int32Input)
      effectiveBias_.assign(size_t(d.input.c), 0);
  }

protected:
  Status execute(const void *inputData, const void *otherData,
                 void *outputData) override {
    const KernelDesc &d = desc();
    const OutputStage &stage = d.output;
    const Shape4 in = d.input, out = outputShape();
    auto input = static_cast<const uint8_t *>(inputData);
    auto other = static_cast<const uint8_t *>(otherData);
    auto output = static_cast<uint8_t *>(outputData);
    int C = int(in.c);
    HBuffer<const int32_t> multiplier(scales_.multiplier.data(), C);
    HBuffer<const int32_t> shift(scales_.shift.data(), C);
    Status status = Status::success();
    switch (d.kind) {
    case OpKind::DepthwiseConv2D: {
      HBuffer<const uint8_t> inBuf(input, {C, int(in.w), int(in.h), int(in.n)});
      HBuffer<const int8_t> weights(d.weights.data(),
                                    {C, int(d.kernel), int(d.kernel)});
      HBuffer<const int32_t> bias(effectiveBias_.data(), C);
      HBuffer<uint8_t> outBuf(output, {C, int(out.w), int(out.h), int(out.n)});
      HBuffer<const int32_t> roundHigh(roundHigh_.data(), C);
      HBuffer<const int32_t> shift32(shift32_.data(), C);
      status = halideStatus(
          depthwiseFunction(d.kernel, d.stride)(
              inBuf, weights, bias, multiplier, shift, d.inputZeroPoint,
              int(d.padding.top), int(d.padding.left), stage.zeroPoint,
              stage.clampMin, stage.clampMax, stage.doubleRound, fastStage_,
              roundHigh, shift32, outBuf),
          "depthwise conv");
      break;
    }
    case OpKind::GlobalAvgPool: {
      HBuffer<const uint8_t> inBuf(input, {C, int(in.h * in.w), int(in.n)});
      HBuffer<uint8_t> outBuf(output, {C, int(in.n)});
      status = halideStatus(
          spaceevo_halide_global_avg_pool(
              inBuf, d.inputZeroPoint, multiplier, shift, stage.zeroPoint,
              stage.clampMin, stage.clampMax, stage.doubleRound, outBuf),
          "global average pool");
      break;
    }
    case OpKind::Add: {
      int pixels = int(in.n * in.h * in.w);
      HBuffer<const uint8_t> a(input, {C, pixels}), b(other, {C, pixels});
      HBuffer<uint8_t> outBuf(output, {C, pixels});
      status = halideStatus(
          spaceevo_halide_residual_add(
              a, b, d.addInput.zeroPoint, d.addInput.multiplier,
              d.addInput.shift, d.addOther.zeroPoint, d.addOther.multiplier,
              d.addOther.shift, multiplier, shift, stage.zeroPoint,
              stage.clampMin, stage.clampMax, stage.doubleRound, outBuf),
          "residual add");
      break;
    }
    case OpKind::ChannelScale: {
      int pixels = int(in.h * in.w);
      HBuffer<const uint8_t> inBuf(input, {C, pixels, int(in.n)});
      HBuffer<const uint8_t> scaleBuf(other, {C, int(in.n)});
      HBuffer<uint8_t> outBuf(output, {C, pixels, int(in.n)});
      status = halideStatus(
          spaceevo_halide_channel_scale(
              inBuf, scaleBuf, d.inputZeroPoint, d.otherZeroPoint, multiplier,
              shift, stage.zeroPoint, stage.clampMin, stage.clampMax,
              stage.doubleRound, outBuf),
          "channel scale");
      break;
    }
    case OpKind::Rescale: {
      int pixels = int(in.n * in.h * in.w);
      HBuffer<uint8_t> outBuf(output, {C, pixels});
      if (d.int32Input) {
        HBuffer<const int32_t> inBuf(static_cast<const int32_t *>(inputData),
                                     {C, pixels});
        HBuffer<const int32_t> bias(effectiveBias_.data(), C);
        status = halideStatus(
            spaceevo_halide_requantize_int32(
                inBuf, bias, multiplier, shift, stage.zeroPoint,
                stage.clampMin, stage.clampMax, stage.doubleRound, outBuf),
            "rescale");
      } else {
        HBuffer<const uint8_t> inBuf(input, {C, pixels});
        status = halideStatus(
            spaceevo_halide_rescale_uint8(
                inBuf, d.inputZeroPoint, multiplier, shift, stage.zeroPoint,
                stage.clampMin, stage.clampMax, stage.doubleRound, outBuf),
            "rescale");
      }
      break;
    }
    case OpKind::Table: {
      int count = int(in.elements());
      HBuffer<const uint8_t> inBuf(input, count);
      HBuffer<const uint8_t> table(d.table.data(), 256);
      HBuffer<uint8_t> outBuf(output, count);
      return halideStatus(
          spaceevo_halide_table_lookup(inBuf, table, outBuf), "table");
    }
    default:
      return Status::failure("Halide backend: unsupported op");
    }
    if (!status)
      return status;
    if (stage.table && !halideTableInPlace(*stage.table, output,
                                           out.elements()))
      return Status::failure("Halide table lookup failed");
    return Status::success();
  }

private:
  ChannelScales scales_;
  std::vector<int32_t> effectiveBias_;
  bool fastStage_ = false; ///< depthwise: see the generator's fast_stage
  std::vector<int32_t> roundHigh_, shift32_;
};

} // namespace

Expected<std::unique_ptr<Kernel>> createHalideKernel(const KernelDesc &desc,
                                                     Shape4 outputShape) {
  using Result = Expected<std::unique_ptr<Kernel>>;
  if (desc.output.int32Output)
    return Result::failure("Halide backend: int32 output is not supported "
                           "(its kernels always requantize; use the oneDNN "
                           "or reference backend for accumulators)");
  // halide_buffer_t extents and strides are 32-bit.
  if (desc.input.elements() > INT_MAX || outputShape.elements() > INT_MAX)
    return Result::failure("Halide backend: tensor larger than 2^31 elements");
  return Result(std::unique_ptr<Kernel>(new HalideKernel(desc, outputShape)));
}

bool halideRequantizeInt32(const int32_t *acc, const int32_t *bias,
                           int64_t pixels, int64_t channels,
                           const OutputStage &stage,
                           const std::vector<int32_t> &multipliers,
                           const std::vector<int32_t> &shifts, uint8_t *out) {
  if (pixels * channels > INT_MAX)
    return false;
  int C = int(channels), P = int(pixels);
  HBuffer<const int32_t> inBuf(acc, {C, P});
  HBuffer<const int32_t> biasBuf(bias, C);
  HBuffer<const int32_t> multiplier(multipliers.data(), C);
  HBuffer<const int32_t> shift(shifts.data(), C);
  HBuffer<uint8_t> outBuf(out, {C, P});
  return spaceevo_halide_requantize_int32(
             inBuf, biasBuf, multiplier, shift, stage.zeroPoint,
             stage.clampMin, stage.clampMax, stage.doubleRound, outBuf) == 0;
}

bool halideTableInPlace(const LookupTable &table, uint8_t *data,
                        int64_t count) {
  if (count > INT_MAX)
    return false;
  HBuffer<const uint8_t> inBuf(data, int(count));
  HBuffer<const uint8_t> tableBuf(table.data(), 256);
  HBuffer<uint8_t> outBuf(data, int(count));
  return spaceevo_halide_table_lookup(inBuf, tableBuf, outBuf) == 0;
}

} // namespace spaceevo::runtime::detail
