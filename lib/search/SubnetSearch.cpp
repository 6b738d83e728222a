//===- SubnetSearch.cpp - Evolutionary and exact subnet search -------------===//

#include "spaceevo/search/SubnetSearch.h"

#include "spaceevo/search/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace spaceevo::search {

Status SubnetSearchOptions::validate() const {
  if (constraintsMs.empty()) return makeError("subnet search: no latency constraints given");
  for (double c : constraintsMs)
    if (!std::isfinite(c) || c <= 0)
      return makeError("subnet search: latency constraint " + std::to_string(c) +
                       " ms must be finite and positive");
  if (!std::isfinite(latencyWindowMs) || latencyWindowMs < 0)
    return makeError("subnet search: latency window d must be finite and >= 0");
  if (populationSize < 1) return makeError("subnet search: population size must be >= 1");
  if (iterations < 0) return makeError("subnet search: iterations must be >= 0");
  if (!(parentRatio > 0 && parentRatio <= 1))
    return makeError("subnet search: parent ratio must be in (0, 1]");
  if (mutationCount < 0 || crossoverCount < 0)
    return makeError("subnet search: mutation and crossover counts must be >= 0");
  if (!(stageMutationProb >= 0 && stageMutationProb <= 1) ||
      !(resolutionMutationProb >= 0 && resolutionMutationProb <= 1))
    return makeError("subnet search: mutation probabilities must be in [0, 1]");
  if (maxCrossoverTries < 1 || maxSampleTries < 1)
    return makeError("subnet search: try limits must be >= 1");
  if (topK < 1) return makeError("subnet search: top-k must be >= 1");
  if (!std::isfinite(knapsackStepMs) || knapsackStepMs <= 0)
    return makeError("subnet search: knapsack step must be finite and positive");
  return Status::success();
}

namespace {

/// The tables of one space, grouped by resolution.
struct PreparedSubnetSpace {
  std::vector<std::shared_ptr<const StageTable>> tables; // per stage
  /// groups[stage][resolution index]
  std::vector<std::vector<const RowGroup *>> groups;
  int numStages = 0;
  int numResolutions = 0;
};

Expected<PreparedSubnetSpace> prepareSpace(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space) {
  if (Status valid = shape.validate(); !valid) return makeError(valid.error());
  if (Status valid = shape.validateSpace(space); !valid) return makeError(valid.error());
  PreparedSubnetSpace prepared;
  prepared.numStages = shape.numStages();
  prepared.numResolutions = static_cast<int>(shape.resolutions.size());
  for (int s = 0; s < shape.numStages(); ++s) {
    auto table = tables.get(StageKey{s + 1, space.blocks[s], space.windows[s]});
    if (!table) return std::move(table).takeError();
    std::vector<const RowGroup *> byResolution;
    for (int r = 0; r < prepared.numResolutions; ++r) {
      const int height = shape.stageInputSize(s, shape.resolutions[r]);
      const RowGroup *group = (*table)->group(height);
      if (!group || group->values.empty())
        return makeError((*table)->source + ": no rows with input height " +
                         std::to_string(height) + " (stage " + std::to_string(s + 1) +
                         " input at resolution " + std::to_string(shape.resolutions[r]) + ")");
      byResolution.push_back(group);
    }
    prepared.groups.push_back(std::move(byResolution));
    prepared.tables.push_back(std::move(*table));
  }
  return prepared;
}

/// A subnet as indices: resolution index + per stage an index into the
/// stage's RowGroup at that resolution.
struct Genome {
  uint32_t resolution = 0;
  std::vector<uint32_t> picks;
  double loss = 0;
  double latencyMs = 0;

