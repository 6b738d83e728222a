//===- ChainedSubnetSearchTest.cpp - Channel-consistent subnet search ------===//
//
// The chained exact solver against exhaustive enumeration of consistent
// subnets on small hand-made tables whose rows take and produce various
// widths (with unreachable inputs, dead-end outputs and a resolution with no
// consistent subnet); the chained evolution only builds consistent subnets and
// never beats the exact optimum; the published tables.
//
//===----------------------------------------------------------------------===//

#include "SearchTestUtils.h"

#include "spaceevo/search/SubnetSearch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

using namespace spaceevo::search;
using namespace spaceevo::search::testing;

namespace {

/// Per stage: the input channels and output widths rows draw from.
struct StageWidths {
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// Stage 2 input 40 is never produced (unreachable rows), stage 2 output 72 is
// accepted by no stage-3 row (dead ends), stage 3 input 96 is never produced.
const std::vector<StageWidths> kWidths = {
    {{16, 24, 32}, {32, 48}},
    {{32, 40, 48}, {64, 72, 80}},
    {{64, 80, 96}, {96, 112}},
    {{96, 112, 128}, {128, 144}},
};

/// A random "k#w#e[_k#w#e...]" whose last width is `output`.
std::string randomLayers(Xoshiro256 &rng, int output) {
  const uint32_t count = 1 + rng.below(3);
  std::string layers;
  for (uint32_t i = 0; i < count; ++i) {
    const int width = i + 1 == count ? output : 8 * (2 + static_cast<int>(rng.below(20)));
    if (!layers.empty()) layers += "_";
    layers += std::to_string(3 + 2 * static_cast<int>(rng.below(2))) + "#" + std::to_string(width) +
              "#" + std::to_string(1 + rng.below(6));
  }
  return layers;
}

/// Random tables for every (stage, block, window) of `shape`, rows drawn
/// from `widths`. With `deadResolution` set, stage 2 at that resolution only
/// takes 40 channels, which no stage-1 row produces.
void writeChannelTables(const TempDir &dir, const SearchSpaceShape &shape, int rowsPerResolution,
                        uint64_t seed, int deadResolution = 0) {
  Xoshiro256 rng(seed);
  for (int s = 0; s < shape.numStages(); ++s)
    for (int b = 0; b < shape.blockCounts[s]; ++b)
      for (int w = 0; w < shape.windowCounts[s]; ++w) {
        const StageWidths &widths = kWidths[s];
        std::string text;
        for (int resolution : shape.resolutions)
          for (int i = 0; i < rowsPerResolution; ++i) {
            int input = widths.inputs[rng.below(static_cast<uint32_t>(widths.inputs.size()))];
            if (s == 1 && resolution == deadResolution) input = 40;
            const int output = widths.outputs[rng.below(static_cast<uint32_t>(widths.outputs.size()))];
            const double loss = 0.05 + 0.5 * rng.uniform() + 0.05 * b;
            const double latency = 0.2 + 2.0 * rng.uniform() * (1 + w) * resolution / 224.0;
            text += row(randomLayers(rng, output), input, shape.stageInputSize(s, resolution), loss,
                        latency);
          }
        dir.write(tableFileName(StageKey{s + 1, b, w}), text);
      }
}

/// The test's own reading of a layers string: width of the last layer.
int lastWidth(const std::string &layers) {
  const size_t start = layers.rfind('_') == std::string::npos ? 0 : layers.rfind('_') + 1;
  const size_t hash = layers.find('#', start);
  return std::stoi(layers.substr(hash + 1, layers.find('#', hash + 1) - hash - 1));
}

struct BruteForce {
  bool feasible = false;
  double loss = std::numeric_limits<double>::infinity();
  int64_t consistentSubnets = 0;
};

/// Every consistent subnet of the space: lowest loss with latency <=
/// constraint, summed in the library's order.
BruteForce bruteForceChained(TableSet &tables, const SearchSpaceShape &shape, const Space &space,
                             double constraintMs, const std::vector<int> &firstStageChannels) {
  BruteForce best;
  std::vector<std::shared_ptr<const StageTable>> stageTables;
  for (int s = 0; s < shape.numStages(); ++s)
    stageTables.push_back(*tables.get({s + 1, space.blocks[s], space.windows[s]}));
  for (size_t r = 0; r < shape.resolutions.size(); ++r) {
    std::vector<std::vector<const TableRow *>> rows(shape.numStages());
    for (int s = 0; s < shape.numStages(); ++s)
      for (const TableRow &row : stageTables[s]->rows)
        if (row.inputHeight == shape.stageInputSize(s, shape.resolutions[r])) rows[s].push_back(&row);
    std::vector<size_t> pick(rows.size(), 0);
    while (true) {
      bool consistent = firstStageChannels.empty() ||
                        std::find(firstStageChannels.begin(), firstStageChannels.end(),
                                  rows[0][pick[0]]->inputChannels) != firstStageChannels.end();
      for (size_t s = 1; s < rows.size() && consistent; ++s)
        consistent = rows[s][pick[s]]->inputChannels == lastWidth(rows[s - 1][pick[s - 1]]->layers);
      if (consistent) {
        ++best.consistentSubnets;
        double loss = 0, latency = 0;
        for (size_t s = 0; s < rows.size(); ++s) {
          loss += rows[s][pick[s]]->loss;
          latency += rows[s][pick[s]]->latencyMs;
        }
        latency += shape.fixedLatencyMs[r];
        if (latency <= constraintMs && loss < best.loss) {
          best.feasible = true;
          best.loss = loss;
        }
      }
      size_t s = 0;
      while (s < rows.size() && ++pick[s] == rows[s].size()) pick[s++] = 0;
      if (s == rows.size()) break;
    }
  }
  return best;
}

/// The subnet's rows are the table rows it names, chained, and its sums match.
void expectSubnetMatchesTables(TableSet &tables, const SearchSpaceShape &shape, const Space &space,
                               const Subnet &subnet, const std::vector<int> &firstStageChannels) {
  ASSERT_EQ(subnet.rows.size(), static_cast<size_t>(shape.numStages()));
  Status consistent = checkChannelConsistency(subnet, firstStageChannels);
  EXPECT_TRUE(consistent.ok()) << consistent.error();
  double loss = 0, latency = 0;
  for (int s = 0; s < shape.numStages(); ++s) {
    const TableRow &row =
        (*tables.get({s + 1, space.blocks[s], space.windows[s]}))->rows[subnet.rows[s]];
    EXPECT_EQ(row.inputHeight, shape.stageInputSize(s, subnet.resolution));
    EXPECT_EQ(row.layers, subnet.layers[s]);
    EXPECT_EQ(row.inputChannels, subnet.inputChannels[s]);
    EXPECT_EQ(lastWidth(row.layers), subnet.outputWidths[s]);
    if (s > 0) {
      EXPECT_EQ(subnet.inputChannels[s], subnet.outputWidths[s - 1]);
    }
    loss += row.loss;
    latency += row.latencyMs;
  }
  EXPECT_EQ(loss, subnet.loss);
  EXPECT_EQ(latency + shape.fixedLatencyMs[shape.resolutionIndex(subnet.resolution)],
            subnet.latencyMs);
}

struct ChainedFixture : ::testing::Test {
  ChainedFixture()
      : shape(flatShape({2, 1, 2, 1}, {2, 1, 1, 2}, {224, 160}, {0.5, 0.3})), tables(dir.path()) {
    writeChannelTables(dir, shape, 7, 2024);
  }
  TempDir dir;
  SearchSpaceShape shape;
  TableSet tables;
};

TEST_F(ChainedFixture, ExactMatchesBruteForceOverConsistentSubnets) {
  int feasibleCases = 0, infeasibleCases = 0, chainingCosts = 0;
  const std::vector<std::vector<int>> firstStageSets = {{}, {16}, {24, 32}, {8}};
  for (const char *encoding : {"tiny-0000-0000", "tiny-1010-1001", "tiny-0010-1000"}) {
    const Space space = *parseSpaceEncoding(encoding);
    for (const std::vector<int> &firstStage : firstStageSets) {
      ChainedKnapsackOptions options;
      options.firstStageInputChannels = firstStage;
      for (double constraint = 0.5; constraint < 20; constraint += 0.37) {
        SCOPED_TRACE(std::string(encoding) + " first-stage set of " +
                     std::to_string(firstStage.size()) + " at " + std::to_string(constraint));
        const BruteForce expected =
            bruteForceChained(tables, shape, space, constraint, firstStage);
        auto solved = solveChainedSubnetKnapsack(tables, shape, space, constraint, options);
        ASSERT_TRUE(solved.ok()) << solved.error();
        EXPECT_TRUE(solved->channelsChained);
        EXPECT_TRUE(solved->provenOptimal);
        EXPECT_EQ(solved->stepMs, 0);
        ASSERT_EQ(solved->feasible, expected.feasible);
        if (!expected.feasible) {
          ++infeasibleCases;
          EXPECT_EQ(solved->lowerBoundLoss, std::numeric_limits<double>::infinity());
          continue;
        }
        ++feasibleCases;
        EXPECT_EQ(solved->subnet.loss, expected.loss);
        EXPECT_EQ(solved->lowerBoundLoss, expected.loss);
        EXPECT_LE(solved->subnet.latencyMs, constraint);
        EXPECT_LE(solved->unchainedLowerBoundLoss, solved->subnet.loss);
        chainingCosts += solved->unchainedLowerBoundLoss < solved->subnet.loss;
        expectSubnetMatchesTables(tables, shape, space, solved->subnet, firstStage);
      }
    }
  }
  EXPECT_GT(feasibleCases, 100);
  EXPECT_GT(infeasibleCases, 50); // low budgets, and the {8} stage-1 set never chains
  EXPECT_GT(chainingCosts, 20);   // the chained problem really differs
}

TEST_F(ChainedFixture, RestrictedFirstStageWithNoMatchingRowIsInfeasibleNotAnError) {
  const Space space = *parseSpaceEncoding("tiny-1010-1001");
  SubnetSearchOptions options;
  options.constraintsMs = {3, 100};
  options.firstStageInputChannels = {8};
  options.populationSize = 16;
  options.iterations = 3;
  auto result = searchSubnets(tables, shape, space, options);
  ASSERT_TRUE(result.ok()) << result.error();
  for (const ConstraintSubnets &c : result->constraints) {
    EXPECT_FALSE(c.exact.feasible);
    EXPECT_TRUE(c.exact.provenOptimal);
    EXPECT_TRUE(c.evolutionTop.empty());
    EXPECT_EQ(c.evolutionEvaluated, 0);
    EXPECT_EQ(c.gap, 0);
  }
  // Unchained, the same constraint has subnets: the restriction is what bites.
  EXPECT_LT(result->constraints[1].exact.unchainedLowerBoundLoss,
            std::numeric_limits<double>::infinity());
}

TEST_F(ChainedFixture, EvolutionBuildsOnlyConsistentSubnetsAndNeverBeatsTheExact) {
  const std::vector<int> firstStage = {16, 32};
  for (const char *encoding : {"tiny-0000-0000", "tiny-1010-1001"}) {
    SCOPED_TRACE(encoding);
    const Space space = *parseSpaceEncoding(encoding);
    SubnetSearchOptions options;
    options.constraintsMs = {4.0, 6.0, 9.0};
    options.latencyWindowMs = 4.0;
    options.populationSize = 48;
    options.iterations = 6;
    options.mutationCount = 16;
    options.crossoverCount = 16;
    options.topK = 8;
    options.seed = 5;
    options.maxSampleTries = 2000; // tiny tables run out of new subnets
    options.firstStageInputChannels = firstStage;
    auto result = searchSubnets(tables, shape, space, options);
    ASSERT_TRUE(result.ok()) << result.error();
    int withSubnets = 0;
    for (const ConstraintSubnets &c : result->constraints) {
      SCOPED_TRACE(c.constraintMs);
      EXPECT_TRUE(c.exact.channelsChained);
      const BruteForce expected =
          bruteForceChained(tables, shape, space, c.constraintMs, firstStage);
      ASSERT_EQ(c.exact.feasible, expected.feasible);
      if (c.exact.feasible) {
        EXPECT_EQ(c.exact.subnet.loss, expected.loss);
      }
      if (c.evolutionTop.empty()) continue;
      ++withSubnets;
      ASSERT_TRUE(c.exact.feasible);
      for (size_t i = 0; i < c.evolutionTop.size(); ++i) {
        const Subnet &s = c.evolutionTop[i];
        expectSubnetMatchesTables(tables, shape, space, s, firstStage);
        EXPECT_LE(s.latencyMs, c.constraintMs);
        EXPECT_GE(s.latencyMs, c.constraintMs - options.latencyWindowMs);
        EXPECT_GE(s.loss, c.exact.subnet.loss);
        if (i > 0) {
          EXPECT_GE(s.loss, c.evolutionTop[i - 1].loss);
        }
      }
      EXPECT_EQ(c.gap, c.evolutionTop[0].loss - c.exact.subnet.loss);
      EXPECT_GE(c.gap, 0);
    }
    EXPECT_GT(withSubnets, 0);

    // Deterministic for a seed.
    auto again = searchSubnets(tables, shape, space, options);
    ASSERT_TRUE(again.ok());
    for (size_t c = 0; c < result->constraints.size(); ++c) {
      const auto &first = result->constraints[c], &second = again->constraints[c];
      EXPECT_EQ(first.evolutionEvaluated, second.evolutionEvaluated);
      ASSERT_EQ(first.evolutionTop.size(), second.evolutionTop.size());
      for (size_t i = 0; i < first.evolutionTop.size(); ++i) {
        EXPECT_EQ(first.evolutionTop[i].rows, second.evolutionTop[i].rows);
        EXPECT_EQ(first.evolutionTop[i].resolution, second.evolutionTop[i].resolution);
      }
      EXPECT_EQ(first.exact.subnet.rows, second.exact.subnet.rows);
    }
  }
}

TEST_F(ChainedFixture, LongEvolutionOnSmallTablesReachesTheOptimum) {
  // Few consistent subnets: a wide window and enough iterations must find
  // the exact answer (the exact solver is not just a loose bound).
  const Space space = *parseSpaceEncoding("tiny-0000-0000");
  SubnetSearchOptions options;
  options.constraintsMs = {6.0, 9.0};
  options.latencyWindowMs = 100;
  options.populationSize = 64;
  options.iterations = 30;
  options.maxSampleTries = 2000; // tiny tables run out of new subnets
  options.seed = 3;
  auto result = searchSubnets(tables, shape, space, options);
  ASSERT_TRUE(result.ok()) << result.error();
  for (const ConstraintSubnets &c : result->constraints) {
    SCOPED_TRACE(c.constraintMs);
    ASSERT_TRUE(c.exact.feasible);
    ASSERT_FALSE(c.evolutionTop.empty());
    EXPECT_EQ(c.gap, 0);
  }
}

TEST(ChainedSubnetSearch, ResolutionWithoutConsistentSubnetsIsSkipped) {
  TempDir dir;
  const SearchSpaceShape shape = flatShape({1, 1, 1, 1}, {1, 1, 1, 1}, {224, 160}, {0.5, 0.3});
  writeChannelTables(dir, shape, 8, 99, /*deadResolution=*/160);
  TableSet tables(dir.path());
  const Space space = *parseSpaceEncoding("tiny-0000-0000");
  SubnetSearchOptions options;
  options.constraintsMs = {5, 8, 1000};
  options.latencyWindowMs = 1000;
  options.populationSize = 32;
  options.iterations = 4;
  options.resolutionMutationProb = 1.0; // every mutation tries to move
  options.maxSampleTries = 2000;
  auto result = searchSubnets(tables, shape, space, options);
  ASSERT_TRUE(result.ok()) << result.error();
  int withSubnets = 0;
  for (const ConstraintSubnets &c : result->constraints) {
    SCOPED_TRACE(c.constraintMs);
    const BruteForce expected = bruteForceChained(tables, shape, space, c.constraintMs, {});
    ASSERT_EQ(c.exact.feasible, expected.feasible);
    if (c.exact.feasible) {
      EXPECT_EQ(c.exact.subnet.loss, expected.loss);
      EXPECT_EQ(c.exact.subnet.resolution, 224);
    }
    for (const Subnet &s : c.evolutionTop) {
      EXPECT_EQ(s.resolution, 224);
      EXPECT_TRUE(checkChannelConsistency(s).ok());
    }
    withSubnets += !c.evolutionTop.empty();
  }
  EXPECT_GT(withSubnets, 0);
}

TEST(ChainedSubnetSearch, NoConsistentSubnetAnywhereEndsQuickly) {
  TempDir dir;
  const SearchSpaceShape shape = flatShape({1, 1}, {1, 1}, {224}, {0.1});
  dir.write("stage1_0_0.csv", row("3#32#1", 16, 224, 0.1, 1.0) + row("3#48#1", 16, 224, 0.2, 0.5));
  dir.write("stage2_0_0.csv", row("3#64#1", 24, 224, 0.1, 1.0) + row("3#64#1", 40, 224, 0.2, 0.5));
  TableSet tables(dir.path());
  SubnetSearchOptions options;
  options.constraintsMs = {100};
  options.maxSampleTries = 1'000'000'000; // would take ages if it were tried
  auto result = searchSubnets(tables, shape, *parseSpaceEncoding("tiny-00-00"), options);
  ASSERT_TRUE(result.ok()) << result.error();
  const ConstraintSubnets &c = result->constraints[0];
  EXPECT_FALSE(c.exact.feasible);
  EXPECT_TRUE(c.exact.provenOptimal);
  EXPECT_TRUE(c.evolutionTop.empty());
  EXPECT_NEAR(c.exact.unchainedLowerBoundLoss, 0.2, 1e-12); // unchained, 0.1 + 0.1 fits
}

TEST(ChainedSubnetSearch, HandMadeChainPicksTheConsistentOptimum) {
  // Unchained best is stage1 "a" (loss 0.1, out 32) + stage2 "y" (in 48,
  // loss 0.1); consistent pairs are a+x (0.1 + 0.5) and b+y (0.3 + 0.1).
  TempDir dir;
  const SearchSpaceShape shape = flatShape({1, 1}, {1, 1}, {224}, {0.0});
  dir.write("stage1_0_0.csv", row("3#16#1_3#32#1", 16, 224, 0.1, 1.0) + // a
                                  row("5#48#1", 16, 224, 0.3, 1.0));     // b
  dir.write("stage2_0_0.csv", row("3#64#1", 32, 224, 0.5, 1.0) +      // x
                                  row("3#64#1", 48, 224, 0.1, 1.0));     // y
  TableSet tables(dir.path());
  auto solved =
      solveChainedSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-00-00"), 2.0);
  ASSERT_TRUE(solved.ok()) << solved.error();
  ASSERT_TRUE(solved->feasible);
  EXPECT_NEAR(solved->subnet.loss, 0.4, 1e-12);
  EXPECT_EQ(solved->subnet.layers, (std::vector<std::string>{"5#48#1", "3#64#1"}));
  EXPECT_EQ(solved->subnet.outputWidths, (std::vector<int>{48, 64}));
  EXPECT_NEAR(solved->unchainedLowerBoundLoss, 0.2, 1e-12);
  // Stage 1 may only take 32 channels: nothing chains.
  ChainedKnapsackOptions only32;
  only32.firstStageInputChannels = {32};
  only32.computeUnchainedBound = false;
  auto restricted =
      solveChainedSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-00-00"), 2.0, only32);
  ASSERT_TRUE(restricted.ok()) << restricted.error();
  EXPECT_FALSE(restricted->feasible);
  EXPECT_TRUE(std::isnan(restricted->unchainedLowerBoundLoss));
}

TEST(ChainedSubnetSearch, ErrorsAreValues) {
  EXPECT_EQ(*lastLayerWidth("3#48#4_5#32#6"), 32);
  EXPECT_EQ(*lastLayerWidth("7#304#None"), 304);
  EXPECT_EQ(*lastLayerWidth("3#16"), 16);
  EXPECT_FALSE(lastLayerWidth("3#48#4_").ok());
  EXPECT_FALSE(lastLayerWidth("conv").ok());
  EXPECT_FALSE(lastLayerWidth("3#x#4").ok());
  EXPECT_FALSE(lastLayerWidth("3#-8#4").ok());

  Subnet subnet;
  subnet.layers = {"3#32#1", "3#64#1"};
  subnet.inputShapes = {"1x16x8x8", "1x48x8x8"};
  Status broken = checkChannelConsistency(subnet);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().find("stage 2"), std::string::npos);
  subnet.inputShapes[1] = "1x32x8x8";
  EXPECT_TRUE(checkChannelConsistency(subnet).ok());
  EXPECT_FALSE(checkChannelConsistency(subnet, {24}).ok());
  EXPECT_TRUE(checkChannelConsistency(subnet, {16, 24}).ok());

