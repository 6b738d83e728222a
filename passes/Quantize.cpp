//===- Quantize.cpp - --spaceevo-quantize ---------------------------------===//
//
// FP32 TOSA function -> lib/exec network -> calibrated INT8 graph -> INT8
// TOSA function, through the same reader and emitter as the ONNX import.
//
//===----------------------------------------------------------------------===//
#include "TosaGraphs.h"
#include "spaceevo/passes/Passes.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstring>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_QUANTIZE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;
namespace ex = ::spaceevo::exec;

namespace {

struct QuantizePass : public mlir::spaceevo::impl::QuantizeBase<QuantizePass> {
  using QuantizeBase::QuantizeBase;

  /// The calibration tensors for a network reading `shape`.
  FailureOr<std::vector<ex::Tensor>> calibrationSet(func::FuncOp func,
                                                    ex::TensorShape shape) {
    std::vector<ex::Tensor> inputs;
    if (calibrationFile.empty()) {
      if (calibrationInputs < 1)
        return func.emitError("--spaceevo-quantize: calibration-inputs must "
                              "be at least 1");
      for (int64_t i = 0; i < calibrationInputs; ++i)
        inputs.push_back(ex::randomTensor(shape, seed + uint64_t(i)));
      return inputs;
    }
    auto file = llvm::MemoryBuffer::getFile(calibrationFile);
    if (!file)
      return func.emitError("--spaceevo-quantize: cannot read '")
             << calibrationFile << "': " << file.getError().message();
    size_t tensorBytes = size_t(shape.elements()) * sizeof(float);
    size_t bytes = (*file)->getBufferSize();
    if (bytes == 0 || bytes % tensorBytes != 0)
      return func.emitError("--spaceevo-quantize: '")
             << calibrationFile << "' has " << bytes
             << " bytes, not a whole number of " << shape.height << "x"
             << shape.width << "x" << shape.channels << " float32 tensors ("
             << tensorBytes << " bytes each)";
    for (size_t offset = 0; offset < bytes; offset += tensorBytes) {
      ex::Tensor t(shape);
      std::memcpy(t.values.data(), (*file)->getBufferStart() + offset,
                  tensorBytes);
      inputs.push_back(std::move(t));
    }
    return inputs;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ex::CalibrationOptions calibration;
    if (method == "percentile")
      calibration.method = ex::CalibrationOptions::Method::Percentile;
    else if (method != "minmax") {
      emitError(module.getLoc()) << "--spaceevo-quantize: method must be "
                                    "'minmax' or 'percentile', not '"
                                 << method << "'";
      return signalPassFailure();
    }
    bool any = false;
    for (func::FuncOp func :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (!isFloatFunction(func))
        continue;
      any = true;
      FailureOr<FloatGraph> graph = readFloatFunction(func);
      if (failed(graph))
        return signalPassFailure();
      auto shape = ex::expansionInputShape(graph->expansion);
      if (!shape) {
        func.emitError("--spaceevo-quantize: ") << shape.error();
        return signalPassFailure();
      }
      FailureOr<std::vector<ex::Tensor>> inputs = calibrationSet(func, *shape);
      if (failed(inputs))
        return signalPassFailure();
      auto quantized = ex::quantizePostTraining(
          graph->expansion, graph->parameters, *inputs, calibration,
          ex::FloatBackend::OneDnn);
      if (!quantized) {
        func.emitError("--spaceevo-quantize: ") << quantized.error();
        return signalPassFailure();
      }
      OpBuilder builder(func);
      std::string name = func.getSymName().str();
      Attribute source = func->getAttr("spaceevo.source");
      func.setSymName(name + ".fp32"); // free the name for the INT8 function
      FailureOr<func::FuncOp> int8 =
          emitInt8Function(builder, func.getLoc(), name, *quantized);
      if (failed(int8))
        return signalPassFailure();
      if (source)
        (*int8)->setAttr("spaceevo.source", source);
      func.erase();
    }
    if (!any) {
      emitError(module.getLoc())
          << "--spaceevo-quantize: the module has no FP32 function (one f32 "
             "tensor argument) to quantize";
      return signalPassFailure();
    }
  }
};

} // namespace