  std::string key() const {
    std::string k(reinterpret_cast<const char *>(&resolution), sizeof resolution);
    k.append(reinterpret_cast<const char *>(picks.data()), picks.size() * sizeof(uint32_t));
    return k;
  }
};

/// Loss and latency in the same summation order as the Q-T score.
void evaluateGenome(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape, Genome &g) {
  double loss = 0, latency = 0;
  for (int s = 0; s < ps.numStages; ++s) {
    const LossLatency &v = ps.groups[s][g.resolution]->values[g.picks[s]];
    loss += v.loss;
    latency += v.latencyMs;
  }
  g.loss = loss;
  g.latencyMs = latency + shape.fixedLatencyMs[g.resolution];
}

Subnet toSubnet(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape, const Genome &g) {
  Subnet subnet;
  subnet.resolution = shape.resolutions[g.resolution];
  subnet.loss = g.loss;
  subnet.latencyMs = g.latencyMs;
  for (int s = 0; s < ps.numStages; ++s) {
    const uint32_t row = ps.groups[s][g.resolution]->rowIndex[g.picks[s]];
    const TableRow &tableRow = ps.tables[s]->rows[row];
    subnet.rows.push_back(row);
    subnet.layers.push_back(tableRow.layers);
    subnet.inputShapes.push_back(tableRow.inputShape());
  }
  return subnet;
}

//===----------------------------------------------------------------------===//
// Exact: multiple-choice knapsack by dynamic programming
//===----------------------------------------------------------------------===//

/// Latency in whole steps. Values within 1e-9 (relative) of a multiple of the
/// step are that multiple, so decimal data on the step grid is exact despite
/// binary floating point; otherwise round up or down as asked.
int64_t toUnits(double latencyMs, double stepMs, bool roundUp) {
  const double q = latencyMs / stepMs;
  const double nearest = std::nearbyint(q);
  if (std::fabs(q - nearest) <= 1e-9 * std::max(1.0, std::fabs(q)))
    return static_cast<int64_t>(nearest);
  return static_cast<int64_t>(roundUp ? std::ceil(q) : std::floor(q));
}

struct KnapsackItem {
  uint32_t pick; // index into the RowGroup
  int64_t units;
  double loss;
};

/// Rows not dominated by a row that is both no slower and strictly better in
/// loss; the group is already sorted by (latency, loss, index).
std::vector<KnapsackItem> paretoItems(const RowGroup &group, double stepMs, bool roundUp) {
  std::vector<KnapsackItem> items;
  double bestLoss = std::numeric_limits<double>::infinity();
  for (uint32_t i = 0; i < group.values.size(); ++i) {
    if (group.values[i].loss < bestLoss) {
      bestLoss = group.values[i].loss;
      items.push_back({i, toUnits(group.values[i].latencyMs, stepMs, roundUp), group.values[i].loss});
    }
  }
  return items;
}

constexpr int64_t kMaxCapacityUnits = 50'000'000;

/// Lowest total loss with total units <= capacity, choosing one item per
/// stage. Fills `picks` when given. Returns +inf when nothing fits.
double knapsackDP(const std::vector<std::vector<KnapsackItem>> &stages, int64_t capacity,
                  std::vector<uint32_t> *picks) {
  const double inf = std::numeric_limits<double>::infinity();
  if (capacity < 0) return inf;
  const size_t width = static_cast<size_t>(capacity) + 1;
  // best[b]: lowest loss of the stages so far within b units (non-increasing in b).
  std::vector<double> best(width, 0.0), next(width);
  std::vector<std::vector<uint16_t>> choice;
  if (picks) choice.assign(stages.size(), std::vector<uint16_t>(width, 0));
  for (size_t s = 0; s < stages.size(); ++s) {
    std::fill(next.begin(), next.end(), inf);
    for (size_t i = 0; i < stages[s].size(); ++i) {
      const KnapsackItem &item = stages[s][i];
      if (item.units > capacity) break; // items are in non-decreasing units
      const size_t u = static_cast<size_t>(item.units);
      uint16_t *choiceRow = picks ? choice[s].data() : nullptr;
      for (size_t b = u; b < width; ++b) {
        const double candidate = best[b - u] + item.loss;
        if (candidate < next[b]) {
          next[b] = candidate;
          if (choiceRow) choiceRow[b] = static_cast<uint16_t>(i);
        }
      }
    }
    best.swap(next);
  }
  const double optimum = best[width - 1];
  if (picks && optimum < inf) {
    picks->assign(stages.size(), 0);
    size_t b = width - 1;
    for (size_t s = stages.size(); s-- > 0;) {
      const KnapsackItem &item = stages[s][choice[s][b]];
      (*picks)[s] = item.pick;
      b -= static_cast<size_t>(item.units);
    }
  }
  return optimum;
}

Expected<KnapsackSolution> solveKnapsack(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape,
                                         double constraintMs, double stepMs) {
  if (!std::isfinite(stepMs) || stepMs <= 0)
    return makeError("subnet knapsack: step must be finite and positive");
  KnapsackSolution solution;
  solution.stepMs = stepMs;
  solution.lowerBoundLoss = std::numeric_limits<double>::infinity();
  bool lowerBoundFeasibleSomewhere = false;
  for (int r = 0; r < ps.numResolutions; ++r) {
    const double budget = constraintMs - shape.fixedLatencyMs[r];
    if (budget < 0) continue;
    const int64_t capacity = toUnits(budget, stepMs, /*roundUp=*/false);
    if (capacity > kMaxCapacityUnits)
      return makeError("subnet knapsack: " + std::to_string(capacity) +
                       " latency units are too many; use a coarser step than " +
                       std::to_string(stepMs) + " ms");
    std::vector<std::vector<KnapsackItem>> up, down;
    for (int s = 0; s < ps.numStages; ++s) {
      up.push_back(paretoItems(*ps.groups[s][r], stepMs, /*roundUp=*/true));
      down.push_back(paretoItems(*ps.groups[s][r], stepMs, /*roundUp=*/false));
      if (up.back().size() > 65535) return makeError("subnet knapsack: too many rows in one stage");
    }
    // Lower bound: rounding every row down can only admit more subnets. When
    // every row sits on the step grid both roundings agree and one DP does.
    bool sameUnits = true;
    for (int s = 0; s < ps.numStages; ++s)
      for (size_t i = 0; i < up[s].size(); ++i)
        sameUnits = sameUnits && up[s][i].units == down[s][i].units;

    // Conservative solution; the floating-point latency (computed exactly as
    // the score computes it) must pass too, so shrink the capacity in the
    // rare case rounding noise pushes it over.
    for (int64_t cap = capacity; cap >= 0 && cap > capacity - 100; --cap) {
      std::vector<uint32_t> picks;
      const double optimum = knapsackDP(up, cap, &picks);
      if (cap == capacity) {
        const double bound = sameUnits ? optimum : knapsackDP(down, capacity, nullptr);
        if (bound < std::numeric_limits<double>::infinity()) lowerBoundFeasibleSomewhere = true;
        solution.lowerBoundLoss = std::min(solution.lowerBoundLoss, bound);
      }
      if (optimum == std::numeric_limits<double>::infinity()) break;
      Genome g;
      g.resolution = static_cast<uint32_t>(r);
      g.picks = picks;
      evaluateGenome(ps, shape, g);
      if (g.latencyMs > constraintMs) continue;
      if (!solution.feasible || g.loss < solution.subnet.loss) {
        solution.feasible = true;
        solution.subnet = toSubnet(ps, shape, g);
      }
      break;
    }
  }
  if (solution.feasible)
    solution.provenOptimal = solution.subnet.loss <= solution.lowerBoundLoss;
  else
    solution.provenOptimal = !lowerBoundFeasibleSomewhere; // proven: no subnet fits
  return solution;
}

//===----------------------------------------------------------------------===//
// Evolutionary search (SpaceEvo's subnet search, on tables)
//===----------------------------------------------------------------------===//

class SubnetEvolution {
public:
  SubnetEvolution(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape,
                  const SubnetSearchOptions &options, double constraintMs)
      : ps(ps), shape(shape), options(options), constraintMs(constraintMs),
        rng(deriveSeed(options.seed, doubleBits(constraintMs))) {
    buildRemapTables();
  }

