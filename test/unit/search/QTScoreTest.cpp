//===- QTScoreTest.cpp - Q-T score: hand-computed cases and properties -----===//

#include "SearchTestUtils.h"

#include "spaceevo/search/QTScore.h"
#include "spaceevo/search/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace spaceevo::search;
using namespace spaceevo::search::testing;

namespace {

Space tinySpace(std::vector<int> blocks, std::vector<int> windows) {
  return Space{"tiny", std::move(blocks), std::move(windows)};
}

/// Two stages, one resolution (224), fixed stages 1 ms:
///   stage 1: (loss 0.3, 1 ms), (0.2, 2 ms), (0.1, 9 ms)
///   stage 2: (0.05, 0.5 ms), (0.5, 0.25 ms)
/// Latencies of the 6 subnets: 1 + {1.5, 1.25, 2.5, 2.25, 10.5, 10.25}.
struct HandTables {
  HandTables() : shape(flatShape({1, 1}, {1, 1}, {224}, {1.0})), tables(dir.path()) {
    dir.write("stage1_0_0.csv", row("s1a", 16, 224, 0.3, 1.0) + row("s1b", 16, 224, 0.2, 2.0) +
                                    row("s1c", 16, 224, 0.1, 9.0));
    dir.write("stage2_0_0.csv", row("s2a", 16, 224, 0.05, 0.5) + row("s2b", 16, 224, 0.5, 0.25));
  }
  TempDir dir;
  SearchSpaceShape shape;
  TableSet tables;
  Space space = tinySpace({0, 0}, {0, 0});
};

QTScoreOptions handOptions(std::vector<double> constraints) {
  QTScoreOptions options;
  options.constraintsMs = std::move(constraints);
  options.samplesPerConstraint = 20000;
  options.seed = 7;
  return options;
}

TEST(QTScore, AllSamplesFeasible) {
  HandTables hand;
  QTScorer scorer(hand.tables, hand.shape, handOptions({20}));
  auto scored = scorer.score(hand.space);
  ASSERT_TRUE(scored.ok()) << scored.error();
  const ConstraintScore &c = scored->constraints.at(0);
  // Every subnet meets 20 ms: p = 1 + 1e-5. Each of the 6 subnets is drawn
  // ~3333 times, so the 50 lowest losses are all the best one, 0.1 + 0.05.
  EXPECT_EQ(c.feasibleSamples, 20000);
  EXPECT_DOUBLE_EQ(c.p, 1.0 + 1e-5);
  EXPECT_EQ(c.topCount, 50);
  EXPECT_NEAR(c.topLoss, 0.15, 1e-12);
  EXPECT_DOUBLE_EQ(c.penalty, 1.0); // (0.08 / 1.00001)^0.01 < 1
  EXPECT_NEAR(scored->score, 1.0 / 0.15, 1e-9);
  EXPECT_NEAR(c.minLatencyMs, 2.25, 1e-12);
}

TEST(QTScore, NoSampleMeetsTheConstraint) {
  HandTables hand;
  QTScorer scorer(hand.tables, hand.shape, handOptions({2.0})); // fastest subnet: 2.25 ms
  auto scored = scorer.score(hand.space);
  ASSERT_TRUE(scored.ok()) << scored.error();
  const ConstraintScore &c = scored->constraints.at(0);
  EXPECT_EQ(c.feasibleSamples, 0);
  EXPECT_DOUBLE_EQ(c.p, 1e-5);     // p = 0 + 1e-5
  EXPECT_DOUBLE_EQ(c.topLoss, 1e5); // SpaceEvo's "no feasible sample" loss
  EXPECT_EQ(c.topCount, 0);
  const double penalty = std::pow(0.08 / 1e-5, 0.01); // 8000^0.01 = 1.0940...
  EXPECT_NEAR(c.penalty, penalty, 1e-12);
  EXPECT_NEAR(c.penalty, 1.09404, 1e-5);
  EXPECT_NEAR(scored->score, 1.0 / (1e5 * penalty), 1e-15);
}

TEST(QTScore, PartlyFeasibleWithActivePenalty) {
  HandTables hand;
  QTScoreOptions options = handOptions({4.0});
  options.t = 0.9; // penalty = 0.9 / p with a = 1: active since p ~ 2/3
  options.a = 1.0;
  QTScorer scorer(hand.tables, hand.shape, options);
  auto scored = scorer.score(hand.space);
  ASSERT_TRUE(scored.ok()) << scored.error();
  const ConstraintScore &c = scored->constraints.at(0);
  // Feasible (<= 4 ms): stage-1 rows a and b with either stage-2 row, so
  // p ~ 2/3; the best feasible loss is 0.2 + 0.05 = 0.25 (row c is too slow).
  const double share = static_cast<double>(c.feasibleSamples) / c.samples;
  const double sigma = std::sqrt((2.0 / 3) * (1.0 / 3) / c.samples);
  EXPECT_NEAR(share, 2.0 / 3, 5 * sigma);
  EXPECT_DOUBLE_EQ(c.p, share + 1e-5);
  EXPECT_NEAR(c.topLoss, 0.25, 1e-12);
  EXPECT_DOUBLE_EQ(c.penalty, 0.9 / c.p);
  EXPECT_DOUBLE_EQ(scored->score, 1.0 / (c.penalty * 0.25));
}

TEST(QTScore, SumsOverConstraintsAndKeysSamplesByConstraintValue) {
  HandTables hand;
  QTScorer both(hand.tables, hand.shape, handOptions({20, 2.0, 4.0}));
  auto scored = both.score(hand.space);
  ASSERT_TRUE(scored.ok()) << scored.error();
  ASSERT_EQ(scored->constraints.size(), 3u);
  EXPECT_DOUBLE_EQ(scored->score, scored->constraints[0].score + scored->constraints[1].score +
                                      scored->constraints[2].score);
  // A constraint's result does not depend on the others scored with it.
  QTScorer alone(hand.tables, hand.shape, handOptions({4.0}));
  auto single = alone.score(hand.space);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->constraints[0].feasibleSamples, scored->constraints[2].feasibleSamples);
  EXPECT_EQ(single->constraints[0].score, scored->constraints[2].score);
}

