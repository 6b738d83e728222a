//===- Evolution.cpp - Aging evolution over spaces --------------------------===//

#include "spaceevo/search/Evolution.h"

#include "spaceevo/search/Random.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <numeric>
#include <ostream>
#include <unordered_map>

namespace spaceevo::search {

/// Cycles without a new child before a random new space joins instead.
constexpr int64_t kFruitlessCyclesBeforeRandom = 50;

const char *spaceOriginName(SpaceOrigin origin) {
  switch (origin) {
  case SpaceOrigin::Uniform: return "uniform";
  case SpaceOrigin::Random: return "random";
  case SpaceOrigin::BlockMutation: return "block-mutation";
  case SpaceOrigin::WindowMutation: return "window-mutation";
  }
  return "unknown";
}

Status EvolutionOptions::validate() const {
  if (populationSize < 1) return makeError("evolution: population size must be >= 1");
  if (tournamentSize < 1) return makeError("evolution: tournament sample size must be >= 1");
  if (tournamentSize > populationSize)
    return makeError("evolution: tournament sample size (" + std::to_string(tournamentSize) +
                     ") exceeds the population size (" + std::to_string(populationSize) + ")");
  if (totalEvaluations < 1) return makeError("evolution: total evaluations must be >= 1");
  if (topK < 1) return makeError("evolution: top-k must be >= 1");
  if (rescoreSeeds < 0) return makeError("evolution: rescore seeds must be >= 0");
  if (maxFruitlessCycles < 1) return makeError("evolution: max fruitless cycles must be >= 1");
  return Status::success();
}

std::vector<Space> uniformSpaces(const SearchSpaceShape &shape) {
  const int stages = shape.numStages();
  const int maxBlocks = *std::max_element(shape.blockCounts.begin(), shape.blockCounts.end());
  const int maxWindows = *std::max_element(shape.windowCounts.begin(), shape.windowCounts.end());
  std::vector<Space> spaces;
  for (int block = 0; block < maxBlocks; ++block) {
    for (int window = 0; window < maxWindows; ++window) {
      Space space;
      space.hyperspace = shape.name;
      for (int s = 0; s < stages; ++s) {
        // A block id beyond a stage's count is clipped like a window id;
        // with the built-in hyperspaces every stage has every block.
        space.blocks.push_back(std::min(block, shape.blockCounts[s] - 1));
        space.windows.push_back(std::min(window, shape.windowCounts[s] - 1));
      }
      if (std::find(spaces.begin(), spaces.end(), space) == spaces.end())
        spaces.push_back(std::move(space));
    }
  }
  return spaces;
}

namespace {

class AgingEvolution {
public:
  AgingEvolution(QTScorer &scorer, const EvolutionOptions &options)
      : scorer(scorer), shape(scorer.shape()), options(options),
        rng(deriveSeed(options.seed, 0xA61E6)) {}

  Expected<EvolutionResult> run();

private:
  /// Scores `space` unless it was scored before. Returns whether it was new.
  Expected<bool> evaluate(Space space, SpaceOrigin origin, int64_t parentId);
  Space randomSpace();
  /// A copy of `parent` with one stage's block (or window) changed; false if
  /// no stage has a second choice.
  bool mutate(const Space &parent, bool changeBlock, Space &child);
  void reportProgress();
  bool done() const {
    return static_cast<int64_t>(result.history.size()) >= options.totalEvaluations;
  }
  bool exhausted() const { return static_cast<double>(result.history.size()) >= shape.spaceCount(); }

