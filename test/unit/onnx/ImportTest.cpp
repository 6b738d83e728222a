//===- ImportTest.cpp - ONNX models into FP32 and INT8 graphs --------------===//
//
// Hand-written models (libonnx's protobuf classes) check the importer's
// mapping: NCHW weights to the runtime's layouts (against a naive NCHW
// computation), activation fusion, QOperator and QDQ forms of the same
// quantized conv giving the same kernels, and an error naming the node for
// everything it cannot map or read. The round trip exports our own graphs
// (Export.cpp) and imports them back: INT8 bytes and FP32 values identical.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/exec/Int8Executor.h"
#include "spaceevo/onnx/NodeGraph.h"
#include "spaceevo/onnx/Onnx.h"

#include <onnx/onnx_pb.h>

#include "../common/BlockFixture.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

using namespace spaceevo;
using namespace spaceevo::exec;
using spaceevo::onnx::ImportedModel;
using spaceevo::onnx::importModel;

namespace {

//===----------------------------------------------------------------------===//
// A small model writer
//===----------------------------------------------------------------------===//

namespace pb = ::onnx;

class ModelBuilder {
public:
  explicit ModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(7);
    auto *op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    graph_ = model_.mutable_graph();
    graph_->set_name("test");
  }
  void input(const std::string &name, int type, std::vector<int64_t> dims) {
    value(graph_->add_input(), name, type, dims);
  }
  void output(const std::string &name, int type, std::vector<int64_t> dims) {
    value(graph_->add_output(), name, type, dims);
  }
  template <typename T>
  void tensor(const std::string &name, int type, std::vector<int64_t> dims,
              const std::vector<T> &values) {
    auto *t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims)
      t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char *>(values.data()),
                                values.size() * sizeof(T)));
  }
  void floats(const std::string &name, std::vector<int64_t> dims,
              const std::vector<float> &v) {
    tensor(name, pb::TensorProto::FLOAT, dims, v);
  }
  pb::NodeProto *node(const std::string &op, const std::string &name,
                      std::vector<std::string> inputs,
                      std::vector<std::string> outputs,
                      const std::string &domain = "") {
    auto *n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->set_domain(domain);
    for (auto &i : inputs)
      n->add_input(i);
    for (auto &o : outputs)
      n->add_output(o);
    return n;
  }
  static void ints(pb::NodeProto *n, const std::string &name,
                   std::vector<int64_t> v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(pb::AttributeProto::INTS);
    for (int64_t x : v)
      a->add_ints(x);
  }
  static void i(pb::NodeProto *n, const std::string &name, int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(pb::AttributeProto::INT);
    a->set_i(v);
  }
  static void f(pb::NodeProto *n, const std::string &name, float v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(pb::AttributeProto::FLOAT);
    a->set_f(v);
  }
  std::string bytes() const { return model_.SerializeAsString(); }

private:
  static void value(pb::ValueInfoProto *v, const std::string &name, int type,
                    const std::vector<int64_t> &dims) {
    v->set_name(name);
    auto *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    for (int64_t d : dims)
      t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  pb::ModelProto model_;
  pb::GraphProto *graph_;
};

std::vector<float> ramp(size_t n, float scale, float offset = 0.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = offset + scale * float(int(i % 7) - 3) + 0.01f * float(i);
  return v;
}

/// NCHW -> our NHWC tensor.
Tensor fromNchw(const std::vector<float> &v, int64_t c, int64_t h, int64_t w) {
  Tensor t(TensorShape{h, w, c});
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        t.at(y, x, ch) = v[size_t((ch * h + y) * w + x)];
  return t;
}

/// Naive NCHW conv with ONNX weights [M][C/g][k][k], symmetric padding.
std::vector<float> naiveConv(const std::vector<float> &x, int64_t C, int64_t H,
                             int64_t W, const std::vector<float> &w,
                             const std::vector<float> &b, int64_t M, int64_t k,
                             int64_t stride, int64_t pad, bool depthwise,
                             int64_t &outH, int64_t &outW) {
  outH = (H + 2 * pad - k) / stride + 1;
  outW = (W + 2 * pad - k) / stride + 1;
  std::vector<float> y(size_t(M * outH * outW));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox) {
        double sum = b.empty() ? 0 : b[size_t(m)];
        int64_t c0 = depthwise ? m : 0, c1 = depthwise ? m + 1 : C;
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
              int64_t iy = oy * stride + ky - pad, ix = ox * stride + kx - pad;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                continue;
              int64_t wc = depthwise ? 0 : c;
              int64_t wcount = depthwise ? 1 : C;
              sum += double(x[size_t((c * H + iy) * W + ix)]) *
                     w[size_t(((m * wcount + wc) * k + ky) * k + kx)];
            }
        y[size_t((m * outH + oy) * outW + ox)] = float(sum);
      }
  return y;
}

float hswish(float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }

//===----------------------------------------------------------------------===//
// FP32 CNNs
//===----------------------------------------------------------------------===//

