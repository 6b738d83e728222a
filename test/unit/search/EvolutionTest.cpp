//===- EvolutionTest.cpp - Aging evolution over spaces ---------------------===//

#include "SearchTestUtils.h"

#include "spaceevo/search/Evolution.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace spaceevo::search;
using namespace spaceevo::search::testing;

namespace {

/// 3 stages; windows 2, 3 and 1 (stage 3 cannot mutate its window):
/// 3^3 * 2 * 3 * 1 = 162 spaces.
struct EvolutionFixture : ::testing::Test {
  EvolutionFixture()
      : shape(flatShape({3, 3, 3}, {2, 3, 1}, {224, 160}, {0.5, 0.3})), tables(dir.path()) {
    writeRandomTables(dir, shape, 12, 5);
  }

  QTScoreOptions scoreOptions(unsigned threads = 1) const {
    QTScoreOptions options;
    options.constraintsMs = {4.0, 6.0};
    options.samplesPerConstraint = 2000;
    options.seed = 11;
    options.threads = threads;
    return options;
  }

  EvolutionOptions evolutionOptions() const {
    EvolutionOptions options;
    options.populationSize = 20;
    options.tournamentSize = 5;
    options.totalEvaluations = 100;
    options.seed = 3;
    options.topK = 5;
    options.rescoreSeeds = 3;
    return options;
  }

  TempDir dir;
  SearchSpaceShape shape;
  TableSet tables;
};

int differingStages(const std::vector<int> &a, const std::vector<int> &b) {
  int count = 0;
  for (size_t i = 0; i < a.size(); ++i) count += a[i] != b[i];
  return count;
}

TEST_F(EvolutionFixture, UniformSpacesClipWindows) {
  std::vector<Space> uniform = uniformSpaces(shape);
  ASSERT_EQ(uniform.size(), 9u); // 3 blocks x 3 window indices, all distinct
  EXPECT_EQ(encodeSpace(uniform[0]), "tiny-000-000");
  EXPECT_EQ(encodeSpace(uniform[2]), "tiny-000-120"); // window 2 clipped to 1 and 0
  EXPECT_EQ(encodeSpace(uniform[8]), "tiny-222-120");
  EXPECT_EQ(uniformSpaces(onnxwShape()).size(), 24u);
  EXPECT_EQ(uniformSpaces(mobilewShape()).size(), 49u);
  EXPECT_EQ(encodeSpace(uniformSpaces(mobilewShape())[6]), "mobilew-000000-155643");
}

TEST_F(EvolutionFixture, FollowsTheDocumentedSemantics) {
  QTScorer scorer(tables, shape, scoreOptions());
  auto result = runAgingEvolution(scorer, evolutionOptions());
  ASSERT_TRUE(result.ok()) << result.error();
  const std::vector<EvaluatedSpace> &history = result->history;
  ASSERT_EQ(history.size(), 100u);
  EXPECT_EQ(result->stopReason, "evaluated 100 spaces");

  // Never scored twice.
  std::set<std::string> encodings;
  for (const EvaluatedSpace &e : history) EXPECT_TRUE(encodings.insert(e.encoding).second) << e.encoding;

  // Seeding order: the 9 uniform spaces, then random ones up to 20.
  std::vector<Space> uniform = uniformSpaces(shape);
  for (size_t i = 0; i < history.size(); ++i) {
    const EvaluatedSpace &e = history[i];
    EXPECT_EQ(e.id, static_cast<int64_t>(i));
    if (i < 9) {
      EXPECT_EQ(e.origin, SpaceOrigin::Uniform);
      EXPECT_EQ(e.space, uniform[i]);
    } else if (i < 20) {
      EXPECT_EQ(e.origin, SpaceOrigin::Random);
    } else {
      // Children change exactly one stage's block, or exactly one window.
      ASSERT_GE(e.parentId, 0);
      ASSERT_LT(e.parentId, e.id);
      const Space &parent = history[e.parentId].space;
      if (e.origin == SpaceOrigin::BlockMutation) {
        EXPECT_EQ(differingStages(e.space.blocks, parent.blocks), 1);
        EXPECT_EQ(e.space.windows, parent.windows);
      } else {
        ASSERT_EQ(e.origin, SpaceOrigin::WindowMutation);
        EXPECT_EQ(differingStages(e.space.windows, parent.windows), 1);
        EXPECT_EQ(e.space.blocks, parent.blocks);
        EXPECT_EQ(e.space.windows[2], 0); // stage 3 has a single window
      }
    }
  }
  // Random seeding varies blocks too (the original hard-coded them).
  std::set<std::vector<int>> randomBlocks;
  for (size_t i = 9; i < 20; ++i) randomBlocks.insert(history[i].space.blocks);
  EXPECT_GT(randomBlocks.size(), 3u);

  // Cached scores are the scorer's scores.
  for (size_t i = 0; i < history.size(); i += 17) {
    auto again = scorer.score(history[i].space);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->score, history[i].score.score);
  }

