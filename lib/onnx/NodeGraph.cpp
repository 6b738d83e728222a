//===- NodeGraph.cpp - ONNX quantized operators on the reference cores ----===//
//
// Each node runs on lib/runtime's reference code: the accumulation of every
// convolution and matmul is convAccumulate (the template the INT8 kernels
// are checked against), quantization and dequantization are the runtime's
// quantizeValue / dequantizeValue. Only the layout glue (NCHW <-> NHWC,
// matmul as a 1xM image of K channels) lives here.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/onnx/NodeGraph.h"

#include "Reader.h"
#include "spaceevo/onnx/Onnx.h"
#include "spaceevo/runtime/Reference.h"

#include <cmath>
#include <set>

namespace spaceevo::onnx {

using runtime::ConvGeometry;

namespace {

struct OpSpec {
  const char *opType;
  size_t minInputs, maxInputs;
};
constexpr OpSpec kSupported[] = {
    {"QuantizeLinear", 2, 3}, {"DequantizeLinear", 2, 3},
    {"QLinearConv", 8, 9},    {"ConvInteger", 2, 4},
    {"QLinearMatMul", 8, 8},  {"MatMulInteger", 2, 4},
    {"Identity", 1, 1},
};

const OpSpec *findSpec(const OnnxNode &node) {
  if (!node.domain.empty())
    return nullptr;
  for (const OpSpec &spec : kSupported)
    if (node.opType == spec.opType)
      return &spec;
  return nullptr;
}

bool isEightBit(int type) {
  return type == OnnxTensor::Uint8 || type == OnnxTensor::Int8;
}

/// Errors of one node, prefixed with its label.
class NodeRun {
public:
  NodeRun(const OnnxNode &node, std::map<std::string, OnnxTensor> &env,
          Requantization requantization)
      : node_(node), env_(env), requantization_(requantization) {}

  Status run();

private:
  Status fail(const std::string &why) const {
    return Status::failure("node " + node_.label + ": " + why);
  }
  /// Input `i`, or null when omitted.
  const OnnxTensor *input(size_t i) const {
    if (i >= node_.inputs.size() || node_.inputs[i].empty())
      return nullptr;
    auto it = env_.find(node_.inputs[i]);
    return it == env_.end() ? nullptr : &it->second;
  }
  std::string inputName(size_t i) const {
    return "input " + std::to_string(i) +
           (i < node_.inputs.size() ? " '" + node_.inputs[i] + "'" : "");
  }
  Status requireType(size_t i, bool ok, const char *want) const {
    const OnnxTensor *t = input(i);
    if (!t)
      return fail(inputName(i) + " is missing");
    if (!ok)
      return fail(inputName(i) + " must be " + want + ", got " +
                  tensorTypeName(t->type));
    return Status::success();
  }
  void setOutput(OnnxTensor t) { env_[node_.outputs[0]] = std::move(t); }

  /// Per-tensor (one value) or per-`axis` parameters for `x`.
  Status perAxis(const OnnxTensor &x, const OnnxTensor &params,
                 int64_t axis, const char *what) const;
  Status quantizeLinear();
  Status dequantizeLinear();
  Status conv(bool qlinear);
  Status matmul(bool qlinear);
  Status finishAccumulation(const std::vector<int32_t> &acc,
                            std::vector<int64_t> dims, bool qlinear,
                            int64_t channels, int64_t inner, const char *lhs,
                            const char *rhs);
  /// Requantizes int32 accumulators (channel = index / inner % channels)
  /// into the type of `yZp` (uint8 when null).
  Status requantize(const std::vector<int32_t> &acc,
                    const std::vector<int64_t> &dims, int64_t channels,
                    int64_t inner, const std::vector<float> &scales,
                    const OnnxTensor *yZp);

