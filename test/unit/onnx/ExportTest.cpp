//===- ExportTest.cpp - Structure and numbers of exported ONNX models -----===//
//
// The exported models are parsed back with libonnx's protobuf classes and
// checked node by node: op types and their order around each primitive
// (QDQ), initializer types and shapes (NCHW weights, per-channel axis 0),
// and scales, zero points, weights and biases equal to the
// QuantizedExpansion's. Numerics against ONNX Runtime are test/onnx/'s job.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/exec/Synthetic.h"
#include "spaceevo/onnx/Onnx.h"

#include <onnx/onnx_pb.h>
#ifdef SPACEEVO_TEST_HAVE_ONNX_CHECKER
#include <onnx/checker.h>
#endif

#include "../common/BlockFixture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

using namespace spaceevo;
using namespace spaceevo::exec;

namespace {

using spaceevo::testing::block;

/// A block followed by the onnxw or mobilew head (every primitive kind and
/// every activation of a real network, at a size a test runs quickly).
Expansion blockWithHead(BlockType type, HyperspaceKind kind) {
  Expansion e = block(type, 3, 24, 4, 2, 16, 12);
  HeadConfig head = hyperspaceHead(kind);
  head.finalExpandWidth = 40;
  head.featureMixWidth = 48;
  head.numClasses = 10;
  auto h = expandHead(head, e.outChannels, e.outHeight, e.outWidth);
  EXPECT_TRUE(h.ok()) << h.error();
  appendExpansion(e, *h);
  return e;
}

SyntheticNetwork quantized(const Expansion &e, uint64_t seed = 3) {
  SyntheticOptions options;
  options.init.seed = seed;
  options.floatBackend = FloatBackend::Reference;
  auto network = quantizeSynthetic(e, options);
  EXPECT_TRUE(network.ok()) << network.error();
  return network.ok() ? *network : SyntheticNetwork{};
}

::onnx::ModelProto parse(const std::string &bytes) {
  ::onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes));
  return model;
}

/// Lookups into one parsed graph.
struct Graph {
  explicit Graph(const ::onnx::ModelProto &model) : g(model.graph()) {
    for (const auto &t : g.initializer())
      initializers[t.name()] = &t;
    for (const auto &n : g.node())
      for (const auto &out : n.output())
        producers[out] = &n;
  }
  const ::onnx::GraphProto &g;
  std::map<std::string, const ::onnx::TensorProto *> initializers;
  std::map<std::string, const ::onnx::NodeProto *> producers;

  const ::onnx::TensorProto &init(const std::string &name) const {
    auto it = initializers.find(name);
    EXPECT_NE(it, initializers.end()) << name;
    static ::onnx::TensorProto empty;
    return it == initializers.end() ? empty : *it->second;
  }
  const ::onnx::NodeProto *producer(const std::string &name) const {
    auto it = producers.find(name);
    return it == producers.end() ? nullptr : it->second;
  }
  std::vector<const ::onnx::NodeProto *> nodes(const std::string &op) const {
    std::vector<const ::onnx::NodeProto *> result;
    for (const auto &n : g.node())
      if (n.op_type() == op)
        result.push_back(&n);
    return result;
  }
  const ::onnx::NodeProto *named(const std::string &name) const {
    for (const auto &n : g.node())
      if (n.name() == name)
        return &n;
    return nullptr;
  }
};

template <typename T> std::vector<T> values(const ::onnx::TensorProto &t) {
  std::vector<T> v(t.raw_data().size() / sizeof(T));
  std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(T));
  return v;
}

std::vector<int64_t> dims(const ::onnx::TensorProto &t) {
  return std::vector<int64_t>(t.dims().begin(), t.dims().end());
}

int64_t intAttribute(const ::onnx::NodeProto &n, const std::string &name,
                     int64_t fallback = -1) {
  for (const auto &a : n.attribute())
    if (a.name() == name)
      return a.i();
  return fallback;
}

std::vector<int64_t> intsAttribute(const ::onnx::NodeProto &n,
                                   const std::string &name) {
  for (const auto &a : n.attribute())
    if (a.name() == name)
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
  return {};
}

std::string prefixOf(size_t i, const Primitive &op) {
  return "op" + std::to_string(i) + "_" + op.role;
}

#ifdef SPACEEVO_TEST_HAVE_ONNX_CHECKER
void expectChecks(const std::string &bytes) {
  ::onnx::ModelProto model = parse(bytes);
  try {
    ::onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    ADD_FAILURE() << "onnx checker: " << e.what();
  }
}
#else
void expectChecks(const std::string &) {}
#endif

} // namespace

