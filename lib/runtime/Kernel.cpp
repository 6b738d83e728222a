//===- Kernel.cpp - Kernel validation, factory and reference kernels ------===//

#include "spaceevo/runtime/Kernel.h"

#include "Backends.h"
#include "spaceevo/runtime/Reference.h"

#include <algorithm>
#include <climits>
#include <string>

namespace spaceevo::runtime {

std::string_view opKindName(OpKind kind) {
  switch (kind) {
  case OpKind::Conv2D: return "conv2d";
  case OpKind::DepthwiseConv2D: return "depthwise_conv2d";
  case OpKind::FullyConnected: return "fully_connected";
  case OpKind::GlobalAvgPool: return "global_avg_pool";
  case OpKind::Add: return "add";
  case OpKind::ChannelScale: return "channel_scale";
  case OpKind::Rescale: return "rescale";
  case OpKind::Table: return "table";
  }
  return "unknown";
}

std::string_view backendName(Backend backend) {
  switch (backend) {
  case Backend::Reference: return "reference";
  case Backend::OneDnn: return "onednn";
  case Backend::Halide: return "halide";
  case Backend::Vnni: return "vnni";
  }
  return "unknown";
}

namespace {

// Keeps every index product far from int64 overflow and every buffer size
// representable; real layers are many orders of magnitude smaller.
constexpr int64_t kMaxDim = int64_t(1) << 24;
constexpr int64_t kMaxElements = int64_t(1) << 34;

std::string shapeString(const Shape4 &s) {
  return std::to_string(s.n) + "x" + std::to_string(s.h) + "x" +
         std::to_string(s.w) + "x" + std::to_string(s.c);
}

Status checkShape(const Shape4 &s, const char *what) {
  if (s.n <= 0 || s.h <= 0 || s.w <= 0 || s.c <= 0)
    return Status::failure(std::string(what) + " shape " + shapeString(s) +
                           " (NHWC) has a zero or negative dimension");
  if (s.n > kMaxDim || s.h > kMaxDim || s.w > kMaxDim || s.c > kMaxDim ||
      s.elements() > kMaxElements)
    return Status::failure(std::string(what) + " shape " + shapeString(s) +
                           " is too large");
  return Status::success();
}

Status checkZeroPoint(int32_t zp, const char *what) {
  if (zp < 0 || zp > 255)
    return Status::failure(std::string(what) + " zero point " +
                           std::to_string(zp) + " outside uint8 [0, 255]");
  return Status::success();
}

Status checkConvLike(const KernelDesc &d) {
  bool fc = d.kind == OpKind::FullyConnected;
  bool depthwise = d.kind == OpKind::DepthwiseConv2D;
  const char *name = fc ? "fully_connected"
                        : depthwise ? "depthwise_conv2d" : "conv2d";
  if (auto s = checkZeroPoint(d.inputZeroPoint, "input"); !s)
    return s;
  int64_t outC = depthwise ? d.input.c : d.outChannels;
  if (outC <= 0 || outC > kMaxDim)
    return Status::failure(std::string(name) + ": output channels " +
                           std::to_string(outC) + " must be positive");
  int64_t taps = 1;
  if (fc) {
    if (d.input.h != 1 || d.input.w != 1)
      return Status::failure("fully_connected: input must be n x 1 x 1 x C, "
                             "got " + shapeString(d.input));
  } else {
    bool kernelOk = depthwise ? (d.kernel == 3 || d.kernel == 5 ||
                                 d.kernel == 7)
                              : (d.kernel == 1 || d.kernel == 3 ||
                                 d.kernel == 5 || d.kernel == 7);
    if (!kernelOk)
      return Status::failure(std::string(name) + ": unsupported kernel size " +
                             std::to_string(d.kernel) +
                             (depthwise ? " (supported: 3, 5, 7)"
                                        : " (supported: 1, 3, 5, 7)"));
    if (d.stride != 1 && d.stride != 2)
      return Status::failure(std::string(name) + ": unsupported stride " +
                             std::to_string(d.stride) + " (supported: 1, 2)");
    const Padding &p = d.padding;
    if (p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0 ||
        p.top >= d.kernel || p.bottom >= d.kernel || p.left >= d.kernel ||
        p.right >= d.kernel)
      return Status::failure(std::string(name) +
                             ": padding must be in [0, kernel - 1] per side");
    if (d.input.h + p.top + p.bottom < d.kernel ||
        d.input.w + p.left + p.right < d.kernel)
      return Status::failure(std::string(name) + ": kernel " +
                             std::to_string(d.kernel) +
                             " does not fit the padded input " +
                             shapeString(d.input));
    taps = d.kernel * d.kernel;
  }
  int64_t reduction = depthwise ? taps : taps * d.input.c;
  // |(q - zp) * w| <= 255 * 128 per product: the whole sum plus the bias
  // must fit the int32 accumulator (also every intermediate of the oneDNN
  // path, which adds the zero-point correction separately).
  int64_t maxBias = 0;
  for (int32_t b : d.bias)
    maxBias = std::max<int64_t>(maxBias, b < 0 ? -int64_t(b) : int64_t(b));
  if (reduction * 255 * 128 + maxBias > INT32_MAX)
    return Status::failure(std::string(name) + ": reduction of " +
                           std::to_string(reduction) +
                           " products (and the bias) could overflow the "
                           "int32 accumulator");
  int64_t expectedWeights = depthwise ? taps * outC : reduction * outC;
  if (int64_t(d.weights.size()) != expectedWeights)
    return Status::failure(std::string(name) + ": expected " +
                           std::to_string(expectedWeights) + " weights, got " +
                           std::to_string(d.weights.size()));
  if (!d.bias.empty() && int64_t(d.bias.size()) != outC)
    return Status::failure(std::string(name) + ": expected " +
                           std::to_string(outC) + " biases (or none), got " +
                           std::to_string(d.bias.size()));
  return validateOutputStage(d.output, outC);
}

Status checkAddScale(const AddInputScale &s, const char *what) {
  if (auto z = checkZeroPoint(s.zeroPoint, what); !z)
    return z;
  if (s.multiplier < 0 || s.shift < 2 || s.shift > 62)
    return Status::failure(std::string("add: ") + what +
                           " scale needs multiplier >= 0 and shift in [2, 62]");
  return Status::success();
}

} // namespace

Expected<Shape4> kernelOutputShape(const KernelDesc &d) {
  if (auto s = checkShape(d.input, "input"); !s)
    return Expected<Shape4>(s);
  switch (d.kind) {
  case OpKind::Conv2D:
  case OpKind::DepthwiseConv2D:
  case OpKind::FullyConnected: {
    if (auto s = checkConvLike(d); !s)
      return Expected<Shape4>(s);
    return convGeometry(d).outputShape();
  }
  case OpKind::GlobalAvgPool:
    if (auto s = checkZeroPoint(d.inputZeroPoint, "input"); !s)
      return Expected<Shape4>(s);
    if (d.input.h * d.input.w > (int64_t(1) << 22))
      return Expected<Shape4>::failure("global_avg_pool: too many pixels");
    if (auto s = validateOutputStage(d.output, d.input.c); !s)
      return Expected<Shape4>(s);
    return Shape4{d.input.n, 1, 1, d.input.c};
  case OpKind::Add:
    if (d.output.int32Output)
      return Expected<Shape4>::failure("add: int32 output is not supported");
    if (auto s = checkAddScale(d.addInput, "input"); !s)
      return Expected<Shape4>(s);
    if (auto s = checkAddScale(d.addOther, "other"); !s)
      return Expected<Shape4>(s);
    if (auto s = validateOutputStage(d.output, d.input.c); !s)
      return Expected<Shape4>(s);
    return d.input;
  case OpKind::ChannelScale:
    if (d.output.int32Output)
      return Expected<Shape4>::failure(
          "channel_scale: int32 output is not supported");
    if (auto s = checkZeroPoint(d.inputZeroPoint, "input"); !s)
      return Expected<Shape4>(s);
    if (auto s = checkZeroPoint(d.otherZeroPoint, "scale"); !s)
      return Expected<Shape4>(s);
    if (auto s = validateOutputStage(d.output, d.input.c); !s)
      return Expected<Shape4>(s);
    return d.input;
  case OpKind::Rescale:
    if (d.output.int32Output)
      return Expected<Shape4>::failure("rescale: int32 output is not supported");
    if (d.int32Input && d.inputZeroPoint != 0)
      return Expected<Shape4>::failure(
          "rescale: an int32 input must have zero point 0 (TOSA)");
    if (auto s = checkZeroPoint(d.inputZeroPoint, "input"); !s)
      return Expected<Shape4>(s);
    if (auto s = validateOutputStage(d.output, d.input.c); !s)
      return Expected<Shape4>(s);
    return d.input;
  case OpKind::Table:
    return d.input;
  }
  return Expected<Shape4>::failure("unknown op kind");
}

Status validateKernelDesc(const KernelDesc &desc) {
  return kernelOutputShape(desc).status();
}

KernelDesc makeConvDesc(Shape4 input, int64_t outChannels, int64_t kernel,
                        int64_t stride, std::vector<int8_t> weights,
                        std::vector<int32_t> bias, int32_t inputZeroPoint,
                        OutputStage output) {
  KernelDesc d;
  d.kind = OpKind::Conv2D;
  d.input = input;
  d.outChannels = outChannels;
  d.kernel = kernel;
  d.stride = stride;
  d.padding = Padding::same(kernel);
  d.weights = std::move(weights);
  d.bias = std::move(bias);
  d.inputZeroPoint = inputZeroPoint;
  d.output = std::move(output);
  return d;
}

KernelDesc makeDepthwiseDesc(Shape4 input, int64_t kernel, int64_t stride,
                             std::vector<int8_t> weights,
                             std::vector<int32_t> bias, int32_t inputZeroPoint,
                             OutputStage output) {
  KernelDesc d = makeConvDesc(input, input.c, kernel, stride,
                              std::move(weights), std::move(bias),
                              inputZeroPoint, std::move(output));
  d.kind = OpKind::DepthwiseConv2D;
  return d;
}

KernelDesc makeFullyConnectedDesc(int64_t batch, int64_t inChannels,
                                  int64_t outChannels,
                                  std::vector<int8_t> weights,
                                  std::vector<int32_t> bias,
                                  int32_t inputZeroPoint, OutputStage output) {
  KernelDesc d = makeConvDesc({batch, 1, 1, inChannels}, outChannels, 1, 1,
                              std::move(weights), std::move(bias),
                              inputZeroPoint, std::move(output));
  d.kind = OpKind::FullyConnected;
  d.padding = {};
  return d;
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

Kernel::~Kernel() = default;

std::string Kernel::implementationName() const {
  return std::string(backendName(backend_));
}

size_t Kernel::inputBytes() const {
  size_t elementSize =
      desc_.kind == OpKind::Rescale && desc_.int32Input ? 4 : 1;
  return size_t(desc_.input.elements()) * elementSize;
}

size_t Kernel::otherBytes() const {
  if (desc_.kind == OpKind::Add)
    return size_t(desc_.input.elements());
  if (desc_.kind == OpKind::ChannelScale)
    return size_t(desc_.input.n * desc_.input.c);
  return 0;
}

size_t Kernel::outputBytes() const {
  bool int32Out = desc_.output.int32Output &&
                  (desc_.kind == OpKind::Conv2D ||
                   desc_.kind == OpKind::DepthwiseConv2D ||
                   desc_.kind == OpKind::FullyConnected ||
                   desc_.kind == OpKind::GlobalAvgPool);
  return size_t(outputShape_.elements()) * (int32Out ? 4 : 1);
}

Status Kernel::run(ConstBuffer input, ConstBuffer other,
                   MutableBuffer output) {
  auto check = [](const void *data, size_t got, size_t want,
                  const char *what) -> Status {
    if (want == 0)
      return Status::success();
    if (!data)
      return Status::failure(std::string(what) + " buffer is null");
    if (got != want)
      return Status::failure(std::string(what) + " buffer has " +
                             std::to_string(got) + " bytes, the kernel needs " +
                             std::to_string(want));
    return Status::success();
  };
  if (auto s = check(input.data, input.bytes, inputBytes(), "input"); !s)
    return s;
  if (auto s = check(other.data, other.bytes, otherBytes(), "other"); !s)
    return s;
  if (auto s = check(output.data, output.bytes, outputBytes(), "output"); !s)
    return s;
  return execute(input.data, other.data, output.data);
}

namespace {

class ReferenceKernel final : public detail::KernelBase {
public:
  ReferenceKernel(KernelDesc desc, Shape4 outputShape)
      : KernelBase(std::move(desc), Backend::Reference, outputShape) {}

protected:
  Status execute(const void *input, const void *other,
                 void *output) override {
    return referenceExecute(desc(), input, other, output);
  }
};

} // namespace

bool backendSupports(Backend backend, OpKind kind) {
  switch (backend) {
  case Backend::Reference:
    return true;
  case Backend::OneDnn:
#ifdef SPACEEVO_RUNTIME_HAVE_DNNL
    return detail::oneDnnSupports(kind);
#else
    return false;
#endif
  case Backend::Halide:
#ifdef SPACEEVO_RUNTIME_HAVE_HALIDE
    return detail::halideSupports(kind);
#else
    return false;
#endif
  case Backend::Vnni:
    return detail::vnniSupports(kind);
  }
  return false;
}

Expected<std::unique_ptr<Kernel>> createKernel(const KernelDesc &desc,
                                               Backend backend) {
  using Result = Expected<std::unique_ptr<Kernel>>;
  auto shape = kernelOutputShape(desc);
  if (!shape)
    return Result::failure(std::string(opKindName(desc.kind)) + ": " +
                           shape.error());
  if (!backendSupports(backend, desc.kind))
    return Result::failure(std::string(backendName(backend)) +
                           " backend does not implement " +
                           std::string(opKindName(desc.kind)) +
                           " (or was not built)");
  switch (backend) {
  case Backend::Reference:
    return Result(std::unique_ptr<Kernel>(new ReferenceKernel(desc, *shape)));
  case Backend::OneDnn:
#ifdef SPACEEVO_RUNTIME_HAVE_DNNL
    return detail::createOneDnnKernel(desc, *shape);
#else
    break;
#endif
  case Backend::Halide:
#ifdef SPACEEVO_RUNTIME_HAVE_HALIDE
    return detail::createHalideKernel(desc, *shape);
#else
    break;
#endif
  case Backend::Vnni:
    return detail::createVnniKernel(desc, *shape);
  }
  return Result::failure("backend not built");
}

} // namespace spaceevo::runtime

#ifndef SPACEEVO_RUNTIME_HAVE_HALIDE
// Without Halide the oneDNN epilogue falls back to the reference loop.
namespace spaceevo::runtime::detail {
bool halideRequantizeInt32(const int32_t *, const int32_t *, int64_t, int64_t,
                           const OutputStage &, const std::vector<int32_t> &,
                           const std::vector<int32_t> &, uint8_t *) {
  return false;
}
bool halideTableInPlace(const LookupTable &, uint8_t *, int64_t) {
  return false;
}
} // namespace spaceevo::runtime::detail
#endif

namespace spaceevo::runtime::detail {
std::vector<int32_t> effectiveBias(const KernelDesc &d, int64_t outC,
                                   bool depthwise) {
  std::vector<int32_t> bias(size_t(outC), 0);
  int64_t perChannel = int64_t(d.weights.size()) / outC;
  for (int64_t c = 0; c < outC; ++c) {
    int64_t sum = 0;
    for (int64_t i = 0; i < perChannel; ++i)
      sum += depthwise ? d.weights[size_t(i * outC + c)]
                       : d.weights[size_t(c * perChannel + i)];
    int64_t b = d.bias.empty() ? 0 : d.bias[size_t(c)];
    bias[size_t(c)] = int32_t(b - d.inputZeroPoint * sum);
  }
  return bias;
}
} // namespace spaceevo::runtime::detail