  const OnnxNode &node_;
  std::map<std::string, OnnxTensor> &env_;
  Requantization requantization_;
};

int64_t normalizeAxis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + int64_t(rank) : axis;
}

/// Stride (in elements) of `axis` and its extent.
int64_t innerSize(const std::vector<int64_t> &dims, int64_t axis) {
  int64_t inner = 1;
  for (size_t d = size_t(axis) + 1; d < dims.size(); ++d)
    inner *= dims[d];
  return inner;
}

/// Which per-axis parameter (scale, zero point) element i of a tensor of
/// `dims` uses along `axis`; always 0 when there is one per tensor.
class PerAxisIndex {
public:
  PerAxisIndex(const std::vector<int64_t> &dims, int64_t axis, int64_t count)
      : count_(count), inner_(count == 1 ? 1 : innerSize(dims, axis)) {}
  size_t operator()(size_t i) const {
    return count_ == 1 ? 0 : size_t((int64_t(i) / inner_) % count_);
  }

private:
  int64_t count_, inner_;
};

Status NodeRun::perAxis(const OnnxTensor &x, const OnnxTensor &params,
                        int64_t axis, const char *what) const {
  if (params.elements() == 1 && params.dims.size() <= 1)
    return Status::success();
  if (params.dims.size() != 1)
    return fail(std::string(what) + " must be a scalar or 1-D, got " +
                dimsText(params.dims));
  if (axis < 0 || axis >= int64_t(x.dims.size()))
    return fail("axis " + std::to_string(axis) + " is outside rank " +
                std::to_string(x.dims.size()));
  if (params.dims[0] != x.dims[size_t(axis)])
    return fail(std::string(what) + " has " + std::to_string(params.dims[0]) +
                " values for axis " + std::to_string(axis) + " of size " +
                std::to_string(x.dims[size_t(axis)]));
  return Status::success();
}

Status NodeRun::quantizeLinear() {
  const OnnxTensor *x = input(0), *scale = input(1), *zp = input(2);
  if (auto s = requireType(0, x && x->type == OnnxTensor::Float, "float32");
      !s)
    return s;
  if (auto s = requireType(1, scale && scale->type == OnnxTensor::Float,
                           "float32");
      !s)
    return s;
  if (zp && !isEightBit(zp->type))
    return fail("zero point must be uint8 or int8, got " +
                tensorTypeName(zp->type));
  int64_t axis = normalizeAxis(node_.intAttribute("axis", 1), x->dims.size());
  if (auto s = perAxis(*x, *scale, axis, "y_scale"); !s)
    return s;
  if (zp && zp->elements() != scale->elements())
    return fail("y_zero_point and y_scale differ in size");
  bool isSigned = zp && zp->type == OnnxTensor::Int8;
  OnnxTensor y;
  y.type = isSigned ? OnnxTensor::Int8 : OnnxTensor::Uint8;
  y.dims = x->dims;
  const PerAxisIndex parameter(x->dims, axis, scale->elements());
  y.values.reserve(x->values.size());
  for (size_t i = 0; i < x->values.size(); ++i) {
    size_t p = parameter(i);
    y.values.push_back(runtime::quantizeValue(
        float(x->values[i]), float(scale->values[p]),
        zp ? int32_t(zp->values[p]) : 0, isSigned ? -128 : 0,
        isSigned ? 127 : 255));
  }
  setOutput(std::move(y));
  return Status::success();
}

Status NodeRun::dequantizeLinear() {
  const OnnxTensor *x = input(0), *scale = input(1), *zp = input(2);
  if (auto s = requireType(0,
                           x && (isEightBit(x->type) ||
                                 x->type == OnnxTensor::Int32),
                           "uint8, int8 or int32");
      !s)
    return s;
  if (auto s = requireType(1, scale && scale->type == OnnxTensor::Float,
                           "float32");
      !s)
    return s;
  if (zp && zp->type != x->type)
    return fail("x_zero_point is " + tensorTypeName(zp->type) + ", x is " +
                tensorTypeName(x->type));
  int64_t axis = normalizeAxis(node_.intAttribute("axis", 1), x->dims.size());
  if (auto s = perAxis(*x, *scale, axis, "x_scale"); !s)
    return s;
  if (zp && zp->elements() != scale->elements())
    return fail("x_zero_point and x_scale differ in size");
  OnnxTensor y;
  y.type = OnnxTensor::Float;
  y.dims = x->dims;
  const PerAxisIndex parameter(x->dims, axis, scale->elements());
  y.values.reserve(x->values.size());
  for (size_t i = 0; i < x->values.size(); ++i) {
    size_t p = parameter(i);
    y.values.push_back(runtime::dequantizeValue(
        int32_t(x->values[i]), float(scale->values[p]),
        zp ? int32_t(zp->values[p]) : 0));
  }
  setOutput(std::move(y));
  return Status::success();
}

/// convAccumulate on typed copies of the operands.
template <typename InT, typename WeightT>
void accumulateTyped(const ConvGeometry &g, const std::vector<double> &x,
                     int32_t xZp, const std::vector<double> &w,
                     const std::vector<int32_t> &wZp,
                     const std::vector<int32_t> &bias, int32_t *acc) {
  std::vector<InT> xt(x.begin(), x.end());
  std::vector<WeightT> wt(w.begin(), w.end());
  runtime::convAccumulate<InT, WeightT>(g, xt.data(), xZp, wt.data(),
                                        wZp.data(),
                                        bias.empty() ? nullptr : bias.data(),
                                        acc);
}

void accumulate(const ConvGeometry &g, int xType, const std::vector<double> &x,
                int32_t xZp, int wType, const std::vector<double> &w,
                const std::vector<int32_t> &wZp,
                const std::vector<int32_t> &bias, int32_t *acc) {
  bool xs = xType == OnnxTensor::Int8, ws = wType == OnnxTensor::Int8;
  if (xs && ws)
    accumulateTyped<int8_t, int8_t>(g, x, xZp, w, wZp, bias, acc);
  else if (xs)
    accumulateTyped<int8_t, uint8_t>(g, x, xZp, w, wZp, bias, acc);
  else if (ws)
    accumulateTyped<uint8_t, int8_t>(g, x, xZp, w, wZp, bias, acc);
  else
    accumulateTyped<uint8_t, uint8_t>(g, x, xZp, w, wZp, bias, acc);
}

/// Scalar zero point of `t` (0 when absent); fails unless it is one value.
Expected<int32_t> scalarZeroPoint(const OnnxTensor *t, const char *what) {
  if (!t)
    return 0;
  if (t->elements() != 1)
    return Expected<int32_t>::failure(std::string(what) +
                                      " must be a single value (per-tensor), "
                                      "got dims " + dimsText(t->dims));
  return int32_t(t->values[0]);
}

/// `channels` values from a scalar or 1-D tensor (zero when absent).
Expected<std::vector<double>> perChannel(const OnnxTensor *t,
                                         int64_t channels, const char *what) {
  std::vector<double> out(size_t(channels), 0.0);
  if (!t)
    return out;
  if (t->elements() != 1 && t->elements() != channels)
    return Expected<std::vector<double>>::failure(
        std::string(what) + " must have 1 or " + std::to_string(channels) +
        " values, got " + std::to_string(t->elements()));
  for (int64_t c = 0; c < channels; ++c)
    out[size_t(c)] = t->values[t->elements() == 1 ? 0 : size_t(c)];
  return out;
}

Status NodeRun::requantize(const std::vector<int32_t> &acc,
                           const std::vector<int64_t> &dims, int64_t channels,
                           int64_t inner, const std::vector<float> &scales,
                           const OnnxTensor *yZp) {
  bool isSigned = yZp && yZp->type == OnnxTensor::Int8;
  int32_t zp = yZp ? int32_t(yZp->values[0]) : 0;
  int32_t qmin = isSigned ? -128 : 0, qmax = isSigned ? 127 : 255;
  OnnxTensor y;
  y.type = isSigned ? OnnxTensor::Int8 : OnnxTensor::Uint8;
  y.dims = dims;
  y.values.reserve(acc.size());
  runtime::OutputStage stage;
  if (requantization_ == Requantization::Tosa) {
    for (float s : scales) {
      auto m = runtime::quantizeScale(double(s));
      if (!m)
        return fail("requantization scale: " + m.error());
      stage.multiplier.push_back(m->multiplier);
      stage.shift.push_back(m->shift);
    }
    // The output stage works on uint8; an int8 output is the same values
    // shifted by 128.
    stage.zeroPoint = isSigned ? zp + 128 : zp;
  }
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t c = (int64_t(i) / inner) % channels;
    if (requantization_ == Requantization::Onnx) {
      double v = std::nearbyint(double(acc[i]) * double(scales[size_t(c)])) +
                 zp;
      y.values.push_back(std::min<double>(qmax, std::max<double>(qmin, v)));
    } else {
      int32_t v = runtime::applyOutputStage(stage, acc[i], c);
      y.values.push_back(isSigned ? v - 128 : v);
    }
  }
  setOutput(std::move(y));
  return Status::success();
}

