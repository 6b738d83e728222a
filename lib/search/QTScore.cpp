//===- QTScore.cpp - SpaceEvo's Q-T score, fast and deterministic ----------===//

#include "spaceevo/search/QTScore.h"

#include "spaceevo/search/Random.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace spaceevo::search {

namespace {

constexpr int kMaxStages = 16;
constexpr double kNoFeasibleLoss = 1e5; // SpaceEvo's L when nothing meets T
constexpr double kPOffset = 1e-5;       // SpaceEvo adds this to p

/// Rows of every stage of one space at one resolution.
struct ResolutionRows {
  const LossLatency *values[kMaxStages];
  uint32_t counts[kMaxStages];
  double fixedLatencyMs;
};

/// A space ready for sampling; keeps its tables alive.
struct PreparedSpace {
  std::vector<std::shared_ptr<const StageTable>> tables;
  std::vector<ResolutionRows> byResolution;
  int numStages = 0;
};

/// What one task (a range of batches of one constraint) found.
struct ChunkResult {
  int64_t feasible = 0;
  double minLatency = std::numeric_limits<double>::infinity();
  std::vector<double> topHeap; // max-heap of the lowest feasible losses
  std::vector<int64_t> samplesPerResolution;
};

/// Keeps the `capacity` lowest values seen (as a max-heap). Values equal to
/// the current worst are skipped: the multiset of the k lowest is unchanged.
inline void offerLoss(std::vector<double> &heap, size_t capacity, double loss) {
  if (heap.size() < capacity) {
    heap.push_back(loss);
    std::push_heap(heap.begin(), heap.end());
  } else if (loss < heap.front()) {
    std::pop_heap(heap.begin(), heap.end());
    heap.back() = loss;
    std::push_heap(heap.begin(), heap.end());
  }
}

/// Samples one batch, continuing `rng` (the batch's stream, whose first
/// draw chose the resolution): each sample takes one draw per stage pair
/// (stages 2k and 2k+1), whose high and low 32 bits pick the two stages'
/// rows. A fixed number of draws per sample keeps the random numbers common
/// across spaces. kStages > 0 fixes the stage count at compile time (the
/// common case of 6, fully unrolled); 0 reads `numStages`.
template <int kStages>
void sampleBatch(Xoshiro256 &stream, const ResolutionRows &rows, int numStages, int64_t count,
                 double constraintMs, size_t topK, ChunkResult &out) {
  Xoshiro256 rng = stream; // a local copy stays in registers
  const int stages = kStages > 0 ? kStages : numStages;
  const double fixed = rows.fixedLatencyMs;
  double heapWorst = out.topHeap.size() < topK ? std::numeric_limits<double>::infinity()
                                               : out.topHeap.front();
  double minLatency = out.minLatency;
  int64_t feasible = 0;
  for (int64_t i = 0; i < count; ++i) {
    double loss = 0, latency = 0;
    for (int s = 0; s < stages; s += 2) {
      const uint64_t bits = rng.next();
      const LossLatency &first =
          rows.values[s][scaleToIndex(static_cast<uint32_t>(bits >> 32), rows.counts[s])];
      loss += first.loss;
      latency += first.latencyMs;
      if (s + 1 < stages) {
        const LossLatency &second =
            rows.values[s + 1][scaleToIndex(static_cast<uint32_t>(bits), rows.counts[s + 1])];
        loss += second.loss;
        latency += second.latencyMs;
      }
    }
    latency += fixed;
    minLatency = std::min(minLatency, latency);
    if (latency <= constraintMs) {
      ++feasible;
      if (loss < heapWorst) {
        offerLoss(out.topHeap, topK, loss);
        if (out.topHeap.size() >= topK) heapWorst = out.topHeap.front();
      }
    }
  }
  stream = rng;
  out.minLatency = minLatency;
  out.feasible += feasible;
}

} // namespace

Status QTScoreOptions::validate() const {
  if (constraintsMs.empty()) return makeError("Q-T score: no latency constraints given");
  for (double c : constraintsMs)
    if (!std::isfinite(c) || c <= 0)
      return makeError("Q-T score: latency constraint " + std::to_string(c) +
                       " ms must be finite and positive");
  if (samplesPerConstraint < 1) return makeError("Q-T score: samples per constraint must be >= 1");
  if (batchSize < 1) return makeError("Q-T score: batch size must be >= 1");
  if (!std::isfinite(t) || t <= 0) return makeError("Q-T score: t must be finite and positive");
  if (!std::isfinite(a) || a < 0) return makeError("Q-T score: a must be finite and >= 0");
  if (topK < 1) return makeError("Q-T score: top-k must be >= 1");
  return Status::success();
}

