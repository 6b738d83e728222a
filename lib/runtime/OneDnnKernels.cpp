//===- OneDnnKernels.cpp - oneDNN 2.6 conv / depthwise / FC kernels -------===//
//
// Design choice (see docs/runtime.md): oneDNN computes the convolution with
// an int32 destination and no output scales; the TOSA output stage is
// applied afterwards by our own integer epilogue (Halide-generated when
// available). oneDNN's fused requantization (set_output_scales + eltwise
// post-ops) converts the accumulator to float, multiplies by a float scale
// and rounds half to even: for accumulators above 2^24 and for ties that
// cannot equal TOSA's integer (multiplier, shift) rounding, so it cannot be
// bit-exact with the reference. The int32 path is exact by construction.
//
// The input zero point is handled without padding the input: -zp * sum(w)
// is folded into the bias and BorderCorrection adds back the padded taps.
//
//===----------------------------------------------------------------------===//

#include "Backends.h"
#include "spaceevo/runtime/Reference.h"

#include <dnnl.hpp>

#include <optional>
#include <string>

namespace spaceevo::runtime::detail {

bool oneDnnSupports(OpKind kind) {
  return kind == OpKind::Conv2D || kind == OpKind::DepthwiseConv2D ||
         kind == OpKind::FullyConnected;
}

namespace {

using dnnl::memory;
using Dims = memory::dims;

class OneDnnConvKernel final : public KernelBase {
public:
  OneDnnConvKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::OneDnn, outputShape),
        engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

  /// Creates the primitive and packs the weights (may throw dnnl::error).
  void build() {
    const KernelDesc &d = desc();
    Shape4 out = outputShape();
    const int64_t inC = d.input.c, outC = out.c, k = d.kernel;
    bool depthwise = d.kind == OpKind::DepthwiseConv2D;

    memory::desc weightsUserMd;
    if (d.kind == OpKind::FullyConnected) {
      srcMd_ = memory::desc({d.input.n, inC}, memory::data_type::u8,
                            memory::format_tag::nc);
      dstMd_ = memory::desc({out.n, outC}, memory::data_type::s32,
                            memory::format_tag::nc);
      weightsUserMd = memory::desc({outC, inC}, memory::data_type::s8,
                                   memory::format_tag::oi);
      memory::desc weightsAnyMd({outC, inC}, memory::data_type::s8,
                                memory::format_tag::any);
      dnnl::inner_product_forward::desc opDesc(
          dnnl::prop_kind::forward_inference, srcMd_, weightsAnyMd, dstMd_);
      dnnl::inner_product_forward::primitive_desc pd(opDesc, engine_);
      packWeights(weightsUserMd, pd.weights_desc());
      primitive_ = dnnl::inner_product_forward(pd);
      implementation_ = pd.impl_info_str();
    } else {
      srcMd_ = memory::desc({d.input.n, inC, d.input.h, d.input.w},
                            memory::data_type::u8, memory::format_tag::nhwc);
      dstMd_ = memory::desc({out.n, outC, out.h, out.w},
                            memory::data_type::s32, memory::format_tag::nhwc);
      memory::desc weightsAnyMd;
      if (depthwise) {
        // Groups = channels; our [kh][kw][c] is oneDNN's hwigo.
        Dims dims{inC, 1, 1, k, k};
        weightsUserMd = memory::desc(dims, memory::data_type::s8,
                                     memory::format_tag::hwigo);
        weightsAnyMd = memory::desc(dims, memory::data_type::s8,
                                    memory::format_tag::any);
      } else {
        Dims dims{outC, inC, k, k};
        weightsUserMd = memory::desc(dims, memory::data_type::s8,
                                     memory::format_tag::ohwi);
        weightsAnyMd = memory::desc(dims, memory::data_type::s8,
                                    memory::format_tag::any);
      }
      dnnl::convolution_forward::desc opDesc(
          dnnl::prop_kind::forward_inference,
          dnnl::algorithm::convolution_direct, srcMd_, weightsAnyMd, dstMd_,
          Dims{d.stride, d.stride}, Dims{d.padding.top, d.padding.left},
          Dims{d.padding.bottom, d.padding.right});
      dnnl::convolution_forward::primitive_desc pd(opDesc, engine_);
      packWeights(weightsUserMd, pd.weights_desc());
      primitive_ = dnnl::convolution_forward(pd);
      implementation_ = pd.impl_info_str();
      border_ = BorderCorrection(d);
    }
    srcMem_ = memory(srcMd_, engine_, nullptr);
    dstMem_ = memory(dstMd_, engine_, nullptr);

    effectiveBias_ = effectiveBias(d, outC, depthwise);
    if (!d.output.int32Output) {
      accumulators_.resize(size_t(out.elements()));
      if (cpuHasAvx512Vnni())
        fastEpilogue_.emplace(makeVnniRequant(d.output, effectiveBias_, outC));
      for (int64_t c = 0; c < outC; ++c) {
        size_t index = d.output.multiplier.size() == 1 ? 0 : size_t(c);
        multipliers_.push_back(d.output.multiplier[index]);
        shifts_.push_back(d.output.shift[index]);
      }
    }
  }

