//===- SearchBench.cpp - Timing the Q-T score and the space evolution ------===//
//
// Not a test: reports, on SpaceEvo's published tables,
//  * the time of one Q-T score (N = 100,000 per constraint),
//  * the time of the full default evolution (5000 spaces, population 500,
//    sample 125) on 1 and 2 threads, with the best space it finds,
//  * the same-block baselines and the subnet searches on the best space,
// for onnxw at 10 ms and mobilew at 15 + 20 ms.
//
//   spaceevo-bench-search <block-lut dir holding onnxw/ and mobilew/>
//       [--hyperspace onnxw|mobilew|all] [--threads 1,2] [--evolution-runs 3]
//       [--score-runs 200] [--seed 0]
//
//===----------------------------------------------------------------------===//

#include "spaceevo/search/Evolution.h"
#include "spaceevo/search/QTScore.h"
#include "spaceevo/search/SubnetSearch.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sched.h>
#include <string>
#include <thread>
#include <vector>

using namespace spaceevo::search;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Spread {
  double median, p10, p90;
  size_t runs;
};

Spread spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double q) { return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)]; };
  return {at(0.5), at(0.1), at(0.9), values.size()};
}

/// Pins the process to the first `cores` CPUs it may use (threads started
/// later inherit it), so 1-thread timings run on one core.
std::string pinToCores(unsigned cores) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return "not pinned";
  cpu_set_t chosen;
  CPU_ZERO(&chosen);
  std::string list;
  for (int cpu = 0, taken = 0; cpu < CPU_SETSIZE && taken < static_cast<int>(cores); ++cpu)
    if (CPU_ISSET(cpu, &allowed)) {
      CPU_SET(cpu, &chosen);
      list += (taken++ ? "," : "") + std::to_string(cpu);
    }
  if (sched_setaffinity(0, sizeof chosen, &chosen) != 0) return "not pinned";
  return "cpus " + list;
}

void unpin(const cpu_set_t &original) { sched_setaffinity(0, sizeof original, &original); }

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown", flags;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0 && model == "unknown") model = line.substr(line.find(':') + 2);
    if (line.rfind("flags", 0) == 0 && flags.empty()) flags = line;
  }
  std::string isa;
  for (const char *flag : {"avx2", "avx512f", "avx512_vnni", "avx_vnni"})
    if (flags.find(std::string(" ") + flag) != std::string::npos) isa += std::string(" ") + flag;
  return model + " |" + isa;
}

struct Case {
  std::string hyperspace;
  std::vector<double> constraints;
};

std::string join(const std::vector<double> &values) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : "+") + std::to_string(static_cast<int>(v));
  return text;
}

