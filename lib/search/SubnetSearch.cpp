//===- SubnetSearch.cpp - Evolutionary and exact subnet search -------------===//

#include "spaceevo/search/SubnetSearch.h"

#include "spaceevo/search/Random.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
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
  for (int channels : firstStageInputChannels)
    if (channels <= 0)
      return makeError("subnet search: first-stage input channels must be positive, got " +
                       std::to_string(channels));
  return Status::success();
}

Expected<int> lastLayerWidth(const std::string &layers) {
  const size_t layerStart = layers.rfind('_') == std::string::npos ? 0 : layers.rfind('_') + 1;
  const size_t firstHash = layers.find('#', layerStart);
  if (firstHash == std::string::npos)
    return makeError("layers '" + layers + "': last layer has no k#width#expand form");
  const size_t widthStart = firstHash + 1;
  size_t widthEnd = layers.find('#', widthStart);
  if (widthEnd == std::string::npos) widthEnd = layers.size();
  int width = 0;
  const char *first = layers.data() + widthStart, *last = layers.data() + widthEnd;
  auto [end, ec] = std::from_chars(first, last, width);
  if (ec != std::errc() || end != last || width <= 0)
    return makeError("layers '" + layers + "': last layer's width is not a positive integer");
  return width;
}

namespace {
/// C of "1xCxHxW", or nothing.
std::optional<int> channelsOfShape(const std::string &shape) {
  const size_t x1 = shape.find('x');
  if (x1 == std::string::npos) return std::nullopt;
  const size_t x2 = shape.find('x', x1 + 1);
  if (x2 == std::string::npos) return std::nullopt;
  int channels = 0;
  auto [end, ec] = std::from_chars(shape.data() + x1 + 1, shape.data() + x2, channels);
  if (ec != std::errc() || end != shape.data() + x2) return std::nullopt;
  return channels;
}
} // namespace

Status checkChannelConsistency(const Subnet &subnet,
                               const std::vector<int> &firstStageInputChannels) {
  if (subnet.layers.size() != subnet.inputShapes.size())
    return makeError("subnet: layers and input shapes differ in length");
  int previousWidth = 0;
  for (size_t s = 0; s < subnet.layers.size(); ++s) {
    const std::string stage = "stage " + std::to_string(s + 1);
    std::optional<int> channels = channelsOfShape(subnet.inputShapes[s]);
    if (!channels)
      return makeError(stage + ": cannot read channels of input shape '" + subnet.inputShapes[s] +
                       "'");
    if (s == 0) {
      if (!firstStageInputChannels.empty() &&
          std::find(firstStageInputChannels.begin(), firstStageInputChannels.end(), *channels) ==
              firstStageInputChannels.end())
        return makeError(stage + ": input channels " + std::to_string(*channels) +
                         " are not a width the stem can output");
    } else if (*channels != previousWidth) {
      return makeError(stage + ": input channels " + std::to_string(*channels) +
                       " differ from stage " + std::to_string(s) + "'s output width " +
                       std::to_string(previousWidth));
    }
    Expected<int> width = lastLayerWidth(subnet.layers[s]);
    if (!width) return makeError(stage + ": " + width.error());
    previousWidth = *width;
  }
  return Status::success();
}