TEST(OnnxExport, QuantizedStructureAndNumbers) {
  Expansion e = blockWithHead(BlockType::MBv3ResHswish, HyperspaceKind::OnnxW);
  SyntheticNetwork net = quantized(e);
  const QuantizedExpansion &q = net.graph;
  auto bytes = spaceevo::onnx::exportQuantized(q);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  expectChecks(*bytes);
  ::onnx::ModelProto model = parse(*bytes);
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).version(), 13);
  Graph g(model);

  // Float interface: Q at the input, DQ at the output, NCHW shapes.
  ASSERT_EQ(g.g.input_size(), 1);
  EXPECT_EQ(g.g.input(0).type().tensor_type().elem_type(),
            ::onnx::TensorProto_DataType_FLOAT);
  auto inShape = g.g.input(0).type().tensor_type().shape();
  ASSERT_EQ(inShape.dim_size(), 4);
  EXPECT_EQ(inShape.dim(1).dim_value(), 16);
  EXPECT_EQ(inShape.dim(2).dim_value(), 12);
  ASSERT_EQ(g.g.output_size(), 1);
  EXPECT_EQ(g.g.output(0).type().tensor_type().shape().dim_size(), 2);
  EXPECT_EQ(values<float>(g.init("input_q_scale"))[0], q.input.scale);
  EXPECT_EQ(values<uint8_t>(g.init("input_q_zero_point"))[0],
            q.input.zeroPoint);
  EXPECT_EQ(g.producer("output")->op_type(), "DequantizeLinear");

  size_t convs = 0;
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const Primitive &op = e.ops[i];
    const QuantizedOp &qop = q.ops[i];
    std::string p = prefixOf(i, op);
    SCOPED_TRACE(p);
    // Every op ends in QuantizeLinear with its output parameters.
    const ::onnx::NodeProto *quant = g.producer(p + "_q");
    ASSERT_NE(quant, nullptr);
    EXPECT_EQ(quant->op_type(), "QuantizeLinear");
    EXPECT_EQ(values<float>(g.init(p + "_q_scale")),
              std::vector<float>{qop.output.scale});
    EXPECT_EQ(values<uint8_t>(g.init(p + "_q_zero_point")),
              std::vector<uint8_t>{uint8_t(qop.output.zeroPoint)});
    EXPECT_TRUE(dims(g.init(p + "_q_scale")).empty()); // per tensor
    // Table activations requantize into the pre-activation tensor first.
    bool table = qop.kernel.output.table.has_value();
    if (table) {
      EXPECT_EQ(values<float>(g.init(p + "_pre_q_scale"))[0],
                qop.preActivation.scale);
      EXPECT_EQ(values<uint8_t>(g.init(p + "_pre_q_zero_point"))[0],
                qop.preActivation.zeroPoint);
    } else {
      EXPECT_EQ(g.initializers.count(p + "_pre_q_scale"), 0u);
    }
    const ::onnx::NodeProto *node = g.named(p);
    ASSERT_NE(node, nullptr);
    switch (op.kind) {
    case PrimitiveKind::Conv:
    case PrimitiveKind::DepthwiseConv: {
      ++convs;
      bool depthwise = op.kind == PrimitiveKind::DepthwiseConv;
      EXPECT_EQ(node->op_type(), "Conv");
      EXPECT_EQ(intAttribute(*node, "group"), depthwise ? op.outChannels : 1);
      EXPECT_EQ(intsAttribute(*node, "kernel_shape"),
                (std::vector<int64_t>{op.kernel, op.kernel}));
      EXPECT_EQ(intsAttribute(*node, "strides"),
                (std::vector<int64_t>{op.stride, op.stride}));
      EXPECT_EQ(intsAttribute(*node, "pads"),
                std::vector<int64_t>(4, op.padding));
      ASSERT_EQ(node->input_size(), 3);
      EXPECT_EQ(g.producer(node->input(0))->op_type(), "DequantizeLinear");
      // Weights: int8 OIHW (depthwise [C, 1, k, k]) behind a per-channel DQ.
      const ::onnx::NodeProto *wdq = g.producer(node->input(1));
      ASSERT_NE(wdq, nullptr);
      EXPECT_EQ(wdq->op_type(), "DequantizeLinear");
      EXPECT_EQ(intAttribute(*wdq, "axis"), 0);
      const auto &w = g.init(wdq->input(0));
      EXPECT_EQ(w.data_type(), ::onnx::TensorProto_DataType_INT8);
      int64_t ic = depthwise ? 1 : op.inChannels;
      EXPECT_EQ(dims(w), (std::vector<int64_t>{op.outChannels, ic, op.kernel,
                                               op.kernel}));
      EXPECT_EQ(values<float>(g.init(wdq->input(1))), qop.weightScales);
      EXPECT_EQ(values<int8_t>(g.init(wdq->input(2))),
                std::vector<int8_t>(size_t(op.outChannels), 0));
      // One weight, transposed: output channel o, input channel c, tap (y, x).
      std::vector<int8_t> onnxW = values<int8_t>(w);
      const auto &ours = qop.kernel.weights;
      int64_t k = op.kernel, o = op.outChannels - 1, y = k - 1, x = 0;
      int64_t c = ic - 1;
      int8_t expected =
          depthwise ? ours[size_t((y * k + x) * op.outChannels + o)]
                    : ours[size_t(((o * k + y) * k + x) * op.inChannels + c)];
      EXPECT_EQ(onnxW[size_t(((o * ic + c) * k + y) * k + x)], expected);
      // Bias: the kernel's int32 values, scale input_scale * weight_scale.
      const ::onnx::NodeProto *bdq = g.producer(node->input(2));
      ASSERT_NE(bdq, nullptr);
      const auto &b = g.init(bdq->input(0));
      EXPECT_EQ(b.data_type(), ::onnx::TensorProto_DataType_INT32);
      EXPECT_EQ(values<int32_t>(b), qop.kernel.bias);
      float inScale = op.input == kExpansionInput
                          ? q.input.scale
                          : q.ops[size_t(op.input)].output.scale;
      auto biasScales = values<float>(g.init(bdq->input(1)));
      ASSERT_EQ(biasScales.size(), size_t(op.outChannels));
      EXPECT_FLOAT_EQ(biasScales[0], inScale * qop.weightScales[0]);
      break;
    }
    case PrimitiveKind::FullyConnected: {
      EXPECT_EQ(node->op_type(), "Gemm");
      EXPECT_EQ(intAttribute(*node, "transB"), 1);
      const ::onnx::NodeProto *wdq = g.producer(node->input(1));
      const auto &w = g.init(wdq->input(0));
      EXPECT_EQ(dims(w), (std::vector<int64_t>{op.outChannels, op.inChannels}));
      EXPECT_EQ(values<int8_t>(w), qop.kernel.weights);
      EXPECT_EQ(intAttribute(*wdq, "axis"), 0);
      // The uint8 [1, C, 1, 1] is flattened before it is dequantized.
      const ::onnx::NodeProto *xdq = g.producer(node->input(0));
      EXPECT_EQ(xdq->op_type(), "DequantizeLinear");
      EXPECT_EQ(g.producer(xdq->input(0))->op_type(), "Reshape");
      break;
    }
    case PrimitiveKind::GlobalAvgPool:
      EXPECT_EQ(node->op_type(), "GlobalAveragePool");
      break;
    case PrimitiveKind::ChannelScale:
      EXPECT_EQ(node->op_type(), "Mul");
      EXPECT_EQ(g.producer(node->input(1))->op_type(), "DequantizeLinear");
      break;
    case PrimitiveKind::Add:
      EXPECT_EQ(node->op_type(), "Add");
      EXPECT_EQ(g.producer(node->input(0))->op_type(), "DequantizeLinear");
      EXPECT_EQ(g.producer(node->input(1))->op_type(), "DequantizeLinear");
      break;
    }
  }
  EXPECT_GE(convs, 6u);
  // Opset 13 has no HardSwish: x * HardSigmoid(x), alpha 1/6, beta 1/2.
  EXPECT_TRUE(g.nodes("HardSwish").empty());
  EXPECT_FALSE(g.nodes("HardSigmoid").empty());
  for (const auto *n : g.nodes("HardSigmoid")) {
    for (const auto &a : n->attribute()) {
      if (a.name() == "alpha")
        EXPECT_FLOAT_EQ(a.f(), 1.0f / 6.0f);
      if (a.name() == "beta")
        EXPECT_FLOAT_EQ(a.f(), 0.5f);
    }
  }
}

