//===- spaceevo-translate.cpp - ONNX in and out of spaceevo IR ------------===//
//
// mlir-translate for spaceevo:
//   --export-onnx   a `spaceevo.network` or `spaceevo.substage` becomes an
//                   ONNX model: INT8 in QDQ form (the graph
//                   --spaceevo-lower-int8=weights=calibrated emits, same
//                   weights and quantization), or FP32 with --onnx-fp32;
//                   so does a function lowered that way, quantized by
//                   --spaceevo-quantize or imported (INT8 or FP32);
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
    llvm::cl::desc("--export-onnx: the network, sub-stage or function to export "
                   "(default: the module's only one)"),
    llvm::cl::init(""), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<int64_t>
    opset("onnx-opset",
          llvm::cl::desc("--export-onnx: ONNX opset of the model (13 or later)"),
          llvm::cl::init(13), llvm::cl::cat(onnxCategory));
static llvm::cl::opt<bool> uint8Interface(
    "onnx-uint8-io",
    llvm::cl::desc("--export-onnx: INT8 model takes and returns the uint8 "
                   "tensors instead of float ones"),
    llvm::cl::init(false), llvm::cl::cat(onnxCategory));

static LogicalResult writeModel(Operation *at,
                                onnx::Expected<std::string> bytes,
                                raw_ostream &output) {
  if (!bytes)
    return at->emitError("--export-onnx: ") << bytes.error();
  output.write(bytes->data(), bytes->size());
  return success();
}

/// A lowered (or imported) function: INT8 read back with its recorded
/// scales, FP32 read back as a network.
static LogicalResult exportFunction(func::FuncOp func,
                                    const onnx::ExportOptions &options,
                                    raw_ostream &output) {
  if (isFloatFunction(func)) {
    FailureOr<FloatGraph> graph = readFloatFunction(func);
    if (failed(graph))
      return failure();
    return writeModel(func,
                      onnx::exportFloat(graph->expansion, graph->parameters,
                                        options),
                      output);
  }
  if (exportFloat)
    return func.emitError("--export-onnx: --onnx-fp32 needs an FP32 function "
                          "or a network; this function is INT8");
  FailureOr<ex::QuantizedExpansion> graph = readInt8Function(func);
  if (failed(graph))
    return failure();
  return writeModel(func, onnx::exportQuantized(*graph, options), output);
}

static LogicalResult exportOnnx(Operation *op, raw_ostream &output) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    return op->emitError("--export-onnx: expected a module");
  auto wanted = [&](Operation &child) {
    return exportSymbol.empty() ||
           cast<SymbolOpInterface>(child).getName() == exportSymbol;
  };
  SmallVector<Operation *> candidates;
  for (Operation &child : module.getOps()) {
    auto func = dyn_cast<func::FuncOp>(child);
    if ((isa<NetworkOp, SubstageOp>(child) || (func && !func.isExternal())) &&
        wanted(child))
      candidates.push_back(&child);
  }
  if (candidates.size() != 1)
    return module.emitError("--export-onnx: ")
           << (exportSymbol.empty()
                   ? "expected exactly one 'spaceevo.network', "
                     "'spaceevo.substage' or function (name one with "
                     "--onnx-symbol), found "
                   : "no 'spaceevo.network', 'spaceevo.substage' or function @" +
                         exportSymbol + "; candidates: ")
           << candidates.size();
  Operation *source = candidates.front();
  onnx::ExportOptions exportOptions;
  exportOptions.graphName = cast<SymbolOpInterface>(source).getName().str();
  exportOptions.floatInterface = !uint8Interface;
  exportOptions.opset = opset;
  if (auto func = dyn_cast<func::FuncOp>(source))
    return exportFunction(func, exportOptions, output);

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
  return writeModel(source,
                    exportFloat ? onnx::exportFloat(*expansion,
                                                    network->parameters,
                                                    exportOptions)
                                : onnx::exportQuantized(network->graph,
                                                        exportOptions),
                    output);
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
      "write a spaceevo.network / spaceevo.substage (INT8 QDQ, or FP32 with "
      "--onnx-fp32), or a lowered, quantized or imported function, as an "
      "ONNX model",
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
