//===- OneDnnFloat.cpp - oneDNN 2.6 fp32 convolutions ---------------------===//
//
// The FP32 baseline a user would deploy: oneDNN's own fp32 kernels with the
// bias and the activation fused (ReLU, ReLU6 as clip, Hswish, Swish). Only
// compiled with SPACEEVO_EXEC_HAVE_DNNL; otherwise the stubs at the end
// report oneDNN as unavailable.
//
//===----------------------------------------------------------------------===//
#include "OneDnnFloat.h"

#ifdef SPACEEVO_EXEC_HAVE_DNNL
#include <dnnl.hpp>
#endif

namespace spaceevo::exec::detail {

FloatConvPrimitive::~FloatConvPrimitive() = default;

#ifdef SPACEEVO_EXEC_HAVE_DNNL

namespace {

using dnnl::memory;
using Dims = memory::dims;
using runtime::ActivationFunction;

class OneDnnFloatConv final : public FloatConvPrimitive {
public:
  OneDnnFloatConv() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

  /// May throw dnnl::error; the factory converts it to a message.
  void build(const Primitive &op, const FoldedParameters &params,
             ActivationFunction fused) {
    const int64_t inC = op.inChannels, outC = op.outChannels, k = op.kernel;
    bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
    auto f32 = memory::data_type::f32;
    memory::desc srcMd({1, inC, op.inHeight, op.inWidth}, f32,
                       memory::format_tag::nhwc);
    memory::desc dstMd({1, outC, op.outHeight, op.outWidth}, f32,
                       memory::format_tag::nhwc);
    memory::desc biasMd({outC}, f32, memory::format_tag::x);
    memory::desc userWeightsMd, anyWeightsMd;
    if (depthwise) {
      Dims dims{outC, 1, 1, k, k}; // our [k][k][c] is oneDNN's hwigo
      userWeightsMd = memory::desc(dims, f32, memory::format_tag::hwigo);
      anyWeightsMd = memory::desc(dims, f32, memory::format_tag::any);
    } else {
      Dims dims{outC, inC, k, k}; // FC is a 1x1 conv on the 1x1 map
      userWeightsMd = memory::desc(dims, f32, memory::format_tag::ohwi);
      anyWeightsMd = memory::desc(dims, f32, memory::format_tag::any);
    }
    // Same padding on both sides: oneDNN's output size uses the same floor
    // rule, so the unread last row of a strided conv is no problem.
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference,
        dnnl::algorithm::convolution_direct, srcMd, anyWeightsMd, biasMd,
        dstMd, Dims{op.stride, op.stride}, Dims{op.padding, op.padding},
        Dims{op.padding, op.padding});
    dnnl::primitive_attr attr;
    dnnl::post_ops postOps;
    switch (fused) {
    case ActivationFunction::ReLU:
      postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case ActivationFunction::ReLU6:
      postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, 6.0f);
      break;
    case ActivationFunction::Hswish:
      postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_hardswish, 0.0f,
                             0.0f);
      break;
    case ActivationFunction::Swish:
      postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);
      break;
    default:
      break;
    }
    attr.set_post_ops(postOps);
    dnnl::convolution_forward::primitive_desc pd(desc, attr, engine_);
    // Pack the weights once into the layout the primitive chose.
    memory user(userWeightsMd, engine_,
                const_cast<float *>(params.weights.data()));
    weights_ = memory(pd.weights_desc(), engine_);
    dnnl::reorder(user, weights_).execute(stream_, user, weights_);
    bias_ = memory(biasMd, engine_);
    std::copy(params.bias.begin(), params.bias.end(),
              static_cast<float *>(bias_.get_data_handle()));
    stream_.wait();
    src_ = memory(srcMd, engine_, nullptr);
    dst_ = memory(dstMd, engine_, nullptr);
    primitive_ = dnnl::convolution_forward(pd);
  }

  Status run(const float *src, float *dst) override {
    try {
      src_.set_data_handle(const_cast<float *>(src));
      dst_.set_data_handle(dst);
      primitive_.execute(stream_, {{DNNL_ARG_SRC, src_},
                                   {DNNL_ARG_WEIGHTS, weights_},
                                   {DNNL_ARG_BIAS, bias_},
                                   {DNNL_ARG_DST, dst_}});
      stream_.wait();
    } catch (const dnnl::error &e) {
      return Status::failure(std::string("oneDNN fp32 conv: ") + e.what());
    }
    return Status::success();
  }

private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::convolution_forward primitive_;
  memory weights_, bias_, src_, dst_;
};

} // namespace

bool oneDnnFloatAvailable() { return true; }

bool oneDnnCanFuse(runtime::ActivationFunction function) {
  switch (function) {
  case ActivationFunction::Identity:
  case ActivationFunction::ReLU:
  case ActivationFunction::ReLU6:
  case ActivationFunction::Hswish:
  case ActivationFunction::Swish:
    return true;
  default:
    return false;
  }
}

Expected<std::unique_ptr<FloatConvPrimitive>>
createOneDnnFloatConv(const Primitive &op, const FoldedParameters &params,
                      runtime::ActivationFunction fused) {
  using Result = Expected<std::unique_ptr<FloatConvPrimitive>>;
  if (!oneDnnCanFuse(fused))
    return Result::failure("oneDNN fp32: cannot fuse this activation");
  auto conv = std::make_unique<OneDnnFloatConv>();
  try {
    conv->build(op, params, fused);
  } catch (const dnnl::error &e) {
    return Result::failure("oneDNN fp32 conv '" + op.role +
                           "': " + e.what());
  }
  return Result(std::unique_ptr<FloatConvPrimitive>(std::move(conv)));
}

#else // !SPACEEVO_EXEC_HAVE_DNNL

bool oneDnnFloatAvailable() { return false; }
bool oneDnnCanFuse(runtime::ActivationFunction) { return false; }
Expected<std::unique_ptr<FloatConvPrimitive>>
createOneDnnFloatConv(const Primitive &, const FoldedParameters &,
                      runtime::ActivationFunction) {
  return Expected<std::unique_ptr<FloatConvPrimitive>>::failure(
      "lib/exec was built without oneDNN");
}

#endif

} // namespace spaceevo::exec::detail