TEST(OnnxExport, OpsetSelectsHardSwishAndSwishIsSigmoidMul) {
  Expansion onnxw =
      blockWithHead(BlockType::MBv3ResHswish, HyperspaceKind::OnnxW);
  spaceevo::onnx::ExportOptions options;
  options.opset = 14;
  auto bytes = spaceevo::onnx::exportQuantized(quantized(onnxw).graph, options);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  expectChecks(*bytes);
  ::onnx::ModelProto model = parse(*bytes);
  EXPECT_EQ(model.opset_import(0).version(), 14);
  Graph g(model);
  EXPECT_FALSE(g.nodes("HardSwish").empty());

  Expansion mobilew =
      blockWithHead(BlockType::FusedMBConvSE, HyperspaceKind::MobileW);
  auto swish = spaceevo::onnx::exportQuantized(quantized(mobilew).graph);
  ASSERT_TRUE(swish.ok()) << swish.error();
  expectChecks(*swish);
  ::onnx::ModelProto m2 = parse(*swish);
  Graph g2(m2);
  EXPECT_FALSE(g2.nodes("Sigmoid").empty());
  for (const auto *s : g2.nodes("Sigmoid")) {
    // Sigmoid(x) multiplies x itself: a Mul reads both.
    bool used = false;
    for (const auto *mul : g2.nodes("Mul"))
      if (mul->input(0) == s->input(0) && mul->input(1) == s->output(0))
        used = true;
    EXPECT_TRUE(used) << s->name();
  }
}

