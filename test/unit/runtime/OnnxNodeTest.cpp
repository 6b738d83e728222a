//===- OnnxNodeTest.cpp - ONNX's backend node tests through the reference -===//
//
// Reads ONNX's own test cases (Debian libonnx-testdata: model.onnx with one
// node, test_data_set_0/input_*.pb and output_0.pb) with libonnx's protobuf
// classes and runs them through the reference's accumulation cores and
// quantize/dequantize. QLinear* ops requantize with ONNX's float rounding
// (half to even of acc * scale); we also check that our TOSA output stage
// with the same scale lands within one step of ONNX's answer.
//
// The data directory comes from SPACEEVO_ONNX_NODE_TESTS (set by CMake);
// the tests skip when it or libonnx is missing.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/runtime/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#ifdef SPACEEVO_TEST_HAVE_ONNX
#include "onnx/onnx_pb.h"
#endif

using namespace spaceevo::runtime;
namespace fs = std::filesystem;

namespace {

#ifdef SPACEEVO_TEST_HAVE_ONNX

/// An ONNX tensor with its values widened to double (exact for 8/32-bit
/// integers and float32).
struct Tensor {
  std::vector<int64_t> dims;
  int dataType = 0;
  std::vector<double> values;
  int64_t dim(size_t i) const { return i < dims.size() ? dims[i] : 1; }
};

bool loadTensor(const fs::path &path, Tensor &tensor, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  onnx::TensorProto proto;
  if (!in || !proto.ParseFromIstream(&in)) {
    error = "cannot parse " + path.string();
    return false;
  }
  tensor.dims.assign(proto.dims().begin(), proto.dims().end());
  tensor.dataType = proto.data_type();
  int64_t count = 1;
  for (int64_t d : tensor.dims)
    count *= d;
  tensor.values.clear();
  const std::string &raw = proto.raw_data();
  auto fromRaw = [&](auto typeTag) {
    using T = decltype(typeTag);
    if (raw.size() != size_t(count) * sizeof(T))
      return false;
    for (int64_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
      tensor.values.push_back(double(v));
    }
    return true;
  };
  bool ok = true;
  switch (proto.data_type()) {
  case onnx::TensorProto::UINT8:
    ok = raw.empty() ? (tensor.values.assign(proto.int32_data().begin(),
                                             proto.int32_data().end()),
                        true)
                     : fromRaw(uint8_t());
    break;
  case onnx::TensorProto::INT8:
    ok = raw.empty() ? (tensor.values.assign(proto.int32_data().begin(),
                                             proto.int32_data().end()),
                        true)
                     : fromRaw(int8_t());
    break;
  case onnx::TensorProto::INT32:
    ok = raw.empty() ? (tensor.values.assign(proto.int32_data().begin(),
                                             proto.int32_data().end()),
                        true)
                     : fromRaw(int32_t());
    break;
  case onnx::TensorProto::FLOAT:
    ok = raw.empty() ? (tensor.values.assign(proto.float_data().begin(),
                                             proto.float_data().end()),
                        true)
                     : fromRaw(float());
    break;
  default:
    error = "unsupported tensor type " + std::to_string(proto.data_type());
    return false;
  }
  if (!ok || int64_t(tensor.values.size()) != count) {
    error = "bad tensor data in " + path.string();
    return false;
  }
  return true;
}

struct NodeCase {
  onnx::NodeProto node;
  std::vector<Tensor> inputs; ///< by position; empty dims+values = absent
  Tensor output;
};

/// Loads <dir>/<name>/model.onnx and test_data_set_0. Returns "" or an error.
std::string loadCase(const std::string &name, NodeCase &c) {
  const char *root = std::getenv("SPACEEVO_ONNX_NODE_TESTS");
  fs::path dir = fs::path(root ? root : "") / name;
  std::ifstream modelFile(dir / "model.onnx", std::ios::binary);
  onnx::ModelProto model;
  if (!modelFile || !model.ParseFromIstream(&modelFile))
    return "cannot read " + (dir / "model.onnx").string();
  if (model.graph().node_size() != 1)
    return "expected a single-node graph";
  c.node = model.graph().node(0);
  // input_<i>.pb files are numbered over the graph inputs, which match the
  // node's non-empty inputs in order.
  std::string error;
  int file = 0;
  for (int i = 0; i < c.node.input_size(); ++i) {
    Tensor t;
    if (!c.node.input(i).empty()) {
      if (!loadTensor(dir / "test_data_set_0" /
                          ("input_" + std::to_string(file++) + ".pb"),
                      t, error))
        return error;
    }
    c.inputs.push_back(std::move(t));
  }
  if (!loadTensor(dir / "test_data_set_0" / "output_0.pb", c.output, error))
    return error;
  return "";
}

std::vector<int64_t> intsAttribute(const onnx::NodeProto &node,
                                   const std::string &name,
                                   std::vector<int64_t> fallback) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return {attr.ints().begin(), attr.ints().end()};
  return fallback;
}
int64_t intAttribute(const onnx::NodeProto &node, const std::string &name,
                     int64_t fallback) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return attr.i();
  return fallback;
}

