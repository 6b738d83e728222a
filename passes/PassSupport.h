//===- PassSupport.h - helpers shared by the spaceevo passes ----*- C++ -*-===//
#ifndef SPACEEVO_PASSES_PASSSUPPORT_H
#define SPACEEVO_PASSES_PASSSUPPORT_H

#include "spaceevo/dialects/SpaceEvoOps.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::spaceevo {

/// The hyperspace a module-level pass works on: the one named `name`, or
/// the module's only one when `name` is empty. Otherwise emits an error
/// prefixed with `passFlag` and returns null.
HyperspaceOp findHyperspace(ModuleOp module, StringRef name,
                            StringRef passFlag);

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_PASSSUPPORT_H
