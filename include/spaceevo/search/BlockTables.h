//===- BlockTables.h - SpaceEvo block lookup tables ------------*- C++ -*-===//
//
// A block table holds sampled sub-stages of one stage for one (block type,
// width window): a CSV file `stage{s}_{block}_{window}.csv`, no header, columns
//   layers,input_shape,int8_nsr_loss,mflops,params_m,latency_ms
// with `layers` = `k#width#expand` joined by `_` and input_shape = `1xCxHxW`.
//
// TableSet reads a directory of them lazily (only the files a space needs)
// and caches them. A row's latency can be overridden (our own measurements
// replace the published prediction) either by a callback applied at load time
// or row by row afterwards.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SEARCH_BLOCKTABLES_H
#define SPACEEVO_SEARCH_BLOCKTABLES_H

#include "spaceevo/search/Expected.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spaceevo::search {

/// Which table: stage (1-based, as in file names), block id, window id.
struct StageKey {
  int stage = 1;
  int block = 0;
  int window = 0;

  bool operator<(const StageKey &o) const {
    if (stage != o.stage) return stage < o.stage;
    if (block != o.block) return block < o.block;
    return window < o.window;
  }
  bool operator==(const StageKey &o) const {
    return stage == o.stage && block == o.block && window == o.window;
  }
};

/// `stage{s}_{block}_{window}.csv`
std::string tableFileName(const StageKey &key);

/// One sampled sub-stage.
struct TableRow {
  std::string layers;     ///< e.g. "3#48#None_5#32#None", kept verbatim
  int inputChannels = 0;  ///< C of 1xCxHxW
  int inputHeight = 0;    ///< H
  int inputWidth = 0;     ///< W
  double loss = 0;        ///< int8_nsr_loss
  double mflops = 0;
  double paramsM = 0;
  double publishedLatencyMs = 0; ///< the CSV's latency_ms
  double latencyMs = 0;   ///< effective latency: the override when set, else published
  bool latencyOverridden = false;
  int line = 0;           ///< 1-based line in the source file

  /// "1xCxHxW", as in the CSV.
  std::string inputShape() const;
};

/// (loss, latency) of one row, the only thing the score's inner loop reads.
struct LossLatency {
  double loss;
  double latencyMs;
};

/// The rows of one table that share one input height (= one resolution),
/// sorted by (latency, loss, row index). Sorting does not change uniform
/// sampling, but it makes common random numbers map the same uniform draw onto
/// rows of similar latency in different tables, which correlates the scores
/// of neighbouring spaces and makes their comparison less noisy.
struct RowGroup {
  int inputHeight = 0;
  std::vector<uint32_t> rowIndex;   ///< index into StageTable::rows
  std::vector<LossLatency> values;  ///< parallel to rowIndex
};

struct StageTable {
  StageKey key;
  std::string source;            ///< file path (or a name for in-memory tables)
  std::vector<TableRow> rows;    ///< file order
  std::vector<RowGroup> groups;  ///< one per distinct input height, ascending

  /// The group with this input height, or nullptr.
  const RowGroup *group(int inputHeight) const;

  /// Rebuilds `groups` from `rows` (after editing rows by hand).
  void rebuildGroups();
};

/// Supplies a measured latency for a row at load time; std::nullopt keeps the
/// table's latency_ms. A NaN, infinite or negative value is a load error.
using LatencyOverrideFn =
    std::function<std::optional<double>(const StageKey &, const TableRow &)>;

/// Parses one table's text. `source` names it in messages ("source:line:
/// what"). Blank lines and a trailing '\r' are accepted; everything else
/// malformed (column count, shape, numbers, NaN, infinity, negative values,
/// empty layers, no rows at all) is an error naming the line.
Expected<StageTable> parseStageTable(std::string_view text,
                                     const std::string &source,
                                     const StageKey &key,
                                     const LatencyOverrideFn &latencyOverride = {});

/// Lazily loaded, cached tables of one directory. Thread-safe: tables are
/// immutable once published (overrides replace them copy-on-write), so a
/// shared_ptr obtained earlier stays valid and unchanged.
class TableSet {
public:
  /// `directory` may be empty when every table is added with addTable().
  explicit TableSet(std::string directory, LatencyOverrideFn latencyOverride = {});

  const std::string &directory() const { return dir; }

  /// The table, loaded on first use. Errors: missing or unreadable file,
  /// malformed content (file:line).
  Expected<std::shared_ptr<const StageTable>> get(const StageKey &key);

  /// Installs an in-memory table (e.g. built from the cost database); it
  /// replaces any cached or on-disk table with the same key.
  void addTable(StageTable table);

  /// Replaces the latency of one row (0-based index into rows) with a
  /// measured value; loads the table if needed.
  Status setLatencyOverride(const StageKey &key, size_t rowIndex, double latencyMs);

  /// Number of tables loaded or added so far.
  size_t cachedTableCount() const;

private:
  std::string dir;
  LatencyOverrideFn overrideFn;
  mutable std::mutex mutex;
  std::map<StageKey, std::shared_ptr<const StageTable>> cache;
};

} // namespace spaceevo::search

#endif // SPACEEVO_SEARCH_BLOCKTABLES_H