/// Skips the test unless the data and libonnx are there; loads the case.
#define LOAD_ONNX_CASE(name, c)                                                \
  do {                                                                         \
    const char *root = std::getenv("SPACEEVO_ONNX_NODE_TESTS");                \
    if (!root || !fs::exists(fs::path(root) / name / "model.onnx"))           \
      GTEST_SKIP() << "ONNX node test data not found (libonnx-testdata)";      \
    std::string loadError = loadCase(name, c);                                 \
    ASSERT_EQ(loadError, "");                                                  \
  } while (0)

/// ONNX's requantization: saturate(round_half_even(acc * scale) + zp).
int32_t onnxRequantize(int64_t acc, double scale, int32_t zp, int32_t qmin,
                       int32_t qmax) {
  double y = std::nearbyint(double(acc) * scale) + zp;
  return int32_t(std::min<double>(qmax, std::max<double>(qmin, y)));
}

/// Per-output-channel weight zero points from a scalar or 1-D tensor.
std::vector<int32_t> perChannel(const Tensor &t, int64_t channels) {
  std::vector<int32_t> out(size_t(channels), 0);
  for (int64_t c = 0; c < channels; ++c)
    if (!t.values.empty())
      out[size_t(c)] = int32_t(t.values[t.values.size() == 1 ? 0 : size_t(c)]);
  return out;
}

/// Runs an ONNX Conv-like node (NCHW x, [M, C, kh, kw] w) through
/// convAccumulate and returns int32 accumulators in NCHW order.
std::vector<int32_t> onnxConv(const NodeCase &c, const Tensor &x,
                              int32_t xZp, const Tensor &w,
                              const std::vector<int32_t> &wZp,
                              ConvGeometry &g) {
  EXPECT_EQ(intAttribute(c.node, "group", 1), 1);
  int64_t n = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  int64_t M = w.dim(0), kh = w.dim(2), kw = w.dim(3);
  auto strides = intsAttribute(c.node, "strides", {1, 1});
  auto pads = intsAttribute(c.node, "pads", {0, 0, 0, 0}); // t, l, b, r
  g.input = {n, H, W, C};
  g.outChannels = M;
  g.kernelH = kh;
  g.kernelW = kw;
  g.strideH = strides[0];
  g.strideW = strides[1];
  g.padding = {pads[0], pads[2], pads[1], pads[3]};
  std::vector<uint8_t> xNhwc(size_t(n * C * H * W));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t xx = 0; xx < W; ++xx)
          xNhwc[size_t(((b * H + y) * W + xx) * C + ch)] =
              uint8_t(x.values[size_t(((b * C + ch) * H + y) * W + xx)]);
  std::vector<uint8_t> wOhwi(size_t(M * kh * kw * C));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx)
          wOhwi[size_t(((m * kh + y) * kw + xx) * C + ch)] =
              uint8_t(w.values[size_t(((m * C + ch) * kh + y) * kw + xx)]);
  Shape4 out = g.outputShape();
  std::vector<int32_t> accNhwc(size_t(out.elements()));
  convAccumulate<uint8_t, uint8_t>(g, xNhwc.data(), xZp, wOhwi.data(),
                                   wZp.data(), nullptr, accNhwc.data());
  std::vector<int32_t> accNchw(accNhwc.size());
  for (int64_t b = 0; b < out.n; ++b)
    for (int64_t m = 0; m < out.c; ++m)
      for (int64_t y = 0; y < out.h; ++y)
        for (int64_t xx = 0; xx < out.w; ++xx)
          accNchw[size_t(((b * out.c + m) * out.h + y) * out.w + xx)] =
              accNhwc[size_t(((b * out.h + y) * out.w + xx) * out.c + m)];
  return accNchw;
}