Status NodeRun::conv(bool qlinear) {
  // QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B];
  // ConvInteger: x, w, [x_zp], [w_zp].
  size_t wi = qlinear ? 3 : 1;
  const OnnxTensor *x = input(0), *w = input(wi);
  const OnnxTensor *xZpT = qlinear ? input(2) : input(2);
  const OnnxTensor *wZpT = qlinear ? input(5) : input(3);
  if (auto s = requireType(0, x && isEightBit(x->type), "uint8 or int8"); !s)
    return s;
  if (auto s = requireType(wi, w && isEightBit(w->type), "uint8 or int8"); !s)
    return s;
  if (x->dims.size() != 4 || w->dims.size() != 4)
    return fail("only 2-D convolutions (4-D x and w) are supported, got x " +
                dimsText(x->dims) + " and w " + dimsText(w->dims));
  if (xZpT && xZpT->type != x->type)
    return fail("x_zero_point type differs from x");
  if (wZpT && wZpT->type != w->type)
    return fail("w_zero_point type differs from w");
  for (int64_t d : node_.intsAttribute("dilations", {1, 1}))
    if (d != 1)
      return fail("dilations other than 1 are not supported");
  int64_t n = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
  int64_t M = w->dims[0], wc = w->dims[1], kh = w->dims[2], kw = w->dims[3];
  int64_t group = node_.intAttribute("group", 1);
  bool depthwise = group != 1;
  if (depthwise && !(group == C && M == C && wc == 1))
    return fail("group " + std::to_string(group) +
                " is supported only as depthwise (group = channels = "
                "output channels, w of shape [C, 1, kh, kw])");
  if (!depthwise && wc != C)
    return fail("w has " + std::to_string(wc) + " input channels, x has " +
                std::to_string(C));
  auto kernelShape = node_.intsAttribute("kernel_shape", {kh, kw});
  if (kernelShape != std::vector<int64_t>{kh, kw})
    return fail("kernel_shape " + dimsText(kernelShape) +
                " differs from w's " + dimsText({kh, kw}));
  auto strides = node_.intsAttribute("strides", {1, 1});
  if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1)
    return fail("strides must be two positive values");
  auto pads = node_.intsAttribute("pads", {0, 0, 0, 0}); // t, l, b, r
  const OnnxAttribute *autoPad = node_.attribute("auto_pad");
  std::string padMode = autoPad ? autoPad->s : "NOTSET";
  if (padMode == "VALID") {
    pads = {0, 0, 0, 0};
  } else if (padMode == "SAME_UPPER" || padMode == "SAME_LOWER") {
    int64_t sizes[2] = {H, W}, kernels[2] = {kh, kw};
    for (int d = 0; d < 2; ++d) {
      int64_t out = (sizes[d] + strides[size_t(d)] - 1) / strides[size_t(d)];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * strides[size_t(d)] + kernels[d] - sizes[d]);
      int64_t small = total / 2, large = total - small;
      bool upper = padMode == "SAME_UPPER";
      pads[size_t(d)] = upper ? small : large;
      pads[size_t(d) + 2] = upper ? large : small;
    }
  } else if (padMode != "NOTSET") {
    return fail("auto_pad '" + padMode + "' is not supported");
  }
  if (pads.size() != 4)
    return fail("pads must have 4 values");
  for (int64_t p : pads)
    if (p < 0)
      return fail("negative pads are not supported");
  ConvGeometry g;
  g.input = {n, H, W, C};
  g.outChannels = M;
  g.kernelH = kh;
  g.kernelW = kw;
  g.strideH = strides[0];
  g.strideW = strides[1];
  g.padding = {pads[0], pads[2], pads[1], pads[3]};
  g.depthwise = depthwise;
  if (H + pads[0] + pads[2] < kh || W + pads[1] + pads[3] < kw)
    return fail("the kernel does not fit the padded input");

  auto xZp = scalarZeroPoint(xZpT, "x_zero_point");
  if (!xZp)
    return fail(xZp.error());
  auto wZpValues = perChannel(wZpT, M, "w_zero_point");
  if (!wZpValues)
    return fail(wZpValues.error());
  std::vector<int32_t> wZp(wZpValues->begin(), wZpValues->end());
  std::vector<int32_t> bias;
  if (qlinear && input(8)) {
    const OnnxTensor *b = input(8);
    if (b->type != OnnxTensor::Int32 || b->elements() != M)
      return fail("B must be int32 with " + std::to_string(M) + " values");
    bias.assign(b->values.begin(), b->values.end());
  }

  // NCHW -> NHWC, [M][C][kh][kw] -> [M][kh][kw][C] (depthwise [kh][kw][C]).
  std::vector<double> xNhwc(x->values.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t xx = 0; xx < W; ++xx)
          xNhwc[size_t(((b * H + y) * W + xx) * C + c)] =
              x->values[size_t(((b * C + c) * H + y) * W + xx)];
  std::vector<double> wT(w->values.size());
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < wc; ++c)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx) {
          size_t from = size_t(((m * wc + c) * kh + y) * kw + xx);
          size_t to = depthwise ? size_t((y * kw + xx) * M + m)
                                : size_t(((m * kh + y) * kw + xx) * wc + c);
          wT[to] = w->values[from];
        }
  runtime::Shape4 out = g.outputShape();
  std::vector<int32_t> accNhwc(size_t(out.elements()));
  accumulate(g, x->type, xNhwc, *xZp, w->type, wT, wZp, bias, accNhwc.data());
  std::vector<int32_t> acc(accNhwc.size());
  for (int64_t b = 0; b < out.n; ++b)
    for (int64_t m = 0; m < out.c; ++m)
      for (int64_t y = 0; y < out.h; ++y)
        for (int64_t xx = 0; xx < out.w; ++xx)
          acc[size_t(((b * out.c + m) * out.h + y) * out.w + xx)] =
              accNhwc[size_t(((b * out.h + y) * out.w + xx) * out.c + m)];
  return finishAccumulation(acc, {out.n, out.c, out.h, out.w}, qlinear, M,
                            out.h * out.w, "x", "w");
}