TEST(OnnxExport, ReluAndClipPatterns) {
  // MBv2 (ReLU6 = Clip(0, 6)) and ResNet (ReLU after the residual add).
  for (BlockType type : {BlockType::MBv2Res, BlockType::ResNet}) {
    Expansion e = block(type, 3, 16, type == BlockType::ResNet ? 1.0 : 4.0, 1,
                        16, 9);
    auto bytes = spaceevo::onnx::exportQuantized(quantized(e).graph);
    ASSERT_TRUE(bytes.ok()) << bytes.error();
    expectChecks(*bytes);
    ::onnx::ModelProto model = parse(*bytes);
    Graph g(model);
    for (size_t i = 0; i < e.ops.size(); ++i) {
      std::string p = prefixOf(i, e.ops[i]);
      const ::onnx::NodeProto *quant = g.producer(p + "_q");
      ASSERT_NE(quant, nullptr) << p;
      const ::onnx::NodeProto *before = g.producer(quant->input(0));
      ASSERT_NE(before, nullptr) << p;
      switch (e.ops[i].act) {
      case Activation::ReLU:
        EXPECT_EQ(before->op_type(), "Relu") << p;
        break;
      case Activation::ReLU6: {
        EXPECT_EQ(before->op_type(), "Clip") << p;
        EXPECT_EQ(values<float>(g.init(before->input(1)))[0], 0.0f);
        EXPECT_EQ(values<float>(g.init(before->input(2)))[0], 6.0f);
        break;
      }
      default:
        EXPECT_EQ(before->name(), p) << p; // the op itself
        break;
      }
    }
  }
}

TEST(OnnxExport, Uint8Interface) {
  Expansion e = block(BlockType::MBv1Dual, 5, 24, 0, 2, 16, 10);
  SyntheticNetwork net = quantized(e);
  spaceevo::onnx::ExportOptions options;
  options.floatInterface = false;
  options.graphName = "dual";
  auto bytes = spaceevo::onnx::exportQuantized(net.graph, options);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  expectChecks(*bytes);
  ::onnx::ModelProto model = parse(*bytes);
  EXPECT_EQ(model.graph().name(), "dual");
  Graph g(model);
  EXPECT_EQ(g.g.input(0).type().tensor_type().elem_type(),
            ::onnx::TensorProto_DataType_UINT8);
  EXPECT_EQ(g.g.output(0).type().tensor_type().elem_type(),
            ::onnx::TensorProto_DataType_UINT8);
  EXPECT_EQ(g.producer("output")->op_type(), "QuantizeLinear");
  EXPECT_EQ(values<float>(g.init(g.producer("output")->input(1)))[0],
            net.graph.ops.back().output.scale);
  EXPECT_TRUE(g.nodes("QuantizeLinear").size() == e.ops.size());
}

