//===- TablesAndShapeTest.cpp - Block tables, shapes, space encodings ------===//

#include "SearchTestUtils.h"

#include "spaceevo/search/BlockTables.h"
#include "spaceevo/search/SearchSpaceShape.h"
#include "spaceevo/search/SpaceEncoding.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace spaceevo::search;
using namespace spaceevo::search::testing;

namespace {

::testing::AssertionResult errorContains(const std::string &error, const std::string &part) {
  if (error.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "error '" << error << "' lacks '" << part << "'";
}

//===--- space encodings ---===//

TEST(SpaceEncoding, RoundTrips) {
  auto space = parseSpaceEncoding("onnxw-123450-012330");
  ASSERT_TRUE(space.ok()) << space.error();
  EXPECT_EQ(space->hyperspace, "onnxw");
  EXPECT_EQ(space->blocks, (std::vector<int>{1, 2, 3, 4, 5, 0}));
  EXPECT_EQ(space->windows, (std::vector<int>{0, 1, 2, 3, 3, 0}));
  EXPECT_EQ(encodeSpace(*space), "onnxw-123450-012330");
}

TEST(SpaceEncoding, HyperspaceNameMayContainDashes) {
  auto space = parseSpaceEncoding("my-net-12-01");
  ASSERT_TRUE(space.ok()) << space.error();
  EXPECT_EQ(space->hyperspace, "my-net");
  EXPECT_EQ(space->blocks, (std::vector<int>{1, 2}));
}

TEST(SpaceEncoding, RejectsMalformedText) {
  EXPECT_FALSE(parseSpaceEncoding("onnxw").ok());
  EXPECT_FALSE(parseSpaceEncoding("onnxw-123450").ok());
  EXPECT_FALSE(parseSpaceEncoding("-123450-012330").ok());
  EXPECT_TRUE(errorContains(parseSpaceEncoding("onnxw-12345-012330").error(), "same non-zero length"));
  EXPECT_TRUE(errorContains(parseSpaceEncoding("onnxw-12a450-012330").error(), "block field '12a450'"));
  EXPECT_FALSE(parseSpaceEncoding("onnxw--").ok());
}

//===--- shapes ---===//

TEST(SearchSpaceShape, OnnxwStageInputSizesFollowTheStrides) {
  SearchSpaceShape shape = onnxwShape();
  ASSERT_TRUE(shape.validate().ok()) << shape.validate().error();
  // Heights seen in the published tables: 112/96/80, 56/48/40, 28/24/20,
  // 14/12/10 (twice: stage 4 has stride 1), 7/6/5.
  const int expected[6][3] = {{112, 96, 80}, {56, 48, 40}, {28, 24, 20},
                              {14, 12, 10},  {14, 12, 10}, {7, 6, 5}};
  for (int s = 0; s < 6; ++s)
    for (int r = 0; r < 3; ++r)
      EXPECT_EQ(shape.stageInputSize(s, shape.resolutions[r]), expected[s][r]) << s << " " << r;
  EXPECT_EQ(shape.spaceCount(), std::pow(6.0, 6) * 2 * std::pow(4.0, 5));
  EXPECT_FALSE(shape.fixedLatencyIsEstimate);
  EXPECT_DOUBLE_EQ(shape.fixedLatencyMs[shape.resolutionIndex(160)], 1.7450);
}

TEST(SearchSpaceShape, MobilewIsMarkedAsEstimate) {
  SearchSpaceShape shape = mobilewShape();
  ASSERT_TRUE(shape.validate().ok());
  EXPECT_TRUE(shape.fixedLatencyIsEstimate);
  EXPECT_EQ(shape.windowCounts, (std::vector<int>{2, 6, 6, 7, 5, 4}));
  EXPECT_DOUBLE_EQ(shape.fixedLatencyMs[shape.resolutionIndex(224)], 1.339);
  EXPECT_FALSE(builtinShape("nope").ok());
}

TEST(SearchSpaceShape, ValidatesSpaces) {
  SearchSpaceShape shape = onnxwShape();
  EXPECT_TRUE(shape.validateSpace(*parseSpaceEncoding("onnxw-123450-013330")).ok());
  EXPECT_TRUE(errorContains(shape.validateSpace(*parseSpaceEncoding("onnxw-623450-013330")).error(),
                            "stage 1 block 6 out of range 0..5"));
  EXPECT_TRUE(errorContains(shape.validateSpace(*parseSpaceEncoding("onnxw-123450-213330")).error(),
                            "stage 1 window 2 out of range 0..1"));
  EXPECT_TRUE(errorContains(shape.validateSpace(*parseSpaceEncoding("mobilew-123450-013330")).error(),
                            "not a space of hyperspace 'onnxw'"));
  EXPECT_TRUE(errorContains(shape.validateSpace(*parseSpaceEncoding("onnxw-12345-01333")).error(),
                            "has 5 stages"));
}

TEST(SearchSpaceShape, RejectsAmbiguousResolutions) {
  SearchSpaceShape shape = flatShape({1}, {1}, {224, 224}, {1, 1});
  EXPECT_FALSE(shape.validate().ok());
  shape = onnxwShape();
  shape.resolutions = {224, 223, 160}; // 224/32 == ceil(223/32)
  EXPECT_TRUE(errorContains(shape.validate().error(), "same input size"));
}

//===--- parsing ---===//

const StageKey kKey{1, 0, 0};

TEST(BlockTables, ParsesRowsAndKeepsLayers) {
  std::string text = "3#48#None_5#32#None,1x32x80x80,0.3918,19.5072,0.0130,0.9899\r\n"
                     "\n"
                     "3#32#None,1x16x112x112,0.2,1,0.01,0.5\n"
                     "5#32#None,1x16x80x80,0.1,1,0.01,0.4\n";
  auto table = parseStageTable(text, "t.csv", kKey);
  ASSERT_TRUE(table.ok()) << table.error();
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(table->rows[0].layers, "3#48#None_5#32#None");
  EXPECT_EQ(table->rows[0].inputChannels, 32);
  EXPECT_EQ(table->rows[0].inputHeight, 80);
  EXPECT_EQ(table->rows[0].inputShape(), "1x32x80x80");
  EXPECT_DOUBLE_EQ(table->rows[0].loss, 0.3918);
  EXPECT_DOUBLE_EQ(table->rows[0].latencyMs, 0.9899);
  EXPECT_EQ(table->rows[2].line, 4); // blank line 2 skipped but counted
  ASSERT_EQ(table->groups.size(), 2u);
  const RowGroup *at80 = table->group(80);
  ASSERT_NE(at80, nullptr);
  // Sorted by latency: row 2 (0.4 ms) before row 0 (0.9899 ms).
  EXPECT_EQ(at80->rowIndex, (std::vector<uint32_t>{2, 0}));
  EXPECT_DOUBLE_EQ(at80->values[0].latencyMs, 0.4);
  EXPECT_EQ(table->group(96), nullptr);
}

struct MalformedCase {
  std::string badLine;
  std::string expected;
};

class MalformedRow : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedRow, ReportsFileAndLine) {
  std::string text = "3#32#None,1x16x112x112,0.2,1,0.01,0.5\n"
                     "3#32#None,1x16x112x112,0.2,1,0.01,0.5\n" +
                     GetParam().badLine + "\n";
  auto table = parseStageTable(text, "dir/stage1_0_0.csv", kKey);
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(errorContains(table.error(), "dir/stage1_0_0.csv:3: " + GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    BlockTables, MalformedRow,
    ::testing::Values(
        MalformedCase{"3#32#None,1x16x112x112,0.2,1,0.01", "expected 6 comma-separated columns"},
        MalformedCase{"3#32#None,1x16x112,0.2,1,0.01,0.5", "input_shape '1x16x112' is not 1xCxHxW"},
        MalformedCase{"3#32#None,1x16xax112,0.2,1,0.01,0.5", "input_shape '1x16xax112'"},
        MalformedCase{"3#32#None,1x16x112x112,abc,1,0.01,0.5", "int8_nsr_loss 'abc' is not a number"},
        MalformedCase{"3#32#None,1x16x112x112,0.2,1,0.01,nan", "latency_ms is NaN"},
        MalformedCase{"3#32#None,1x16x112x112,0.2,1,0.01,inf", "latency_ms is infinite"},
        MalformedCase{"3#32#None,1x16x112x112,-0.2,1,0.01,0.5", "int8_nsr_loss is negative (-0.2)"},
        MalformedCase{"3#32#None,1x16x112x112,0.2,1,-1,0.5", "params_m is negative"},
        MalformedCase{"3#32#None,1x16x112x112,0.2,1,0.01,0.5x", "latency_ms '0.5x' is not a number"},
        MalformedCase{",1x16x112x112,0.2,1,0.01,0.5", "empty layers column"}));

TEST(BlockTables, EmptyTableIsAnError) {
  auto table = parseStageTable("\n\n", "empty.csv", kKey);
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(errorContains(table.error(), "empty.csv: block table has no rows"));
}

//===--- the directory reader ---===//

TEST(TableSet, LoadsLazilyAndCaches) {
  TempDir dir;
  dir.write("stage1_0_0.csv", row("a", 16, 224, 0.1, 1.0));
  dir.write("stage1_0_1.csv", row("b", 16, 224, 0.2, 2.0));
  TableSet tables(dir.path());
  EXPECT_EQ(tables.cachedTableCount(), 0u);
  auto first = tables.get({1, 0, 1});
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(tables.cachedTableCount(), 1u);
  EXPECT_EQ((*first)->rows[0].layers, "b");
  auto again = tables.get({1, 0, 1});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get()); // cached, not re-read
}

TEST(TableSet, MissingFileNamesIt) {
  TempDir dir;
  TableSet tables(dir.path());
  auto table = tables.get({2, 1, 0});
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(errorContains(table.error(), "missing block table"));
  EXPECT_TRUE(errorContains(table.error(), "stage2_1_0.csv"));
  EXPECT_TRUE(errorContains(table.error(), "(stage 2, block 1, window 0)"));
}

TEST(TableSet, MalformedFileReportsPathAndLine) {
  TempDir dir;
  dir.write("stage1_0_0.csv", row("a", 16, 224, 0.1, 1.0) + "a,1x16x224x224,0.1,1,0.01,-3\n");
  TableSet tables(dir.path());
  auto table = tables.get({1, 0, 0});
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(errorContains(table.error(), dir.path() + "/stage1_0_0.csv:2: latency_ms is negative"));
}

TEST(TableSet, LatencyOverrideCallbackReplacesPublishedLatency) {
  TempDir dir;
  dir.write("stage1_0_0.csv", row("a", 16, 224, 0.1, 1.0) + row("b", 16, 224, 0.2, 2.0));
  TableSet tables(dir.path(), [](const StageKey &, const TableRow &r) -> std::optional<double> {
    if (r.layers == "b") return 0.5;
    return std::nullopt;
  });
  auto table = tables.get({1, 0, 0});
  ASSERT_TRUE(table.ok()) << table.error();
  EXPECT_DOUBLE_EQ((*table)->rows[1].latencyMs, 0.5);
  EXPECT_DOUBLE_EQ((*table)->rows[1].publishedLatencyMs, 2.0);
  EXPECT_TRUE((*table)->rows[1].latencyOverridden);
  EXPECT_FALSE((*table)->rows[0].latencyOverridden);
  // Now b is faster than a and leads the latency-sorted group.
  EXPECT_EQ((*table)->group(224)->rowIndex.front(), 1u);

  TableSet bad(dir.path(), [](const StageKey &, const TableRow &) -> std::optional<double> {
    return std::nan("");
  });
  auto failed = bad.get({1, 0, 0});
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(errorContains(failed.error(), "stage1_0_0.csv:1: latency override"));
}

TEST(TableSet, PerRowOverrideIsCopyOnWrite) {
  TempDir dir;
  dir.write("stage1_0_0.csv", row("a", 16, 224, 0.1, 1.0) + row("b", 16, 224, 0.2, 2.0));
  TableSet tables(dir.path());
  auto before = tables.get({1, 0, 0});
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(tables.setLatencyOverride({1, 0, 0}, 0, 3.0).ok());
  auto after = tables.get({1, 0, 0});
  ASSERT_TRUE(after.ok());
  EXPECT_DOUBLE_EQ((*after)->rows[0].latencyMs, 3.0);
  EXPECT_DOUBLE_EQ((*before)->rows[0].latencyMs, 1.0); // old view unchanged
  EXPECT_EQ((*after)->group(224)->rowIndex, (std::vector<uint32_t>{1, 0}));
  EXPECT_TRUE(errorContains(tables.setLatencyOverride({1, 0, 0}, 5, 1.0).error(), "has 2 rows"));
  EXPECT_FALSE(tables.setLatencyOverride({1, 0, 0}, 0, -1.0).ok());
  EXPECT_FALSE(tables.setLatencyOverride({1, 0, 9}, 0, 1.0).ok());
}

TEST(TableSet, InMemoryTablesNeedNoDirectory) {
  TableSet tables("");
  auto parsed = parseStageTable(row("a", 16, 224, 0.1, 1.0), "memory", {3, 2, 1});
  ASSERT_TRUE(parsed.ok());
  tables.addTable(*parsed);
  EXPECT_TRUE(tables.get({3, 2, 1}).ok());
  auto missing = tables.get({3, 2, 0});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(errorContains(missing.error(), "no table directory"));
}

TEST(PublishedTables, EveryFileParses) {
  for (const char *hyperspace : {"onnxw", "mobilew"}) {
    const std::string path = publishedTables(hyperspace);
    if (path.empty()) GTEST_SKIP() << "SPACEEVO_BLOCK_LUT not set";
    SearchSpaceShape shape = *builtinShape(hyperspace);
    TableSet tables(path);
    for (int s = 0; s < shape.numStages(); ++s)
      for (int b = 0; b < shape.blockCounts[s]; ++b)
        for (int w = 0; w < shape.windowCounts[s]; ++w) {
          auto table = tables.get({s + 1, b, w});
          ASSERT_TRUE(table.ok()) << table.error();
          EXPECT_EQ((*table)->rows.size(), 1000u);
          for (int resolution : shape.resolutions)
            EXPECT_NE((*table)->group(shape.stageInputSize(s, resolution)), nullptr);
        }
  }
}

} // namespace