Status NodeRun::matmul(bool qlinear) {
  // QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp;
  // MatMulInteger: A, B, [a_zp], [b_zp].
  size_t bi = qlinear ? 3 : 1;
  const OnnxTensor *a = input(0), *b = input(bi);
  const OnnxTensor *aZpT = input(qlinear ? 2 : 2);
  const OnnxTensor *bZpT = input(qlinear ? 5 : 3);
  if (auto s = requireType(0, a && isEightBit(a->type), "uint8 or int8"); !s)
    return s;
  if (auto s = requireType(bi, b && isEightBit(b->type), "uint8 or int8"); !s)
    return s;
  if (a->dims.size() < 2 || b->dims.size() < 2)
    return fail("A and B must have rank >= 2, got " + dimsText(a->dims) +
                " and " + dimsText(b->dims));
  size_t ra = a->dims.size(), rb = b->dims.size();
  int64_t M = a->dims[ra - 2], K = a->dims[ra - 1];
  int64_t K2 = b->dims[rb - 2], N = b->dims[rb - 1];
  if (K != K2)
    return fail("inner dimensions differ: " + dimsText(a->dims) + " x " +
                dimsText(b->dims));
  int64_t batches = M * K != 0 ? a->elements() / (M * K) : 0;
  int64_t bBatches = K * N != 0 ? b->elements() / (K * N) : 0;
  if (bBatches != 1 && (bBatches != batches || rb != ra))
    return fail("B's batch dimensions must be absent or equal A's: " +
                dimsText(a->dims) + " x " + dimsText(b->dims));
  auto aZp = scalarZeroPoint(aZpT, "a_zero_point");
  if (!aZp)
    return fail(aZp.error() + " (per-row zero points are not supported)");
  auto bZpValues = perChannel(bZpT, N, "b_zero_point");
  if (!bZpValues)
    return fail(bZpValues.error());
  std::vector<int32_t> bZp(bZpValues->begin(), bZpValues->end());

  // Each batch is a 1 x M image with K channels convolved (1x1) with N
  // filters of K weights: B transposed.
  std::vector<int32_t> acc;
  acc.reserve(size_t(batches * M * N));
  for (int64_t batch = 0; batch < batches; ++batch) {
    ConvGeometry g;
    g.input = {1, 1, M, K};
    g.outChannels = N;
    std::vector<double> x(a->values.begin() + batch * M * K,
                          a->values.begin() + (batch + 1) * M * K);
    int64_t bb = bBatches == 1 ? 0 : batch;
    std::vector<double> w(size_t(N * K));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t col = 0; col < N; ++col)
        w[size_t(col * K + k)] = b->values[size_t(bb * K * N + k * N + col)];
    std::vector<int32_t> part(size_t(M * N));
    accumulate(g, a->type, x, *aZp, b->type, w, bZp, {}, part.data());
    acc.insert(acc.end(), part.begin(), part.end());
  }
  std::vector<int64_t> dims(a->dims.begin(), a->dims.end() - 1);
  dims.push_back(N);
  return finishAccumulation(acc, dims, qlinear, N, 1, "a", "b");
}

