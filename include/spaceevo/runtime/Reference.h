//===- Reference.h - Ground-truth INT8 kernels (plain loops) ----*- C++ -*-===//
//
// The reference defines what every backend must produce bit for bit. The
// accumulation cores are templates over the element types so that ONNX's
// own node tests (uint8 weights with zero points, NCHW transposed to NHWC)
// run through the same code as our int8 scheme.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_RUNTIME_REFERENCE_H
#define SPACEEVO_RUNTIME_REFERENCE_H

#include "spaceevo/runtime/Kernel.h"

#include <cstdint>

namespace spaceevo::runtime {

/// Geometry of a 2-D convolution over NHWC input (any kernel size; the
/// kernel objects restrict what they accept, the reference does not).
struct ConvGeometry {
  Shape4 input;
  int64_t outChannels = 0;
  int64_t kernelH = 1, kernelW = 1;
  int64_t strideH = 1, strideW = 1;
  Padding padding;
  bool depthwise = false; ///< outChannels == input.c, one filter per channel
  int64_t outHeight() const {
    return (input.h + padding.top + padding.bottom - kernelH) / strideH + 1;
  }
  int64_t outWidth() const {
    return (input.w + padding.left + padding.right - kernelW) / strideW + 1;
  }
  Shape4 outputShape() const {
    return {input.n, outHeight(), outWidth(), outChannels};
  }
};

/// acc[n][oy][ox][oc] = bias[oc] + sum over in-bounds taps of
///   (x - inputZeroPoint) * (w - weightZeroPoints[oc]).
/// Out-of-bounds taps (padding) contribute nothing: padding is real zero.
/// Weights: [oc][kh][kw][ic], depthwise [kh][kw][c]. weightZeroPoints and
/// bias may be null (zeros).
template <typename InT, typename WeightT>
void convAccumulate(const ConvGeometry &g, const InT *input,
                    int32_t inputZeroPoint, const WeightT *weights,
                    const int32_t *weightZeroPoints, const int32_t *bias,
                    int32_t *acc) {
  const int64_t outH = g.outHeight(), outW = g.outWidth();
  const int64_t inC = g.input.c, outC = g.outChannels;
  for (int64_t n = 0; n < g.input.n; ++n)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox)
        for (int64_t oc = 0; oc < outC; ++oc) {
          int64_t sum = bias ? bias[oc] : 0;
          int32_t weightZp = weightZeroPoints ? weightZeroPoints[oc] : 0;
          for (int64_t ky = 0; ky < g.kernelH; ++ky) {
            int64_t iy = oy * g.strideH + ky - g.padding.top;
            if (iy < 0 || iy >= g.input.h)
              continue;
            for (int64_t kx = 0; kx < g.kernelW; ++kx) {
              int64_t ix = ox * g.strideW + kx - g.padding.left;
              if (ix < 0 || ix >= g.input.w)
                continue;
              const InT *pixel =
                  input + ((n * g.input.h + iy) * g.input.w + ix) * inC;
              if (g.depthwise) {
                int64_t w = weights[(ky * g.kernelW + kx) * outC + oc];
                sum += (int64_t(pixel[oc]) - inputZeroPoint) * (w - weightZp);
              } else {
                const WeightT *filter =
                    weights + ((oc * g.kernelH + ky) * g.kernelW + kx) * inC;
                for (int64_t ic = 0; ic < inC; ++ic)
                  sum += (int64_t(pixel[ic]) - inputZeroPoint) *
                         (int64_t(filter[ic]) - weightZp);
              }
            }
          }
          acc[((n * outH + oy) * outW + ox) * outC + oc] = int32_t(sum);
        }
}

/// Applies `stage` to `count` accumulators whose channel is index % channels.
void applyOutputStageTo(const OutputStage &stage, const int32_t *acc,
                        int64_t count, int64_t channels, uint8_t *out);

/// Runs any kernel description with plain loops. Operands as in Kernel::run
/// (sizes are the caller's responsibility here; the description must be
/// valid, see validateKernelDesc).
Status referenceExecute(const KernelDesc &desc, const void *input,
                        const void *other, void *output);

/// The int32 accumulators of a conv / depthwise / FC description (bias and
/// input zero point included), before its output stage.
void referenceAccumulate(const KernelDesc &desc, const uint8_t *input,
                         int32_t *acc);

/// The ConvGeometry of a conv / depthwise / FC description.
ConvGeometry convGeometry(const KernelDesc &desc);

} // namespace spaceevo::runtime

#endif // SPACEEVO_RUNTIME_REFERENCE_H
