//===- BlockTables.cpp - Reading SpaceEvo block tables ---------------------===//

#include "spaceevo/search/BlockTables.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace spaceevo::search {

std::string tableFileName(const StageKey &key) {
  return "stage" + std::to_string(key.stage) + "_" + std::to_string(key.block) + "_" +
         std::to_string(key.window) + ".csv";
}

std::string TableRow::inputShape() const {
  return "1x" + std::to_string(inputChannels) + "x" + std::to_string(inputHeight) + "x" +
         std::to_string(inputWidth);
}

const RowGroup *StageTable::group(int inputHeight) const {
  for (const RowGroup &g : groups)
    if (g.inputHeight == inputHeight) return &g;
  return nullptr;
}

void StageTable::rebuildGroups() {
  groups.clear();
  std::vector<int> heights;
  for (const TableRow &row : rows) heights.push_back(row.inputHeight);
  std::sort(heights.begin(), heights.end());
  heights.erase(std::unique(heights.begin(), heights.end()), heights.end());
  for (int height : heights) {
    RowGroup g;
    g.inputHeight = height;
    for (uint32_t i = 0; i < rows.size(); ++i)
      if (rows[i].inputHeight == height) g.rowIndex.push_back(i);
    // Latency order (see RowGroup); ties broken fully so the order is unique.
    std::sort(g.rowIndex.begin(), g.rowIndex.end(), [&](uint32_t x, uint32_t y) {
      if (rows[x].latencyMs != rows[y].latencyMs) return rows[x].latencyMs < rows[y].latencyMs;
      if (rows[x].loss != rows[y].loss) return rows[x].loss < rows[y].loss;
      return x < y;
    });
    for (uint32_t i : g.rowIndex) g.values.push_back({rows[i].loss, rows[i].latencyMs});
    groups.push_back(std::move(g));
  }
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

/// A finite, non-negative number, or an error "where: column ...".
Expected<double> parseMeasure(std::string_view field, const char *column, const std::string &where) {
  field = trim(field);
  double value = 0;
  const char *begin = field.data(), *end = field.data() + field.size();
  if (!field.empty() && *begin == '+') ++begin; // from_chars rejects a leading '+'
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (field.empty() || ec == std::errc::invalid_argument || ptr != end)
    return makeError(where + ": " + column + " '" + std::string(field) + "' is not a number");
  if (ec == std::errc::result_out_of_range)
    return makeError(where + ": " + column + " '" + std::string(field) + "' is out of range");
  if (std::isnan(value)) return makeError(where + ": " + column + " is NaN");
  if (std::isinf(value)) return makeError(where + ": " + column + " is infinite");
  if (value < 0)
    return makeError(where + ": " + column + " is negative (" + std::string(field) + ")");
  return value;
}

Expected<int> parsePositiveInt(std::string_view field) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc() || ptr != field.data() + field.size() || value <= 0)
    return makeError("bad");
  return value;
}

} // namespace

