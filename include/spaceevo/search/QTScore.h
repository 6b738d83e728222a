//===- QTScore.h - SpaceEvo's Q-T score of a space --------------*- C++ -*-===//
//
// For each latency constraint T_i: draw N subnets in batches; a batch draws
// one resolution, then every subnet of the batch takes, per stage, a uniformly
// random row (with replacement) of that stage's table among the rows whose
// input height belongs to the resolution. Subnet loss = sum of stage losses;
// latency = sum of stage latencies + the fixed stages at that resolution.
//   p_i       = (#samples with latency <= T_i) / N + 1e-5
//   L_i       = mean loss of the topK lowest-loss samples meeting T_i
//               (1e5 when none does)
//   penalty_i = max(1, (t / p_i)^a)
//   score     = sum_i 1 / (penalty_i * L_i)
//
// (SpaceEvo's code divides the top-k sum by count + 1e-5; we take the plain
// mean, a relative difference of 2e-7.)
//
// Common random numbers: the draws depend only on (seed, constraint value,
// batch index, sample index, stage), never on the space. Every sample uses the
// same fixed number of 64-bit draws and maps 32 of their bits onto the row
// count of the table by multiply-shift, so two spaces that share a stage's
// table also share that stage's sampled rows, and comparisons between spaces
// see far less noise than independent sampling would give. The batch streams
// are independent of the thread count, so results are bit-identical for any
// number of threads.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_QTSCORE_H
#define SPACEEVO_SEARCH_QTSCORE_H

#include "spaceevo/search/BlockTables.h"
#include "spaceevo/search/Expected.h"
#include "spaceevo/search/SearchSpaceShape.h"
#include "spaceevo/search/SpaceEncoding.h"
#include "spaceevo/search/WorkerPool.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace spaceevo::search {

struct QTScoreOptions {
  std::vector<double> constraintsMs;      ///< T_i, one sample set each
  int64_t samplesPerConstraint = 100000;  ///< N (a last partial batch is allowed)
  int64_t batchSize = 500;                ///< samples sharing one resolution
  double t = 0.08;   ///< penalty threshold (published search command; code default 0.1)
  double a = 0.01;   ///< penalty exponent
  int64_t topK = 50; ///< L_i averages this many lowest losses
  uint64_t seed = 0; ///< the common-random-numbers seed
  unsigned threads = 1; ///< threads for one score (0 = all cores)

  Status validate() const;
};

struct ConstraintScore {
  double constraintMs = 0;
  int64_t samples = 0;          ///< N
  int64_t feasibleSamples = 0;  ///< samples with latency <= constraint
  double p = 0;                 ///< feasibleSamples / N + 1e-5
  double topLoss = 0;           ///< L_i (1e5 when no sample is feasible)
  int64_t topCount = 0;         ///< samples averaged into L_i (<= topK)
  double penalty = 1;           ///< max(1, (t/p)^a)
  double score = 0;             ///< 1 / (penalty * L)
  double minLatencyMs = 0;      ///< lowest sampled latency (diagnostics)
  /// Samples drawn at each resolution, parallel to SearchSpaceShape::resolutions.
  std::vector<int64_t> samplesPerResolution;
};

struct QTScore {
  double score = 0; ///< sum over constraints
  std::vector<ConstraintScore> constraints;
};

/// Independent re-scorings of one space.
struct RescoreSummary {
  std::vector<double> scores;   ///< one per seed
  double mean = 0;
  double sd = 0;                ///< sample standard deviation (0 for one seed)
  double standardError = 0;     ///< sd / sqrt(#seeds)
  std::vector<double> meanTopLoss; ///< per constraint, mean of L_i
  std::vector<double> meanP;       ///< per constraint, mean of p_i
};

/// `count` seeds derived from `base` that differ from it and from each other
/// (for re-scoring independently of the search's own seed).
std::vector<uint64_t> independentSeeds(uint64_t base, int count);

/// Scores spaces of one hyperspace on one table set. Owns a worker pool; the
/// tables are borrowed and must outlive the scorer.
class QTScorer {
public:
  QTScorer(TableSet &tables, SearchSpaceShape shape, QTScoreOptions options);
  ~QTScorer();
  QTScorer(QTScorer &&) noexcept;
  QTScorer &operator=(QTScorer &&) noexcept;

  /// Options and shape are usable (the score functions check it too).
  Status validate() const;

  /// The score with options().seed.
  Expected<QTScore> score(const Space &space);
  /// The score with another seed (everything else from options()).
  Expected<QTScore> score(const Space &space, uint64_t seed);
  /// Scores with each seed; mean, sd and standard error of the score.
  Expected<RescoreSummary> rescore(const Space &space, const std::vector<uint64_t> &seeds);

  const SearchSpaceShape &shape() const;
  const QTScoreOptions &options() const;
  TableSet &tables();
  WorkerPool &pool();

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_QTSCORE_H
