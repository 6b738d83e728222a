//===- SubnetSearch.h - Best subnets of a space under a budget --*- C++ -*-===//
//
// Within a space, a subnet (as the Q-T score models it) is one input
// resolution plus one row per stage from that stage's table at that
// resolution; its loss and latency are the sums of the rows' plus the fixed
// stages' latency. (Like the Q-T score, the model treats stages as
// independent: a row's input channels need not equal the previous row's last
// width.)
//
// Two searches per latency constraint c:
//  (a) SpaceEvo's evolutionary subnet search: population 512, 20 iterations,
//      the better half are parents, 128 mutations + 128 crossovers per
//      iteration; a subnet is valid only if c - d <= latency <= c.
//  (b) The exact answer. Loss and latency add up over stages, so "lowest loss
//      with latency <= c" is a multiple-choice knapsack, solved per
//      resolution by dynamic programming over latency in units of `stepMs`.
//      Each row's latency is rounded UP to whole units and the budget DOWN, so
//      the returned subnet is always feasible (conservative). The same DP with
//      rows rounded DOWN bounds the optimum from below; when both agree the
//      solution is proven optimal (always the case when latencies are
//      multiples of stepMs, e.g. the published 4-decimal tables with the
//      default 1e-4 ms). Rows dominated in both loss and latency are pruned
//      first (exact).
//  The result reports how far (a) lands from (b).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_SUBNETSEARCH_H
#define SPACEEVO_SEARCH_SUBNETSEARCH_H

#include "spaceevo/search/BlockTables.h"
#include "spaceevo/search/Expected.h"
#include "spaceevo/search/SearchSpaceShape.h"
#include "spaceevo/search/SpaceEncoding.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spaceevo::search {

struct Subnet {
  int resolution = 0;
  std::vector<uint32_t> rows;        ///< per stage: index into StageTable::rows
  std::vector<std::string> layers;   ///< per stage: the row's layers string
  std::vector<std::string> inputShapes; ///< per stage: "1xCxHxW"
  double loss = 0;                   ///< sum of stage losses
  double latencyMs = 0;              ///< sum of stage latencies + fixed stages
};

struct SubnetSearchOptions {
  std::vector<double> constraintsMs;
  double latencyWindowMs = 5;     ///< d: evolution keeps c - d <= latency <= c
  int64_t populationSize = 512;
  int64_t iterations = 20;
  double parentRatio = 0.5;
  int64_t mutationCount = 128;    ///< children by mutation per iteration
  int64_t crossoverCount = 128;   ///< children by crossover per iteration
  double stageMutationProb = 0.3; ///< per stage: draw a new row
  double resolutionMutationProb = 0.5;
  int64_t maxCrossoverTries = 50; ///< then mutate the first parent instead
  int64_t maxSampleTries = 100000;///< attempts to find one new valid subnet
  int64_t topK = 10;              ///< subnets reported per constraint
  uint64_t seed = 0;
  double knapsackStepMs = 1e-4;   ///< DP latency unit

  Status validate() const;
};

struct KnapsackSolution {
  bool feasible = false;       ///< some subnet meets the constraint
  Subnet subnet;               ///< the lowest-loss feasible subnet found
  double lowerBoundLoss = 0;   ///< no feasible subnet has a lower loss
  bool provenOptimal = false;  ///< subnet.loss == lowerBoundLoss
  double stepMs = 0;
};

struct ConstraintSubnets {
  double constraintMs = 0;
  std::vector<Subnet> evolutionTop; ///< lowest loss first; empty if none valid
  int64_t evolutionEvaluated = 0;   ///< distinct valid subnets the evolution saw
  KnapsackSolution exact;
  double gap = 0;         ///< evolution best loss - exact loss (>= 0 up to the
                          ///< d window; 0 when either is missing)
  double relativeGap = 0; ///< gap / exact loss
  double evolutionSeconds = 0;
  double knapsackSeconds = 0;
};

struct SubnetSearchResult {
  std::vector<ConstraintSubnets> constraints;
};

/// Exact multiple-choice knapsack over all resolutions of the shape.
Expected<KnapsackSolution> solveSubnetKnapsack(TableSet &tables, const SearchSpaceShape &shape,
                                               const Space &space, double constraintMs,
                                               double stepMs = 1e-4);

/// Evolutionary search and the exact knapsack for each constraint.
Expected<SubnetSearchResult> searchSubnets(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space,
                                           const SubnetSearchOptions &options);

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_SUBNETSEARCH_H