Expected<StageTable> parseStageTable(std::string_view text, const std::string &source,
                                     const StageKey &key, const LatencyOverrideFn &latencyOverride) {
  StageTable table;
  table.key = key;
  table.source = source;
  int lineNumber = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t newline = text.find('\n', start);
    std::string_view line = text.substr(start, newline == std::string_view::npos ? text.size() - start
                                                                                 : newline - start);
    start = newline == std::string_view::npos ? text.size() : newline + 1;
    ++lineNumber;
    if (trim(line).empty()) continue;

    const std::string where = source + ":" + std::to_string(lineNumber);
    std::vector<std::string_view> columns = split(line, ',');
    if (columns.size() != 6)
      return makeError(where + ": expected 6 comma-separated columns "
                               "(layers,input_shape,int8_nsr_loss,mflops,params_m,latency_ms), found " +
                       std::to_string(columns.size()));
    TableRow row;
    row.line = lineNumber;
    row.layers = std::string(trim(columns[0]));
    if (row.layers.empty()) return makeError(where + ": empty layers column");

    std::string_view shapeText = trim(columns[1]);
    std::vector<std::string_view> dims = split(shapeText, 'x');
    bool shapeOk = dims.size() == 4;
    int dimValues[4] = {0, 0, 0, 0};
    for (size_t d = 0; shapeOk && d < 4; ++d) {
      auto v = parsePositiveInt(dims[d]);
      if (!v) shapeOk = false;
      else dimValues[d] = *v;
    }
    if (!shapeOk)
      return makeError(where + ": input_shape '" + std::string(shapeText) +
                       "' is not 1xCxHxW with positive integers");
    row.inputChannels = dimValues[1];
    row.inputHeight = dimValues[2];
    row.inputWidth = dimValues[3];

    auto loss = parseMeasure(columns[2], "int8_nsr_loss", where);
    if (!loss) return std::move(loss).takeError();
    auto mflops = parseMeasure(columns[3], "mflops", where);
    if (!mflops) return std::move(mflops).takeError();
    auto params = parseMeasure(columns[4], "params_m", where);
    if (!params) return std::move(params).takeError();
    auto latency = parseMeasure(columns[5], "latency_ms", where);
    if (!latency) return std::move(latency).takeError();
    row.loss = *loss;
    row.mflops = *mflops;
    row.paramsM = *params;
    row.publishedLatencyMs = *latency;
    row.latencyMs = *latency;
    if (latencyOverride) {
      if (std::optional<double> measured = latencyOverride(key, row)) {
        if (!std::isfinite(*measured) || *measured < 0)
          return makeError(where + ": latency override " + std::to_string(*measured) +
                           " is not a finite non-negative number");
        row.latencyMs = *measured;
        row.latencyOverridden = true;
      }
    }
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) return makeError(source + ": block table has no rows");
  table.rebuildGroups();
  return table;
}

TableSet::TableSet(std::string directory, LatencyOverrideFn latencyOverride)
    : dir(std::move(directory)), overrideFn(std::move(latencyOverride)) {}

Expected<std::shared_ptr<const StageTable>> TableSet::get(const StageKey &key) {
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;

  const std::string describe = " (stage " + std::to_string(key.stage) + ", block " +
                               std::to_string(key.block) + ", window " +
                               std::to_string(key.window) + ")";
  if (dir.empty())
    return makeError("no block table " + tableFileName(key) + describe +
                     ": no table directory given and none added in memory");
  std::string path = dir;
  if (path.back() != '/') path += '/';
  path += tableFileName(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return makeError("missing block table '" + path + "'" + describe + ": " +
                     (err ? std::strerror(err) : "cannot open"));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return makeError("cannot read block table '" + path + "'" + describe);
  auto table = parseStageTable(content.str(), path, key, overrideFn);
  if (!table) return std::move(table).takeError();
  auto shared = std::make_shared<const StageTable>(std::move(*table));
  cache.emplace(key, shared);
  return std::shared_ptr<const StageTable>(shared);
}

void TableSet::addTable(StageTable table) {
  if (table.groups.empty()) table.rebuildGroups();
  std::lock_guard<std::mutex> lock(mutex);
  StageKey key = table.key;
  cache[key] = std::make_shared<const StageTable>(std::move(table));
}

Status TableSet::setLatencyOverride(const StageKey &key, size_t rowIndex, double latencyMs) {
  auto loaded = get(key);
  if (!loaded) return std::move(loaded).takeError();
  const StageTable &current = **loaded;
  if (rowIndex >= current.rows.size())
    return makeError(current.source + ": latency override for row " + std::to_string(rowIndex) +
                     ", but the table has " + std::to_string(current.rows.size()) + " rows");
  if (!std::isfinite(latencyMs) || latencyMs < 0)
    return makeError(current.source + ": latency override " + std::to_string(latencyMs) +
                     " for row " + std::to_string(rowIndex) + " is not a finite non-negative number");
  // Copy on write: scorers holding the old table keep a consistent view.
  StageTable updated = current;
  updated.rows[rowIndex].latencyMs = latencyMs;
  updated.rows[rowIndex].latencyOverridden = true;
  updated.rebuildGroups();
  std::lock_guard<std::mutex> lock(mutex);
  cache[key] = std::make_shared<const StageTable>(std::move(updated));
  return Status::success();
}

size_t TableSet::cachedTableCount() const {
  std::lock_guard<std::mutex> lock(mutex);
  return cache.size();
}

} // namespace spaceevo::search
