//===- SubnetSearchTest.cpp - Knapsack vs brute force, evolutionary search -===//

#include "SearchTestUtils.h"

#include "spaceevo/search/SubnetSearch.h"

#include <gtest/gtest.h>

#include <limits>

using namespace spaceevo::search;
using namespace spaceevo::search::testing;

namespace {

struct BruteForce {
  bool feasible = false;
  double loss = std::numeric_limits<double>::infinity();
};

/// Every subnet of the space: lowest loss with latency <= constraint, summed
/// in the library's order (stages in order, then the fixed stages).
BruteForce bruteForce(TableSet &tables, const SearchSpaceShape &shape, const Space &space,
                      double constraintMs) {
  BruteForce best;
  std::vector<std::shared_ptr<const StageTable>> stageTables;
  for (int s = 0; s < shape.numStages(); ++s)
    stageTables.push_back(*tables.get({s + 1, space.blocks[s], space.windows[s]}));
  for (size_t r = 0; r < shape.resolutions.size(); ++r) {
    std::vector<const RowGroup *> groups;
    for (int s = 0; s < shape.numStages(); ++s)
      groups.push_back(stageTables[s]->group(shape.stageInputSize(s, shape.resolutions[r])));
    std::vector<size_t> pick(groups.size(), 0);
    while (true) {
      double loss = 0, latency = 0;
      for (size_t s = 0; s < groups.size(); ++s) {
        loss += groups[s]->values[pick[s]].loss;
        latency += groups[s]->values[pick[s]].latencyMs;
      }
      latency += shape.fixedLatencyMs[r];
      if (latency <= constraintMs && loss < best.loss) {
        best.feasible = true;
        best.loss = loss;
      }
      size_t s = 0;
      while (s < groups.size() && ++pick[s] == groups[s]->values.size()) pick[s++] = 0;
      if (s == groups.size()) break;
    }
  }
  return best;
}

struct SubnetFixture : ::testing::Test {
  SubnetFixture()
      : shape(flatShape({2, 2, 2}, {2, 2, 2}, {224, 160}, {0.5, 0.3})), tables(dir.path()) {
    writeRandomTables(dir, shape, 7, 77);
  }
  TempDir dir;
  SearchSpaceShape shape;
  TableSet tables;
};

TEST_F(SubnetFixture, KnapsackMatchesBruteForce) {
  int feasibleCases = 0, infeasibleCases = 0;
  for (const char *encoding : {"tiny-000-000", "tiny-101-011", "tiny-111-111"}) {
    const Space space = *parseSpaceEncoding(encoding);
    for (double constraint = 0.5; constraint < 16; constraint += 0.313) {
      SCOPED_TRACE(std::string(encoding) + " at " + std::to_string(constraint));
      const BruteForce expected = bruteForce(tables, shape, space, constraint);
      auto solved = solveSubnetKnapsack(tables, shape, space, constraint);
      ASSERT_TRUE(solved.ok()) << solved.error();
      ASSERT_EQ(solved->feasible, expected.feasible);
      EXPECT_TRUE(solved->provenOptimal); // 4-decimal data on the 1e-4 grid
      if (!expected.feasible) {
        ++infeasibleCases;
        continue;
      }
      ++feasibleCases;
      EXPECT_EQ(solved->subnet.loss, expected.loss);
      EXPECT_EQ(solved->lowerBoundLoss, expected.loss);
      EXPECT_LE(solved->subnet.latencyMs, constraint);
      // The reported subnet is consistent with its rows.
      ASSERT_EQ(solved->subnet.rows.size(), 3u);
      double loss = 0, latency = 0;
      for (int s = 0; s < 3; ++s) {
        const TableRow &row =
            (*tables.get({s + 1, space.blocks[s], space.windows[s]}))->rows[solved->subnet.rows[s]];
        EXPECT_EQ(row.inputHeight, solved->subnet.resolution);
        EXPECT_EQ(row.layers, solved->subnet.layers[s]);
        loss += row.loss;
        latency += row.latencyMs;
      }
      EXPECT_EQ(loss, solved->subnet.loss);
      EXPECT_EQ(latency + shape.fixedLatencyMs[shape.resolutionIndex(solved->subnet.resolution)],
                solved->subnet.latencyMs);
    }
  }
  EXPECT_GT(feasibleCases, 30);
  EXPECT_GT(infeasibleCases, 0);
}

TEST_F(SubnetFixture, CoarseStepIsConservativeAndBounded) {
  const Space space = *parseSpaceEncoding("tiny-101-011");
  int unproven = 0;
  for (double constraint = 1.0; constraint < 16; constraint += 0.29) {
    SCOPED_TRACE(constraint);
    const BruteForce expected = bruteForce(tables, shape, space, constraint);
    auto solved = solveSubnetKnapsack(tables, shape, space, constraint, 0.37);
    ASSERT_TRUE(solved.ok()) << solved.error();
    if (solved->feasible) {
      ASSERT_TRUE(expected.feasible);
      EXPECT_LE(solved->subnet.latencyMs, constraint); // never infeasible
      EXPECT_GE(solved->subnet.loss, expected.loss);
    }
    if (expected.feasible) {
      EXPECT_LE(solved->lowerBoundLoss, expected.loss);
    }
    if (solved->provenOptimal && solved->feasible) {
      EXPECT_EQ(solved->subnet.loss, expected.loss);
    }
    unproven += !solved->provenOptimal;
  }
  EXPECT_GT(unproven, 0); // the coarse grid must actually lose the proof sometimes
}

// SpaceEvo's model (stages independent); the chained default is covered in
// ChainedSubnetSearchTest.cpp. These random tables chain only through window
// 0, so this space has no channel-consistent subnet at all.
TEST_F(SubnetFixture, UnchainedEvolutionStaysInTheWindowAndNeverBeatsTheOptimum) {
  const Space space = *parseSpaceEncoding("tiny-011-101");
  SubnetSearchOptions options;
  options.chainChannels = false;
  options.constraintsMs = {5.0, 8.0};
  options.latencyWindowMs = 3.0;
  options.populationSize = 40;
  options.iterations = 5;
  options.mutationCount = 10;
  options.crossoverCount = 10;
  options.topK = 5;
  options.seed = 1;
  auto result = searchSubnets(tables, shape, space, options);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->constraints.size(), 2u);
  for (const ConstraintSubnets &c : result->constraints) {
    SCOPED_TRACE(c.constraintMs);
    ASSERT_FALSE(c.evolutionTop.empty());
    ASSERT_TRUE(c.exact.feasible);
    EXPECT_LE(c.evolutionTop.size(), 5u);
    for (size_t i = 0; i < c.evolutionTop.size(); ++i) {
      const Subnet &s = c.evolutionTop[i];
      EXPECT_LE(s.latencyMs, c.constraintMs);
      EXPECT_GE(s.latencyMs, c.constraintMs - 3.0);
      EXPECT_GE(s.loss, c.exact.subnet.loss);
      if (i > 0) {
        EXPECT_GE(s.loss, c.evolutionTop[i - 1].loss);
      }
    }
    EXPECT_EQ(c.gap, c.evolutionTop[0].loss - c.exact.subnet.loss);
    EXPECT_GE(c.gap, 0);
    EXPECT_NEAR(c.relativeGap, c.gap / c.exact.subnet.loss, 1e-15);
    EXPECT_FALSE(c.exact.channelsChained);
  }
  // Deterministic for a seed.
  auto again = searchSubnets(tables, shape, space, options);
  ASSERT_TRUE(again.ok());
  for (size_t c = 0; c < 2; ++c) {
    ASSERT_EQ(again->constraints[c].evolutionTop.size(), result->constraints[c].evolutionTop.size());
    for (size_t i = 0; i < again->constraints[c].evolutionTop.size(); ++i)
      EXPECT_EQ(again->constraints[c].evolutionTop[i].rows, result->constraints[c].evolutionTop[i].rows);
  }
}