/// Batched matmul A[..., M, K] x B[..., K, N] as 1x1 convolutions.
std::vector<int32_t> onnxMatMul(const Tensor &a, int32_t aZp, const Tensor &b,
                                const std::vector<int32_t> &bZpPerColumn) {
  size_t ra = a.dims.size(), rb = b.dims.size();
  int64_t M = a.dims[ra - 2], K = a.dims[ra - 1], N = b.dims[rb - 1];
  int64_t batches = int64_t(a.values.size()) / (M * K);
  int64_t bBatches = int64_t(b.values.size()) / (K * N);
  std::vector<int32_t> result;
  for (int64_t batch = 0; batch < batches; ++batch) {
    ConvGeometry g;
    g.input = {1, 1, M, K};
    g.outChannels = N;
    std::vector<uint8_t> x(size_t(M * K));
    for (int64_t i = 0; i < M * K; ++i)
      x[size_t(i)] = uint8_t(a.values[size_t(batch * M * K + i)]);
    int64_t bb = bBatches == 1 ? 0 : batch;
    std::vector<uint8_t> w(size_t(N * K)); // [N][K] = B transposed
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        w[size_t(n * K + k)] = uint8_t(b.values[size_t(bb * K * N + k * N + n)]);
    std::vector<int32_t> acc(size_t(M * N));
    convAccumulate<uint8_t, uint8_t>(g, x.data(), aZp, w.data(),
                                     bZpPerColumn.data(), nullptr, acc.data());
    result.insert(result.end(), acc.begin(), acc.end());
  }
  return result;
}