  QTScorer &scorer;
  const SearchSpaceShape &shape;
  const EvolutionOptions &options;
  Xoshiro256 rng;
  EvolutionResult result;
  std::unordered_map<std::string, int64_t> scoredByEncoding;
  std::deque<int64_t> population; // oldest first
  int64_t bestSoFar = -1;
};

Expected<bool> AgingEvolution::evaluate(Space space, SpaceOrigin origin, int64_t parentId) {
  std::string encoding = encodeSpace(space);
  if (scoredByEncoding.count(encoding)) return false;
  auto scored = scorer.score(space);
  if (!scored) return makeError("scoring space '" + encoding + "': " + scored.error());
  EvaluatedSpace entry;
  entry.id = static_cast<int64_t>(result.history.size());
  entry.space = std::move(space);
  entry.encoding = encoding;
  entry.score = std::move(*scored);
  entry.origin = origin;
  entry.parentId = parentId;
  if (bestSoFar < 0 || entry.score.score > result.history[bestSoFar].score.score)
    bestSoFar = entry.id;
  scoredByEncoding.emplace(std::move(encoding), entry.id);
  result.history.push_back(std::move(entry));
  if (options.progressInterval > 0 &&
      static_cast<int64_t>(result.history.size()) % options.progressInterval == 0)
    reportProgress();
  return true;
}

void AgingEvolution::reportProgress() {
  if (!options.onProgress || bestSoFar < 0) return;
  EvolutionProgress progress;
  progress.evaluated = static_cast<int64_t>(result.history.size());
  progress.total = options.totalEvaluations;
  progress.cycles = result.cycles;
  progress.bestScore = result.history[bestSoFar].score.score;
  progress.bestEncoding = result.history[bestSoFar].encoding;
  options.onProgress(progress);
}

Space AgingEvolution::randomSpace() {
  Space space;
  space.hyperspace = shape.name;
  for (int s = 0; s < shape.numStages(); ++s) {
    space.blocks.push_back(static_cast<int>(rng.below(shape.blockCounts[s])));
    space.windows.push_back(static_cast<int>(rng.below(shape.windowCounts[s])));
  }
  return space;
}

bool AgingEvolution::mutate(const Space &parent, bool changeBlock, Space &child) {
  const std::vector<int> &counts = changeBlock ? shape.blockCounts : shape.windowCounts;
  std::vector<int> mutableStages;
  for (int s = 0; s < shape.numStages(); ++s)
    if (counts[s] > 1) mutableStages.push_back(s);
  if (mutableStages.empty()) return false;
  child = parent;
  const int stage = mutableStages[rng.below(static_cast<uint32_t>(mutableStages.size()))];
  int &choice = changeBlock ? child.blocks[stage] : child.windows[stage];
  // Uniform over the other choices, without a rejection loop.
  int replacement = static_cast<int>(rng.below(static_cast<uint32_t>(counts[stage] - 1)));
  if (replacement >= choice) ++replacement;
  choice = replacement;
  return true;
}

Expected<EvolutionResult> AgingEvolution::run() {
  if (Status valid = options.validate(); !valid) return makeError(valid.error());
  if (Status valid = scorer.validate(); !valid) return makeError(valid.error());

  // 1. Seed the population: uniform spaces, then truly random new spaces.
  for (Space &space : uniformSpaces(shape)) {
    if (static_cast<int64_t>(population.size()) >= options.populationSize || done()) break;
    auto added = evaluate(std::move(space), SpaceOrigin::Uniform, -1);
    if (!added) return std::move(added).takeError();
    if (*added) population.push_back(result.history.back().id);
  }
  while (static_cast<int64_t>(population.size()) < options.populationSize && !done() &&
         !exhausted()) {
    Space space = randomSpace();
    while (scoredByEncoding.count(encodeSpace(space))) space = randomSpace();
    auto added = evaluate(std::move(space), SpaceOrigin::Random, -1);
    if (!added) return std::move(added).takeError();
    population.push_back(result.history.back().id);
  }

  // 2. Cycles: tournament, two children, the oldest dies per new child.
  std::vector<size_t> positions;
  int64_t fruitlessCycles = 0;
  while (!done()) {
    if (exhausted()) {
      result.stopReason = "every space of the hyperspace has been evaluated";
      break;
    }
    // Children of the population's best may all be known (a small space, or
    // a converged population): a truly random new space then keeps the
    // search moving, so every space is eventually reached.
    if (fruitlessCycles > 0 && fruitlessCycles % kFruitlessCyclesBeforeRandom == 0) {
      Space space = randomSpace();
      while (scoredByEncoding.count(encodeSpace(space))) space = randomSpace();
      auto added = evaluate(std::move(space), SpaceOrigin::Random, -1);
      if (!added) return std::move(added).takeError();
      population.push_back(result.history.back().id);
      if (static_cast<int64_t>(population.size()) > options.populationSize) population.pop_front();
      fruitlessCycles = 0;
      continue;
    }
    if (fruitlessCycles >= options.maxFruitlessCycles) {
      result.stopReason = "no new space in " + std::to_string(fruitlessCycles) + " consecutive cycles";
      break;
    }
    ++result.cycles;
    const size_t sampleSize =
        std::min(static_cast<size_t>(options.tournamentSize), population.size());
    positions.resize(population.size());
    std::iota(positions.begin(), positions.end(), size_t{0});
    int64_t parentId = -1;
    for (size_t i = 0; i < sampleSize; ++i) { // partial Fisher-Yates: distinct members
      const size_t j = i + rng.below(static_cast<uint32_t>(positions.size() - i));
      std::swap(positions[i], positions[j]);
      const int64_t candidate = population[positions[i]];
      if (parentId < 0) {
        parentId = candidate;
        continue;
      }
      const double candidateScore = result.history[candidate].score.score;
      const double parentScore = result.history[parentId].score.score;
      if (candidateScore > parentScore || (candidateScore == parentScore && candidate < parentId))
        parentId = candidate;
    }
    const Space parent = result.history[parentId].space;

    bool producedNew = false;
    for (bool changeBlock : {true, false}) {
      if (done()) break;
      Space child;
      if (!mutate(parent, changeBlock, child)) continue;
      auto added = evaluate(std::move(child),
                            changeBlock ? SpaceOrigin::BlockMutation : SpaceOrigin::WindowMutation,
                            parentId);
      if (!added) return std::move(added).takeError();
      if (!*added) {
        ++result.duplicateChildren;
        continue;
      }
      producedNew = true;
      population.push_back(result.history.back().id);
      if (static_cast<int64_t>(population.size()) > options.populationSize) population.pop_front();
    }
    fruitlessCycles = producedNew ? 0 : fruitlessCycles + 1;
  }
  if (result.stopReason.empty()) {
    result.stopReason = done() ? "evaluated " + std::to_string(result.history.size()) + " spaces"
                               : "every space of the hyperspace has been evaluated";
  }

  // 3. Top spaces by search score; re-score them independently to pick best.
  std::vector<int64_t> order(result.history.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return result.history[x].score.score > result.history[y].score.score;
  });
  order.resize(std::min<size_t>(order.size(), static_cast<size_t>(options.topK)));
  const std::vector<uint64_t> seeds = independentSeeds(scorer.options().seed, options.rescoreSeeds);
  for (int64_t id : order) {
    TopSpace top;
    top.id = id;
    if (!seeds.empty()) {
      auto summary = scorer.rescore(result.history[id].space, seeds);
      if (!summary) return makeError("re-scoring space '" + result.history[id].encoding + "': " +
                                     summary.error());
      top.rescore = std::move(*summary);
    }
    result.top.push_back(std::move(top));
  }
  result.bestId = result.top.front().id;
  if (!seeds.empty()) {
    double bestMean = result.top.front().rescore->mean;
    for (const TopSpace &top : result.top)
      if (top.rescore->mean > bestMean) {
        bestMean = top.rescore->mean;
        result.bestId = top.id;
      }
  }
  reportProgress();
  return std::move(result);
}

std::string constraintLabel(double constraintMs) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", constraintMs);
  return buffer;
}

