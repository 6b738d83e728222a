//===- FloatExecutor.cpp - FP32 reference primitives and networks ---------===//
#include "spaceevo/exec/FloatExecutor.h"

#include "OneDnnFloat.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace spaceevo::exec {

using runtime::ActivationFunction;

//===----------------------------------------------------------------------===//
// Reference primitives
//===----------------------------------------------------------------------===//

ActivationFunction activationFunction(Activation act) {
  switch (act) {
  case Activation::None: return ActivationFunction::Identity;
  case Activation::ReLU: return ActivationFunction::ReLU;
  case Activation::ReLU6: return ActivationFunction::ReLU6;
  case Activation::Hswish: return ActivationFunction::Hswish;
  case Activation::Swish: return ActivationFunction::Swish;
  case Activation::Hsigmoid: return ActivationFunction::Hsigmoid;
  }
  return ActivationFunction::Identity;
}

void applyActivation(ActivationFunction function, float *values,
                     size_t count) {
  auto relu6 = [](float x) { return std::min(std::max(x, 0.0f), 6.0f); };
  switch (function) {
  case ActivationFunction::Identity:
    return;
  case ActivationFunction::ReLU:
    for (size_t i = 0; i < count; ++i)
      values[i] = std::max(values[i], 0.0f);
    return;
  case ActivationFunction::ReLU6:
    for (size_t i = 0; i < count; ++i)
      values[i] = relu6(values[i]);
    return;
  case ActivationFunction::Hswish:
    for (size_t i = 0; i < count; ++i)
      values[i] = values[i] * relu6(values[i] + 3.0f) * (1.0f / 6.0f);
    return;
  case ActivationFunction::Hsigmoid:
    for (size_t i = 0; i < count; ++i)
      values[i] = relu6(values[i] + 3.0f) * (1.0f / 6.0f);
    return;
  case ActivationFunction::Swish:
    for (size_t i = 0; i < count; ++i)
      values[i] = values[i] / (1.0f + std::exp(-values[i]));
    return;
  case ActivationFunction::Sigmoid:
    for (size_t i = 0; i < count; ++i)
      values[i] = 1.0f / (1.0f + std::exp(-values[i]));
    return;
  }
}

namespace {

int64_t outputSize(int64_t in, int64_t kernel, int64_t stride,
                   int64_t padding) {
  return (in + 2 * padding - kernel) / stride + 1;
}

/// OHWI -> HWIO, so the inner loop runs over output channels (contiguous in
/// both the accumulator and the weights: it vectorizes without reordering
/// a floating-point reduction).
std::vector<float> toHwio(const float *ohwi, int64_t outC, int64_t kernel,
                          int64_t inC) {
  std::vector<float> hwio(size_t(outC * kernel * kernel * inC));
  int64_t taps = kernel * kernel;
  for (int64_t oc = 0; oc < outC; ++oc)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t ic = 0; ic < inC; ++ic)
        hwio[size_t((t * inC + ic) * outC + oc)] =
            ohwi[size_t((oc * taps + t) * inC + ic)];
  return hwio;
}

/// A k x k window op: every output pixel's outC accumulators start at the
/// bias (or 0), then visit(acc, inputPixel, tap) runs for every tap that
/// lies inside the input (zero padding contributes nothing), taps in row
/// order.
template <class Visit>
Tensor slideWindow(const Tensor &input, int64_t outC, const float *bias,
                   int64_t kernel, int64_t stride, int64_t padding,
                   Visit visit) {
  const TensorShape in = input.shape;
  Tensor out({outputSize(in.height, kernel, stride, padding),
              outputSize(in.width, kernel, stride, padding), outC});
  for (int64_t oy = 0; oy < out.shape.height; ++oy)
    for (int64_t ox = 0; ox < out.shape.width; ++ox) {
      float *acc = &out.at(oy, ox, 0);
      for (int64_t oc = 0; oc < outC; ++oc)
        acc[oc] = bias ? bias[oc] : 0.0f;
      for (int64_t ky = 0; ky < kernel; ++ky) {
        int64_t iy = oy * stride + ky - padding;
        if (iy < 0 || iy >= in.height)
          continue;
        for (int64_t kx = 0; kx < kernel; ++kx) {
          int64_t ix = ox * stride + kx - padding;
          if (ix < 0 || ix >= in.width)
            continue;
          visit(acc, input.pixel(iy, ix), ky * kernel + kx);
        }
      }
    }
  return out;
}