/// The end of ConvInteger / MatMulInteger (int32 out) and QLinearConv /
/// QLinearMatMul (requantized out): inputs 1, 4, 6, 7 are the two operands'
/// scales, y_scale and y_zero_point; `channels` output channels, each
/// repeated over `inner` consecutive elements.
Status NodeRun::finishAccumulation(const std::vector<int32_t> &acc,
                                   std::vector<int64_t> dims, bool qlinear,
                                   int64_t channels, int64_t inner,
                                   const char *lhs, const char *rhs) {
  if (!qlinear) {
    OnnxTensor y;
    y.type = OnnxTensor::Int32;
    y.dims = std::move(dims);
    y.values.assign(acc.begin(), acc.end());
    setOutput(std::move(y));
    return Status::success();
  }
  std::string l(lhs), r(rhs);
  const OnnxTensor *ls = input(1), *rs = input(4), *ys = input(6),
                   *yZp = input(7);
  for (const OnnxTensor *s : {ls, rs, ys})
    if (!s || s->type != OnnxTensor::Float)
      return fail(l + "_scale, " + r + "_scale and y_scale must be float32");
  if (ls->elements() != 1 || ys->elements() != 1)
    return fail(l + "_scale and y_scale must be single values");
  if (yZp && (!isEightBit(yZp->type) || yZp->elements() != 1))
    return fail("y_zero_point must be one uint8 or int8 value");
  auto rScales = perChannel(rs, channels, (r + "_scale").c_str());
  if (!rScales)
    return fail(rScales.error());
  // ONNX computes a_scale * b_scale / y_scale in float32.
  std::vector<float> scales;
  for (double s : *rScales)
    scales.push_back(float(ls->values[0]) * float(s) / float(ys->values[0]));
  return requantize(acc, dims, channels, inner, scales, yZp);
}

