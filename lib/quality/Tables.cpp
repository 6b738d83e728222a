//===- Tables.cpp - Filling the loss column of block tables ---------------===//
#include "spaceevo/quality/Tables.h"

#include "spaceevo/space/BlockCost.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace spaceevo::quality {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> readLines(const std::string &path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

size_t countRows(const std::string &path) {
  size_t n = 0;
  for (const std::string &line : readLines(path))
    n += !line.empty();
  return n;
}

} // namespace

std::vector<TableFileId> hyperspaceTables(const HyperspaceSpec &hs,
                                          const std::vector<int64_t> &stages) {
  std::vector<TableFileId> ids;
  for (size_t s : hs.searchableStages()) {
    const StageSpec &stage = hs.stages[s];
    if (!stages.empty() &&
        std::find(stages.begin(), stages.end(), stage.index) == stages.end())
      continue;
    for (size_t b = 0; b < stage.candidates.size(); ++b)
      for (int64_t w = 0; w < stage.numWindows(); ++w)
        ids.push_back({stage.index, int64_t(b), w});
  }
  return ids;
}

Expected<std::vector<ParsedRow>> readTable(const HyperspaceSpec &hs,
                                           const TableFileId &id,
                                           const std::string &path) {
  using Result = Expected<std::vector<ParsedRow>>;
  const StageSpec *stage = hs.findStage(id.stage);
  if (!stage || id.block < 0 || size_t(id.block) >= stage->candidates.size())
    return Result::failure(path + ": no such table in hyperspace '" + hs.name +
                           "'");
  std::ifstream in(path);
  if (!in)
    return Result::failure(path + ": cannot be read");
  BlockType block = stage->candidates[size_t(id.block)].block;
  std::vector<ParsedRow> rows;
  std::vector<std::string> lines = readLines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty())
      continue;
    ParsedRow row;
    row.line = int(i + 1);
    row.fields = splitCsvLine(lines[i]);
    std::string where = path + ":" + std::to_string(i + 1) + ": ";
    if (row.fields.size() != 6)
      return Result::failure(where + "expected 6 comma-separated fields, got " +
                             std::to_string(row.fields.size()));
    std::string error;
    auto layers = parseLayersField(row.fields[0], block, stage->stride, error);
    if (!layers)
      return Result::failure(where + error);
    auto shape = parseInputShapeField(row.fields[1], error);
    if (!shape)
      return Result::failure(where + error);
    row.row.stage = id.stage;
    row.row.layers = *layers;
    row.row.inChannels = shape->first;
    row.row.inSize = shape->second;
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    return Result::failure(path + ": no rows");
  return rows;
}

Expected<TableEstimateSummary> estimateTables(const HyperspaceSpec &hs,
                                              const TableEstimateOptions &options) {
  using Result = Expected<TableEstimateSummary>;
  if (options.dir.empty())
    return Result::failure("no table directory given");
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec))
    return Result::failure("'" + options.dir + "' is not a directory");
  std::string out = options.out.empty() ? options.dir : options.out;
  fs::create_directories(out, ec);
  if (ec)
    return Result::failure("cannot create '" + out + "': " + ec.message());
  std::vector<TableFileId> ids = hyperspaceTables(hs, options.stages);
  if (ids.empty())
    return Result::failure("hyperspace '" + hs.name +
                           "' has no searchable stage to estimate");
  std::string donePath = out + "/.quality-estimated";
  std::set<std::string> done;
  for (const std::string &line : readLines(donePath))
    if (!line.empty())
      done.insert(line);

  // Read every source table first: a missing or malformed one fails before
  // any work is done.
  struct Work {
    TableFileId id;
    std::vector<ParsedRow> rows;
  };
  std::vector<Work> work;
  TableEstimateSummary summary;
  for (const TableFileId &id : ids) {
    std::string name = id.fileName();
    if (done.count(name) && fs::exists(out + "/" + name)) {
      ++summary.files;
      summary.rows += countRows(out + "/" + name);
      continue;
    }
    std::string path = options.dir + "/" + name;
    if (!fs::exists(path))
      return Result::failure("missing table " + path);
    auto rows = readTable(hs, id, path);
    if (!rows)
      return Result(rows.status());
    work.push_back({id, std::move(*rows)});
  }
  size_t total = summary.rows, finished = summary.rows;
  for (const Work &w : work)
    total += w.rows.size();

  const QualityModel model =
      options.model ? *options.model : QualityModel::builtinFor(hs.name);
  FeatureOptions featureOptions = model.requiredTerms(options.features);
  StemInputs inputs(hs, featureOptions.seed);
  auto start = std::chrono::steady_clock::now();
  auto lastReport = start;
  for (const Work &w : work) {
    std::string name = w.id.fileName();
    std::string partial = out + "/" + name + ".partial";
    size_t written = countRows(partial);
    if (written > w.rows.size())
      return Result::failure(partial + " has more rows than " + options.dir +
                             "/" + name);
    finished += written;
    {
      std::ofstream file(partial, std::ios::app);
      if (!file)
        return Result::failure("cannot write " + partial);
      for (size_t r = written; r < w.rows.size(); ++r) {
        const ParsedRow &row = w.rows[r];
        auto features = computeFeatures(row.row, inputs, featureOptions);
        if (!features)
          return Result::failure(options.dir + "/" + name + ":" +
                                 std::to_string(row.line) + ": " +
                                 features.error());
        double loss = model.estimate(row.row.stage, *features);
        // Tables hold non-negative finite losses.
        if (!std::isfinite(loss))
          return Result::failure(options.dir + "/" + name + ":" +
                                 std::to_string(row.line) +
                                 ": the estimate is not finite");
        loss = std::max(loss, 1e-4);
        for (size_t f = 0; f < row.fields.size(); ++f)
          file << (f ? "," : "")
               << (f == 2 ? formatTableValue(loss) : row.fields[f]);
        file << "\n";
        file.flush();
        if (!file)
          return Result::failure("cannot write " + partial);
        ++finished;
        ++summary.estimatedNow;
        auto now = std::chrono::steady_clock::now();
        if (options.progress &&
            (std::chrono::duration<double>(now - lastReport).count() >= 2 ||
             finished == total)) {
          lastReport = now;
          double seconds = std::chrono::duration<double>(now - start).count();
          double rate = summary.estimatedNow / std::max(seconds, 1e-9);
          char line[200];
          std::snprintf(line, sizeof line,
                        "%zu/%zu rows, %.1f rows/s, %.0f s elapsed, ~%.0f s "
                        "left",
                        finished, total, rate, seconds,
                        double(total - finished) / std::max(rate, 1e-9));
          options.progress(line);
        }
      }
    }
    fs::rename(partial, out + "/" + name, ec);
    if (ec)
      return Result::failure("cannot rename " + partial + ": " + ec.message());
    std::ofstream record(donePath, std::ios::app);
    record << name << "\n";
    if (!record)
      return Result::failure("cannot write " + donePath);
    ++summary.files;
    summary.rows += w.rows.size();
  }
  return summary;
}

} // namespace spaceevo::quality