std::string formatNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

} // namespace

Expected<EvolutionResult> runAgingEvolution(QTScorer &scorer, const EvolutionOptions &options) {
  AgingEvolution evolution(scorer, options);
  return evolution.run();
}

void writeHistoryCsv(const EvolutionResult &result, std::ostream &out) {
  out << "id,encoding,origin,parent_id,score";
  if (!result.history.empty())
    for (const ConstraintScore &c : result.history.front().score.constraints) {
      const std::string label = constraintLabel(c.constraintMs);
      out << ",p_" << label << ",L_" << label << ",penalty_" << label;
    }
  out << '\n';
  for (const EvaluatedSpace &entry : result.history) {
    out << entry.id << ',' << entry.encoding << ',' << spaceOriginName(entry.origin) << ','
        << entry.parentId << ',' << formatNumber(entry.score.score);
    for (const ConstraintScore &c : entry.score.constraints)
      out << ',' << formatNumber(c.p) << ',' << formatNumber(c.topLoss) << ','
          << formatNumber(c.penalty);
    out << '\n';
  }
}

Status writeHistoryCsv(const EvolutionResult &result, const std::string &path) {
  std::ofstream out(path);
  if (!out) return makeError("cannot open '" + path + "' for writing the evolution history");
  writeHistoryCsv(result, out);
  out.flush();
  if (!out) return makeError("error while writing the evolution history to '" + path + "'");
  return Status::success();
}

} // namespace spaceevo::search