std::vector<uint64_t> independentSeeds(uint64_t base, int count) {
  std::vector<uint64_t> seeds;
  for (int j = 0; static_cast<int>(seeds.size()) < count; ++j) {
    uint64_t seed = deriveSeed(base ^ 0x5EED5EED5EED5EEDull, static_cast<uint64_t>(j) + 1);
    if (seed != base && std::find(seeds.begin(), seeds.end(), seed) == seeds.end())
      seeds.push_back(seed);
  }
  return seeds;
}

struct QTScorer::Impl {
  Impl(TableSet &tables, SearchSpaceShape shape, QTScoreOptions options)
      : tables(tables), shape(std::move(shape)), options(std::move(options)),
        pool(this->options.threads) {}

  Expected<PreparedSpace> prepare(const Space &space);
  Expected<QTScore> score(const Space &space, uint64_t seed);

  TableSet &tables;
  SearchSpaceShape shape;
  QTScoreOptions options;
  WorkerPool pool;
};

Expected<PreparedSpace> QTScorer::Impl::prepare(const Space &space) {
  if (Status valid = shape.validateSpace(space); !valid) return makeError(valid.error());
  PreparedSpace prepared;
  prepared.numStages = shape.numStages();
  prepared.byResolution.resize(shape.resolutions.size());
  for (int s = 0; s < shape.numStages(); ++s) {
    auto table = tables.get(StageKey{s + 1, space.blocks[s], space.windows[s]});
    if (!table) return std::move(table).takeError();
    for (size_t r = 0; r < shape.resolutions.size(); ++r) {
      const int height = shape.stageInputSize(s, shape.resolutions[r]);
      const RowGroup *group = (*table)->group(height);
      if (!group || group->values.empty())
        return makeError((*table)->source + ": no rows with input height " +
                         std::to_string(height) + " (stage " + std::to_string(s + 1) +
                         " input at resolution " + std::to_string(shape.resolutions[r]) + ")");
      prepared.byResolution[r].values[s] = group->values.data();
      prepared.byResolution[r].counts[s] = static_cast<uint32_t>(group->values.size());
      prepared.byResolution[r].fixedLatencyMs = shape.fixedLatencyMs[r];
    }
    prepared.tables.push_back(std::move(*table));
  }
  return prepared;
}

