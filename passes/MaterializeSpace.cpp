//===- MaterializeSpace.cpp - --spaceevo-materialize-space ----------------===//
#include "spaceevo/passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_MATERIALIZESPACE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {
struct MaterializeSpacePass
    : public mlir::spaceevo::impl::MaterializeSpaceBase<MaterializeSpacePass> {
  using MaterializeSpaceBase::MaterializeSpaceBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (encoding.empty()) {
      mlir::emitError(module.getLoc(), "--spaceevo-materialize-space needs an encoding, e.g. "
                       "encoding=onnxw-123450-012330");
      return signalPassFailure();
    }
    std::string error;
    SpaceAttr space =
        SpaceAttr::parseEncoding(module.getContext(), encoding, error);
    if (!space) {
      mlir::emitError(module.getLoc()) << error;
      return signalPassFailure();
    }
    auto hyperspace = dyn_cast_or_null<HyperspaceOp>(
        SymbolTable::lookupSymbolIn(module, space.getHyperspace()));
    if (!hyperspace) {
      mlir::emitError(module.getLoc()) << "space '" << encoding << "' refers to hyperspace @"
                         << space.getHyperspace()
                         << ", which is not defined in this module";
      return signalPassFailure();
    }
    if (auto checkError = ::spaceevo::checkSpace(toSpec(hyperspace), toSpec(space))) {
      mlir::emitError(hyperspace.getLoc()) << "space '" << encoding
                             << "': " << checkError->message;
      return signalPassFailure();
    }
    OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
    builder.create<SpaceOp>(hyperspace.getLoc(), space);
  }
};
} // namespace