/// Conv 3x3 (stride 2, bias) + Relu, depthwise 3x3 + Clip(0, 6), pointwise
/// conv + x * HardSigmoid(x), global pool, Flatten, Gemm(transB): every
/// layout transposition, checked against naive NCHW loops.
TEST(OnnxImportFloat, SmallCnnMatchesNaiveNchw) {
  const int64_t C = 3, H = 7, W = 6, M = 4, N = 5;
  ModelBuilder b;
  b.input("x", pb::TensorProto::FLOAT, {1, C, H, W});
  auto w1 = ramp(size_t(M * C * 9), 0.1f), b1 = ramp(size_t(M), 0.05f);
  auto w2 = ramp(size_t(M * 9), 0.2f, 0.1f), b2 = ramp(size_t(M), 0.02f);
  auto w3 = ramp(size_t(M * M), 0.3f), b3 = ramp(size_t(M), 0.1f);
  auto fc = ramp(size_t(N * M), 0.25f), fcb = ramp(size_t(N), 0.5f);
  b.floats("w1", {M, C, 3, 3}, w1);
  b.floats("b1", {M}, b1);
  b.floats("w2", {M, 1, 3, 3}, w2);
  b.floats("b2", {M}, b2);
  b.floats("w3", {M, M, 1, 1}, w3);
  b.floats("b3", {M}, b3);
  b.floats("fc", {N, M}, fc);
  b.floats("fcb", {N}, fcb);
  b.floats("zero", {}, {0.0f});
  b.floats("six", {}, {6.0f});
  auto *c1 = b.node("Conv", "conv1", {"x", "w1", "b1"}, {"c1"});
  ModelBuilder::ints(c1, "kernel_shape", {3, 3});
  ModelBuilder::ints(c1, "pads", {1, 1, 1, 1});
  ModelBuilder::ints(c1, "strides", {2, 2});
  b.node("Relu", "relu1", {"c1"}, {"r1"});
  auto *c2 = b.node("Conv", "dw", {"r1", "w2", "b2"}, {"c2"});
  ModelBuilder::i(c2, "group", M);
  ModelBuilder::ints(c2, "pads", {1, 1, 1, 1});
  b.node("Clip", "relu6", {"c2", "zero", "six"}, {"r2"});
  b.node("Conv", "pw", {"r2", "w3", "b3"}, {"c3"});
  auto *hs = b.node("HardSigmoid", "gate", {"c3"}, {"g3"});
  ModelBuilder::f(hs, "alpha", 1.0f / 6.0f);
  ModelBuilder::f(hs, "beta", 0.5f);
  b.node("Mul", "hswish", {"c3", "g3"}, {"r3"});
  b.node("GlobalAveragePool", "pool", {"r3"}, {"p"});
  b.node("Flatten", "flatten", {"p"}, {"f"});
  auto *g = b.node("Gemm", "fc", {"f", "fc", "fcb"}, {"y"});
  ModelBuilder::i(g, "transB", 1);
  b.output("y", pb::TensorProto::FLOAT, {1, N});

  auto model = importModel(b.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  ASSERT_EQ(model->kind, ImportedModel::Kind::Float);
  const Expansion &e = model->expansion;
  ASSERT_EQ(e.ops.size(), 5u);
  EXPECT_EQ(e.ops[0].kind, PrimitiveKind::Conv);
  EXPECT_EQ(e.ops[0].act, Activation::ReLU);
  EXPECT_EQ(e.ops[0].stride, 2);
  EXPECT_EQ(e.ops[1].kind, PrimitiveKind::DepthwiseConv);
  EXPECT_EQ(e.ops[1].act, Activation::ReLU6);
  EXPECT_EQ(e.ops[2].act, Activation::Hswish);
  EXPECT_EQ(e.ops[3].kind, PrimitiveKind::GlobalAvgPool);
  EXPECT_EQ(e.ops[4].kind, PrimitiveKind::FullyConnected);
  EXPECT_EQ(e.ops[4].role, "fc");

  // Naive NCHW reference.
  auto x = ramp(size_t(C * H * W), 0.5f);
  int64_t h1, w1s, h2, w2s, h3, w3s;
  auto y1 = naiveConv(x, C, H, W, w1, b1, M, 3, 2, 1, false, h1, w1s);
  for (float &v : y1)
    v = std::max(v, 0.0f);
  auto y2 = naiveConv(y1, M, h1, w1s, w2, b2, M, 3, 1, 1, true, h2, w2s);
  for (float &v : y2)
    v = std::min(std::max(v, 0.0f), 6.0f);
  auto y3 = naiveConv(y2, M, h2, w2s, w3, b3, M, 1, 1, 0, false, h3, w3s);
  for (float &v : y3)
    v = hswish(v);
  std::vector<double> pooled(size_t(M), 0.0);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t i = 0; i < h3 * w3s; ++i)
      pooled[size_t(m)] += y3[size_t(m * h3 * w3s + i)];
    pooled[size_t(m)] /= double(h3 * w3s);
  }
  auto net = FloatNetwork::create(e, model->parameters, FloatBackend::Reference);
  ASSERT_TRUE(net.ok()) << net.error();
  auto out = net->run(fromNchw(x, C, H, W));
  ASSERT_TRUE(out.ok()) << out.error();
  ASSERT_EQ(out->values.size(), size_t(N));
  for (int64_t n = 0; n < N; ++n) {
    double want = fcb[size_t(n)];
    for (int64_t m = 0; m < M; ++m)
      want += fc[size_t(n * M + m)] * pooled[size_t(m)];
    EXPECT_NEAR(out->values[size_t(n)], want, 1e-4 * (1 + std::fabs(want)))
        << "class " << n;
  }
}