TEST(QTScore, OneResolutionPerBatch) {
  // Stage rows are feasible at 160 and not at 224, so p counts exactly the
  // samples drawn at 160, which come in whole batches.
  TempDir dir;
  dir.write("stage1_0_0.csv", row("x", 16, 224, 0.4, 5.0) + row("y", 16, 160, 0.3, 1.0));
  SearchSpaceShape shape = flatShape({1}, {1}, {224, 160}, {1.0, 0.5});
  TableSet tables(dir.path());
  QTScoreOptions options;
  options.constraintsMs = {3.0};
  options.samplesPerConstraint = 10250; // 20 full batches of 500 and one of 250
  options.batchSize = 500;
  QTScorer scorer(tables, shape, options);
  auto scored = scorer.score(tinySpace({0}, {0}));
  ASSERT_TRUE(scored.ok()) << scored.error();
  const ConstraintScore &c = scored->constraints[0];
  ASSERT_EQ(c.samplesPerResolution.size(), 2u);
  EXPECT_EQ(c.samplesPerResolution[0] + c.samplesPerResolution[1], 10250);
  EXPECT_EQ(c.feasibleSamples, c.samplesPerResolution[1]);
  EXPECT_TRUE(c.samplesPerResolution[1] % 500 == 0 || c.samplesPerResolution[1] % 500 == 250);
  EXPECT_GT(c.samplesPerResolution[0], 0);
  EXPECT_GT(c.samplesPerResolution[1], 0);
  EXPECT_NEAR(c.topLoss, 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(c.minLatencyMs, 1.5);
}

/// The documented sampling scheme, written naively (every sample kept, full
/// sort), to check the fast implementation's selection and bookkeeping.
QTScore referenceScore(TableSet &tables, const SearchSpaceShape &shape, const Space &space,
                       const QTScoreOptions &options) {
  std::vector<const RowGroup *> groups; // [stage * R + r]
  std::vector<std::shared_ptr<const StageTable>> keep;
  const int R = static_cast<int>(shape.resolutions.size());
  for (int s = 0; s < shape.numStages(); ++s) {
    keep.push_back(*tables.get({s + 1, space.blocks[s], space.windows[s]}));
    for (int r = 0; r < R; ++r)
      groups.push_back(keep.back()->group(shape.stageInputSize(s, shape.resolutions[r])));
  }
  QTScore result;
  for (double constraint : options.constraintsMs) {
    const uint64_t stream = deriveSeed(options.seed, doubleBits(constraint));
    std::vector<double> feasibleLosses;
    const int64_t n = options.samplesPerConstraint;
    for (int64_t b = 0; b * options.batchSize < n; ++b) {
      Xoshiro256 rng(deriveSeed(stream, b));
      const uint32_t r = rng.below(R);
      const int64_t count = std::min(options.batchSize, n - b * options.batchSize);
      for (int64_t i = 0; i < count; ++i) {
        double loss = 0, latency = 0;
        uint64_t bits = 0;
        for (int s = 0; s < shape.numStages(); ++s) {
          if (s % 2 == 0) bits = rng.next();
          const uint32_t random32 = s % 2 == 0 ? static_cast<uint32_t>(bits >> 32)
                                               : static_cast<uint32_t>(bits);
          const RowGroup *g = groups[s * R + r];
          const LossLatency &v = g->values[scaleToIndex(random32, g->values.size())];
          loss += v.loss;
          latency += v.latencyMs;
        }
        latency += shape.fixedLatencyMs[r];
        if (latency <= constraint) feasibleLosses.push_back(loss);
      }
    }
    std::sort(feasibleLosses.begin(), feasibleLosses.end());
    ConstraintScore c;
    c.feasibleSamples = static_cast<int64_t>(feasibleLosses.size());
    c.p = static_cast<double>(feasibleLosses.size()) / n + 1e-5;
    const size_t k = std::min<size_t>(feasibleLosses.size(), options.topK);
    double sum = 0;
    for (size_t i = 0; i < k; ++i) sum += feasibleLosses[i];
    c.topLoss = k ? sum / k : 1e5;
    c.penalty = std::max(1.0, std::pow(options.t / c.p, options.a));
    c.score = 1 / (c.penalty * c.topLoss);
    result.score += c.score;
    result.constraints.push_back(c);
  }
  return result;
}

struct RandomTablesFixture : ::testing::Test {
  RandomTablesFixture()
      : shape(flatShape({2, 2, 2}, {2, 1, 2}, {224, 160}, {0.5, 0.3})), tables(dir.path()) {
    writeRandomTables(dir, shape, 9, 42);
  }
  TempDir dir;
  SearchSpaceShape shape;
  TableSet tables;
};

TEST_F(RandomTablesFixture, MatchesNaiveReference) {
  for (int64_t topK : {1, 7, 50, 5000}) {
    for (int64_t n : {1, 499, 3001}) {
      QTScoreOptions options;
      options.constraintsMs = {4.0, 6.5, 100.0};
      options.samplesPerConstraint = n;
      options.batchSize = 64;
      options.topK = topK;
      options.seed = 99 + n;
      options.t = 0.5;
      options.a = 0.3;
      QTScorer scorer(tables, shape, options);
      const Space space = Space{"tiny", {1, 0, 1}, {1, 0, 0}};
      auto fast = scorer.score(space);
      ASSERT_TRUE(fast.ok()) << fast.error();
      QTScore naive = referenceScore(tables, shape, space, options);
      for (size_t c = 0; c < naive.constraints.size(); ++c) {
        SCOPED_TRACE("topK " + std::to_string(topK) + " n " + std::to_string(n) + " c " +
                     std::to_string(c));
        EXPECT_EQ(fast->constraints[c].feasibleSamples, naive.constraints[c].feasibleSamples);
        EXPECT_EQ(fast->constraints[c].topLoss, naive.constraints[c].topLoss);
        EXPECT_EQ(fast->constraints[c].score, naive.constraints[c].score);
      }
    }
  }
}

TEST_F(RandomTablesFixture, SameResultWhateverTheThreadCount) {
  const Space space = Space{"tiny", {0, 1, 1}, {1, 0, 0}};
  std::vector<QTScore> results;
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    QTScoreOptions options;
    options.constraintsMs = {3.0, 5.0};
    options.samplesPerConstraint = 12345;
    options.threads = threads;
    QTScorer scorer(tables, shape, options);
    auto scored = scorer.score(space);
    ASSERT_TRUE(scored.ok()) << scored.error();
    results.push_back(*scored);
  }
  for (const QTScore &r : results) {
    EXPECT_EQ(r.score, results[0].score);
    for (size_t c = 0; c < r.constraints.size(); ++c) {
      EXPECT_EQ(r.constraints[c].feasibleSamples, results[0].constraints[c].feasibleSamples);
      EXPECT_EQ(r.constraints[c].topLoss, results[0].constraints[c].topLoss);
      EXPECT_EQ(r.constraints[c].samplesPerResolution, results[0].constraints[c].samplesPerResolution);
    }
  }
}