Tensor convolveHwio(const Tensor &input, const float *hwio, const float *bias,
                    int64_t outC, int64_t kernel, int64_t stride,
                    int64_t padding) {
  const int64_t inC = input.shape.channels;
  return slideWindow(input, outC, bias, kernel, stride, padding,
                     [&](float *acc, const float *pixel, int64_t t) {
                       const float *tap = hwio + t * inC * outC;
                       for (int64_t ic = 0; ic < inC; ++ic) {
                         float x = pixel[ic];
                         const float *w = tap + ic * outC;
                         for (int64_t oc = 0; oc < outC; ++oc)
                           acc[oc] += x * w[oc];
                       }
                     });
}

} // namespace

Tensor convolve(const Tensor &input, const float *weights, const float *bias,
                int64_t outChannels, int64_t kernel, int64_t stride,
                int64_t padding) {
  std::vector<float> hwio =
      toHwio(weights, outChannels, kernel, input.shape.channels);
  return convolveHwio(input, hwio.data(), bias, outChannels, kernel, stride,
                      padding);
}

Tensor convolveDepthwise(const Tensor &input, const float *weights,
                         const float *bias, int64_t kernel, int64_t stride,
                         int64_t padding) {
  const int64_t channels = input.shape.channels;
  return slideWindow(input, channels, bias, kernel, stride, padding,
                     [&](float *acc, const float *pixel, int64_t t) {
                       const float *w = weights + t * channels;
                       for (int64_t c = 0; c < channels; ++c)
                         acc[c] += pixel[c] * w[c];
                     });
}

Tensor fullyConnect(const Tensor &input, const float *weights,
                    const float *bias, int64_t outChannels) {
  Tensor out({1, 1, outChannels});
  const int64_t inC = input.shape.elements();
  for (int64_t oc = 0; oc < outChannels; ++oc) {
    double sum = bias ? bias[oc] : 0.0;
    for (int64_t ic = 0; ic < inC; ++ic)
      sum += double(input.values[size_t(ic)]) * weights[oc * inC + ic];
    out.values[size_t(oc)] = float(sum);
  }
  return out;
}

Tensor globalAveragePool(const Tensor &input) {
  const int64_t channels = input.shape.channels;
  const int64_t pixels = input.shape.height * input.shape.width;
  std::vector<double> sums(size_t(channels), 0.0);
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t c = 0; c < channels; ++c)
      sums[size_t(c)] += input.values[size_t(p * channels + c)];
  Tensor out({1, 1, channels});
  for (int64_t c = 0; c < channels; ++c)
    out.values[size_t(c)] = float(sums[size_t(c)] / double(pixels));
  return out;
}

Tensor scaleChannels(const Tensor &input, const Tensor &scale) {
  Tensor out(input.shape);
  const size_t channels = size_t(input.shape.channels);
  for (size_t i = 0; i < out.values.size(); ++i)
    out.values[i] = input.values[i] * scale.values[i % channels];
  return out;
}

Tensor addTensors(const Tensor &a, const Tensor &b) {
  Tensor out(a.shape);
  for (size_t i = 0; i < out.values.size(); ++i)
    out.values[i] = a.values[i] + b.values[i];
  return out;
}

//===----------------------------------------------------------------------===//
// FloatNetwork
//===----------------------------------------------------------------------===//

std::string_view floatBackendName(FloatBackend backend) {
  return backend == FloatBackend::OneDnn ? "onednn" : "reference";
}

bool floatBackendAvailable(FloatBackend backend) {
  return backend == FloatBackend::Reference || detail::oneDnnFloatAvailable();
}

namespace {

bool hasWeights(PrimitiveKind kind) {
  return kind == PrimitiveKind::Conv || kind == PrimitiveKind::DepthwiseConv ||
         kind == PrimitiveKind::FullyConnected;
}

} // namespace

struct FloatNetwork::Impl {
  Expansion expansion;
  FloatBackend backend = FloatBackend::Reference;
  TensorShape inputShape;
  std::vector<FoldedParameters> folded;
  std::vector<std::vector<float>> hwio; ///< reference dense convs
  std::vector<size_t> lastUse;
  /// oneDNN: with the activation fused (plain runs) and without (observed
  /// runs, which need the pre-activation values; built on first use).
  std::vector<std::unique_ptr<detail::FloatConvPrimitive>> fusedConv, rawConv;

  bool fuses(size_t i) const {
    return fusedConv[i] &&
           activationFunction(expansion.ops[i].act) !=
               ActivationFunction::Identity;
  }

