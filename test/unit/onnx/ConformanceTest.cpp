//===- ConformanceTest.cpp - ONNX's node tests, imported and executed ------===//
//
// ONNX's own backend node tests for the quantized operators (Debian
// libonnx-testdata): each model.onnx is imported as a QuantizedNodeGraph,
// executed on test_data_set_0/input_*.pb with lib/runtime's reference
// cores, and every output must equal output_*.pb exactly (dims, element
// type, every value). Requantization by our TOSA output stage instead of
// ONNX's float rule must land within one step.
//
// The data directory is SPACEEVO_ONNX_NODE_TESTS, else Debian's path; the
// tests skip when neither exists.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/onnx/NodeGraph.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>

using namespace spaceevo::onnx;
namespace fs = std::filesystem;

namespace {

const char *const kNodeTests[] = {
    "test_qlinearconv",
    "test_qlinearmatmul_2D",
    "test_qlinearmatmul_3D",
    "test_convinteger_with_padding",
    "test_convinteger_without_padding",
    "test_basic_convinteger",
    "test_matmulinteger",
    "test_quantizelinear",
    "test_quantizelinear_axis",
    "test_dequantizelinear",
    "test_dequantizelinear_axis",
};

fs::path dataRoot() {
  const char *root = std::getenv("SPACEEVO_ONNX_NODE_TESTS");
  return root && *root ? fs::path(root)
                       : fs::path("/usr/share/libonnx-testdata/data/node");
}

/// A node test's model, inputs and expected outputs.
struct NodeTest {
  QuantizedNodeGraph graph;
  std::vector<OnnxTensor> inputs, outputs;
};

/// Loads <root>/<name>; "" or the error.
std::string load(const std::string &name, std::optional<NodeTest> &test) {
  fs::path dir = dataRoot() / name;
  auto graph = QuantizedNodeGraph::importFile((dir / "model.onnx").string());
  if (!graph)
    return graph.error();
  NodeTest t{std::move(*graph), {}, {}};
  fs::path data = dir / "test_data_set_0";
  for (size_t i = 0; i < t.graph.inputNames().size(); ++i) {
    auto in =
        readTensorFile((data / ("input_" + std::to_string(i) + ".pb")).string());
    if (!in)
      return in.error();
    t.inputs.push_back(std::move(*in));
  }
  for (size_t i = 0; i < t.graph.outputNames().size(); ++i) {
    auto out = readTensorFile(
        (data / ("output_" + std::to_string(i) + ".pb")).string());
    if (!out)
      return out.error();
    t.outputs.push_back(std::move(*out));
  }
  test.emplace(std::move(t));
  return "";
}

/// Number of elements that differ by more than `tolerance` (and a message
/// for the first few); a dims or type mismatch counts as everything.
size_t compare(const OnnxTensor &got, const OnnxTensor &want,
               double tolerance, std::string &report) {
  if (got.dims != want.dims || got.type != want.type) {
    report = "got " + tensorTypeName(got.type) + dimsText(got.dims) +
             ", want " + tensorTypeName(want.type) + dimsText(want.dims);
    return size_t(std::max<int64_t>(1, want.elements()));
  }
  size_t bad = 0;
  for (size_t i = 0; i < want.values.size(); ++i) {
    bool same = got.values[i] == want.values[i] ||
                (std::isnan(got.values[i]) && std::isnan(want.values[i]));
    if (!same && std::fabs(got.values[i] - want.values[i]) > tolerance) {
      if (++bad <= 5)
        report += " [" + std::to_string(i) + "] " +
                  std::to_string(got.values[i]) + " != " +
                  std::to_string(want.values[i]) + ";";
    }
  }
  return bad;
}

bool haveData() { return fs::exists(dataRoot() / kNodeTests[0] / "model.onnx"); }

class OnnxConformance : public ::testing::TestWithParam<const char *> {};

TEST_P(OnnxConformance, MatchesExpectedOutputs) {
  if (!haveData())
    GTEST_SKIP() << "ONNX node test data not found (libonnx-testdata)";
  std::optional<NodeTest> test;
  ASSERT_EQ(load(GetParam(), test), "");
  auto outputs = test->graph.run(test->inputs, Requantization::Onnx);
  ASSERT_TRUE(outputs.ok()) << outputs.error();
  ASSERT_EQ(outputs->size(), test->outputs.size());
  for (size_t i = 0; i < outputs->size(); ++i) {
    std::string report;
    EXPECT_EQ(compare((*outputs)[i], test->outputs[i], 0.0, report), 0u)
        << "output " << i << ":" << report;
  }
}

/// Our kernels requantize with TOSA's integer multiplier and shift instead
/// of ONNX's float product: never more than one step away.
TEST_P(OnnxConformance, TosaRequantizationWithinOneStep) {
  if (!haveData())
    GTEST_SKIP() << "ONNX node test data not found (libonnx-testdata)";
  std::optional<NodeTest> test;
  ASSERT_EQ(load(GetParam(), test), "");
  auto outputs = test->graph.run(test->inputs, Requantization::Tosa);
  ASSERT_TRUE(outputs.ok()) << outputs.error();
  for (size_t i = 0; i < outputs->size(); ++i) {
    std::string report;
    EXPECT_EQ(compare((*outputs)[i], test->outputs[i], 1.0, report), 0u)
        << "output " << i << ":" << report;
  }
}

INSTANTIATE_TEST_SUITE_P(NodeTests, OnnxConformance,
                         ::testing::ValuesIn(kNodeTests),
                         [](const ::testing::TestParamInfo<const char *> &p) {
                           return std::string(p.param);
                         });

/// The whole list in one test: fails on any mismatch, and says which.
TEST(OnnxConformanceSummary, AllNodeTestsPass) {
  if (!haveData())
    GTEST_SKIP() << "ONNX node test data not found (libonnx-testdata)";
  std::vector<std::string> failures;
  for (const char *name : kNodeTests) {
    std::optional<NodeTest> test;
    std::string error = load(name, test);
    if (error.empty()) {
      auto outputs = test->graph.run(test->inputs);
      if (!outputs) {
        error = outputs.error();
      } else {
        for (size_t i = 0; i < outputs->size(); ++i) {
          std::string report;
          if (compare((*outputs)[i], test->outputs[i], 0.0, report))
            error += "output " + std::to_string(i) + ":" + report;
        }
      }
    }
    if (!error.empty())
      failures.push_back(std::string(name) + ": " + error);
  }
  std::string all;
  for (const std::string &f : failures)
    all += f + "\n";
  EXPECT_TRUE(failures.empty()) << all;
}

/// Every model reads as a graph of one supported node.
TEST(OnnxConformanceSummary, ReadsEveryModel) {
  if (!haveData())
    GTEST_SKIP() << "ONNX node test data not found (libonnx-testdata)";
  for (const char *name : kNodeTests) {
    auto graph = QuantizedNodeGraph::importFile(
        (dataRoot() / name / "model.onnx").string());
    ASSERT_TRUE(graph.ok()) << name << ": " << graph.error();
    EXPECT_EQ(graph->nodes().size(), 1u) << name;
  }
}

} // namespace