  std::string implementationName() const override {
    return "onednn:" + implementation_;
  }

protected:
  Status execute(const void *input, const void *, void *output) override {
    const KernelDesc &d = desc();
    Shape4 out = outputShape();
    int32_t *acc = d.output.int32Output ? static_cast<int32_t *>(output)
                                        : accumulators_.data();
    try {
      srcMem_.set_data_handle(const_cast<void *>(input));
      dstMem_.set_data_handle(acc);
      primitive_.execute(stream_, {{DNNL_ARG_SRC, srcMem_},
                                   {DNNL_ARG_WEIGHTS, packedWeights_},
                                   {DNNL_ARG_DST, dstMem_}});
      stream_.wait();
    } catch (const dnnl::error &e) {
      return Status::failure(std::string("oneDNN execution failed: ") +
                             e.what());
    }
    border_.apply(acc);
    const int64_t pixels = out.n * out.h * out.w, channels = out.c;
    if (d.output.int32Output) {
      for (int64_t p = 0; p < pixels; ++p)
        for (int64_t c = 0; c < channels; ++c)
          acc[p * channels + c] += effectiveBias_[size_t(c)];
      return Status::success();
    }
    auto out8 = static_cast<uint8_t *>(output);
    if (fastEpilogue_) { // AVX-512, table fused
      vnniRequantize(*fastEpilogue_, acc, pixels, out8);
      return Status::success();
    }
    if (halideRequantizeInt32(acc, effectiveBias_.data(), pixels, channels,
                              d.output, multipliers_, shifts_, out8)) {
      if (d.output.table &&
          !halideTableInPlace(*d.output.table, out8, pixels * channels))
        return Status::failure("Halide table lookup failed");
      return Status::success();
    }
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < channels; ++c) {
        int64_t i = p * channels + c;
        out8[i] = applyOutputStage(
            d.output, int64_t(acc[i]) + effectiveBias_[size_t(c)], c);
      }
    return Status::success();
  }

private:
  void packWeights(const memory::desc &userMd, const memory::desc &packedMd) {
    memory user(userMd, engine_, const_cast<int8_t *>(desc().weights.data()));
    packedWeights_ = memory(packedMd, engine_);
    dnnl::reorder(user, packedWeights_).execute(stream_, user, packedWeights_);
    stream_.wait();
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive primitive_;
  memory::desc srcMd_, dstMd_;
  memory srcMem_, dstMem_, packedWeights_;
  BorderCorrection border_;
  std::vector<int32_t> effectiveBias_, accumulators_, multipliers_, shifts_;
  std::optional<VnniRequant> fastEpilogue_;
  std::string implementation_;
};

} // namespace

Expected<std::unique_ptr<Kernel>> createOneDnnKernel(const KernelDesc &desc,
                                                     Shape4 outputShape) {
  using Result = Expected<std::unique_ptr<Kernel>>;
  try {
    auto kernel = std::make_unique<OneDnnConvKernel>(desc, outputShape);
    kernel->build();
    return Result(std::unique_ptr<Kernel>(std::move(kernel)));
  } catch (const dnnl::error &e) {
    return Result::failure(std::string("oneDNN could not build ") +
                           std::string(opKindName(desc.kind)) + ": " +
                           e.what());
  }
}

} // namespace spaceevo::runtime::detail