/// Squeeze-excite with a residual: GAP -> conv -> Relu -> conv ->
/// HardSigmoid -> Mul(x, gate) -> Add(x); MatMul + Add(bias) classifier;
/// BatchNormalization folded into its conv; x * Sigmoid(x) as Swish.
TEST(OnnxImportFloat, SqueezeExciteResidualBatchNormMatMul) {
  const int64_t C = 4, H = 5, W = 5, R = 2, N = 3;
  ModelBuilder b;
  b.input("x", pb::TensorProto::FLOAT, {1, C, H, W});
  b.floats("w0", {C, C, 3, 3}, ramp(size_t(C * C * 9), 0.1f));
  b.floats("gamma", {C}, {1.0f, 0.5f, 2.0f, 1.5f});
  b.floats("beta", {C}, {0.1f, -0.2f, 0.0f, 0.3f});
  b.floats("mean", {C}, {0.05f, 0.0f, -0.1f, 0.2f});
  b.floats("var", {C}, {1.0f, 2.0f, 0.5f, 1.2f});
  b.floats("wr", {R, C, 1, 1}, ramp(size_t(R * C), 0.2f));
  b.floats("br", {R}, {0.1f, -0.1f});
  b.floats("we", {C, R, 1, 1}, ramp(size_t(C * R), 0.3f));
  b.floats("be", {C}, ramp(size_t(C), 0.1f));
  b.floats("fc", {C, N}, ramp(size_t(C * N), 0.2f));
  b.floats("fcb", {N}, {1.0f, 2.0f, 3.0f});
  b.tensor<int64_t>("flat", pb::TensorProto::INT64, {2}, {1, -1});
  auto *c0 = b.node("Conv", "conv0", {"x", "w0"}, {"c0"});
  ModelBuilder::ints(c0, "pads", {1, 1, 1, 1});
  b.node("BatchNormalization", "bn0", {"c0", "gamma", "beta", "mean", "var"},
         {"n0"});
  b.node("Sigmoid", "sig0", {"n0"}, {"s0"});
  b.node("Mul", "swish0", {"s0", "n0"}, {"a0"});
  b.node("GlobalAveragePool", "se_pool", {"a0"}, {"p"});
  b.node("Conv", "se_reduce", {"p", "wr", "br"}, {"r"});
  b.node("Relu", "se_relu", {"r"}, {"rr"});
  b.node("Conv", "se_expand", {"rr", "we", "be"}, {"e"});
  auto *hs = b.node("HardSigmoid", "se_gate", {"e"}, {"g"});
  ModelBuilder::f(hs, "alpha", 1.0f / 6.0f);
  b.node("Mul", "se_scale", {"a0", "g"}, {"s"});
  b.node("Add", "residual", {"s", "x"}, {"sum"});
  b.node("GlobalAveragePool", "pool", {"sum"}, {"q"});
  b.node("Reshape", "flatten", {"q", "flat"}, {"f"});
  b.node("MatMul", "fc", {"f", "fc"}, {"m"});
  b.node("Add", "fc_bias", {"m", "fcb"}, {"y"});
  b.output("y", pb::TensorProto::FLOAT, {1, N});
  auto model = importModel(b.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  const Expansion &e = model->expansion;
  std::vector<PrimitiveKind> kinds;
  for (const Primitive &op : e.ops)
    kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<PrimitiveKind>{
                       PrimitiveKind::Conv, PrimitiveKind::GlobalAvgPool,
                       PrimitiveKind::Conv, PrimitiveKind::Conv,
                       PrimitiveKind::ChannelScale, PrimitiveKind::Add,
                       PrimitiveKind::GlobalAvgPool,
                       PrimitiveKind::FullyConnected}));
  EXPECT_EQ(e.ops[0].act, Activation::Swish);
  EXPECT_EQ(e.ops[2].act, Activation::ReLU);
  EXPECT_EQ(e.ops[3].act, Activation::Hsigmoid);
  EXPECT_EQ(e.ops[4].input, 0);
  EXPECT_EQ(e.ops[4].other, 3);
  EXPECT_EQ(e.ops[5].other, kExpansionInput);
  EXPECT_TRUE(e.ops[7].bias);
  EXPECT_EQ(model->parameters.ops[7].bias, (std::vector<float>{1, 2, 3}));
  // The batch norm is folded: channel 0 has gamma 1, var 1 (scale
  // 1/sqrt(1 + 1e-5)), bias beta - scale * mean.
  float s0 = 1.0f / std::sqrt(1.0f + 1e-5f);
  EXPECT_NEAR(model->parameters.ops[0].bias[0], 0.1f - s0 * 0.05f, 1e-6);
  auto net = FloatNetwork::create(e, model->parameters, FloatBackend::Reference);
  ASSERT_TRUE(net.ok()) << net.error();
  auto out = net->run(randomTensor({H, W, C}, 1));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->values.size(), size_t(N));
}

//===----------------------------------------------------------------------===//
// Quantized models: QOperator and QDQ
//===----------------------------------------------------------------------===//

