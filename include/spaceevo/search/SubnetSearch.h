//===- SubnetSearch.h - Best subnets of a space under a budget --*- C++ -*-===//
//
// Within a space, a subnet is one input resolution plus one row per stage
// from that stage's table at that resolution; its loss and latency are the
// sums of the rows' plus the fixed stages' latency.
//
// A subnet that is emitted as a real network must be *channel-consistent*:
// the input channels of the stage-s row equal the output width (the width of
// the last layer in `layers`) of the stage-(s-1) row, and stage 1's input
// channels are ones the fixed stem can produce. This is the default
// (`chainChannels`). SpaceEvo's Q-T score model treats stages as independent
// instead; `chainChannels = false` keeps that model.
//
// Two searches per latency constraint c:
//  (a) SpaceEvo's evolutionary subnet search: population 512, 20 iterations,
//      the better half are parents, 128 mutations + 128 crossovers per
//      iteration; a subnet is valid only if c - d <= latency <= c. Chained,
//      it only ever builds consistent subnets: rows are drawn stage by stage
//      among those accepting the previous stage's output width, and a stage
//      that a mutation or crossover made incompatible is repaired.
//  (b) The exact answer.
//      Chained: per resolution, a DP over stages whose state is the previous
//      stage's output width, keeping per state the Pareto front of
//      (latency, loss) of partial subnets with back-pointers. Sums are formed
//      in the same order as a subnet's, and pruning only drops entries that
//      are dominated or cannot meet c even with the fastest consistent
//      completion, so the answer is exact (no discretisation).
//      Unchained (SpaceEvo's model): a multiple-choice knapsack solved by DP
//      over latency in units of `stepMs`. Each row's latency is rounded UP to
//      whole units and the budget DOWN, so the returned subnet is always
//      feasible (conservative). The same DP with rows rounded DOWN bounds the
//      optimum from below; when both agree the solution is proven optimal
//      (always the case when latencies are multiples of stepMs, e.g. the
//      published 4-decimal tables with the default 1e-4 ms). Rows dominated
//      in both loss and latency are pruned first (exact). Its lower bound
//      also bounds the chained optimum from below.
//  The result reports how far (a) lands from (b) of the same problem.
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
  std::vector<int> inputChannels;    ///< per stage: C of the input shape
  std::vector<int> outputWidths;     ///< per stage: last layer's width (0 if
                                     ///< the layers string has none)
  double loss = 0;                   ///< sum of stage losses
  double latencyMs = 0;              ///< sum of stage latencies + fixed stages
};

struct SubnetSearchOptions {
  std::vector<double> constraintsMs;
  double latencyWindowMs = 5;     ///< d: evolution keeps c - d <= latency <= c
  int64_t populationSize = 512;
  int64_t iterations = 20;         ///< fewer when one finds no new subnet
  double parentRatio = 0.5;
  int64_t mutationCount = 128;    ///< children by mutation per iteration
  int64_t crossoverCount = 128;   ///< children by crossover per iteration
  double stageMutationProb = 0.3; ///< per stage: draw a new row
  double resolutionMutationProb = 0.5;
  int64_t maxCrossoverTries = 50; ///< then mutate the first parent instead
  int64_t maxSampleTries = 100000;///< attempts to find one new valid subnet
  int64_t topK = 10;              ///< subnets reported per constraint
  uint64_t seed = 0;
  double knapsackStepMs = 1e-4;   ///< unchained DP latency unit
  /// Only channel-consistent subnets (see the file comment). False is
  /// SpaceEvo's model: stages independent.
  bool chainChannels = true;
  /// Input channels stage 1 may take (the widths the fixed stem can output,
  /// e.g. {16, 32} for onnxw, {16, 24, 32} for mobilew); empty = any. Only
  /// used when chaining.
  std::vector<int> firstStageInputChannels;

  Status validate() const;
};

struct KnapsackSolution {
  bool feasible = false;       ///< some subnet meets the constraint
  Subnet subnet;               ///< the lowest-loss feasible subnet found
  double lowerBoundLoss = 0;   ///< no feasible subnet has a lower loss
                               ///< (+inf when none can fit)
  bool provenOptimal = false;  ///< subnet.loss == lowerBoundLoss, or proven
                               ///< that nothing fits
  double stepMs = 0;           ///< latency unit; 0 for the exact chained DP
  /// The problem solved: channel-consistent subnets (exact Pareto DP) or
  /// SpaceEvo's independent stages (discretised DP).
  bool channelsChained = false;
  /// Chained only: the unchained (SpaceEvo model) DP's lower bound, which
  /// bounds the chained optimum from below too; +inf when even unchained
  /// nothing fits, NaN when not computed. subnet.loss minus it is the price
  /// of channel consistency (up to the DP's proof, see provenOptimal there).
  double unchainedLowerBoundLoss = 0;
  /// Chained only: Pareto entries kept over all stages and resolutions (a
  /// measure of the DP's work).
  int64_t paretoEntries = 0;
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
  double knapsackSeconds = 0;          ///< the exact solver of `exact`'s problem
  double unchainedBoundSeconds = 0;    ///< chained only: computing the bound
};

struct SubnetSearchResult {
  std::vector<ConstraintSubnets> constraints;
};

/// SpaceEvo's model (stages independent): discretised multiple-choice
/// knapsack over all resolutions of the shape.
Expected<KnapsackSolution> solveSubnetKnapsack(TableSet &tables, const SearchSpaceShape &shape,
                                               const Space &space, double constraintMs,
                                               double stepMs = 1e-4);

struct ChainedKnapsackOptions {
  std::vector<int> firstStageInputChannels; ///< empty = any
  /// Also run the unchained DP for `unchainedLowerBoundLoss` (NaN when off).
  bool computeUnchainedBound = true;
  double unchainedStepMs = 1e-4;
};

/// The lowest-loss channel-consistent subnet with latency <= constraintMs,
/// exactly (Pareto DP over stages with the previous output width as state).
/// Errors: bad constraint or options, tables that cannot be read, a layers
/// string whose last width cannot be read.
Expected<KnapsackSolution>
solveChainedSubnetKnapsack(TableSet &tables, const SearchSpaceShape &shape, const Space &space,
                           double constraintMs, const ChainedKnapsackOptions &options = {});

/// The width of the last layer of a `k#width#expand[_...]` string (the
/// sub-stage's output channels).
Expected<int> lastLayerWidth(const std::string &layers);

/// Success when every stage's input channels equal the previous stage's
/// output width and stage 1's input channels are in firstStageInputChannels
/// (empty = any); otherwise says where the chain breaks.
Status checkChannelConsistency(const Subnet &subnet,
                               const std::vector<int> &firstStageInputChannels = {});

/// Evolutionary search and the exact solver for each constraint, both on the
/// chained problem unless options.chainChannels is false.
Expected<SubnetSearchResult> searchSubnets(TableSet &tables, const SearchSpaceShape &shape,
                                           const Space &space,
                                           const SubnetSearchOptions &options);

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_SUBNETSEARCH_H
