//===- PassSupport.h - helpers shared by the spaceevo passes ----*- C++ -*-===//
#ifndef SPACEEVO_PASSES_PASSSUPPORT_H
#define SPACEEVO_PASSES_PASSSUPPORT_H

#include "spaceevo/dialects/SpaceEvoOps.h"

#include "spaceevo/space/Blocks.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::spaceevo {

/// The hyperspace a module-level pass works on: the one named `name`, or
/// the module's only one when `name` is empty. Otherwise emits an error
/// prefixed with `passFlag` and returns null.
HyperspaceOp findHyperspace(ModuleOp module, StringRef name,
                            StringRef passFlag);

/// The primitives of a `spaceevo.network` (stem, layers, head) or of a
/// `spaceevo.substage` (its layers from its input shape, with the
/// activation its stage's candidate gives the block). Errors are emitted at
/// the op, prefixed with `flag`.
FailureOr<::spaceevo::Expansion> expandSource(Operation *source, StringRef flag,
                                              SymbolTableCollection &symbols);

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_PASSSUPPORT_H