int runCase(const std::string &root, const Case &c, const std::vector<unsigned> &threadCounts,
            int evolutionRuns, int scoreRuns, uint64_t seed, const cpu_set_t &original) {
  auto shape = builtinShape(c.hyperspace);
  if (!shape) {
    std::fprintf(stderr, "%s\n", shape.error().c_str());
    return 1;
  }
  TableSet tables(root + "/" + c.hyperspace);
  std::printf("\n=== %s, constraints %s ms, fixed stages %s ===\n", c.hyperspace.c_str(),
              join(c.constraints).c_str(), shape->fixedLatencyIsEstimate ? "ESTIMATED" : "published");

  std::vector<std::string> bestPerThreadCount;
  std::vector<std::vector<double>> historyScores;
  for (unsigned threads : threadCounts) {
    const std::string pinned = pinToCores(threads);
    QTScoreOptions scoreOptions;
    scoreOptions.constraintsMs = c.constraints;
    scoreOptions.threads = threads;
    scoreOptions.seed = seed;
    QTScorer scorer(tables, *shape, scoreOptions);

    // One score: the all-MBv2 space, warm caches, distinct seeds per run.
    Space probe{c.hyperspace, std::vector<int>(6, 1), std::vector<int>(6, 0)};
    for (int i = 0; i < 20; ++i) {
      auto warm = scorer.score(probe, 1000 + i);
      if (!warm) {
        std::fprintf(stderr, "%s\n", warm.error().c_str());
        return 1;
      }
    }
    std::vector<double> scoreTimes;
    for (int i = 0; i < scoreRuns; ++i) {
      auto start = Clock::now();
      auto scored = scorer.score(probe, 5000 + i);
      scoreTimes.push_back(seconds(start) * 1e3);
    }
    Spread s = spread(scoreTimes);
    std::printf("[%u thread%s, %s] one score (N=%lld x %zu constraint%s): median %.3f ms, "
                "p10 %.3f, p90 %.3f, %zu runs\n",
                threads, threads > 1 ? "s" : "", pinned.c_str(),
                static_cast<long long>(scoreOptions.samplesPerConstraint), c.constraints.size(),
                c.constraints.size() > 1 ? "s" : "", s.median, s.p10, s.p90, s.runs);

    // The full default evolution.
    std::vector<double> evolutionTimes;
    EvolutionResult last;
    for (int run = 0; run < evolutionRuns; ++run) {
      EvolutionOptions options;
      options.seed = seed;
      if (run == 0)
        options.onProgress = [](const EvolutionProgress &p) {
          if (p.evaluated % 1000 == 0 || p.evaluated == p.total)
            std::fprintf(stderr, "  evolution %lld/%lld best %.5f %s\n",
                         static_cast<long long>(p.evaluated), static_cast<long long>(p.total),
                         p.bestScore, p.bestEncoding.c_str());
        };
      auto start = Clock::now();
      auto result = runAgingEvolution(scorer, options);
      evolutionTimes.push_back(seconds(start));
      if (!result) {
        std::fprintf(stderr, "%s\n", result.error().c_str());
        return 1;
      }
      last = std::move(*result);
    }
    Spread e = spread(evolutionTimes);
    const EvaluatedSpace &best = last.best();
    const TopSpace *bestTop = nullptr;
    for (const TopSpace &t : last.top)
      if (t.id == last.bestId) bestTop = &t;
    std::printf("[%u thread%s] full evolution (%zu spaces, %lld cycles, %lld duplicate children "
                "skipped): median %.2f s, p10 %.2f, p90 %.2f, %zu runs\n",
                threads, threads > 1 ? "s" : "", last.history.size(),
                static_cast<long long>(last.cycles), static_cast<long long>(last.duplicateChildren),
                e.median, e.p10, e.p90, e.runs);
    std::printf("  best space %s: search score %.5f, re-scored %.5f +- %.5f (sd over %zu "
                "independent seeds)\n",
                best.encoding.c_str(), best.score.score, bestTop->rescore->mean,
                bestTop->rescore->sd, bestTop->rescore->scores.size());
    for (const ConstraintScore &cs : best.score.constraints)
      std::printf("    T=%g ms: p=%.4f L=%.4f penalty=%.4f\n", cs.constraintMs, cs.p, cs.topLoss,
                  cs.penalty);
    std::printf("  top %zu by search score:\n", last.top.size());
    for (const TopSpace &t : last.top)
      std::printf("    %s  search %.5f  re-scored %.5f +- %.5f\n", last.history[t.id].encoding.c_str(),
                  last.history[t.id].score.score, t.rescore->mean, t.rescore->sd);
    bestPerThreadCount.push_back(best.encoding);
    std::vector<double> scores;
    for (const EvaluatedSpace &h : last.history) scores.push_back(h.score.score);
    historyScores.push_back(std::move(scores));

    if (threads == threadCounts.front()) {
      // Same-block baselines, re-scored like the best space.
      const std::vector<uint64_t> seeds = independentSeeds(seed, 5);
      double bestBaseline = 0;
      std::string bestBaselineName;
      for (const Space &space : uniformSpaces(*shape)) {
        auto summary = scorer.rescore(space, seeds);
        if (summary && summary->mean > bestBaseline) {
          bestBaseline = summary->mean;
          bestBaselineName = encodeSpace(space);
        }
      }
      std::printf("  best same-block baseline %s: re-scored %.5f\n", bestBaselineName.c_str(),
                  bestBaseline);

      // Subnet searches on the best space.
      SubnetSearchOptions subnetOptions;
      subnetOptions.constraintsMs = c.constraints;
      subnetOptions.seed = seed;
      auto subnets = searchSubnets(tables, *shape, best.space, subnetOptions);
      if (!subnets) {
        std::fprintf(stderr, "%s\n", subnets.error().c_str());
        return 1;
      }
      for (const ConstraintSubnets &cs : subnets->constraints)
        std::printf("  subnets @%g ms: evolution loss %.4f (%.3f s, %lld valid subnets), exact "
                    "knapsack loss %.4f at %.4f ms, res %d, %s (%.3f s); gap %.4f (%.2f%%)\n",
                    cs.constraintMs, cs.evolutionTop.empty() ? -1.0 : cs.evolutionTop[0].loss,
                    cs.evolutionSeconds, static_cast<long long>(cs.evolutionEvaluated),
                    cs.exact.subnet.loss, cs.exact.subnet.latencyMs, cs.exact.subnet.resolution,
                    cs.exact.provenOptimal ? "proven optimal" : "not proven", cs.knapsackSeconds,
                    cs.gap, 100 * cs.relativeGap);
    }
    unpin(original);
  }
  bool identical = true;
  for (size_t i = 1; i < historyScores.size(); ++i)
    identical = identical && historyScores[i] == historyScores[0] &&
                bestPerThreadCount[i] == bestPerThreadCount[0];
  std::printf("  identical history and best space across thread counts: %s\n", identical ? "yes" : "NO");
  return identical ? 0 : 2;
}

std::vector<unsigned> parseThreads(const std::string &text) {
  std::vector<unsigned> counts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) counts.push_back(static_cast<unsigned>(std::max(1, std::atoi(part.c_str()))));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return counts;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr,
                 "usage: %s <block-lut dir holding onnxw/ and mobilew/> [--hyperspace "
                 "onnxw|mobilew|all] [--threads 1,2] [--evolution-runs 3] [--score-runs 200] "
                 "[--seed 0]\n",
                 argv[0]);
    return 1;
  }
  std::string root = argv[1];
  std::string which = "all";
  std::vector<unsigned> threads = {1, 2};
  int evolutionRuns = 3, scoreRuns = 200;
  uint64_t seed = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--hyperspace") which = value;
    else if (flag == "--threads") threads = parseThreads(value);
    else if (flag == "--evolution-runs") evolutionRuns = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--score-runs") scoreRuns = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--seed") seed = std::strtoull(value.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 1;
    }
  }
  if (threads.empty()) threads = {1};
  cpu_set_t original;
  CPU_ZERO(&original);
  sched_getaffinity(0, sizeof original, &original);

  std::printf("spaceevo-bench-search | %s | %u hardware threads | compiler %s | seed %llu\n",
              cpuModel().c_str(), std::thread::hardware_concurrency(), __VERSION__,
              static_cast<unsigned long long>(seed));
  std::vector<Case> cases;
  if (which == "all" || which == "onnxw") cases.push_back({"onnxw", {10}});
  if (which == "all" || which == "mobilew") cases.push_back({"mobilew", {15, 20}});
  int status = 0;
  for (const Case &c : cases) status |= runCase(root, c, threads, evolutionRuns, scoreRuns, seed, original);
  return status;
}