  // Top spaces: by search score, re-scored, best is the top re-scored mean.
  ASSERT_EQ(result->top.size(), 5u);
  double bestMean = -1;
  for (size_t i = 0; i < result->top.size(); ++i) {
    const TopSpace &top = result->top[i];
    ASSERT_TRUE(top.rescore.has_value());
    EXPECT_EQ(top.rescore->scores.size(), 3u);
    if (i > 0) {
      EXPECT_GE(history[result->top[i - 1].id].score.score, history[top.id].score.score);
    }
    bestMean = std::max(bestMean, top.rescore->mean);
  }
  for (const EvaluatedSpace &e : history) EXPECT_LE(e.score.score, history[result->top[0].id].score.score);
  bool bestIsTopMean = false;
  for (const TopSpace &top : result->top)
    if (top.id == result->bestId) bestIsTopMean = top.rescore->mean == bestMean;
  EXPECT_TRUE(bestIsTopMean);
}

TEST_F(EvolutionFixture, SameResultWhateverTheThreadCount) {
  std::vector<EvolutionResult> results;
  for (unsigned threads : {1u, 2u, 3u}) {
    QTScorer scorer(tables, shape, scoreOptions(threads));
    auto result = runAgingEvolution(scorer, evolutionOptions());
    ASSERT_TRUE(result.ok()) << result.error();
    results.push_back(std::move(*result));
  }
  for (const EvolutionResult &r : results) {
    ASSERT_EQ(r.history.size(), results[0].history.size());
    for (size_t i = 0; i < r.history.size(); ++i) {
      EXPECT_EQ(r.history[i].encoding, results[0].history[i].encoding);
      EXPECT_EQ(r.history[i].score.score, results[0].history[i].score.score);
    }
    EXPECT_EQ(r.bestId, results[0].bestId);
    EXPECT_EQ(r.cycles, results[0].cycles);
  }
  // A different evolution seed explores differently.
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions other = evolutionOptions();
  other.seed = 4;
  auto different = runAgingEvolution(scorer, other);
  ASSERT_TRUE(different.ok());
  bool anyDifference = false;
  for (size_t i = 9; i < different->history.size(); ++i)
    anyDifference |= different->history[i].encoding != results[0].history[i].encoding;
  EXPECT_TRUE(anyDifference);
}

TEST_F(EvolutionFixture, StopsWhenEverySpaceIsEvaluated) {
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions options = evolutionOptions();
  options.populationSize = 200; // more than the 162 spaces: seeding covers them all
  options.totalEvaluations = 1000;
  options.rescoreSeeds = 0;
  auto result = runAgingEvolution(scorer, options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->history.size(), 162u);
  EXPECT_EQ(result->stopReason, "every space of the hyperspace has been evaluated");
  EXPECT_EQ(result->cycles, 0);
  EXPECT_EQ(result->bestId, result->top[0].id); // no re-scoring: best search score
  EXPECT_FALSE(result->top[0].rescore.has_value());
}

TEST_F(EvolutionFixture, ConvergedPopulationStallsInsteadOfLooping) {
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions options = evolutionOptions();
  options.totalEvaluations = 1000;
  options.maxFruitlessCycles = 500;
  options.rescoreSeeds = 0;
  auto result = runAgingEvolution(scorer, options);
  ASSERT_TRUE(result.ok()) << result.error();
  // Whatever happens, the run ends; with this seed the population converges
  // before covering all 162 spaces.
  EXPECT_LE(result->history.size(), 162u);
  EXPECT_GT(result->duplicateChildren, 0);
  if (result->history.size() < 162u) {
    EXPECT_EQ(result->stopReason, "no new space in 500 consecutive cycles");
  }
}

