//===- PassSupport.cpp - helpers shared by the spaceevo passes ------------===//
#include "PassSupport.h"

using namespace mlir;
using namespace mlir::spaceevo;

HyperspaceOp mlir::spaceevo::findHyperspace(ModuleOp module, StringRef name,
                                            StringRef passFlag) {
  SmallVector<HyperspaceOp> all = llvm::to_vector(module.getOps<HyperspaceOp>());
  if (!name.empty()) {
    for (HyperspaceOp op : all)
      if (op.getSymName() == name)
        return op;
    emitError(module.getLoc())
        << passFlag << ": no hyperspace @" << name << " in the module";
    return {};
  }
  if (all.size() != 1) {
    emitError(module.getLoc())
        << passFlag << ": the module has " << all.size()
        << " hyperspaces; name one with hyperspace=NAME";
    return {};
  }
  return all.front();
}