Status NodeRun::run() {
  const std::string &op = node_.opType;
  if (op == "QuantizeLinear")
    return quantizeLinear();
  if (op == "DequantizeLinear")
    return dequantizeLinear();
  if (op == "QLinearConv" || op == "ConvInteger")
    return conv(op == "QLinearConv");
  if (op == "QLinearMatMul" || op == "MatMulInteger")
    return matmul(op == "QLinearMatMul");
  if (op == "Identity") {
    const OnnxTensor *x = input(0);
    if (!x)
      return fail("input is missing");
    setOutput(*x);
    return Status::success();
  }
  return fail("unsupported operator '" + op + "'");
}

} // namespace

Expected<QuantizedNodeGraph>
QuantizedNodeGraph::import(const std::string &modelBytes) {
  using Result = Expected<QuantizedNodeGraph>;
  auto model = detail::parseModel(modelBytes);
  if (!model)
    return Result(model.status());
  QuantizedNodeGraph graph;
  std::set<std::string> defined;
  for (const auto &entry : model->constants)
    defined.insert(entry.first);
  for (const detail::ValueInfo &input : model->inputs) {
    graph.inputs_.push_back(input.name);
    defined.insert(input.name);
  }
  for (const OnnxNode &node : model->nodes) {
    const OpSpec *spec = findSpec(node);
    if (!spec)
      return Result::failure(
          "unsupported operator '" +
          (node.domain.empty() ? "" : node.domain + ".") + node.opType +
          "' (node " + node.id + ")");
    if (node.inputs.size() < spec->minInputs ||
        node.inputs.size() > spec->maxInputs)
      return Result::failure("node " + node.label + ": expects " +
                             std::to_string(spec->minInputs) + " to " +
                             std::to_string(spec->maxInputs) +
                             " inputs, has " +
                             std::to_string(node.inputs.size()));
    for (size_t i = 0; i < spec->minInputs; ++i)
      if (node.inputs[i].empty())
        return Result::failure("node " + node.label + ": required input " +
                               std::to_string(i) + " is empty");
    for (const std::string &name : node.inputs)
      if (!name.empty() && !defined.count(name))
        return Result::failure("node " + node.label + ": input '" + name +
                               "' is not defined before the node");
    if (node.outputs.size() != 1 || node.outputs[0].empty())
      return Result::failure("node " + node.label + ": needs one output");
    defined.insert(node.outputs[0]);
  }
  for (const detail::ValueInfo &output : model->outputs) {
    if (!defined.count(output.name))
      return Result::failure("graph output '" + output.name +
                             "' is not produced by any node");
    graph.outputs_.push_back(output.name);
  }
  graph.nodes_ = std::move(model->nodes);
  graph.constants_ = std::move(model->constants);
  return graph;
}