namespace {

/// Input channels and output width of each row of one RowGroup (parallel to
/// its `values`).
struct GroupChannels {
  std::vector<int> input;
  std::vector<int> output;
};

/// The tables of one space, grouped by resolution.
struct PreparedSubnetSpace {
  std::vector<std::shared_ptr<const StageTable>> tables; // per stage
  /// groups[stage][resolution index]
  std::vector<std::vector<const RowGroup *>> groups;
  /// channels[stage][resolution index]; filled only when chaining.
  std::vector<std::vector<GroupChannels>> channels;
  int numStages = 0;
  int numResolutions = 0;
};

/// `withChannels`: also read every row's output width (an error when a
/// layers string has none; unchained searches accept such tables).
Expected<PreparedSubnetSpace> prepareSpace(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space, bool withChannels) {
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
    if (withChannels) {
      std::vector<GroupChannels> channelsByResolution;
      for (const RowGroup *group : byResolution) {
        GroupChannels channels;
        for (uint32_t index : group->rowIndex) {
          const TableRow &row = (*table)->rows[index];
          Expected<int> width = lastLayerWidth(row.layers);
          if (!width)
            return makeError((*table)->source + ":" + std::to_string(row.line) + ": " +
                             width.error());
          channels.input.push_back(row.inputChannels);
          channels.output.push_back(*width);
        }
        channelsByResolution.push_back(std::move(channels));
      }
      prepared.channels.push_back(std::move(channelsByResolution));
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
    subnet.inputChannels.push_back(tableRow.inputChannels);
    Expected<int> width = lastLayerWidth(tableRow.layers);
    subnet.outputWidths.push_back(width ? *width : 0);
  }
  return subnet;
}

//===----------------------------------------------------------------------===//
// Channel chaining: which rows can be part of a consistent subnet
//===----------------------------------------------------------------------===//

/// Per resolution, the rows that lie on at least one channel-consistent
/// subnet (reachable from an allowed stage-1 input and completable through
/// the last stage). Drawing stage by stage among viable rows compatible with
/// the previous output width therefore never runs into a dead end.
struct ChainIndex {
  /// viable[stage][resolution][pick]
  std::vector<std::vector<std::vector<char>>> viable;
  /// byInput[stage][resolution]: input channels -> viable picks, ascending.
  /// Stage 1 is keyed by its own input channels too; see firstStage.
  std::vector<std::vector<std::map<int, std::vector<uint32_t>>>> byInput;
  /// firstStage[resolution]: viable stage-1 picks, ascending.
  std::vector<std::vector<uint32_t>> firstStage;
  /// Resolution indices with at least one consistent subnet.
  std::vector<uint32_t> viableResolutions;
};

ChainIndex buildChainIndex(const PreparedSubnetSpace &ps,
                           const std::vector<int> &firstStageInputChannels) {
  const int S = ps.numStages;
  ChainIndex chain;
  chain.viable.assign(S, std::vector<std::vector<char>>(ps.numResolutions));
  chain.byInput.assign(S, std::vector<std::map<int, std::vector<uint32_t>>>(ps.numResolutions));
  chain.firstStage.assign(ps.numResolutions, {});
  const std::unordered_set<int> allowedFirst(firstStageInputChannels.begin(),
                                             firstStageInputChannels.end());
  for (int r = 0; r < ps.numResolutions; ++r) {
    // Forward: rows whose input some consistent prefix produces.
    std::vector<std::vector<char>> forward(S);
    std::unordered_set<int> produced;
    for (int s = 0; s < S; ++s) {
      const GroupChannels &ch = ps.channels[s][r];
      forward[s].assign(ch.input.size(), 0);
      std::unordered_set<int> next;
      for (size_t i = 0; i < ch.input.size(); ++i) {
        const bool reachable =
            s == 0 ? allowedFirst.empty() || allowedFirst.count(ch.input[i]) > 0
                   : produced.count(ch.input[i]) > 0;
        if (!reachable) continue;
        forward[s][i] = 1;
        next.insert(ch.output[i]);
      }
      produced.swap(next);
    }
    // Backward: rows whose output some consistent suffix accepts.
    std::vector<std::vector<char>> backward(S);
    std::unordered_set<int> accepted;
    for (int s = S - 1; s >= 0; --s) {
      const GroupChannels &ch = ps.channels[s][r];
      backward[s].assign(ch.input.size(), 0);
      std::unordered_set<int> next;
      for (size_t i = 0; i < ch.input.size(); ++i) {
        if (s + 1 < S && accepted.count(ch.output[i]) == 0) continue;
        backward[s][i] = 1;
        next.insert(ch.input[i]);
      }
      accepted.swap(next);
    }
    for (int s = 0; s < S; ++s) {
      const GroupChannels &ch = ps.channels[s][r];
      std::vector<char> &viable = chain.viable[s][r];
      viable.assign(ch.input.size(), 0);
      for (uint32_t i = 0; i < ch.input.size(); ++i) {
        if (!forward[s][i] || !backward[s][i]) continue;
        viable[i] = 1;
        chain.byInput[s][r][ch.input[i]].push_back(i);
        if (s == 0) chain.firstStage[r].push_back(i);
      }
    }
    if (!chain.firstStage[r].empty()) chain.viableResolutions.push_back(static_cast<uint32_t>(r));
  }
  return chain;
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
// Exact, chained: Pareto DP over stages, state = previous output width
//===----------------------------------------------------------------------===//

/// One partial subnet (stages 1..s): sums formed in the subnet's own order,
/// so the final latency and loss are bit-identical to evaluateGenome's.
struct ParetoEntry {
  double latencyMs;
  double loss;
  uint32_t pick;   ///< this stage's pick in its RowGroup
  uint32_t parent; ///< index into the previous stage's entries
};

/// The Pareto front of one state: entries [begin, end) of a stage, sorted by
/// latency ascending, loss strictly descending.
struct StateFront {
  int width;
  uint32_t begin, end;
};

/// Viable rows of one stage with the same (input channels, output width):
/// interchangeable for chaining, so only their own Pareto front matters.
struct ChannelPair {
  int input, output;
  std::vector<uint32_t> picks; ///< latency ascending, loss strictly descending
};

std::vector<ChannelPair> channelPairs(const PreparedSubnetSpace &ps, const ChainIndex &chain,
                                      int s, int r) {
  const RowGroup &group = *ps.groups[s][r];
  const GroupChannels &ch = ps.channels[s][r];
  std::map<std::pair<int, int>, ChannelPair> pairs;
  std::map<std::pair<int, int>, double> bestLoss;
  // The group is sorted by (latency, loss, index): keep each pair's record
  // breakers in loss.
  for (uint32_t i = 0; i < group.values.size(); ++i) {
    if (!chain.viable[s][r][i]) continue;
    const std::pair<int, int> key{ch.input[i], ch.output[i]};
    auto [best, inserted] = bestLoss.emplace(key, std::numeric_limits<double>::infinity());
    if (group.values[i].loss >= best->second) continue;
    best->second = group.values[i].loss;
    ChannelPair &pair = pairs[key];
    pair.input = key.first;
    pair.output = key.second;
    pair.picks.push_back(i);
  }
  std::vector<ChannelPair> out;
  for (auto &entry : pairs) out.push_back(std::move(entry.second));
  return out;
}

struct ChainedResolutionResult {
  bool feasible = false;
  double latencyMs = 0; ///< without the fixed stages
  double loss = 0;
  std::vector<uint32_t> picks;
  int64_t entries = 0;
};

ChainedResolutionResult solveChainedAtResolution(const PreparedSubnetSpace &ps,
                                                 const ChainIndex &chain, int r,
                                                 double fixedMs, double constraintMs) {
  ChainedResolutionResult result;
  const int S = ps.numStages;
  if (chain.firstStage[r].empty()) return result;

  std::vector<std::vector<ChannelPair>> pairs(S);
  for (int s = 0; s < S; ++s) pairs[s] = channelPairs(ps, chain, s, r);

  // fastestRest[s][c]: least latency of stages s..S-1 when stage s takes c
  // input channels (exists for every viable input). Used only to prune
  // entries that cannot meet the budget; the slack absorbs the rounding
  // difference between this sum and the real one, so pruning stays exact.
  std::vector<std::map<int, double>> fastestRest(S + 1);
  for (int s = S - 1; s >= 0; --s)
    for (const ChannelPair &pair : pairs[s]) {
      const double rest = s + 1 < S ? fastestRest[s + 1].at(pair.output) : 0.0;
      const double fastest = ps.groups[s][r]->values[pair.picks.front()].latencyMs + rest;
      auto [it, inserted] = fastestRest[s].emplace(pair.input, fastest);
      if (!inserted) it->second = std::min(it->second, fastest);
    }
  const double slackMs = 1e-9 * std::max(1.0, std::fabs(constraintMs));

  std::vector<std::vector<ParetoEntry>> entries(S);
  std::vector<std::vector<StateFront>> fronts(S);
  const ParetoEntry root{0.0, 0.0, 0, 0};
  struct Candidate {
    int width;
    ParetoEntry entry;
  };
  std::vector<Candidate> candidates;
  for (int s = 0; s < S; ++s) {
    const bool last = s + 1 == S;
    const std::vector<LossLatency> &values = ps.groups[s][r]->values;
    candidates.clear();
    for (const ChannelPair &pair : pairs[s]) {
      const ParetoEntry *baseBegin = &root, *baseEnd = &root + 1;
      if (s > 0) {
        const std::vector<StateFront> &previous = fronts[s - 1];
        auto front = std::lower_bound(previous.begin(), previous.end(), pair.input,
                                      [](const StateFront &f, int w) { return f.width < w; });
        if (front == previous.end() || front->width != pair.input) continue;
        baseBegin = entries[s - 1].data() + front->begin;
        baseEnd = entries[s - 1].data() + front->end;
      }
      const double rest = last ? 0.0 : fastestRest[s + 1].at(pair.output);
      for (const ParetoEntry *base = baseBegin; base != baseEnd; ++base) {
        const uint32_t parent = s > 0 ? static_cast<uint32_t>(base - entries[s - 1].data()) : 0;
        bool anyFits = false;
        for (uint32_t pick : pair.picks) { // latency ascending: stop at the first misfit
          const double latency = base->latencyMs + values[pick].latencyMs;
          const bool fits = last ? latency + fixedMs <= constraintMs
                                 : latency + rest + fixedMs <= constraintMs + slackMs;
          if (!fits) break;
          anyFits = true;
          candidates.push_back({pair.output, {latency, base->loss + values[pick].loss, pick, parent}});
        }
        if (!anyFits) break; // the front is latency ascending too
      }
    }
    if (candidates.empty()) return result; // nothing fits at this resolution

    if (last) {
      const Candidate *best = &candidates.front();
      for (const Candidate &c : candidates)
        if (c.entry.loss < best->entry.loss ||
            (c.entry.loss == best->entry.loss && c.entry.latencyMs < best->entry.latencyMs))
          best = &c;
      result.feasible = true;
      result.latencyMs = best->entry.latencyMs;
      result.loss = best->entry.loss;
      result.picks.assign(S, 0);
      result.picks[s] = best->entry.pick;
      uint32_t parent = best->entry.parent;
      for (int t = s - 1; t >= 0; --t) {
        result.picks[t] = entries[t][parent].pick;
        parent = entries[t][parent].parent;
      }
      result.entries += static_cast<int64_t>(candidates.size());
      return result;
    }

    // Per output width keep the Pareto front: by latency, then loss, each
    // entry must beat every faster one in loss. Ties broken by (pick, parent)
    // so the answer does not depend on sort stability.
    std::sort(candidates.begin(), candidates.end(), [](const Candidate &a, const Candidate &b) {
      if (a.width != b.width) return a.width < b.width;
      if (a.entry.latencyMs != b.entry.latencyMs) return a.entry.latencyMs < b.entry.latencyMs;
      if (a.entry.loss != b.entry.loss) return a.entry.loss < b.entry.loss;
      if (a.entry.pick != b.entry.pick) return a.entry.pick < b.entry.pick;
      return a.entry.parent < b.entry.parent;
    });
    std::vector<ParetoEntry> &kept = entries[s];
    for (size_t i = 0; i < candidates.size();) {
      const int width = candidates[i].width;
      const uint32_t begin = static_cast<uint32_t>(kept.size());
      double bestLoss = std::numeric_limits<double>::infinity();
      for (; i < candidates.size() && candidates[i].width == width; ++i)
        if (candidates[i].entry.loss < bestLoss) {
          bestLoss = candidates[i].entry.loss;
          kept.push_back(candidates[i].entry);
        }
      fronts[s].push_back({width, begin, static_cast<uint32_t>(kept.size())});
    }
    result.entries += static_cast<int64_t>(kept.size());
  }
  return result;
}

KnapsackSolution solveChained(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape,
                              const ChainIndex &chain, double constraintMs) {
  KnapsackSolution solution;
  solution.channelsChained = true;
  solution.stepMs = 0;
  solution.provenOptimal = true; // exact, including "nothing fits"
  solution.lowerBoundLoss = std::numeric_limits<double>::infinity();
  solution.unchainedLowerBoundLoss = std::numeric_limits<double>::quiet_NaN();
  for (int r = 0; r < ps.numResolutions; ++r) {
    ChainedResolutionResult found =
        solveChainedAtResolution(ps, chain, r, shape.fixedLatencyMs[r], constraintMs);
    solution.paretoEntries += found.entries;
    if (!found.feasible) continue;
    Genome g;
    g.resolution = static_cast<uint32_t>(r);
    g.picks = std::move(found.picks);
    evaluateGenome(ps, shape, g); // the same sums, in the same order
    if (!solution.feasible || g.loss < solution.subnet.loss ||
        (g.loss == solution.subnet.loss && g.latencyMs < solution.subnet.latencyMs)) {
      solution.feasible = true;
      solution.subnet = toSubnet(ps, shape, g);
    }
  }
  if (solution.feasible) solution.lowerBoundLoss = solution.subnet.loss;
  return solution;
}

//===----------------------------------------------------------------------===//
// Evolutionary search (SpaceEvo's subnet search, on tables)
//===----------------------------------------------------------------------===//

class SubnetEvolution {
public:
  /// `chain` non-null: build only channel-consistent subnets.
  SubnetEvolution(const PreparedSubnetSpace &ps, const SearchSpaceShape &shape,
                  const SubnetSearchOptions &options, double constraintMs,
                  const ChainIndex *chain)
      : ps(ps), shape(shape), options(options), constraintMs(constraintMs), chain(chain),
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
  /// when the table has it.
  std::optional<uint32_t> sameSubStage(int stage, uint32_t from, uint32_t pick, uint32_t to) const;
  /// sameSubStage, else a random row there (SpaceEvo's behaviour).
  uint32_t remap(int stage, uint32_t from, uint32_t pick, uint32_t to);
  Genome randomGenome();
  Genome mutate(const Genome &parent);
  Genome crossover(const Genome &first, const Genome &second);
  /// Records g if valid and new.
  bool accept(Genome &g);

  // Chained mode. A row fits stage s when it is viable (on some consistent
  // subnet) and takes the previous stage's output width.
  int outputWidth(int stage, uint32_t resolution, uint32_t pick) const {
    return ps.channels[stage][resolution].output[pick];
  }
  bool fits(int stage, uint32_t resolution, std::optional<uint32_t> pick,
            int previousWidth) const {
    if (!pick || !chain->viable[stage][resolution][*pick]) return false;
    return stage == 0 || ps.channels[stage][resolution].input[*pick] == previousWidth;
  }
  /// A random viable row taking `previousWidth` (any viable row at stage 1).
  /// Never empty: the previous row was viable, so some continuation exists.
  uint32_t randomCompatiblePick(int stage, uint32_t resolution, int previousWidth) {
    const std::vector<uint32_t> &rows =
        stage == 0 ? chain->firstStage[resolution]
                   : chain->byInput[stage][resolution].at(previousWidth);
    return rows[rng.below(static_cast<uint32_t>(rows.size()))];
  }
  uint32_t randomViableResolution() {
    const std::vector<uint32_t> &rs = chain->viableResolutions;
    return rs[rng.below(static_cast<uint32_t>(rs.size()))];
  }

  const PreparedSubnetSpace &ps;
  const SearchSpaceShape &shape;
  const SubnetSearchOptions &options;
  double constraintMs;
  const ChainIndex *chain;
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

std::optional<uint32_t> SubnetEvolution::sameSubStage(int stage, uint32_t from, uint32_t pick,
                                                      uint32_t to) const {
  if (from == to) return pick;
  const TableRow &row = ps.tables[stage]->rows[ps.groups[stage][from]->rowIndex[pick]];
  auto found = byKey[stage][to].find(row.layers + "|" + std::to_string(row.inputChannels));
  if (found == byKey[stage][to].end()) return std::nullopt;
  return found->second;
}

uint32_t SubnetEvolution::remap(int stage, uint32_t from, uint32_t pick, uint32_t to) {
  std::optional<uint32_t> same = sameSubStage(stage, from, pick, to);
  return same ? *same : randomPick(stage, to);
}

Genome SubnetEvolution::randomGenome() {
  Genome g;
  if (chain) {
    // Stage by stage among the rows that take the previous output width.
    g.resolution = randomViableResolution();
    int width = 0;
    for (int s = 0; s < ps.numStages; ++s) {
      g.picks.push_back(randomCompatiblePick(s, g.resolution, width));
      width = outputWidth(s, g.resolution, g.picks.back());
    }
  } else {
    g.resolution = rng.below(static_cast<uint32_t>(ps.numResolutions));
    for (int s = 0; s < ps.numStages; ++s) g.picks.push_back(randomPick(s, g.resolution));
  }
  evaluateGenome(ps, shape, g);
  return g;
}

Genome SubnetEvolution::mutate(const Genome &parent) {
  Genome g = parent;
  if (!chain) {
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
  // Chained: a resolution change keeps each stage's sub-stage where the
  // table has it there; then, in stage order, a stage is re-drawn when it is
  // mutated or no longer fits (its input differs from the new previous
  // output, or it was missing at the new resolution).
  std::vector<std::optional<uint32_t>> picks(parent.picks.begin(), parent.picks.end());
  if (rng.uniform() < options.resolutionMutationProb) {
    const uint32_t to = randomViableResolution();
    for (int s = 0; s < ps.numStages; ++s)
      picks[s] = sameSubStage(s, parent.resolution, parent.picks[s], to);
    g.resolution = to;
  }
  int width = 0;
  for (int s = 0; s < ps.numStages; ++s) {
    const bool mutated = rng.uniform() < options.stageMutationProb;
    if (mutated || !fits(s, g.resolution, picks[s], width))
      picks[s] = randomCompatiblePick(s, g.resolution, width);
    g.picks[s] = *picks[s];
    width = outputWidth(s, g.resolution, g.picks[s]);
  }
  evaluateGenome(ps, shape, g);
  return g;
}

Genome SubnetEvolution::crossover(const Genome &first, const Genome &second) {
  Genome g;
  g.resolution = rng.uniform() < 0.5 ? first.resolution : second.resolution;
  if (!chain) {
    for (int s = 0; s < ps.numStages; ++s) {
      const Genome &donor = rng.uniform() < 0.5 ? first : second;
      g.picks.push_back(remap(s, donor.resolution, donor.picks[s], g.resolution));
    }
    evaluateGenome(ps, shape, g);
    return g;
  }
  // Chained: take the donor's stage when it fits after the stages already
  // chosen, else the other parent's, else repair with a compatible row.
  int width = 0;
  for (int s = 0; s < ps.numStages; ++s) {
    const bool fromFirst = rng.uniform() < 0.5;
    const Genome &donor = fromFirst ? first : second;
    const Genome &other = fromFirst ? second : first;
    std::optional<uint32_t> pick = sameSubStage(s, donor.resolution, donor.picks[s], g.resolution);
    if (!fits(s, g.resolution, pick, width))
      pick = sameSubStage(s, other.resolution, other.picks[s], g.resolution);
    if (!fits(s, g.resolution, pick, width)) pick = randomCompatiblePick(s, g.resolution, width);
    g.picks.push_back(*pick);
    width = outputWidth(s, g.resolution, *pick);
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
  if (chain && chain->viableResolutions.empty()) return history; // no consistent subnet at all
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
  size_t historyAtIterationStart = 0;
  for (int64_t iteration = 0; iteration < options.iterations; ++iteration) {
    // An iteration that found nothing new (every try of every child hit a
    // seen or invalid subnet) means the reachable valid subnets are used up;
    // the next would only burn the same tries again.
    if (iteration > 0 && history.size() == historyAtIterationStart) break;
    historyAtIterationStart = history.size();
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
  auto prepared = prepareSpace(tables, shape, space, /*withChannels=*/false);
  if (!prepared) return std::move(prepared).takeError();
  return solveKnapsack(*prepared, shape, constraintMs, stepMs);
}

Expected<KnapsackSolution> solveChainedSubnetKnapsack(TableSet &tables,
                                                      const SearchSpaceShape &shape,
                                                      const Space &space, double constraintMs,
                                                      const ChainedKnapsackOptions &options) {
  if (!std::isfinite(constraintMs) || constraintMs <= 0)
    return makeError("subnet knapsack: latency constraint must be finite and positive");
  for (int channels : options.firstStageInputChannels)
    if (channels <= 0)
      return makeError("subnet knapsack: first-stage input channels must be positive");
  auto prepared = prepareSpace(tables, shape, space, /*withChannels=*/true);
  if (!prepared) return std::move(prepared).takeError();
  const ChainIndex chain = buildChainIndex(*prepared, options.firstStageInputChannels);
  KnapsackSolution solution = solveChained(*prepared, shape, chain, constraintMs);
  if (options.computeUnchainedBound) {
    auto unchained = solveKnapsack(*prepared, shape, constraintMs, options.unchainedStepMs);
    if (!unchained) return std::move(unchained).takeError();
    solution.unchainedLowerBoundLoss = unchained->lowerBoundLoss;
  }
  return solution;
}

Expected<SubnetSearchResult> searchSubnets(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space, const SubnetSearchOptions &options) {
  if (Status valid = options.validate(); !valid) return makeError(valid.error());
  auto prepared = prepareSpace(tables, shape, space, options.chainChannels);
  if (!prepared) return std::move(prepared).takeError();
  std::optional<ChainIndex> chain;
  if (options.chainChannels) chain = buildChainIndex(*prepared, options.firstStageInputChannels);
  SubnetSearchResult result;
  for (double constraintMs : options.constraintsMs) {
    ConstraintSubnets out;
    out.constraintMs = constraintMs;

    auto start = std::chrono::steady_clock::now();
    SubnetEvolution evolution(*prepared, shape, options, constraintMs, chain ? &*chain : nullptr);
    std::vector<Genome> found = evolution.run();
    std::stable_sort(found.begin(), found.end(),
                     [](const Genome &x, const Genome &y) { return x.loss < y.loss; });
    out.evolutionEvaluated = static_cast<int64_t>(found.size());
    for (size_t i = 0; i < found.size() && static_cast<int64_t>(i) < options.topK; ++i)
      out.evolutionTop.push_back(toSubnet(*prepared, shape, found[i]));
    out.evolutionSeconds = secondsSince(start);

    start = std::chrono::steady_clock::now();
    auto unchained = solveKnapsack(*prepared, shape, constraintMs, options.knapsackStepMs);
    if (!unchained) return std::move(unchained).takeError();
    const double unchainedSeconds = secondsSince(start);
    if (chain) {
      start = std::chrono::steady_clock::now();
      out.exact = solveChained(*prepared, shape, *chain, constraintMs);
      out.knapsackSeconds = secondsSince(start);
      out.exact.unchainedLowerBoundLoss = unchained->lowerBoundLoss;
      out.unchainedBoundSeconds = unchainedSeconds;
    } else {
      out.exact = std::move(*unchained);
      out.knapsackSeconds = unchainedSeconds;
    }

    if (!out.evolutionTop.empty() && out.exact.feasible) {
      out.gap = out.evolutionTop.front().loss - out.exact.subnet.loss;
      out.relativeGap = out.exact.subnet.loss > 0 ? out.gap / out.exact.subnet.loss : 0;
    }
    result.constraints.push_back(std::move(out));
  }
  return result;
}

} // namespace spaceevo::search