TEST_F(RandomTablesFixture, CommonRandomNumbersAcrossSpaces) {
  // Space B differs from A only in stage 2's table, which is A's stage-2
  // table with every loss raised by 0.01 (same latencies). With common random
  // numbers every sample of B is the matching sample of A plus 0.01.
  auto tableA = tables.get({2, 0, 0});
  ASSERT_TRUE(tableA.ok());
  StageTable shifted = **tableA;
  shifted.key = {2, 1, 0};
  for (TableRow &r : shifted.rows) r.loss += 0.01;
  shifted.rebuildGroups();
  tables.addTable(shifted);

  QTScoreOptions options;
  options.constraintsMs = {4.0};
  options.samplesPerConstraint = 5000;
  QTScorer scorer(tables, shape, options);
  auto a = scorer.score(Space{"tiny", {1, 0, 0}, {1, 0, 1}});
  auto b = scorer.score(Space{"tiny", {1, 1, 0}, {1, 0, 1}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->constraints[0].feasibleSamples, b->constraints[0].feasibleSamples);
  EXPECT_NEAR(b->constraints[0].topLoss - a->constraints[0].topLoss, 0.01, 1e-12);
}

TEST_F(RandomTablesFixture, RescoreSummarisesIndependentSeeds) {
  QTScoreOptions options;
  options.constraintsMs = {4.0};
  options.samplesPerConstraint = 400;
  options.topK = 5;
  QTScorer scorer(tables, shape, options);
  const Space space = Space{"tiny", {0, 0, 0}, {0, 0, 0}};
  std::vector<uint64_t> seeds = independentSeeds(options.seed, 6);
  ASSERT_EQ(seeds.size(), 6u);
  for (size_t i = 0; i < seeds.size(); ++i) {
    EXPECT_NE(seeds[i], options.seed);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(seeds[i], seeds[j]);
  }
  auto summary = scorer.rescore(space, seeds);
  ASSERT_TRUE(summary.ok()) << summary.error();
  double sum = 0, squares = 0;
  for (size_t i = 0; i < seeds.size(); ++i) {
    auto single = scorer.score(space, seeds[i]);
    ASSERT_TRUE(single.ok());
    EXPECT_EQ(summary->scores[i], single->score);
    sum += single->score;
  }
  const double mean = sum / seeds.size();
  for (double s : summary->scores) squares += (s - mean) * (s - mean);
  EXPECT_NEAR(summary->mean, mean, 1e-12);
  EXPECT_NEAR(summary->sd, std::sqrt(squares / 5), 1e-12);
  EXPECT_NEAR(summary->standardError, summary->sd / std::sqrt(6.0), 1e-12);
  EXPECT_GT(summary->sd, 0); // few samples: the seeds must disagree
  EXPECT_FALSE(scorer.rescore(space, {}).ok());
}

TEST_F(RandomTablesFixture, ErrorsAreValues) {
  QTScoreOptions options;
  QTScorer noConstraints(tables, shape, options);
  auto scored = noConstraints.score(Space{"tiny", {0, 0, 0}, {0, 0, 0}});
  ASSERT_FALSE(scored.ok());
  EXPECT_NE(scored.error().find("no latency constraints"), std::string::npos);

  options.constraintsMs = {5};
  options.topK = 0;
  EXPECT_FALSE(QTScorer(tables, shape, options).validate().ok());

  options.topK = 50;
  QTScorer scorer(tables, shape, options);
  EXPECT_NE(scorer.score(Space{"tiny", {0, 0, 0}, {0, 1, 0}}).error().find("window 1 out of range"),
            std::string::npos);
  TempDir empty;
  TableSet missing(empty.path());
  QTScorer missingScorer(missing, shape, options);
  auto failed = missingScorer.score(Space{"tiny", {0, 0, 0}, {0, 0, 0}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().find("stage1_0_0.csv"), std::string::npos);
}

TEST(QTScore, ResolutionWithoutRowsIsAnError) {
  TempDir dir;
  dir.write("stage1_0_0.csv", row("x", 16, 224, 0.4, 5.0)); // nothing at 160
  TableSet tables(dir.path());
  QTScoreOptions options;
  options.constraintsMs = {3.0};
  QTScorer scorer(tables, flatShape({1}, {1}, {224, 160}, {1.0, 0.5}), options);
  auto scored = scorer.score(tinySpace({0}, {0}));
  ASSERT_FALSE(scored.ok());
  EXPECT_NE(scored.error().find("no rows with input height 160"), std::string::npos);
}

//===--- published tables ---===//

TEST(PublishedTables, AllMBv2BaselinesScoreAsReported) {
  // The issue reports the best "MBv2 in every stage" space scoring about
  // 0.33 (onnxw, 10 ms) and 0.74 (mobilew, 15 + 20 ms): the best over the
  // uniform windows of block 1.
  struct Case {
    const char *hyperspace;
    std::vector<double> constraints;
    double low, high;
  };
  for (const Case &c : {Case{"onnxw", {10}, 0.32, 0.34}, Case{"mobilew", {15, 20}, 0.73, 0.75}}) {
    const std::string path = publishedTables(c.hyperspace);
    if (path.empty()) GTEST_SKIP() << "SPACEEVO_BLOCK_LUT not set";
    TableSet tables(path);
    QTScoreOptions options;
    options.constraintsMs = c.constraints;
    options.threads = 2;
    SearchSpaceShape shape = *builtinShape(c.hyperspace);
    QTScorer scorer(tables, shape, options);
    double best = 0;
    for (int window = 0; window < 7; ++window) {
      Space space{c.hyperspace, std::vector<int>(6, 1), {}};
      for (int s = 0; s < 6; ++s) space.windows.push_back(std::min(window, shape.windowCounts[s] - 1));
      auto scored = scorer.score(space);
      ASSERT_TRUE(scored.ok()) << scored.error();
      for (const ConstraintScore &cs : scored->constraints) EXPECT_EQ(cs.topCount, 50);
      best = std::max(best, scored->score);
    }
    EXPECT_GT(best, c.low) << c.hyperspace;
    EXPECT_LT(best, c.high) << c.hyperspace;
  }
}

} // namespace