Expected<QuantizedNodeGraph>
QuantizedNodeGraph::importFile(const std::string &path) {
  auto bytes = readFile(path);
  if (!bytes)
    return Expected<QuantizedNodeGraph>(bytes.status());
  auto graph = import(*bytes);
  if (!graph)
    return Expected<QuantizedNodeGraph>::failure(path + ": " + graph.error());
  return graph;
}

Expected<std::vector<OnnxTensor>>
QuantizedNodeGraph::run(const std::vector<OnnxTensor> &inputs,
                        Requantization requantization) const {
  using Result = Expected<std::vector<OnnxTensor>>;
  if (inputs.size() != inputs_.size())
    return Result::failure("the graph has " + std::to_string(inputs_.size()) +
                           " inputs, got " + std::to_string(inputs.size()));
  std::map<std::string, OnnxTensor> env = constants_;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (detail::elementCount(inputs[i].dims) != inputs[i].elements())
      return Result::failure("input '" + inputs_[i] + "': " +
                             std::to_string(inputs[i].elements()) +
                             " values for dims " + dimsText(inputs[i].dims));
    // Integer values must be integers of their type: the cores convert
    // them to uint8 / int8 / int32, which must not overflow.
    double lo = 0, hi = 0;
    switch (inputs[i].type) {
    case OnnxTensor::Uint8: lo = 0; hi = 255; break;
    case OnnxTensor::Int8: lo = -128; hi = 127; break;
    case OnnxTensor::Int32: lo = -2147483648.0; hi = 2147483647.0; break;
    default: break;
    }
    if (hi > lo)
      for (double v : inputs[i].values)
        if (!(v >= lo && v <= hi) || v != std::floor(v))
          return Result::failure("input '" + inputs_[i] + "': value " +
                                 std::to_string(v) + " is not a " +
                                 tensorTypeName(inputs[i].type));
    env[inputs_[i]] = inputs[i];
  }
  for (const OnnxNode &node : nodes_)
    if (auto s = NodeRun(node, env, requantization).run(); !s)
      return Result(s);
  std::vector<OnnxTensor> outputs;
  for (const std::string &name : outputs_)
    outputs.push_back(env.at(name));
  return outputs;
}

} // namespace spaceevo::onnx