TEST(OnnxExport, FloatModelCarriesFoldedParameters) {
  Expansion e = blockWithHead(BlockType::ResNetSE, HyperspaceKind::OnnxW);
  SyntheticNetwork net = quantized(e);
  auto bytes = spaceevo::onnx::exportFloat(e, net.parameters);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  expectChecks(*bytes);
  ::onnx::ModelProto model = parse(*bytes);
  Graph g(model);
  EXPECT_TRUE(g.nodes("QuantizeLinear").empty());
  EXPECT_TRUE(g.nodes("DequantizeLinear").empty());
  auto folded = foldParameters(e, net.parameters);
  ASSERT_TRUE(folded.ok());
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const Primitive &op = e.ops[i];
    if (op.kind != PrimitiveKind::Conv)
      continue;
    std::string p = prefixOf(i, op);
    const auto &w = g.init(p + "_weight");
    EXPECT_EQ(w.data_type(), ::onnx::TensorProto_DataType_FLOAT);
    EXPECT_EQ(dims(w), (std::vector<int64_t>{op.outChannels, op.inChannels,
                                             op.kernel, op.kernel}));
    // Folded weight of channel 0, tap (0, k-1), input channel 1: OHWI -> OIHW.
    int64_t k = op.kernel, ic = op.inChannels, x = k - 1, c = 1;
    EXPECT_EQ(values<float>(w)[size_t((c * k + 0) * k + x)],
              (*folded)[i].weights[size_t((0 * k + x) * ic + c)]);
    EXPECT_EQ(values<float>(g.init(p + "_bias")), (*folded)[i].bias);
  }
  EXPECT_EQ(g.nodes("Gemm").size(), 1u);
  EXPECT_EQ(g.nodes("GlobalAveragePool").size(), 2u); // SE + head
}

TEST(OnnxExport, Errors) {
  Expansion e = block(BlockType::MBv2Res, 3, 16, 4, 1, 16, 8);
  SyntheticNetwork net = quantized(e);

  spaceevo::onnx::ExportOptions badOpset;
  badOpset.opset = 11;
  auto r = spaceevo::onnx::exportQuantized(net.graph, badOpset);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("opset 11"), std::string::npos) << r.error();
  badOpset.opset = 30;
  EXPECT_FALSE(spaceevo::onnx::exportFloat(e, net.parameters, badOpset).ok());

  spaceevo::onnx::ExportOptions unnamed;
  unnamed.graphName = "";
  EXPECT_FALSE(spaceevo::onnx::exportQuantized(net.graph, unnamed).ok());

  QuantizedExpansion missing = net.graph;
  missing.ops.pop_back();
  r = spaceevo::onnx::exportQuantized(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("ops"), std::string::npos) << r.error();

  QuantizedExpansion scales = net.graph;
  scales.ops[1].weightScales.pop_back();
  r = spaceevo::onnx::exportQuantized(scales);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("op 1 (depthwise_conv 'depthwise')"),
            std::string::npos)
      << r.error();

  QuantizedExpansion negative = net.graph;
  negative.ops[0].weightScales[0] = -1.0f;
  r = spaceevo::onnx::exportQuantized(negative);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("op 0"), std::string::npos) << r.error();

  QuantizedExpansion kind = net.graph;
  kind.ops[2].kernel.kind = runtime::OpKind::Add;
  r = spaceevo::onnx::exportQuantized(kind);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("op 2"), std::string::npos) << r.error();

  QuantizedExpansion table = net.graph;
  table.ops[0].kernel.output.table = runtime::LookupTable{};
  r = spaceevo::onnx::exportQuantized(table);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("table"), std::string::npos) << r.error();

  QuantizedExpansion input = net.graph;
  input.input.scale = 0.0f;
  EXPECT_FALSE(spaceevo::onnx::exportQuantized(input).ok());

  QuantizedExpansion zeroPoint = net.graph;
  zeroPoint.ops[0].output.zeroPoint = 300;
  EXPECT_FALSE(spaceevo::onnx::exportQuantized(zeroPoint).ok());

  QuantizedExpansion empty;
  EXPECT_FALSE(spaceevo::onnx::exportQuantized(empty).ok());

  ExpansionParameters wrong = net.parameters;
  wrong.ops[0].weights.pop_back();
  auto f = spaceevo::onnx::exportFloat(e, wrong);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("op 0"), std::string::npos) << f.error();
}

TEST(OnnxExport, Deterministic) {
  Expansion e = blockWithHead(BlockType::FusedMBConv, HyperspaceKind::OnnxW);
  SyntheticNetwork a = quantized(e, 5), b = quantized(e, 5);
  auto x = spaceevo::onnx::exportQuantized(a.graph), y = spaceevo::onnx::exportQuantized(b.graph);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(*x, *y);
  auto fx = spaceevo::onnx::exportFloat(e, a.parameters);
  auto fy = spaceevo::onnx::exportFloat(e, b.parameters);
  ASSERT_TRUE(fx.ok() && fy.ok());
  EXPECT_EQ(*fx, *fy);
}