void expectValues(const std::vector<int32_t> &got, const Tensor &want) {
  ASSERT_EQ(got.size(), want.values.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(double(got[i]), want.values[i]) << "element " << i;
}

/// QLinear* requantization, both ONNX's float rule (must match exactly) and
/// our TOSA output stage (within one step).
void checkQLinearOutput(const std::vector<int32_t> &acc, double realScale,
                        int32_t yZp, const Tensor &want) {
  auto encoded = quantizeScale(realScale);
  ASSERT_TRUE(encoded.ok());
  OutputStage stage;
  stage.multiplier = {encoded->multiplier};
  stage.shift = {encoded->shift};
  stage.zeroPoint = yZp;
  std::vector<int32_t> onnx, tosa;
  for (int32_t a : acc) {
    onnx.push_back(onnxRequantize(a, realScale, yZp, 0, 255));
    tosa.push_back(applyOutputStage(stage, a, 0));
  }
  expectValues(onnx, want);
  for (size_t i = 0; i < tosa.size(); ++i)
    EXPECT_NEAR(double(tosa[i]), want.values[i], 1.0) << "element " << i;
}

TEST(OnnxNode, QLinearConv) {
  NodeCase c;
  LOAD_ONNX_CASE("test_qlinearconv", c);
  const auto &in = c.inputs; // x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp
  ConvGeometry g;
  auto acc = onnxConv(c, in[0], int32_t(in[2].values[0]), in[3],
                      perChannel(in[5], in[3].dim(0)), g);
  ASSERT_EQ(in[4].values.size(), 1u);
  double scale = float(in[1].values[0]) * float(in[4].values[0]) /
                 float(in[6].values[0]);
  checkQLinearOutput(acc, scale, int32_t(in[7].values[0]), c.output);
}

TEST(OnnxNode, ConvInteger) {
  for (const char *name : {"test_basic_convinteger", "test_convinteger_with_padding",
                           "test_convinteger_without_padding"}) {
    SCOPED_TRACE(name);
    NodeCase c;
    LOAD_ONNX_CASE(name, c);
    const auto &in = c.inputs; // x, w, [x_zp], [w_zp]
    int32_t xZp = in.size() > 2 && !in[2].values.empty()
                      ? int32_t(in[2].values[0])
                      : 0;
    Tensor noZp;
    ConvGeometry g;
    auto acc = onnxConv(c, in[0], xZp, in[1],
                        perChannel(in.size() > 3 ? in[3] : noZp, in[1].dim(0)),
                        g);
    expectValues(acc, c.output);
  }
}

TEST(OnnxNode, MatMulInteger) {
  NodeCase c;
  LOAD_ONNX_CASE("test_matmulinteger", c);
  const auto &in = c.inputs; // A, B, a_zp, b_zp
  int64_t N = in[1].dims.back();
  auto acc = onnxMatMul(in[0], int32_t(in[2].values[0]), in[1],
                        perChannel(in[3], N));
  expectValues(acc, c.output);
}

TEST(OnnxNode, QLinearMatMul) {
  for (const char *name : {"test_qlinearmatmul_2D", "test_qlinearmatmul_3D"}) {
    SCOPED_TRACE(name);
    NodeCase c;
    LOAD_ONNX_CASE(name, c);
    // a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
    const auto &in = c.inputs;
    int64_t N = in[3].dims.back();
    auto acc = onnxMatMul(in[0], int32_t(in[2].values[0]), in[3],
                          perChannel(in[5], N));
    double scale = float(in[1].values[0]) * float(in[4].values[0]) /
                   float(in[6].values[0]);
    checkQLinearOutput(acc, scale, int32_t(in[7].values[0]), c.output);
  }
}

/// Index of the quantization axis parameter for element i of x.
size_t axisIndex(const Tensor &x, int64_t axis, size_t i, size_t params) {
  if (params == 1)
    return 0;
  int64_t inner = 1;
  for (size_t d = size_t(axis) + 1; d < x.dims.size(); ++d)
    inner *= x.dims[d];
  return size_t((int64_t(i) / inner) % x.dims[size_t(axis)]);
}

TEST(OnnxNode, QuantizeLinear) {
  for (const char *name : {"test_quantizelinear", "test_quantizelinear_axis"}) {
    SCOPED_TRACE(name);
    NodeCase c;
    LOAD_ONNX_CASE(name, c);
    const Tensor &x = c.inputs[0], &scale = c.inputs[1], &zp = c.inputs[2];
    bool isSigned = zp.dataType == onnx::TensorProto::INT8;
    int64_t axis = intAttribute(c.node, "axis", 1);
    std::vector<int32_t> got;
    for (size_t i = 0; i < x.values.size(); ++i) {
      size_t p = axisIndex(x, axis, i, scale.values.size());
      got.push_back(quantizeValue(float(x.values[i]), float(scale.values[p]),
                                  int32_t(zp.values[p]), isSigned ? -128 : 0,
                                  isSigned ? 127 : 255));
    }
    expectValues(got, c.output);
  }
}

TEST(OnnxNode, DequantizeLinear) {
  for (const char *name :
       {"test_dequantizelinear", "test_dequantizelinear_axis"}) {
    SCOPED_TRACE(name);
    NodeCase c;
    LOAD_ONNX_CASE(name, c);
    const Tensor &x = c.inputs[0], &scale = c.inputs[1];
    Tensor zp = c.inputs.size() > 2 ? c.inputs[2] : Tensor();
    int64_t axis = intAttribute(c.node, "axis", 1);
    ASSERT_EQ(x.values.size(), c.output.values.size());
    for (size_t i = 0; i < x.values.size(); ++i) {
      size_t p = axisIndex(x, axis, i, scale.values.size());
      float got = dequantizeValue(int32_t(x.values[i]), float(scale.values[p]),
                                  zp.values.empty() ? 0 : int32_t(zp.values[p]));
      EXPECT_EQ(double(got), c.output.values[i]) << "element " << i;
    }
  }
}

#else
TEST(OnnxNode, Unavailable) {
  GTEST_SKIP() << "built without libonnx-dev/libprotobuf-dev";
}
#endif

} // namespace