  Status computeOp(size_t i, const Tensor &a, const Tensor *b, bool observed,
                   Tensor &out) {
    const Primitive &op = expansion.ops[i];
    const FoldedParameters &p = folded[i];
    if (backend == FloatBackend::OneDnn && hasWeights(op.kind)) {
      // A fused primitive computes the pre-activation values too when the
      // op has no activation; otherwise observed runs need the raw one.
      bool identity =
          activationFunction(op.act) == ActivationFunction::Identity;
      detail::FloatConvPrimitive *conv = (!observed || identity)
                                             ? fusedConv[i].get()
                                             : nullptr;
      if (!conv)
        conv = rawConv[i].get();
      if (!conv) {
        auto created = detail::createOneDnnFloatConv(
            op, p, ActivationFunction::Identity);
        if (!created)
          return created.status();
        rawConv[i] = std::move(*created);
        conv = rawConv[i].get();
      }
      out = Tensor(primitiveOutputShape(op));
      return conv->run(a.values.data(), out.values.data());
    }
    switch (op.kind) {
    case PrimitiveKind::Conv:
      out = convolveHwio(a, hwio[i].data(), p.bias.data(), op.outChannels,
                         op.kernel, op.stride, op.padding);
      break;
    case PrimitiveKind::DepthwiseConv:
      out = convolveDepthwise(a, p.weights.data(), p.bias.data(), op.kernel,
                              op.stride, op.padding);
      break;
    case PrimitiveKind::FullyConnected:
      out = fullyConnect(a, p.weights.data(), p.bias.data(), op.outChannels);
      break;
    case PrimitiveKind::GlobalAvgPool:
      out = globalAveragePool(a);
      break;
    case PrimitiveKind::ChannelScale:
      out = scaleChannels(a, *b);
      break;
    case PrimitiveKind::Add:
      out = addTensors(a, *b);
      break;
    }
    return Status::success();
  }
};

FloatNetwork::FloatNetwork(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
FloatNetwork::FloatNetwork(FloatNetwork &&) noexcept = default;
FloatNetwork &FloatNetwork::operator=(FloatNetwork &&) noexcept = default;
FloatNetwork::~FloatNetwork() = default;

Expected<FloatNetwork> FloatNetwork::create(
    const Expansion &expansion, const ExpansionParameters &parameters,
    FloatBackend backend) {
  if (!floatBackendAvailable(backend))
    return Expected<FloatNetwork>::failure(
        "fp32 backend '" + std::string(floatBackendName(backend)) +
        "' is not available (lib/exec built without oneDNN)");
  if (auto s = validateExpansion(expansion); !s)
    return Expected<FloatNetwork>(s);
  auto folded = foldParameters(expansion, parameters);
  if (!folded)
    return Expected<FloatNetwork>(folded.status());
  auto impl = std::make_unique<Impl>();
  impl->expansion = expansion;
  impl->backend = backend;
  impl->inputShape = *expansionInputShape(expansion);
  impl->folded = std::move(*folded);
  impl->lastUse = lastUses(expansion);
  size_t count = expansion.ops.size();
  impl->hwio.resize(count);
  impl->fusedConv.resize(count);
  impl->rawConv.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const Primitive &op = expansion.ops[i];
    if (!hasWeights(op.kind))
      continue;
    if (backend == FloatBackend::OneDnn) {
      ActivationFunction act = activationFunction(op.act);
      bool fuse = detail::oneDnnCanFuse(act);
      auto conv = detail::createOneDnnFloatConv(
          op, impl->folded[i], fuse ? act : ActivationFunction::Identity);
      if (!conv)
        return Expected<FloatNetwork>(conv.status());
      (fuse ? impl->fusedConv[i] : impl->rawConv[i]) = std::move(*conv);
    } else if (op.kind == PrimitiveKind::Conv) {
      impl->hwio[i] = toHwio(impl->folded[i].weights.data(), op.outChannels,
                             op.kernel, op.inChannels);
    }
  }
  return FloatNetwork(std::move(impl));
}

Expected<Tensor> FloatNetwork::run(const Tensor &input) {
  auto outputs = runBatch({input});
  if (!outputs)
    return Expected<Tensor>(outputs.status());
  return std::move(outputs->front());
}

