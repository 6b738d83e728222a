//===- CheckTables.cpp - --spaceevo-check-tables --------------------------===//
//
// Proves that a directory of SpaceEvo block tables is exactly the
// enumeration of a hyperspace's (stage, block, window) triples and that each
// row is a sub-stage the dialect's verifier accepts.
//
//===----------------------------------------------------------------------===//
#include "PassSupport.h"
#include "spaceevo/passes/Passes.h"
#include "spaceevo/space/TableFormat.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <set>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_CHECKTABLES
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {

struct CheckTablesPass : public mlir::spaceevo::impl::CheckTablesBase<CheckTablesPass> {
  using CheckTablesBase::CheckTablesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    HyperspaceOp hyperspaceOp = findHyperspace(module, hyperspace, "--spaceevo-check-tables");
    if (!hyperspaceOp)
      return signalPassFailure();
    if (dir.empty()) {
      mlir::emitError(hyperspaceOp.getLoc(), "--spaceevo-check-tables needs dir=DIR");
      return signalPassFailure();
    }
    if (!llvm::sys::fs::is_directory(dir)) {
      mlir::emitError(hyperspaceOp.getLoc()) << "--spaceevo-check-tables: '" << dir
                               << "' is not a directory";
      return signalPassFailure();
    }
    ::spaceevo::HyperspaceSpec hs = toSpec(hyperspaceOp);

    // The file names the hyperspace implies.
    std::set<std::string> expected;
    for (size_t s : hs.searchableStages()) {
      const ::spaceevo::StageSpec &stage = hs.stages[s];
      for (size_t b = 0; b < stage.candidates.size(); ++b)
        for (int64_t w = 0; w < stage.numWindows(); ++w)
          expected.insert(::spaceevo::TableFileId{stage.index, (int64_t)b, w}
                              .fileName());
    }
    // The file names present.
    std::set<std::string> present;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec)) {
      std::string name = llvm::sys::path::filename(it->path()).str();
      // Table files are stage*.csv; fixed_latency.csv and the like sit
      // beside them.
      if (llvm::StringRef(name).starts_with("stage") &&
          llvm::StringRef(name).ends_with(".csv"))
        present.insert(name);
    }
    if (ec) {
      mlir::emitError(hyperspaceOp.getLoc()) << "--spaceevo-check-tables: cannot list '"
                               << dir << "': " << ec.message();
      return signalPassFailure();
    }

    bool ok = true;
    for (const std::string &name : expected)
      if (!present.count(name)) {
        mlir::emitError(hyperspaceOp.getLoc()) << "table " << name << " is missing from '"
                                 << dir << "'";
        ok = false;
      }
    for (const std::string &name : present)
      if (!expected.count(name)) {
        mlir::emitError(hyperspaceOp.getLoc())
            << "table " << name << " in '" << dir
            << "' is not a (stage, block, window) of @" << hs.name;
        ok = false;
      }
    if (!ok)
      return signalPassFailure();

    int64_t rows = 0;
    for (const std::string &name : expected) {
      std::string path = (llvm::Twine(dir) + "/" + name).str();
      if (!checkFile(hyperspaceOp, hs, path,
                     *::spaceevo::parseTableFileName(name), rows))
        return signalPassFailure();
    }
    OpBuilder builder(module.getContext());
    hyperspaceOp->setAttr("spaceevo.table_files",
                          builder.getI64IntegerAttr(expected.size()));
    hyperspaceOp->setAttr("spaceevo.table_rows", builder.getI64IntegerAttr(rows));
  }

  bool checkFile(HyperspaceOp op, const ::spaceevo::HyperspaceSpec &hs,
                 const std::string &path, const ::spaceevo::TableFileId &id,
                 int64_t &rows) {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer) {
      mlir::emitError(op.getLoc()) << "cannot read " << path << ": "
                     << buffer.getError().message();
      return false;
    }
    const ::spaceevo::StageSpec &stage = *hs.findStage(id.stage);
    ::spaceevo::BlockType block = stage.candidates[id.block].block;
    llvm::SmallVector<llvm::StringRef> lines;
    (*buffer)->getBuffer().split(lines, '\n', /*MaxSplit=*/-1,
                                 /*KeepEmpty=*/true);
    int64_t fileRows = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string line = lines[i].rtrim("\r").str();
      if (line.empty())
        continue;
      auto fail = [&](const std::string &message) {
        mlir::emitError(op.getLoc()) << path << ":" << (i + 1) << ": " << message;
        return false;
      };
      std::vector<std::string> fields = ::spaceevo::splitCsvLine(line);
      if (fields.size() != 6)
        return fail("expected 6 comma-separated fields, found " +
                    std::to_string(fields.size()));
      std::string error;
      auto layers = ::spaceevo::parseLayersField(fields[0], block,
                                                 stage.stride, error);
      if (!layers)
        return fail(error);
      auto shape = ::spaceevo::parseInputShapeField(fields[1], error);
      if (!shape)
        return fail(error);
      ::spaceevo::SubstageSpec sub;
      sub.stage = id.stage;
      sub.inChannels = shape->first;
      sub.inSize = shape->second;
      sub.window = id.window;
      for (const ::spaceevo::LayerConfig &layer : *layers)
        sub.layers.push_back({id.stage, layer});
      if (auto checkError = ::spaceevo::checkSubstage(hs, sub))
        return fail(checkError->message);
      ++fileRows;
    }
    if (fileRows == 0) {
      mlir::emitError(op.getLoc()) << path << ": the table has no rows";
      return false;
    }
    rows += fileRows;
    return true;
  }
};
} // namespace
