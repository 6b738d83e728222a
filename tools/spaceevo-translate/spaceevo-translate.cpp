//===- spaceevo-translate.cpp - ONNX in and out of spaceevo IR ------------===//
//
// mlir-translate for spaceevo:
//   --export-onnx   a `spaceevo.network` or `spaceevo.substage` becomes an
//                   ONNX model: INT8 in QDQ form (the graph
//                   --spaceevo-lower-int8=weights=calibrated emits, same
//                   weights and quantization), or FP32 with --onnx-fp32;
//   --import-onnx   an ONNX model (FP32 CNN, QDQ or QOperator INT8) becomes
//                   a TOSA function (FP32 or INT8, docs/onnx.md); quantize
//                   an FP32 one with --spaceevo-quantize.
//
//===----------------------------------------------------------------------===//
#include "PassSupport.h"
#include "TosaGraphs.h"
#include "spaceevo/dialects/SpaceEvoDialect.h"
#include "spaceevo/exec/Synthetic.h"
#include "spaceevo/onnx/Onnx.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::spaceevo;
namespace ex = ::spaceevo::exec;
namespace onnx = ::spaceevo::onnx;

static llvm::cl::OptionCategory
    onnxCategory("ONNX options (--export-onnx, --import-onnx)");
static llvm::cl::opt<bool>
    exportFloat("onnx-fp32",
                llvm::cl::desc("--export-onnx: write the FP32 network instead "
                               "of the INT8 QDQ model"),
                llvm::cl::init(false), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<uint64_t>
    weightSeed("onnx-seed",
               llvm::cl::desc("--export-onnx: seed of the He weights (as "
                              "--spaceevo-lower-int8's seed)"),
               llvm::cl::init(0), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<unsigned> calibrationInputs(
    "onnx-calibration-inputs",
    llvm::cl::desc("--export-onnx: random inputs to recalibrate batch norm and "
                   "activation ranges on (as --spaceevo-lower-int8's "
                   "calibration-inputs)"),
    llvm::cl::init(2), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<std::string> exportSymbol(
    "onnx-symbol",
    llvm::cl::desc("--export-onnx: the network or sub-stage to export (default: "
                   "the module's only one)"),
    llvm::cl::init(""), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<bool> uint8Interface(
    "onnx-uint8-io",
    llvm::cl::desc("--export-onnx: INT8 model takes and returns the uint8 "
                   "tensors instead of float ones"),
    llvm::cl::init(false), llvm::cl::cat(onnxCategory));

static LogicalResult exportOnnx(Operation *op, raw_ostream &output) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    return op->emitError("--export-onnx: expected a module");
  SmallVector<Operation *> sources;
  for (Operation &child : module.getOps())
    if (isa<NetworkOp, SubstageOp>(child) &&
        (exportSymbol.empty() ||
         cast<SymbolOpInterface>(child).getName() == exportSymbol))
      sources.push_back(&child);
  if (sources.size() != 1) {
    bool lowered = !module.getOps<func::FuncOp>().empty();
    return module.emitError("--export-onnx: ")
           << (exportSymbol.empty()
                   ? "expected exactly one 'spaceevo.network' or "
                     "'spaceevo.substage' (name one with --onnx-symbol), found "
                   : "no 'spaceevo.network' or 'spaceevo.substage' @" +
                         exportSymbol + "; candidates: ")
           << sources.size()
           << (lowered ? "; an already lowered function cannot be exported: "
                         "export the network it came from (same weights with "
                         "the same --onnx-seed)"
                       : "");
  }
  Operation *source = sources.front();
  SymbolTableCollection symbols;
  FailureOr<::spaceevo::Expansion> expansion =
      expandSource(source, "--export-onnx", symbols);
  if (failed(expansion))
    return failure();
  ex::SyntheticOptions options;
  options.init.seed = weightSeed;
  options.calibrationInputs = std::max(1u, calibrationInputs.getValue());
  auto network = ex::quantizeSynthetic(*expansion, options);
  if (!network)
    return source->emitError("--export-onnx: ") << network.error();
  onnx::ExportOptions exportOptions;
  exportOptions.graphName = cast<SymbolOpInterface>(source).getName().str();
  exportOptions.floatInterface = !uint8Interface;
  auto bytes = exportFloat ? onnx::exportFloat(*expansion, network->parameters,
                                               exportOptions)
                           : onnx::exportQuantized(network->graph, exportOptions);
  if (!bytes)
    return source->emitError("--export-onnx: ") << bytes.error();
  output.write(bytes->data(), bytes->size());
  return success();
}

/// A symbol name from an ONNX graph name ("torch-jit-export" and "" too).
static std::string functionName(const std::string &graphName) {
  std::string name;
  for (char c : graphName)
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = "model" + name;
  return name;
}

static OwningOpRef<Operation *> importOnnx(llvm::SourceMgr &sourceMgr,
                                           MLIRContext *context) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  Location loc = FileLineColLoc::get(context, buffer->getBufferIdentifier(), 0, 0);
  auto model = onnx::importModel(buffer->getBuffer().str());
  if (!model) {
    emitError(loc) << "--import-onnx: " << model.error();
    return {};
  }
  context->loadDialect<func::FuncDialect, tosa::TosaDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  std::string name = functionName(model->graphName);
  FailureOr<func::FuncOp> func =
      model->kind == onnx::ImportedModel::Kind::Quantized
          ? emitInt8Function(builder, loc, name, model->quantized)
          : emitFloatFunction(builder, loc, name, model->expansion,
                              model->parameters);
  if (failed(func))
    return {};
  (*func)->setAttr("spaceevo.source",
                   builder.getStringAttr("onnx " +
                                         buffer->getBufferIdentifier().str()));
  return OwningOpRef<Operation *>(module.release());
}

int main(int argc, char **argv) {
  TranslateFromMLIRRegistration exportRegistration(
      "export-onnx",
      "write a spaceevo.network / spaceevo.substage as an ONNX model (INT8 "
      "QDQ, or FP32 with --onnx-fp32)",
      exportOnnx, [](DialectRegistry &registry) {
        registry.insert<SpaceEvoDialect, func::FuncDialect, tosa::TosaDialect>();
      });
  TranslateToMLIRRegistration importRegistration(
      "import-onnx",
      "read an ONNX model (FP32 CNN, QDQ or QOperator INT8) as a TOSA function",
      importOnnx, [](DialectRegistry &registry) {
        registry.insert<func::FuncDialect, tosa::TosaDialect>();
      });
  return failed(mlirTranslateMain(argc, argv, "spaceevo translation driver\n"));
}