TEST_F(EvolutionFixture, FruitlessCyclesEndTheSearch) {
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions options = evolutionOptions();
  options.totalEvaluations = 161;
  options.maxFruitlessCycles = 1;
  options.rescoreSeeds = 0;
  auto result = runAgingEvolution(scorer, options);
  ASSERT_TRUE(result.ok()) << result.error();
  // Stage 3 cannot change its window and the population converges, so some
  // cycle soon yields only known spaces and, with a limit of 1, ends the run.
  EXPECT_LT(result->history.size(), 161u);
  EXPECT_NE(result->stopReason.find("no new space in 1 consecutive cycles"), std::string::npos);
}

TEST_F(EvolutionFixture, ProgressAndCsv) {
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions options = evolutionOptions();
  options.progressInterval = 10;
  std::vector<EvolutionProgress> reports;
  options.onProgress = [&](const EvolutionProgress &p) { reports.push_back(p); };
  auto result = runAgingEvolution(scorer, options);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(reports.size(), 11u); // every 10 evaluations, plus the final report
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(reports[i].evaluated, static_cast<int64_t>(10 * (i + 1)));
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_GE(reports[i].bestScore, reports[i - 1].bestScore);
  EXPECT_EQ(reports.back().total, 100);

  std::ostringstream csv;
  writeHistoryCsv(*result, csv);
  std::istringstream lines(csv.str());
  std::string header, line;
  std::getline(lines, header);
  EXPECT_EQ(header, "id,encoding,origin,parent_id,score,p_4,L_4,penalty_4,p_6,L_6,penalty_6");
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 10) << line;
  }
  EXPECT_EQ(count, 100);
  std::getline(std::istringstream(csv.str().substr(header.size() + 1)), line);
  EXPECT_EQ(line.rfind("0,tiny-000-000,uniform,-1,", 0), 0u) << line;

  TempDir out;
  EXPECT_TRUE(writeHistoryCsv(*result, out.path() + "/history.csv").ok());
  EXPECT_FALSE(writeHistoryCsv(*result, out.path() + "/no/such/dir/history.csv").ok());
}

TEST_F(EvolutionFixture, ErrorsAreValues) {
  QTScorer scorer(tables, shape, scoreOptions());
  EvolutionOptions options = evolutionOptions();
  options.tournamentSize = 50;
  auto result = runAgingEvolution(scorer, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("exceeds the population size"), std::string::npos);

  TempDir empty;
  TableSet missing(empty.path());
  QTScorer missingScorer(missing, shape, scoreOptions());
  auto failed = runAgingEvolution(missingScorer, evolutionOptions());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().find("scoring space 'tiny-000-000'"), std::string::npos);
  EXPECT_NE(failed.error().find("stage1_0_0.csv"), std::string::npos);
}

TEST(PublishedTables, ShortEvolutionIsDeterministicAndBeatsBaseline) {
  const std::string path = publishedTables("onnxw");
  if (path.empty()) GTEST_SKIP() << "SPACEEVO_BLOCK_LUT not set";
  TableSet tables(path);
  std::vector<EvolutionResult> results;
  for (unsigned threads : {1u, 2u}) {
    QTScoreOptions scoreOptions;
    scoreOptions.constraintsMs = {10};
    scoreOptions.samplesPerConstraint = 20000;
    scoreOptions.threads = threads;
    QTScorer scorer(tables, onnxwShape(), scoreOptions);
    EvolutionOptions options;
    options.populationSize = 100;
    options.tournamentSize = 25;
    options.totalEvaluations = 400;
    options.rescoreSeeds = 2;
    auto result = runAgingEvolution(scorer, options);
    ASSERT_TRUE(result.ok()) << result.error();
    results.push_back(std::move(*result));
  }
  ASSERT_EQ(results[0].history.size(), 400u);
  for (size_t i = 0; i < 400; ++i) {
    EXPECT_EQ(results[0].history[i].encoding, results[1].history[i].encoding);
    EXPECT_EQ(results[0].history[i].score.score, results[1].history[i].score.score);
  }
  double bestUniform = 0;
  for (size_t i = 0; i < 24; ++i) bestUniform = std::max(bestUniform, results[0].history[i].score.score);
  EXPECT_GT(results[0].best().score.score, bestUniform);
}

} // namespace