/// One quantized 3x3 conv (8 -> 6 channels, per-channel int8 weights, int32
/// bias) written as QLinearConv (uint8 in and out) or as QDQ (float in and
/// out).
struct QuantConv {
  static constexpr int64_t C = 8, M = 6, H = 6, W = 5;
  std::vector<int8_t> w;
  std::vector<float> wScale;
  std::vector<int32_t> bias;
  float xScale = 0.05f, yScale = 0.11f;
  uint8_t xZp = 120, yZp = 3;
  QuantConv() {
    for (int64_t i = 0; i < M * C * 9; ++i)
      w.push_back(int8_t((i * 37) % 255 - 127));
    for (int64_t m = 0; m < M; ++m) {
      wScale.push_back(0.002f * float(m + 1));
      bias.push_back(int32_t(m * 100 - 250));
    }
  }
  void common(ModelBuilder &b) const {
    b.tensor("w", pb::TensorProto::INT8, {M, C, 3, 3}, w);
    b.floats("w_scale", {M}, wScale);
    b.tensor("w_zp", pb::TensorProto::INT8, {M},
             std::vector<int8_t>(size_t(M), 0));
    b.tensor("bias", pb::TensorProto::INT32, {M}, bias);
    b.floats("x_scale", {}, {xScale});
    b.tensor("x_zp", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{xZp});
    b.floats("y_scale", {}, {yScale});
    b.tensor("y_zp", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{yZp});
  }
  std::string qoperator() const {
    ModelBuilder b;
    common(b);
    b.input("x", pb::TensorProto::UINT8, {1, C, H, W});
    auto *n = b.node("QLinearConv", "qconv",
                     {"x", "x_scale", "x_zp", "w", "w_scale", "w_zp",
                      "y_scale", "y_zp", "bias"},
                     {"y"});
    ModelBuilder::ints(n, "pads", {1, 1, 1, 1});
    b.output("y", pb::TensorProto::UINT8, {1, M, H, W});
    return b.bytes();
  }
  std::string qdq() const {
    ModelBuilder b;
    common(b);
    std::vector<float> biasScale;
    for (float s : wScale)
      biasScale.push_back(xScale * s);
    b.floats("bias_scale", {M}, biasScale);
    b.input("x", pb::TensorProto::FLOAT, {1, C, H, W});
    b.node("QuantizeLinear", "xq", {"x", "x_scale", "x_zp"}, {"x_q"});
    b.node("DequantizeLinear", "xdq", {"x_q", "x_scale", "x_zp"}, {"x_f"});
    auto *wd = b.node("DequantizeLinear", "wdq", {"w", "w_scale", "w_zp"},
                      {"w_f"});
    ModelBuilder::i(wd, "axis", 0);
    auto *bd = b.node("DequantizeLinear", "bdq", {"bias", "bias_scale"},
                      {"b_f"});
    ModelBuilder::i(bd, "axis", 0);
    auto *n = b.node("Conv", "conv", {"x_f", "w_f", "b_f"}, {"y_f"});
    ModelBuilder::ints(n, "pads", {1, 1, 1, 1});
    b.node("QuantizeLinear", "yq", {"y_f", "y_scale", "y_zp"}, {"y_q"});
    b.node("DequantizeLinear", "ydq", {"y_q", "y_scale", "y_zp"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, M, H, W});
    return b.bytes();
  }
};

std::vector<uint8_t> runInt8(const QuantizedExpansion &g,
                             const std::vector<uint8_t> &in) {
  auto net = Int8Network::create(g, {Int8Backend::Reference});
  EXPECT_TRUE(net.ok()) << net.error();
  std::vector<uint8_t> out;
  if (net.ok())
    EXPECT_TRUE(net->run(in, out).ok());
  return out;
}

TEST(OnnxImportQuantized, QOperatorAndQdqGiveTheSameKernel) {
  QuantConv conv;
  auto qop = importModel(conv.qoperator());
  ASSERT_TRUE(qop.ok()) << qop.error();
  auto qdq = importModel(conv.qdq());
  ASSERT_TRUE(qdq.ok()) << qdq.error();
  ASSERT_EQ(qop->kind, ImportedModel::Kind::Quantized);
  ASSERT_EQ(qdq->kind, ImportedModel::Kind::Quantized);
  const QuantizedOp &a = qop->quantized.ops.at(0), &b = qdq->quantized.ops.at(0);
  EXPECT_EQ(a.kernel.weights, b.kernel.weights);
  EXPECT_EQ(a.kernel.bias, conv.bias);
  EXPECT_EQ(b.kernel.bias, conv.bias);
  EXPECT_EQ(a.kernel.output.multiplier, b.kernel.output.multiplier);
  EXPECT_EQ(a.kernel.output.shift, b.kernel.output.shift);
  EXPECT_EQ(qop->quantized.input.zeroPoint, conv.xZp);
  EXPECT_EQ(a.output.zeroPoint, conv.yZp);
  EXPECT_EQ(a.weightScales, conv.wScale);

  // The INT8 graph against ONNX's QLinearConv semantics (node by node,
  // float requantization): within one step everywhere.
  std::vector<uint8_t> nchw(size_t(QuantConv::C * QuantConv::H * QuantConv::W));
  for (size_t i = 0; i < nchw.size(); ++i)
    nchw[i] = uint8_t((i * 53 + 7) % 256);
  std::vector<uint8_t> nhwc(nchw.size());
  const int64_t C = QuantConv::C, H = QuantConv::H, W = QuantConv::W,
                M = QuantConv::M;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < H * W; ++i)
      nhwc[size_t(i * C + c)] = nchw[size_t(c * H * W + i)];
  auto ours = runInt8(qop->quantized, nhwc);
  auto graph = spaceevo::onnx::QuantizedNodeGraph::import(conv.qoperator());
  ASSERT_TRUE(graph.ok()) << graph.error();
  spaceevo::onnx::OnnxTensor x;
  x.type = spaceevo::onnx::OnnxTensor::Uint8;
  x.dims = {1, C, H, W};
  x.values.assign(nchw.begin(), nchw.end());
  auto onnxOut = graph->run({x});
  ASSERT_TRUE(onnxOut.ok()) << onnxOut.error();
  ASSERT_EQ(ours.size(), size_t(M * H * W));
  int differing = 0;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < H * W; ++i) {
      double want = (*onnxOut)[0].values[size_t(m * H * W + i)];
      double got = ours[size_t(i * M + m)];
      EXPECT_LE(std::fabs(got - want), 1.0);
      differing += got != want;
    }
  EXPECT_LT(differing, int(M * H * W / 10));
  // Same bytes from the QDQ form.
  EXPECT_EQ(runInt8(qdq->quantized, nhwc), ours);
}

