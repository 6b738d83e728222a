//===- SeedReport.cpp - The evolution's results across seeds ---------------===//
//
// Not a test: the README's results table. For onnxw at 10 ms and mobilew at
// 15 + 20 ms on SpaceEvo's published tables, runs the default evolution
// (5000 spaces, population 500, sample 125, N = 100,000) with seeds 0..S-1,
// re-scores each best space on R seeds that no search used, and reports the
// spread across seeds and the wall time; then, as the baseline, the best
// "same block everywhere" space of every block type (all window choices
// scored exhaustively), re-scored the same way.
//
//   spaceevo-search-seeds <block-lut dir holding onnxw/ and mobilew/>
//       [--seeds 5] [--rescore 20] [--threads 2] [--hyperspace onnxw|mobilew|all]
//
//===----------------------------------------------------------------------===//

#include "spaceevo/search/Evolution.h"
#include "spaceevo/search/QTScore.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace spaceevo::search;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Seeds no search uses: the re-scorings are independent of every run.
std::vector<uint64_t> reportSeeds(int count) {
  return independentSeeds(0x5eed5eed5eedull, count);
}

/// Every window vector of the shape, in odometer order.
bool nextWindows(const SearchSpaceShape &shape, std::vector<int> &windows) {
  for (int s = shape.numStages() - 1; s >= 0; --s) {
    if (++windows[s] < shape.windowCounts[s])
      return true;
    windows[s] = 0;
  }
  return false;
}

struct Case {
  std::string name;
  std::vector<double> constraints;
};

int runCase(const std::string &root, const Case &c, int seeds, int rescoreCount,
            unsigned threads) {
  Expected<SearchSpaceShape> shape = builtinShape(c.name);
  if (!shape) {
    std::fprintf(stderr, "%s\n", shape.error().c_str());
    return 1;
  }
  TableSet tables(root + "/" + c.name);
  QTScoreOptions scoreOptions;
  scoreOptions.constraintsMs = c.constraints;
  scoreOptions.threads = threads;
  QTScorer scorer(tables, *shape, scoreOptions);
  const std::vector<uint64_t> rescoreSeeds = reportSeeds(rescoreCount);

  std::string constraintText;
  for (double t : c.constraints)
    constraintText += (constraintText.empty() ? "" : "+") + std::to_string(static_cast<int>(t));
  std::printf("\n### %s @ %s ms (fixed stages: %s%s)\n\n", c.name.c_str(),
              constraintText.c_str(), shape->fixedLatencySource.c_str(),
              shape->fixedLatencyIsEstimate ? ", an estimate" : "");
  std::printf("| seed | best space | search score | re-scored on %d seeds (mean +- sd) | wall time |\n",
              rescoreCount);
  std::printf("|---|---|---|---|---|\n");
  std::vector<double> means;
  for (int seed = 0; seed < seeds; ++seed) {
    EvolutionOptions options;
    options.seed = static_cast<uint64_t>(seed);
    scoreOptions.seed = static_cast<uint64_t>(seed);
    QTScorer seeded(tables, *shape, scoreOptions);
    auto start = std::chrono::steady_clock::now();
    Expected<EvolutionResult> result = runAgingEvolution(seeded, options);
    double wall = secondsSince(start);
    if (!result) {
      std::fprintf(stderr, "%s\n", result.error().c_str());
      return 1;
    }
    const EvaluatedSpace &best = result->best();
    Expected<RescoreSummary> summary = scorer.rescore(best.space, rescoreSeeds);
    if (!summary) {
      std::fprintf(stderr, "%s\n", summary.error().c_str());
      return 1;
    }
    means.push_back(summary->mean);
    std::printf("| %d | `%s` | %.5f | %.5f +- %.5f | %.2f s |\n", seed,
                best.encoding.c_str(), best.score.score, summary->mean,
                summary->sd, wall);
    std::fflush(stdout);
  }
  double lo = *std::min_element(means.begin(), means.end());
  double hi = *std::max_element(means.begin(), means.end());
  std::printf("\nspread of the re-scored best across seeds: %.5f .. %.5f\n\n", lo, hi);

  std::printf("| same block everywhere | best windows | re-scored (mean +- sd) |\n");
  std::printf("|---|---|---|\n");
  for (int block = 0;; ++block) {
    bool inRange = true;
    for (int s = 0; s < shape->numStages(); ++s)
      inRange &= block < shape->blockCounts[s];
    if (!inRange)
      break;
    Space space;
    space.hyperspace = c.name;
    space.blocks.assign(shape->numStages(), block);
    space.windows.assign(shape->numStages(), 0);
    Space best = space;
    double bestScore = -1;
    do {
      Expected<QTScore> score = scorer.score(space);
      if (!score) {
        std::fprintf(stderr, "%s\n", score.error().c_str());
        return 1;
      }
      if (score->score > bestScore) {
        bestScore = score->score;
        best = space;
      }
    } while (nextWindows(*shape, space.windows));
    Expected<RescoreSummary> summary = scorer.rescore(best, rescoreSeeds);
    if (!summary) {
      std::fprintf(stderr, "%s\n", summary.error().c_str());
      return 1;
    }
    std::printf("| %d | `%s` | %.5f +- %.5f |\n", block, encodeSpace(best).c_str(),
                summary->mean, summary->sd);
    std::fflush(stdout);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr,
                 "usage: %s <block-lut dir holding onnxw/ and mobilew/> [--seeds 5] "
                 "[--rescore 20] [--threads 2] [--hyperspace onnxw|mobilew|all]\n",
                 argv[0]);
    return argc < 2 ? 2 : 0;
  }
  std::string root = argv[1], which = "all";
  int seeds = 5, rescore = 20;
  unsigned threads = 2;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") seeds = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--rescore") rescore = std::max(2, std::atoi(value.c_str()));
    else if (flag == "--threads") threads = static_cast<unsigned>(std::atoi(value.c_str()));
    else if (flag == "--hyperspace") which = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::vector<Case> cases = {{"onnxw", {10}}, {"mobilew", {15, 20}}};
  int status = 0;
  for (const Case &c : cases)
    if (which == "all" || which == c.name)
      status |= runCase(root, c, seeds, rescore, threads);
  return status;
}
