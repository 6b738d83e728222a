//===- Evolution.h - Aging evolution over spaces ----------------*- C++ -*-===//
//
// SpaceEvo's space search, made exact about its semantics:
//
//  * `totalEvaluations` counts *distinct spaces scored* (the original's
//    `cycles` bound the history length the same way). No space is ever scored
//    twice: scores are cached by encoding, and a child that was already
//    evaluated is skipped (counted in duplicateChildren) without entering the
//    population, as in the original.
//  * Initial population, in order: the uniform spaces (block b in every
//    stage, window j in every stage clipped to that stage's window count, for
//    b = 0.. max blocks-1, j = 0.. max windows-1; clipping can only make
//    duplicates when two stages' counts differ, and those are skipped), then
//    random spaces (random block AND window per stage, redrawn until new),
//    until `populationSize` spaces. If the uniform spaces alone exceed
//    populationSize, the first populationSize of them are used.
//  * Each cycle: a tournament of `tournamentSize` distinct members drawn from
//    the population; the best (highest score; ties: the older) is the parent.
//    It makes two children: one with one stage's block replaced by a
//    different block, one with one stage's window replaced by a different
//    window (stage and new id uniform). Each new child is scored, appended to
//    the population, and the oldest member dies.
//  * Stops when totalEvaluations distinct spaces were scored, when every
//    space of the hyperspace has been scored, or after maxFruitlessCycles
//    consecutive cycles without a new space (stopReason says which).
//  * At the end the topK spaces by search score are re-scored with
//    `rescoreSeeds` independent seeds; best is the one with the highest
//    re-scored mean (or the top search score when rescoreSeeds is 0), which
//    counters the winner's curse of picking the luckiest sample.
//
// Deterministic: the evolution draws from its own stream (seed), the scores
// from the scorer's (common random numbers), and neither depends on threads.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_EVOLUTION_H
#define SPACEEVO_SEARCH_EVOLUTION_H

#include "spaceevo/search/Expected.h"
#include "spaceevo/search/QTScore.h"
#include "spaceevo/search/SpaceEncoding.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace spaceevo::search {

enum class SpaceOrigin { Uniform, Random, BlockMutation, WindowMutation };
const char *spaceOriginName(SpaceOrigin origin);

struct EvaluatedSpace {
  int64_t id = 0;        ///< position in the history (evaluation order)
  Space space;
  std::string encoding;
  QTScore score;
  SpaceOrigin origin = SpaceOrigin::Random;
  int64_t parentId = -1; ///< for mutations: the parent's id
};

struct EvolutionProgress {
  int64_t evaluated = 0;  ///< distinct spaces scored so far
  int64_t total = 0;      ///< totalEvaluations
  int64_t cycles = 0;     ///< evolution cycles so far (0 while seeding)
  double bestScore = 0;
  std::string bestEncoding;
};

struct EvolutionOptions {
  int64_t populationSize = 500;
  int64_t tournamentSize = 125;
  int64_t totalEvaluations = 5000; ///< distinct spaces to score in total
  uint64_t seed = 0;               ///< the evolution's own random stream
  int64_t topK = 10;               ///< spaces kept in EvolutionResult::top
  int rescoreSeeds = 5;            ///< independent re-scorings of the top spaces
  int64_t maxFruitlessCycles = 10000;
  int64_t progressInterval = 100;  ///< call onProgress every this many evaluations
  std::function<void(const EvolutionProgress &)> onProgress; ///< optional

  Status validate() const;
};

struct TopSpace {
  int64_t id = 0;                       ///< into EvolutionResult::history
  std::optional<RescoreSummary> rescore; ///< when rescoreSeeds > 0
};

struct EvolutionResult {
  std::vector<EvaluatedSpace> history; ///< every scored space, in order
  std::vector<TopSpace> top;           ///< by search score, best first
  int64_t bestId = -1;
  int64_t cycles = 0;
  int64_t duplicateChildren = 0;       ///< children skipped as already scored
  std::string stopReason;

  const EvaluatedSpace &best() const { return history[static_cast<size_t>(bestId)]; }
};

/// Runs the evolution on the scorer's hyperspace (scorer.shape()).
Expected<EvolutionResult> runAgingEvolution(QTScorer &scorer, const EvolutionOptions &options);

/// The uniform spaces of a shape, in the order the evolution seeds them.
std::vector<Space> uniformSpaces(const SearchSpaceShape &shape);

/// History as CSV: id,encoding,origin,parent_id,score, then per constraint
/// p_<T>,L_<T>,penalty_<T>.
void writeHistoryCsv(const EvolutionResult &result, std::ostream &out);
Status writeHistoryCsv(const EvolutionResult &result, const std::string &path);

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_EVOLUTION_H