TEST_F(SubnetFixture, NothingFitsIsReportedNotFailed) {
  SubnetSearchOptions options; // chained (the default); tiny-000-000 chains 16 -> 16
  options.constraintsMs = {0.4}; // below the fixed stages alone at 224
  options.populationSize = 8;
  options.iterations = 2;
  options.maxSampleTries = 200;
  auto result = searchSubnets(tables, shape, *parseSpaceEncoding("tiny-000-000"), options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_TRUE(result->constraints[0].evolutionTop.empty());
  EXPECT_FALSE(result->constraints[0].exact.feasible);
  EXPECT_TRUE(result->constraints[0].exact.provenOptimal); // proven: nothing fits
  EXPECT_EQ(result->constraints[0].gap, 0);
  EXPECT_TRUE(result->constraints[0].exact.channelsChained);
}

TEST_F(SubnetFixture, ErrorsAreValues) {
  SubnetSearchOptions options;
  auto noConstraints = searchSubnets(tables, shape, *parseSpaceEncoding("tiny-000-000"), options);
  ASSERT_FALSE(noConstraints.ok());
  EXPECT_NE(noConstraints.error().find("no latency constraints"), std::string::npos);
  EXPECT_FALSE(solveSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-000-000"), 5, 0).ok());
  auto tooFine = solveSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-000-000"), 5, 1e-9);
  ASSERT_FALSE(tooFine.ok());
  EXPECT_NE(tooFine.error().find("coarser step"), std::string::npos);
  EXPECT_FALSE(solveSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-030-000"), 5).ok());
}

TEST(PublishedTables, UnchainedKnapsackIsProvenAndEvolutionIsNoBetter) {
  const std::string path = publishedTables("onnxw");
  if (path.empty()) GTEST_SKIP() << "SPACEEVO_BLOCK_LUT not set";
  TableSet tables(path);
  SubnetSearchOptions options;
  options.chainChannels = false;
  options.constraintsMs = {10};
  auto result = searchSubnets(tables, onnxwShape(), *parseSpaceEncoding("onnxw-131121-022230"), options);
  ASSERT_TRUE(result.ok()) << result.error();
  const ConstraintSubnets &c = result->constraints[0];
  ASSERT_TRUE(c.exact.feasible);
  EXPECT_TRUE(c.exact.provenOptimal);
  EXPECT_LE(c.exact.subnet.latencyMs, 10.0);
  ASSERT_FALSE(c.evolutionTop.empty());
  EXPECT_GE(c.gap, 0);
  EXPECT_EQ(c.exact.subnet.layers.size(), 6u);
}

} // namespace