  /// Every distinct valid subnet seen, for the caller to rank.
  std::vector<Genome> run();

private:
  void buildRemapTables();
  bool valid(const Genome &g) const {
    return g.latencyMs <= constraintMs && g.latencyMs >= constraintMs - options.latencyWindowMs;
  }
  uint32_t randomPick(int stage, uint32_t resolution) {
    return rng.below(static_cast<uint32_t>(ps.groups[stage][resolution]->values.size()));
  }
  /// The same sub-stage (layers and input channels) at another resolution
  /// when the table has it, else a random row there.
  uint32_t remap(int stage, uint32_t from, uint32_t pick, uint32_t to);
  Genome randomGenome();
  Genome mutate(const Genome &parent);
  Genome crossover(const Genome &first, const Genome &second);
  /// Records g if valid and new.
  bool accept(Genome &g);

  const PreparedSubnetSpace &ps;
  const SearchSpaceShape &shape;
  const SubnetSearchOptions &options;
  double constraintMs;
  Xoshiro256 rng;
  std::unordered_set<std::string> seen;
  std::vector<Genome> history;
  /// byKey[stage][resolution]: "layers|channels" -> pick
  std::vector<std::vector<std::unordered_map<std::string, uint32_t>>> byKey;
};

void SubnetEvolution::buildRemapTables() {
  byKey.assign(ps.numStages, std::vector<std::unordered_map<std::string, uint32_t>>(ps.numResolutions));
  for (int s = 0; s < ps.numStages; ++s)
    for (int r = 0; r < ps.numResolutions; ++r) {
      const RowGroup &group = *ps.groups[s][r];
      for (uint32_t i = 0; i < group.rowIndex.size(); ++i) {
        const TableRow &row = ps.tables[s]->rows[group.rowIndex[i]];
        byKey[s][r].emplace(row.layers + "|" + std::to_string(row.inputChannels), i);
      }
    }
}

uint32_t SubnetEvolution::remap(int stage, uint32_t from, uint32_t pick, uint32_t to) {
  if (from == to) return pick;
  const TableRow &row = ps.tables[stage]->rows[ps.groups[stage][from]->rowIndex[pick]];
  auto found = byKey[stage][to].find(row.layers + "|" + std::to_string(row.inputChannels));
  return found != byKey[stage][to].end() ? found->second : randomPick(stage, to);
}

Genome SubnetEvolution::randomGenome() {
  Genome g;
  g.resolution = rng.below(static_cast<uint32_t>(ps.numResolutions));
  for (int s = 0; s < ps.numStages; ++s) g.picks.push_back(randomPick(s, g.resolution));
  evaluateGenome(ps, shape, g);
  return g;
}

Genome SubnetEvolution::mutate(const Genome &parent) {
  Genome g = parent;
  if (rng.uniform() < options.resolutionMutationProb) {
    const uint32_t to = rng.below(static_cast<uint32_t>(ps.numResolutions));
    for (int s = 0; s < ps.numStages; ++s) g.picks[s] = remap(s, parent.resolution, parent.picks[s], to);
    g.resolution = to;
  }
  for (int s = 0; s < ps.numStages; ++s)
    if (rng.uniform() < options.stageMutationProb) g.picks[s] = randomPick(s, g.resolution);
  evaluateGenome(ps, shape, g);
  return g;
}

Genome SubnetEvolution::crossover(const Genome &first, const Genome &second) {
  Genome g;
  g.resolution = rng.uniform() < 0.5 ? first.resolution : second.resolution;
  for (int s = 0; s < ps.numStages; ++s) {
    const Genome &donor = rng.uniform() < 0.5 ? first : second;
    g.picks.push_back(remap(s, donor.resolution, donor.picks[s], g.resolution));
  }
  evaluateGenome(ps, shape, g);
  return g;
}

bool SubnetEvolution::accept(Genome &g) {
  if (!valid(g) || !seen.insert(g.key()).second) return false;
  history.push_back(g);
  return true;
}

std::vector<Genome> SubnetEvolution::run() {
  auto byLoss = [](const Genome &x, const Genome &y) { return x.loss < y.loss; };
  std::vector<Genome> population;
  for (int64_t i = 0; i < options.populationSize; ++i) {
    bool found = false;
    for (int64_t tries = 0; tries < options.maxSampleTries && !found; ++tries) {
      Genome g = randomGenome();
      if (accept(g)) {
        population.push_back(std::move(g));
        found = true;
      }
    }
    if (!found) break; // valid subnets are too rare here; evolve what we have
  }
  if (population.empty()) return history;

  const int64_t parentTarget =
      std::max<int64_t>(1, std::llround(options.parentRatio * options.populationSize));
  for (int64_t iteration = 0; iteration < options.iterations; ++iteration) {
    std::stable_sort(population.begin(), population.end(), byLoss);
    if (static_cast<int64_t>(population.size()) > parentTarget) population.resize(parentTarget);
    const std::vector<Genome> parents = population;
    const uint32_t parentCount = static_cast<uint32_t>(parents.size());

    auto mutateValid = [&](const Genome &parent) {
      for (int64_t tries = 0; tries < options.maxSampleTries; ++tries) {
        Genome child = mutate(parent);
        if (accept(child)) {
          population.push_back(std::move(child));
          return;
        }
      }
    };
    for (int64_t j = 0; j < options.mutationCount; ++j) mutateValid(parents[rng.below(parentCount)]);
    for (int64_t j = 0; j < options.crossoverCount; ++j) {
      if (parentCount < 2) {
        mutateValid(parents[0]);
        continue;
      }
      const uint32_t first = rng.below(parentCount);
      uint32_t second = rng.below(parentCount - 1);
      if (second >= first) ++second;
      bool found = false;
      for (int64_t tries = 0; tries < options.maxCrossoverTries && !found; ++tries) {
        Genome child = crossover(parents[first], parents[second]);
        if (accept(child)) {
          population.push_back(std::move(child));
          found = true;
        }
      }
      if (!found) mutateValid(parents[first]);
    }
  }
  return history;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

Expected<KnapsackSolution> solveSubnetKnapsack(TableSet &tables, const SearchSpaceShape &shape,
                                               const Space &space, double constraintMs,
                                               double stepMs) {
  if (!std::isfinite(constraintMs) || constraintMs <= 0)
    return makeError("subnet knapsack: latency constraint must be finite and positive");
  auto prepared = prepareSpace(tables, shape, space);
  if (!prepared) return std::move(prepared).takeError();
  return solveKnapsack(*prepared, shape, constraintMs, stepMs);
}

Expected<SubnetSearchResult> searchSubnets(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space, const SubnetSearchOptions &options) {
  if (Status valid = options.validate(); !valid) return makeError(valid.error());
  auto prepared = prepareSpace(tables, shape, space);
  if (!prepared) return std::move(prepared).takeError();
  SubnetSearchResult result;
  for (double constraintMs : options.constraintsMs) {
    ConstraintSubnets out;
    out.constraintMs = constraintMs;

    auto start = std::chrono::steady_clock::now();
    SubnetEvolution evolution(*prepared, shape, options, constraintMs);
    std::vector<Genome> found = evolution.run();
    std::stable_sort(found.begin(), found.end(),
                     [](const Genome &x, const Genome &y) { return x.loss < y.loss; });
    out.evolutionEvaluated = static_cast<int64_t>(found.size());
    for (size_t i = 0; i < found.size() && static_cast<int64_t>(i) < options.topK; ++i)
      out.evolutionTop.push_back(toSubnet(*prepared, shape, found[i]));
    out.evolutionSeconds = secondsSince(start);

    start = std::chrono::steady_clock::now();
    auto exact = solveKnapsack(*prepared, shape, constraintMs, options.knapsackStepMs);
    if (!exact) return std::move(exact).takeError();
    out.exact = std::move(*exact);
    out.knapsackSeconds = secondsSince(start);

    if (!out.evolutionTop.empty() && out.exact.feasible) {
      out.gap = out.evolutionTop.front().loss - out.exact.subnet.loss;
      out.relativeGap = out.exact.subnet.loss > 0 ? out.gap / out.exact.subnet.loss : 0;
    }
    result.constraints.push_back(std::move(out));
  }
  return result;
}

} // namespace spaceevo::search