  // A layers string without a width is an error only when chaining.
  TempDir dir;
  const SearchSpaceShape shape = flatShape({1}, {1}, {224}, {0.0});
  dir.write("stage1_0_0.csv", row("3#16#1", 16, 224, 0.1, 1.0) + row("conv", 16, 224, 0.1, 1.0));
  TableSet tables(dir.path());
  auto chained = solveChainedSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-0-0"), 5);
  ASSERT_FALSE(chained.ok());
  EXPECT_NE(chained.error().find("stage1_0_0.csv:2"), std::string::npos) << chained.error();
  EXPECT_TRUE(solveSubnetKnapsack(tables, shape, *parseSpaceEncoding("tiny-0-0"), 5).ok());

  SubnetSearchOptions options;
  options.constraintsMs = {5};
  options.firstStageInputChannels = {0};
  auto badChannels = searchSubnets(tables, shape, *parseSpaceEncoding("tiny-0-0"), options);
  ASSERT_FALSE(badChannels.ok());
  EXPECT_NE(badChannels.error().find("first-stage input channels"), std::string::npos);
}

struct PublishedCase {
  const char *space;
  std::vector<double> constraintsMs;
  std::vector<int> stemWidths;
};

TEST(PublishedTables, ChainedSolverFindsConsistentSubnets) {
  const std::vector<PublishedCase> cases = {
      {"onnxw-131121-022230", {10}, {16, 32}},
      {"mobilew-352220-154401", {15, 20}, {16, 24, 32}},
  };
  for (const PublishedCase &pc : cases) {
    const Space space = *parseSpaceEncoding(pc.space);
    const std::string path = publishedTables(space.hyperspace);
    if (path.empty()) GTEST_SKIP() << "SPACEEVO_BLOCK_LUT not set";
    TableSet tables(path);
    const SearchSpaceShape shape = *builtinShape(space.hyperspace);
    ASSERT_TRUE(tables.get({1, space.blocks[0], space.windows[0]}).ok()); // load outside timing
    for (double constraint : pc.constraintsMs) {
      SCOPED_TRACE(std::string(pc.space) + " at " + std::to_string(constraint));
      ChainedKnapsackOptions options;
      options.firstStageInputChannels = pc.stemWidths;
      options.computeUnchainedBound = false;
      // Warm-up: loads every table, so the timing below is the solver's.
      (void)solveChainedSubnetKnapsack(tables, shape, space, constraint, options);
      const auto start = std::chrono::steady_clock::now();
      auto solved = solveChainedSubnetKnapsack(tables, shape, space, constraint, options);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ASSERT_TRUE(solved.ok()) << solved.error();
      ASSERT_TRUE(solved->feasible);
      EXPECT_TRUE(solved->provenOptimal);
      EXPECT_LE(solved->subnet.latencyMs, constraint);
      Status consistent = checkChannelConsistency(solved->subnet, pc.stemWidths);
      EXPECT_TRUE(consistent.ok()) << consistent.error();

      SubnetSearchOptions searchOptions;
      searchOptions.constraintsMs = {constraint};
      searchOptions.firstStageInputChannels = pc.stemWidths;
      auto searched = searchSubnets(tables, shape, space, searchOptions);
      ASSERT_TRUE(searched.ok()) << searched.error();
      const ConstraintSubnets &c = searched->constraints[0];
      EXPECT_EQ(c.exact.subnet.rows, solved->subnet.rows);
      EXPECT_LE(c.exact.unchainedLowerBoundLoss, c.exact.subnet.loss);
      ASSERT_FALSE(c.evolutionTop.empty());
      for (const Subnet &s : c.evolutionTop) {
        Status ok = checkChannelConsistency(s, pc.stemWidths);
        EXPECT_TRUE(ok.ok()) << ok.error();
      }
      EXPECT_GE(c.gap, 0);
      // Timings are reported, never asserted (shared, noisy machines).
      std::printf("  %s @%g ms: chained exact loss %.4f at %.4f ms, res %d, %lld Pareto entries, "
                  "%.2f ms (in search %.2f ms); unchained bound %.4f (%.2f ms); evolution loss "
                  "%.4f (%.1f ms, %lld valid), gap %.4f (%.2f%%)\n",
                  pc.space, constraint, solved->subnet.loss, solved->subnet.latencyMs,
                  solved->subnet.resolution, static_cast<long long>(solved->paretoEntries),
                  1e3 * seconds, 1e3 * c.knapsackSeconds, c.exact.unchainedLowerBoundLoss,
                  1e3 * c.unchainedBoundSeconds, c.evolutionTop[0].loss, 1e3 * c.evolutionSeconds,
                  static_cast<long long>(c.evolutionEvaluated), c.gap, 100 * c.relativeGap);
      ::testing::Test::RecordProperty(std::string(pc.space) + "@" + std::to_string(constraint) +
                                          "_chained_exact_ms",
                                      std::to_string(1e3 * seconds));
    }
  }
}

} // namespace
