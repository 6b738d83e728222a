//===- BuildLatencyTables.cpp - --spaceevo-build-latency-tables -----------===//
//
// Each row is a sub-stage run through the very pipeline a user would run
// (lower, form kernels, measure, predict), so table latencies and
// --spaceevo-predict-latency agree by construction.
//
//===----------------------------------------------------------------------===//
#include "PassSupport.h"
#include "SearchSupport.h"
#include "TosaGraphs.h"
#include "spaceevo/exec/Synthetic.h"
#include "spaceevo/space/NetworkCost.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/space/BlockCost.h"
#include "spaceevo/space/Counting.h"
#include "spaceevo/space/TableFormat.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_BUILDLATENCYTABLES
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

struct Row {
  std::vector<::spaceevo::LayerConfig> layers;
  int64_t inChannels = 0, inSize = 0;
  std::string loss = "nan"; ///< kept verbatim from the source table
};

/// Lines of a file, or none when it does not exist.
std::vector<std::string> readLines(const std::string &path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line != "\r")
      lines.push_back(line);
  return lines;
}

struct BuildLatencyTablesPass
    : public mlir::spaceevo::impl::BuildLatencyTablesBase<BuildLatencyTablesPass> {
  using BuildLatencyTablesBase::BuildLatencyTablesBase;

  FailureOr<std::vector<Row>> sourceRows(const ::spaceevo::HyperspaceSpec &hs,
                                         const ::spaceevo::StageSpec &stage,
                                         const ::spaceevo::TableFileId &id,
                                         Location loc) {
    std::vector<Row> rows;
    ::spaceevo::BlockType block = stage.candidates[id.block].block;
    if (!from.empty()) {
      std::string path = from + "/" + id.fileName();
      if (!llvm::sys::fs::exists(path))
        return emitError(loc) << "--spaceevo-build-latency-tables: missing "
                              << path;
      std::vector<std::string> lines = readLines(path);
      for (size_t i = 0; i < lines.size(); ++i) {
        std::vector<std::string> fields = ::spaceevo::splitCsvLine(lines[i]);
        std::string error;
        if (fields.size() != 6)
          return emitError(loc) << path << ":" << i + 1
                                << ": expected 6 comma-separated fields";
        auto layers = ::spaceevo::parseLayersField(fields[0], block,
                                                   stage.stride, error);
        auto shape = ::spaceevo::parseInputShapeField(fields[1], error);
        if (!layers || !shape)
          return emitError(loc) << path << ":" << i + 1 << ": " << error;
        rows.push_back({*layers, shape->first, shape->second, fields[2]});
      }
      return rows;
    }
    // Sampled rows: deterministic per (seed, stage, block, window).
    ::spaceevo::SplitMix64 rng(seed * 1000003 + id.stage * 10007 +
                               id.block * 101 + id.window);
    const std::vector<int64_t> &inputWidths =
        id.stage == 0 ? hs.stem.widths : hs.findStage(id.stage - 1)->widths;
    const int64_t resolutions[] = {224, 192, 160};
    const ::spaceevo::CandidateSpec &candidate = stage.candidates[id.block];
    for (int64_t r = 0; r < this->rows; ++r) {
      Row row;
      row.inChannels = inputWidths[rng.below(inputWidths.size())];
      // Resolutions in turn, so that even a few rows cover all three (the
      // Q-T score draws each batch's rows from one resolution).
      rng.below(3); // keeps the other draws where they were
      row.inSize = ::spaceevo::stageInputSize(hs, stage.index,
                                              resolutions[r % 3]);
      int64_t depth = stage.depths[rng.below(stage.depths.size())];
      for (int64_t i = 0; i < depth; ++i) {
        ::spaceevo::LayerConfig layer;
        layer.block = block;
        layer.kernel = candidate.kernels[rng.below(candidate.kernels.size())];
        layer.width = stage.widths[id.window + rng.below(stage.window)];
        layer.expand = candidate.expands.empty()
                           ? 0
                           : candidate.expands[rng.below(candidate.expands.size())];
        layer.stride = i == 0 ? stage.stride : 1;
        row.layers.push_back(layer);
      }
      rows.push_back(row);
    }
    return rows;
  }

  /// Latency (ms) of one row through lower -> kernels -> measure -> predict.
  FailureOr<double> rowLatency(HyperspaceOp hyperspace, int64_t stageIndex,
                               const Row &row, PassManager &pipeline) {
    MLIRContext *context = hyperspace.getContext();
    OpBuilder builder(context);
    OwningOpRef<ModuleOp> module = ModuleOp::create(hyperspace.getLoc());
    builder.setInsertionPointToEnd(module->getBody());
    builder.clone(*hyperspace);
    auto sub = builder.create<SubstageOp>(
        hyperspace.getLoc(), builder.getStringAttr("row"),
        FlatSymbolRefAttr::get(context, hyperspace.getSymName()),
        builder.getI64IntegerAttr(stageIndex),
        builder.getI64IntegerAttr(row.inChannels),
        builder.getI64IntegerAttr(row.inSize), IntegerAttr());
    Block *body = builder.createBlock(&sub.getBody());
    builder.setInsertionPointToEnd(body);
    for (const ::spaceevo::LayerConfig &layer : row.layers) {
      FloatAttr expand;
      if (::spaceevo::blockHasExpand(layer.block))
        expand = builder.getF64FloatAttr(layer.expand);
      builder.create<LayerOp>(hyperspace.getLoc(), stageIndex,
                              fromEngine(layer.block), layer.kernel,
                              layer.width, expand, layer.stride);
    }
    // A pipeline of its own on a module of its own: the row is not nested
    // in the op this pass runs on.
    if (failed(pipeline.run(*module)))
      return failure();
    for (func::FuncOp func : module->getOps<func::FuncOp>())
      if (auto latency =
              func->getAttrOfType<FloatAttr>("spaceevo.predicted_latency_ms"))
        return latency.getValueAsDouble();
    return failure();
  }

  /// Latency (ms) of the fixed stem and head at `resolution`, smallest
  /// configuration (what the Q-T score adds to every subnet), through
  /// kernels, measure and predict like the rows.
  FailureOr<double> fixedLatency(HyperspaceOp hyperspace,
                                 const ::spaceevo::HyperspaceSpec &hs,
                                 int64_t resolution, PassManager &pipeline) {
    Location loc = hyperspace.getLoc();
    auto fixed = ::spaceevo::expandFixedStages(hs, resolution);
    if (!fixed)
      return emitError(loc) << fixed.error();
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
    ::spaceevo::exec::SyntheticOptions options;
    options.calibrationInputs = 1;
    for (auto [name, expansion] :
         {std::pair{"stem", &fixed->stem}, std::pair{"head", &fixed->head}}) {
      auto network = ::spaceevo::exec::quantizeSynthetic(*expansion, options);
      if (!network)
        return emitError(loc) << name << ": " << network.error();
      if (failed(emitInt8Function(builder, loc, name, network->graph)))
        return failure();
    }
    if (failed(pipeline.run(*module)))
      return failure();
    double total = 0;
    for (func::FuncOp func : module->getOps<func::FuncOp>()) {
      auto latency = func->getAttrOfType<FloatAttr>("spaceevo.predicted_latency_ms");
      if (!latency)
        return failure();
      total += latency.getValueAsDouble();
    }
    return total;
  }

  /// Writes out/fixed_latency.csv (`resolution,ms` per resolution) unless
  /// it is complete already; the search passes read it with the tables.
  LogicalResult writeFixedLatency(HyperspaceOp hyperspace,
                                  const ::spaceevo::HyperspaceSpec &hs,
                                  PassManager &pipeline) {
    const int64_t resolutions[] = {224, 192, 160};
    std::string path = out + "/" + kFixedLatencyFile;
    size_t written = readLines(path).size();
    std::ofstream file(path, std::ios::app);
    for (size_t i = written; i < std::size(resolutions); ++i) {
      FailureOr<double> ms = fixedLatency(hyperspace, hs, resolutions[i], pipeline);
      if (failed(ms))
        return emitError(hyperspace.getLoc())
               << "--spaceevo-build-latency-tables: the fixed stages at "
               << resolutions[i] << " could not be measured";
      file << resolutions[i] << "," << ::spaceevo::formatTableValue(*ms) << "\n";
      file.flush();
      if (progress)
        llvm::errs() << llvm::format(
            "spaceevo-build-latency-tables: stem + head at %lld: %.4f ms\n",
            (long long)resolutions[i], *ms);
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const char *flag = "--spaceevo-build-latency-tables";
    HyperspaceOp hyperspaceOp = findHyperspace(module, hyperspace, flag);
    if (!hyperspaceOp)
      return signalPassFailure();
    Location loc = hyperspaceOp.getLoc();
    if (out.empty() || db.empty()) {
      emitError(loc) << flag << " needs out=DIR and db=PATH";
      return signalPassFailure();
    }
    if (std::error_code ec = llvm::sys::fs::create_directories(out)) {
      emitError(loc) << flag << ": cannot create '" << out << "': " << ec.message();
      return signalPassFailure();
    }
    ::spaceevo::HyperspaceSpec hs = toSpec(hyperspaceOp);

    // The same pipeline a user runs on one sub-stage.
    PassManager pipeline(module.getContext());
    std::string pipelineText =
        "spaceevo-lower-int8{weights=splat},spaceevo-form-kernels,"
        "spaceevo-measure{db=" + db + " repeats=" + std::to_string(repeats) +
        " max-seconds=" + std::to_string(maxSeconds) +
        " progress=false},spaceevo-predict-latency";
    if (failed(parsePassPipeline(pipelineText, pipeline))) {
      emitError(loc) << flag << ": internal error: bad pipeline " << pipelineText;
      return signalPassFailure();
    }

    // The stem and head first: the search needs them with the tables.
    PassManager fixedPipeline(module.getContext());
    std::string fixedPipelineText =
        "spaceevo-form-kernels,spaceevo-measure{db=" + db +
        " repeats=" + std::to_string(repeats) +
        " max-seconds=" + std::to_string(maxSeconds) +
        " progress=false},spaceevo-predict-latency";
    if (failed(parsePassPipeline(fixedPipelineText, fixedPipeline)) ||
        failed(writeFixedLatency(hyperspaceOp, hs, fixedPipeline)))
      return signalPassFailure();
    // Every table to write, with its rows.
    struct Table {
      ::spaceevo::TableFileId id;
      std::vector<Row> rows;
    };
    std::vector<Table> tables;
    size_t totalRows = 0, doneRows = 0;
    for (size_t s : hs.searchableStages()) {
      const ::spaceevo::StageSpec &stage = hs.stages[s];
      if (!stages.empty() && !llvm::is_contained(stages, stage.index))
        continue;
      for (size_t b = 0; b < stage.candidates.size(); ++b)
        for (int64_t w = 0; w < stage.numWindows(); ++w) {
          ::spaceevo::TableFileId id{stage.index, static_cast<int64_t>(b), w};
          FailureOr<std::vector<Row>> rows = sourceRows(hs, stage, id, loc);
          if (failed(rows))
            return signalPassFailure();
          totalRows += rows->size();
          tables.push_back({id, std::move(*rows)});
        }
    }
    auto start = std::chrono::steady_clock::now();
    size_t measuredRows = 0;
    // (seconds, measured rows) at past reports: the time left is estimated
    // at the rate of the last two minutes, since later stages have larger
    // layers and fewer kernels already in the database (the average since
    // the start underestimated a full run by half).
    std::deque<std::pair<double, size_t>> recent;
    for (size_t t = 0; t < tables.size(); ++t) {
      const Table &table = tables[t];
      std::string path = out + "/" + table.id.fileName();
      // Resume: rows already written are kept.
      size_t written = readLines(path).size();
      if (written > table.rows.size()) {
        emitError(loc) << flag << ": " << path << " has more rows than the "
                                                  "table it is built from";
        return signalPassFailure();
      }
      doneRows += written;
      std::ofstream file(path, std::ios::app);
      const ::spaceevo::StageSpec &stage = *hs.findStage(table.id.stage);
      for (size_t r = written; r < table.rows.size(); ++r) {
        const Row &row = table.rows[r];
        FailureOr<double> latency =
            rowLatency(hyperspaceOp, stage.index, row, pipeline);
        if (failed(latency)) {
          emitError(loc) << flag << ": row " << r + 1 << " of " << path
                         << " could not be measured";
          return signalPassFailure();
        }
        auto counts = ::spaceevo::tableCount(row.layers, row.inChannels,
                                             row.inSize, row.inSize);
        if (!counts) {
          emitError(loc) << flag << ": " << counts.error();
          return signalPassFailure();
        }
        file << ::spaceevo::formatLayersField(row.layers) << ",1x"
             << row.inChannels << "x" << row.inSize << "x" << row.inSize << ","
             << row.loss << "," << ::spaceevo::formatTableValue(counts->mflops)
             << "," << ::spaceevo::formatTableValue(counts->paramsM) << ","
             << ::spaceevo::formatTableValue(*latency) << "\n";
        file.flush();
        ++doneRows;
        ++measuredRows;
        if (progress && (measuredRows % 50 == 0 || doneRows == totalRows)) {
          double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
                               .count();
          recent.emplace_back(seconds, measuredRows);
          while (recent.size() > 2 && seconds - recent[1].first >= 120)
            recent.pop_front();
          double span = seconds - recent.front().first;
          double recentRate = span > 0 ? (measuredRows - recent.front().second) / span
                                       : measuredRows / seconds;
          double left = (totalRows - doneRows) / std::max(recentRate, 1e-9);
          llvm::errs() << llvm::format(
              "spaceevo-build-latency-tables: %zu/%zu rows, file %zu/%zu (%s), "
              "%.1f rows/s (%.1f lately), %.0f s elapsed, ~%.0f s left\n",
              doneRows, totalRows, t + 1, tables.size(),
              table.id.fileName().c_str(), measuredRows / seconds, recentRate,
              seconds, left);
        }
      }
    }
    Builder b(module.getContext());
    hyperspaceOp->setAttr("spaceevo.latency_tables",
                          b.getDictionaryAttr({
                              b.getNamedAttr("files", b.getI64IntegerAttr(tables.size())),
                              b.getNamedAttr("rows", b.getI64IntegerAttr(totalRows)),
                              b.getNamedAttr("measured_now",
                                             b.getI64IntegerAttr(measuredRows)),
                          }));
  }
};

} // namespace