Expected<std::vector<Tensor>>
FloatNetwork::runBatch(const std::vector<Tensor> &inputs,
                       const FloatObserver *observer) {
  using Result = Expected<std::vector<Tensor>>;
  Impl &m = *impl_;
  for (const Tensor &t : inputs)
    if (t.shape != m.inputShape ||
        t.values.size() != size_t(t.shape.elements()))
      return Result::failure("fp32 input has the wrong shape or size (the "
                             "expansion reads " +
                             std::to_string(m.inputShape.channels) + "x" +
                             std::to_string(m.inputShape.height) + "x" +
                             std::to_string(m.inputShape.width) + ")");
  bool observed = observer && (observer->beforeActivation ||
                               observer->afterActivation);
  const size_t count = m.expansion.ops.size(), batch = inputs.size();
  // values[i][n]: output of op i for input n, freed after its last use.
  std::vector<std::vector<Tensor>> values(count);
  auto operand = [&](int index, size_t n) -> const Tensor & {
    return index == kExpansionInput ? inputs[n] : values[size_t(index)][n];
  };
  for (size_t i = 0; i < count; ++i) {
    const Primitive &op = m.expansion.ops[i];
    std::vector<Tensor> &out = values[i];
    out.resize(batch);
    for (size_t n = 0; n < batch; ++n) {
      const Tensor *other = op.other == kNoOperand ? nullptr
                                                   : &operand(op.other, n);
      if (auto s = m.computeOp(i, operand(op.input, n), other, observed,
                               out[n]);
          !s)
        return Result(s);
    }
    if (observer && observer->beforeActivation)
      observer->beforeActivation(i, out);
    if (observed || !m.fuses(i))
      for (Tensor &t : out)
        applyActivation(activationFunction(op.act), t.values.data(),
                        t.values.size());
    if (observer && observer->afterActivation)
      observer->afterActivation(i, out);
    for (int index : {op.input, op.other})
      if (index >= 0 && m.lastUse[size_t(index)] == i)
        std::vector<Tensor>().swap(values[size_t(index)]);
  }
  return std::move(values.back());
}

const Expansion &FloatNetwork::expansion() const { return impl_->expansion; }
TensorShape FloatNetwork::inputShape() const { return impl_->inputShape; }
TensorShape FloatNetwork::outputShape() const {
  return primitiveOutputShape(impl_->expansion.ops.back());
}
FloatBackend FloatNetwork::backend() const { return impl_->backend; }

//===----------------------------------------------------------------------===//
// Batch norm recalibration
//===----------------------------------------------------------------------===//

Status recalibrateBatchNorm(const Expansion &expansion,
                            ExpansionParameters &parameters,
                            const std::vector<Tensor> &inputs,
                            FloatBackend backend,
                            size_t minSamplesPerChannel) {
  if (inputs.empty())
    return Status::failure("batch norm recalibration needs at least one input");
  if (auto s = checkParameters(expansion, parameters); !s)
    return s;
  // Run with every batch norm neutral (the convolution's raw output), and
  // at each batch norm measure, store, then apply the real normalization
  // before the activation: later ops see the recalibrated network. Batch
  // norms with too few samples apply their drawn statistics instead.
  ExpansionParameters neutral = parameters;
  for (PrimitiveParameters &p : neutral.ops)
    if (p.batchNorm) {
      BatchNormParameters &bn = *p.batchNorm;
      std::fill(bn.gamma.begin(), bn.gamma.end(), 1.0f);
      std::fill(bn.beta.begin(), bn.beta.end(), 0.0f);
      std::fill(bn.mean.begin(), bn.mean.end(), 0.0f);
      std::fill(bn.variance.begin(), bn.variance.end(), 1.0f - bn.epsilon);
    }
  auto network = FloatNetwork::create(expansion, neutral, backend);
  if (!network)
    return network.status();
  FloatObserver observer;
  observer.beforeActivation = [&](size_t op, std::vector<Tensor> &outputs) {
    if (!parameters.ops[op].batchNorm)
      return;
    BatchNormParameters &bn = *parameters.ops[op].batchNorm;
    size_t channels = size_t(expansion.ops[op].outChannels);
    std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
    double count = 0;
    for (const Tensor &t : outputs) {
      for (size_t i = 0; i < t.values.size(); ++i) {
        double v = t.values[i];
        sum[i % channels] += v;
        squares[i % channels] += v * v;
      }
      count += double(t.values.size() / channels);
    }
    for (size_t c = 0; c < channels && count >= double(minSamplesPerChannel);
         ++c) {
      double mean = sum[c] / count;
      double variance = std::max(0.0, squares[c] / count - mean * mean);
      bn.mean[c] = float(mean);
      bn.variance[c] = float(variance);
    }
    for (Tensor &t : outputs)
      for (size_t i = 0; i < t.values.size(); ++i) {
        size_t c = i % channels;
        double scale = bn.gamma[c] / std::sqrt(double(bn.variance[c]) +
                                               bn.epsilon);
        t.values[i] = float((t.values[i] - bn.mean[c]) * scale + bn.beta[c]);
      }
  };
  auto outputs = network->runBatch(inputs, &observer);
  return outputs.status();
}

} // namespace spaceevo::exec