TEST(OnnxImportQuantized, QdqTableActivationAndReluFromOnnxRuntimeStyle) {
  // Conv -> Q -> DQ -> HardSwish -> Q -> DQ (table), then
  // Conv -> Q -> DQ (a Relu folded into the range by ONNX Runtime).
  const int64_t C = 3, M = 4, H = 4, W = 4;
  ModelBuilder b(14);
  b.input("x", pb::TensorProto::FLOAT, {1, C, H, W});
  b.floats("s_in", {}, {0.02f});
  b.tensor("z_in", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{128});
  b.floats("s_pre", {}, {0.04f});
  b.tensor("z_pre", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{100});
  b.floats("s_out", {}, {0.03f});
  b.tensor("z_out", pb::TensorProto::INT8, {}, std::vector<int8_t>{-118});
  b.floats("s_2", {}, {0.05f});
  b.tensor("z_2", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{0});
  b.floats("w1", {M, C, 3, 3}, ramp(size_t(M * C * 9), 0.1f));
  b.floats("w2", {M, M, 1, 1}, ramp(size_t(M * M), 0.2f));
  b.node("QuantizeLinear", "q0", {"x", "s_in", "z_in"}, {"xq"});
  b.node("DequantizeLinear", "d0", {"xq", "s_in", "z_in"}, {"xf"});
  auto *c1 = b.node("Conv", "conv1", {"xf", "w1"}, {"c1"});
  ModelBuilder::ints(c1, "pads", {1, 1, 1, 1});
  b.node("QuantizeLinear", "q1", {"c1", "s_pre", "z_pre"}, {"c1q"});
  b.node("DequantizeLinear", "d1", {"c1q", "s_pre", "z_pre"}, {"c1f"});
  b.node("HardSwish", "hswish", {"c1f"}, {"h"});
  b.node("QuantizeLinear", "q2", {"h", "s_out", "z_out"}, {"hq"});
  b.node("DequantizeLinear", "d2", {"hq", "s_out", "z_out"}, {"hf"});
  b.node("Conv", "conv2", {"hf", "w2"}, {"c2"});
  b.node("QuantizeLinear", "q3", {"c2", "s_2", "z_2"}, {"y"});
  b.output("y", pb::TensorProto::UINT8, {1, M, H, W});
  auto model = importModel(b.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  ASSERT_EQ(model->kind, ImportedModel::Kind::Quantized);
  const QuantizedExpansion &g = model->quantized;
  ASSERT_EQ(g.ops.size(), 2u);
  EXPECT_EQ(g.expansion.ops[0].act, Activation::Hswish);
  EXPECT_EQ(g.ops[0].preActivation.zeroPoint, 100);
  EXPECT_EQ(g.ops[0].output.zeroPoint, 10); // int8 -118 is uint8 10
  EXPECT_TRUE(g.ops[0].kernel.output.table.has_value());
  EXPECT_EQ(g.ops[1].output.zeroPoint, 0);
  // Float weights were quantized per channel as quantizeExpansion does.
  EXPECT_EQ(g.ops[1].weightScales.size(), size_t(M));
  auto out = runInt8(g, std::vector<uint8_t>(size_t(C * H * W), 140));
  EXPECT_EQ(out.size(), size_t(M * H * W));
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

std::string importError(const std::string &bytes) {
  auto m = importModel(bytes);
  EXPECT_FALSE(m.ok());
  return m.ok() ? "" : m.error();
}

/// x [1, 4, 6, 6] float -> <node> -> y, with a 3x3 conv weight "w".
ModelBuilder withInput() {
  ModelBuilder b;
  b.input("x", pb::TensorProto::FLOAT, {1, 4, 6, 6});
  b.floats("w", {4, 4, 3, 3}, ramp(144, 0.1f));
  return b;
}

TEST(OnnxImportErrors, UnsupportedOperatorIsNamed) {
  ModelBuilder b = withInput();
  b.node("Conv", "conv", {"x", "w"}, {"c"});
  b.node("LSTM", "lstm_1", {"c"}, {"y"});
  b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
  EXPECT_EQ(importError(b.bytes()),
            "unsupported operator 'LSTM' (node 'lstm_1')");
}

TEST(OnnxImportErrors, UnsupportedAttributesAreNamed) {
  struct Case {
    const char *what;
    std::function<void(pb::NodeProto *)> set;
    const char *message;
  } cases[] = {
      {"asymmetric pads",
       [](pb::NodeProto *n) { ModelBuilder::ints(n, "pads", {0, 0, 1, 1}); },
       "equal padding"},
      {"dilation",
       [](pb::NodeProto *n) { ModelBuilder::ints(n, "dilations", {2, 2}); },
       "dilations"},
      {"grouped conv", [](pb::NodeProto *n) { ModelBuilder::i(n, "group", 2); },
       "group 2"},
      {"strides",
       [](pb::NodeProto *n) { ModelBuilder::ints(n, "strides", {1, 2}); },
       "strides"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    ModelBuilder b = withInput();
    c.set(b.node("Conv", "conv", {"x", "w"}, {"y"}));
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    std::string error = importError(b.bytes());
    EXPECT_NE(error.find("node 'conv' (Conv)"), std::string::npos) << error;
    EXPECT_NE(error.find(c.message), std::string::npos) << error;
  }
  {
    ModelBuilder b = withInput();
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    auto *n = b.node("HardSigmoid", "hs", {"c"}, {"y"});
    ModelBuilder::f(n, "alpha", 0.2f);
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("node 'hs' (HardSigmoid)"),
              std::string::npos);
  }
  {
    ModelBuilder b = withInput();
    b.floats("zero", {}, {0.0f});
    b.floats("four", {}, {4.0f});
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    b.node("Clip", "clip", {"c", "zero", "four"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("Clip(0"), std::string::npos);
  }
  {
    ModelBuilder b = withInput();
    b.floats("fc", {144, 2}, ramp(288, 0.1f));
    b.node("Flatten", "flatten", {"x"}, {"f"});
    b.node("MatMul", "fc", {"f", "fc"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 2});
    EXPECT_NE(importError(b.bytes()).find("node 'flatten' (Flatten)"),
              std::string::npos);
  }
  {
    // A product of two maps is no ChannelScale.
    ModelBuilder b = withInput();
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    b.node("Conv", "conv2", {"x", "w"}, {"d"});
    b.node("Mul", "mul", {"c", "d"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("node 'mul' (Mul)"),
              std::string::npos);
  }
  {
    // A standalone Sigmoid has no primitive.
    ModelBuilder b = withInput();
    b.node("Conv", "conv", {"x", "w"}, {"c"});
    b.node("Sigmoid", "sig", {"c"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("Sigmoid"), std::string::npos);
  }
}

TEST(OnnxImportErrors, MalformedModels) {
  EXPECT_NE(importError("").find("empty"), std::string::npos);
  EXPECT_NE(importError("this is not a protobuf at all \xff\xff\xff")
                .find("not an ONNX model"),
            std::string::npos);
  // A valid model cut short at every length never crashes.
  ModelBuilder b = withInput();
  b.node("Conv", "conv", {"x", "w"}, {"y"});
  b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
  std::string bytes = b.bytes();
  ASSERT_TRUE(importModel(bytes).ok());
  for (size_t n = 0; n + 1 < bytes.size(); n += 7)
    EXPECT_FALSE(importModel(bytes.substr(0, n)).ok()) << n;
  // Flipped bytes: an error or a model, never a crash.
  for (size_t i = 0; i < bytes.size(); i += 13) {
    std::string corrupt = bytes;
    corrupt[i] = char(corrupt[i] ^ 0x5a);
    (void)importModel(corrupt);
    (void)spaceevo::onnx::QuantizedNodeGraph::import(corrupt);
  }
}

TEST(OnnxImportErrors, MissingInitializerWrongTypesAndShapes) {
  {
    ModelBuilder b;
    b.input("x", pb::TensorProto::FLOAT, {1, 4, 6, 6});
    b.node("Conv", "conv", {"x", "missing_w"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("'missing_w' is not defined"),
              std::string::npos);
  }
  {
    ModelBuilder b;
    b.input("x", pb::TensorProto::INT64, {1, 4, 6, 6});
    b.floats("w", {4, 4, 3, 3}, ramp(144, 0.1f));
    b.node("Conv", "conv", {"x", "w"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("int64"), std::string::npos);
  }
  {
    ModelBuilder b;
    b.input("x", pb::TensorProto::FLOAT, {2, 4, 6, 6});
    b.floats("w", {4, 4, 3, 3}, ramp(144, 0.1f));
    b.node("Conv", "conv", {"x", "w"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {2, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("batch 1"), std::string::npos);
  }
  {
    ModelBuilder b;
    b.input("x", pb::TensorProto::FLOAT, {1, 3, 6, 6});
    b.floats("w", {4, 4, 3, 3}, ramp(144, 0.1f));
    b.node("Conv", "conv", {"x", "w"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("input channels"), std::string::npos);
  }
  {
    // Initializer data that does not match its dims.
    ModelBuilder b;
    b.input("x", pb::TensorProto::FLOAT, {1, 4, 6, 6});
    b.floats("w", {4, 4, 3, 3}, ramp(100, 0.1f));
    b.node("Conv", "conv", {"x", "w"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, 4, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("'w'"), std::string::npos);
  }
  {
    // A quantized model whose conv output is never quantized.
    QuantConv conv;
    ModelBuilder b;
    conv.common(b);
    b.input("x", pb::TensorProto::FLOAT, {1, QuantConv::C, 6, 5});
    b.node("QuantizeLinear", "xq", {"x", "x_scale", "x_zp"}, {"x_q"});
    b.node("DequantizeLinear", "xdq", {"x_q", "x_scale", "x_zp"}, {"x_f"});
    auto *wd = b.node("DequantizeLinear", "wdq", {"w", "w_scale", "w_zp"},
                      {"w_f"});
    ModelBuilder::i(wd, "axis", 0);
    b.node("Conv", "conv", {"x_f", "w_f"}, {"y"});
    b.output("y", pb::TensorProto::FLOAT, {1, QuantConv::M, 4, 3});
    EXPECT_NE(importError(b.bytes()).find("node 'conv' (Conv): its output is "
                                          "not quantized"),
              std::string::npos);
  }
  {
    // uint8 weights whose zero point leaves int8.
    ModelBuilder b;
    b.input("x", pb::TensorProto::UINT8, {1, 2, 4, 4});
    b.tensor("w", pb::TensorProto::UINT8, {2, 2, 1, 1},
             std::vector<uint8_t>{0, 255, 10, 20});
    b.floats("s", {}, {0.1f});
    b.tensor("z", pb::TensorProto::UINT8, {}, std::vector<uint8_t>{0});
    b.node("QLinearConv", "qconv", {"x", "s", "z", "w", "s", "z", "s", "z"},
           {"y"});
    b.output("y", pb::TensorProto::UINT8, {1, 2, 4, 4});
    EXPECT_NE(importError(b.bytes()).find("does not fit int8"),
              std::string::npos);
  }
}

TEST(OnnxImportErrors, MissingFiles) {
  auto m = spaceevo::onnx::importModelFile("/nonexistent/model.onnx");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().find("/nonexistent/model.onnx"), std::string::npos);
  auto g = spaceevo::onnx::QuantizedNodeGraph::importFile("/nonexistent/x.onnx");
  EXPECT_FALSE(g.ok());
  auto t = spaceevo::onnx::readTensorFile("/nonexistent/input_0.pb");
  EXPECT_FALSE(t.ok());
}

TEST(OnnxImportErrors, NodeGraphNamesNodesAndTypes) {
  ModelBuilder b;
  b.input("x", pb::TensorProto::FLOAT, {1, 4});
  b.node("Softmax", "sm", {"x"}, {"y"});
  b.output("y", pb::TensorProto::FLOAT, {1, 4});
  auto g = spaceevo::onnx::QuantizedNodeGraph::import(b.bytes());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "unsupported operator 'Softmax' (node 'sm')");

  // QuantizeLinear of an integer tensor is a type error at run time.
  QuantConv conv;
  auto q = spaceevo::onnx::QuantizedNodeGraph::import(conv.qoperator());
  ASSERT_TRUE(q.ok());
  spaceevo::onnx::OnnxTensor x;
  x.type = spaceevo::onnx::OnnxTensor::Float;
  x.dims = {1, QuantConv::C, QuantConv::H, QuantConv::W};
  x.values.assign(size_t(QuantConv::C * QuantConv::H * QuantConv::W), 1.0);
  auto out = q->run({x});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().find("node 'qconv' (QLinearConv)"), std::string::npos);
  EXPECT_NE(out.error().find("float32"), std::string::npos);
}

//===----------------------------------------------------------------------===//
// Round trip through the exporter
//===----------------------------------------------------------------------===//

using spaceevo::testing::block;

/// Blocks covering every primitive and activation, and a head.
std::vector<Expansion> roundTripZoo() {
  std::vector<Expansion> zoo = {
      block(BlockType::MBv2Res, 3, 16, 4, 2, 12, 9),       // ReLU6, downsample
      block(BlockType::MBv3ResHswish, 5, 16, 4, 1, 16, 7), // SE, Hswish, add
      block(BlockType::MBv3ResSwish, 3, 24, 3, 2, 16, 8),  // Swish
      block(BlockType::ResNetSE, 3, 20, 1, 1, 20, 6),      // ReLU after add
      block(BlockType::FusedMBConvSE, 3, 16, 2, 1, 16, 6),
      block(BlockType::MBv1Dual, 7, 13, 0, 2, 11, 9),
  };
  Expansion withHead = block(BlockType::ResNet, 3, 24, 0.5, 2, 16, 10);
  HeadConfig head = hyperspaceHead(HyperspaceKind::OnnxW);
  head.finalExpandWidth = 40;
  head.featureMixWidth = 48;
  head.numClasses = 10;
  auto h = expandHead(head, withHead.outChannels, withHead.outHeight,
                      withHead.outWidth);
  EXPECT_TRUE(h.ok()) << h.error();
  appendExpansion(withHead, *h);
  zoo.push_back(withHead);
  return zoo;
}

struct Prepared {
  ExpansionParameters parameters;
  QuantizedExpansion graph;
};

Prepared prepare(const Expansion &e, uint64_t seed) {
  Prepared p;
  auto params = initializeParameters(e, {WeightInit::Mode::HeNormal, seed, {}});
  EXPECT_TRUE(params.ok()) << params.error();
  p.parameters = *params;
  TensorShape shape = *expansionInputShape(e);
  std::vector<Tensor> calibration;
  for (uint64_t i = 0; i < 3; ++i)
    calibration.push_back(randomTensor(shape, seed * 100 + i));
  auto graph = quantizePostTraining(e, p.parameters, calibration);
  EXPECT_TRUE(graph.ok()) << graph.error();
  if (graph.ok())
    p.graph = *graph;
  return p;
}

bool exporterReady() {
  auto probe = spaceevo::onnx::exportFloat(
      block(BlockType::MBv2Res, 3, 8, 4, 1, 8, 4),
      *initializeParameters(block(BlockType::MBv2Res, 3, 8, 4, 1, 8, 4), {}));
  return probe.ok() ||
         probe.error().find("not implemented") == std::string::npos;
}

TEST(OnnxRoundTrip, QuantizedExportImportIsBitIdentical) {
  if (!exporterReady())
    GTEST_SKIP() << "lib/onnx/Export.cpp is not implemented yet";
  uint64_t seed = 1;
  for (const Expansion &e : roundTripZoo()) {
    for (int64_t opset : {13, 14}) {
      for (int variant = 0; variant < 3; ++variant) {
        // Float interface, uint8 interface, tables as Cast -> Gather.
        bool floatInterface = variant != 1;
        bool gather = variant == 2;
        SCOPED_TRACE("expansion " + std::to_string(seed) + " opset " +
                     std::to_string(opset) +
                     (floatInterface ? " float io" : " uint8 io") +
                     (gather ? " gather tables" : ""));
        Prepared p = prepare(e, seed);
        spaceevo::onnx::ExportOptions options;
        options.opset = opset;
        options.floatInterface = floatInterface;
        if (gather)
          options.tables = spaceevo::onnx::ExportOptions::Tables::Gather;
        auto bytes = spaceevo::onnx::exportQuantized(p.graph, options);
        ASSERT_TRUE(bytes.ok()) << bytes.error();
        auto model = importModel(*bytes);
        ASSERT_TRUE(model.ok()) << model.error();
        ASSERT_EQ(model->kind, ImportedModel::Kind::Quantized);
        const QuantizedExpansion &g = model->quantized;
        ASSERT_EQ(g.ops.size(), p.graph.ops.size());
        EXPECT_EQ(g.input.scale, p.graph.input.scale);
        EXPECT_EQ(g.input.zeroPoint, p.graph.input.zeroPoint);
        for (size_t i = 0; i < g.ops.size(); ++i) {
          const auto &a = g.ops[i].kernel, &b = p.graph.ops[i].kernel;
          EXPECT_EQ(g.expansion.ops[i].kind, e.ops[i].kind) << "op " << i;
          EXPECT_EQ(g.expansion.ops[i].act, e.ops[i].act) << "op " << i;
          EXPECT_EQ(g.ops[i].input, p.graph.ops[i].input) << "op " << i;
          EXPECT_EQ(g.ops[i].other, p.graph.ops[i].other) << "op " << i;
          EXPECT_EQ(a.weights, b.weights) << "op " << i;
          EXPECT_EQ(a.bias, b.bias) << "op " << i;
          EXPECT_EQ(a.output.multiplier, b.output.multiplier) << "op " << i;
          EXPECT_EQ(a.output.shift, b.output.shift) << "op " << i;
          EXPECT_EQ(a.output.zeroPoint, b.output.zeroPoint) << "op " << i;
          EXPECT_EQ(a.output.clampMin, b.output.clampMin) << "op " << i;
          EXPECT_EQ(a.output.clampMax, b.output.clampMax) << "op " << i;
          EXPECT_EQ(a.output.table, b.output.table) << "op " << i;
        }
        auto original = Int8Network::create(p.graph, {Int8Backend::Reference});
        auto imported = Int8Network::create(g, {Int8Backend::Reference});
        ASSERT_TRUE(original.ok()) << original.error();
        ASSERT_TRUE(imported.ok()) << imported.error();
        for (uint64_t k = 0; k < 3; ++k) {
          Tensor x = randomTensor(g.inputShape, seed * 7 + k);
          std::vector<uint8_t> in = original->quantizeInput(x), want, got;
          ASSERT_TRUE(original->run(in, want).ok());
          ASSERT_TRUE(imported->run(imported->quantizeInput(x), got).ok());
          EXPECT_EQ(got, want) << "input " << k;
        }
      }
    }
    ++seed;
  }
}

TEST(OnnxRoundTrip, FloatExportImportIsIdentical) {
  if (!exporterReady())
    GTEST_SKIP() << "lib/onnx/Export.cpp is not implemented yet";
  uint64_t seed = 11;
  for (const Expansion &e : roundTripZoo()) {
    for (int64_t opset : {13, 14}) {
      SCOPED_TRACE("expansion " + std::to_string(seed) + " opset " +
                   std::to_string(opset));
      Prepared p = prepare(e, seed);
      spaceevo::onnx::ExportOptions options;
      options.opset = opset;
      auto bytes = spaceevo::onnx::exportFloat(e, p.parameters, options);
      ASSERT_TRUE(bytes.ok()) << bytes.error();
      auto model = importModel(*bytes);
      ASSERT_TRUE(model.ok()) << model.error();
      ASSERT_EQ(model->kind, ImportedModel::Kind::Float);
      ASSERT_EQ(model->expansion.ops.size(), e.ops.size());
      for (size_t i = 0; i < e.ops.size(); ++i)
        EXPECT_EQ(model->expansion.ops[i].act, e.ops[i].act) << "op " << i;
      auto original =
          FloatNetwork::create(e, p.parameters, FloatBackend::Reference);
      auto imported = FloatNetwork::create(model->expansion, model->parameters,
                                           FloatBackend::Reference);
      ASSERT_TRUE(original.ok()) << original.error();
      ASSERT_TRUE(imported.ok()) << imported.error();
      Tensor x = randomTensor(*expansionInputShape(e), seed);
      auto want = original->run(x), got = imported->run(x);
      ASSERT_TRUE(want.ok() && got.ok());
      ASSERT_EQ(got->values.size(), want->values.size());
      for (size_t k = 0; k < got->values.size(); ++k)
        EXPECT_EQ(got->values[k], want->values[k]) << "element " << k;
    }
    ++seed;
  }
}

} // namespace