Expected<QTScore> QTScorer::Impl::score(const Space &space, uint64_t seed) {
  if (Status valid = options.validate(); !valid) return makeError(valid.error());
  if (Status valid = shape.validate(); !valid) return makeError(valid.error());
  auto prepared = prepare(space);
  if (!prepared) return std::move(prepared).takeError();
  const PreparedSpace &ps = *prepared;

  const size_t numConstraints = options.constraintsMs.size();
  const int64_t n = options.samplesPerConstraint;
  const int64_t batchSize = options.batchSize;
  const int64_t batches = (n + batchSize - 1) / batchSize;
  const size_t topK = static_cast<size_t>(std::min<int64_t>(options.topK, n));
  const uint32_t numResolutions = static_cast<uint32_t>(shape.resolutions.size());
  // Chunking only splits work: every merged quantity below is independent of
  // it (integer counts, a minimum, the multiset of the k lowest losses summed
  // in sorted order), so results do not depend on the thread count.
  const int64_t chunksPerConstraint =
      pool.threadCount() == 1 ? 1 : std::min<int64_t>(batches, 4 * pool.threadCount());
  const int64_t batchesPerChunk = (batches + chunksPerConstraint - 1) / chunksPerConstraint;

  std::vector<ChunkResult> chunks(numConstraints * chunksPerConstraint);
  pool.parallelFor(chunks.size(), [&](size_t task) {
    const size_t constraint = task / chunksPerConstraint;
    const int64_t chunk = static_cast<int64_t>(task % chunksPerConstraint);
    const double constraintMs = options.constraintsMs[constraint];
    // The stream is keyed by the constraint's value, not its position, so a
    // constraint's result does not depend on which others are scored with it.
    const uint64_t stream = deriveSeed(seed, doubleBits(constraintMs));
    ChunkResult &out = chunks[task];
    out.topHeap.reserve(topK);
    out.samplesPerResolution.assign(numResolutions, 0);
    const int64_t firstBatch = chunk * batchesPerChunk;
    const int64_t lastBatch = std::min(batches, firstBatch + batchesPerChunk);
    for (int64_t b = firstBatch; b < lastBatch; ++b) {
      // Batch b has its own stream; its first draw picks the resolution.
      Xoshiro256 rng(deriveSeed(stream, static_cast<uint64_t>(b)));
      const uint32_t r = rng.below(numResolutions);
      const int64_t count = std::min(batchSize, n - b * batchSize);
      out.samplesPerResolution[r] += count;
      if (ps.numStages == 6)
        sampleBatch<6>(rng, ps.byResolution[r], 6, count, constraintMs, topK, out);
      else
        sampleBatch<0>(rng, ps.byResolution[r], ps.numStages, count, constraintMs, topK, out);
    }
  });

  QTScore result;
  for (size_t c = 0; c < numConstraints; ++c) {
    ConstraintScore cs;
    cs.constraintMs = options.constraintsMs[c];
    cs.samples = n;
    cs.minLatencyMs = std::numeric_limits<double>::infinity();
    cs.samplesPerResolution.assign(numResolutions, 0);
    std::vector<double> lowest;
    for (int64_t k = 0; k < chunksPerConstraint; ++k) {
      const ChunkResult &chunk = chunks[c * chunksPerConstraint + k];
      cs.feasibleSamples += chunk.feasible;
      cs.minLatencyMs = std::min(cs.minLatencyMs, chunk.minLatency);
      for (uint32_t r = 0; r < numResolutions; ++r)
        cs.samplesPerResolution[r] += chunk.samplesPerResolution[r];
      lowest.insert(lowest.end(), chunk.topHeap.begin(), chunk.topHeap.end());
    }
    std::sort(lowest.begin(), lowest.end());
    if (lowest.size() > topK) lowest.resize(topK);
    cs.p = static_cast<double>(cs.feasibleSamples) / static_cast<double>(n) + kPOffset;
    if (lowest.empty()) {
      cs.topLoss = kNoFeasibleLoss;
    } else {
      double sum = 0;
      for (double loss : lowest) sum += loss;
      cs.topLoss = sum / static_cast<double>(lowest.size());
    }
    cs.topCount = static_cast<int64_t>(lowest.size());
    cs.penalty = std::max(1.0, std::pow(options.t / cs.p, options.a));
    cs.score = 1.0 / (cs.penalty * cs.topLoss);
    result.score += cs.score;
    result.constraints.push_back(std::move(cs));
  }
  return result;
}

QTScorer::QTScorer(TableSet &tables, SearchSpaceShape shape, QTScoreOptions options)
    : impl(std::make_unique<Impl>(tables, std::move(shape), std::move(options))) {}
QTScorer::~QTScorer() = default;
QTScorer::QTScorer(QTScorer &&) noexcept = default;
QTScorer &QTScorer::operator=(QTScorer &&) noexcept = default;

Status QTScorer::validate() const {
  if (Status valid = impl->options.validate(); !valid) return valid;
  return impl->shape.validate();
}

Expected<QTScore> QTScorer::score(const Space &space) { return impl->score(space, impl->options.seed); }
Expected<QTScore> QTScorer::score(const Space &space, uint64_t seed) { return impl->score(space, seed); }

Expected<RescoreSummary> QTScorer::rescore(const Space &space, const std::vector<uint64_t> &seeds) {
  if (seeds.empty()) return makeError("rescore: no seeds given");
  RescoreSummary summary;
  const size_t numConstraints = impl->options.constraintsMs.size();
  summary.meanTopLoss.assign(numConstraints, 0);
  summary.meanP.assign(numConstraints, 0);
  for (uint64_t seed : seeds) {
    auto scored = impl->score(space, seed);
    if (!scored) return std::move(scored).takeError();
    summary.scores.push_back(scored->score);
    for (size_t c = 0; c < numConstraints; ++c) {
      summary.meanTopLoss[c] += scored->constraints[c].topLoss / seeds.size();
      summary.meanP[c] += scored->constraints[c].p / seeds.size();
    }
  }
  double sum = 0;
  for (double s : summary.scores) sum += s;
  summary.mean = sum / summary.scores.size();
  if (summary.scores.size() > 1) {
    double squares = 0;
    for (double s : summary.scores) squares += (s - summary.mean) * (s - summary.mean);
    summary.sd = std::sqrt(squares / (summary.scores.size() - 1));
    summary.standardError = summary.sd / std::sqrt(static_cast<double>(summary.scores.size()));
  }
  return summary;
}

const SearchSpaceShape &QTScorer::shape() const { return impl->shape; }
const QTScoreOptions &QTScorer::options() const { return impl->options; }
TableSet &QTScorer::tables() { return impl->tables; }
WorkerPool &QTScorer::pool() { return impl->pool; }

} // namespace spaceevo::search
