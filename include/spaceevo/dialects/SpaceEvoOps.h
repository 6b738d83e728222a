//===- SpaceEvoOps.h - spaceevo attributes and operations -------*- C++ -*-===//
#ifndef SPACEEVO_DIALECTS_SPACEEVOOPS_H
#define SPACEEVO_DIALECTS_SPACEEVOOPS_H

#include "spaceevo/dialects/SpaceEvoDialect.h"
#include "spaceevo/space/Hyperspace.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/SpaceEvoEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/SpaceEvoAttrs.h.inc"

namespace mlir::spaceevo {
class StageOp;
class StemOp;
class HeadOp;
class CandidateOp;
class LayerOp;
class YieldOp;
} // namespace mlir::spaceevo

#define GET_OP_CLASSES
#include "dialects/SpaceEvoOps.h.inc"

namespace mlir::spaceevo {

/// Conversions between the dialect's enums and the engines' enums.
::spaceevo::BlockType toEngine(BlockType type);
BlockType fromEngine(::spaceevo::BlockType type);
::spaceevo::Activation toEngine(Activation act);
Activation fromEngine(::spaceevo::Activation act);

/// The MLIR-free description of a hyperspace op, for the engines.
::spaceevo::HyperspaceSpec toSpec(HyperspaceOp op);
::spaceevo::SpaceSpec toSpec(SpaceAttr attr);
::spaceevo::NetworkSpec toSpec(NetworkOp op);
::spaceevo::SubstageSpec toSpec(SubstageOp op);

/// Finds hyperspace `name` in the symbol table around `from`; emits an error
/// at `from` and returns null when there is none.
HyperspaceOp lookupHyperspace(Operation *from, StringRef name,
                              SymbolTableCollection *symbolTables = nullptr);

/// Prints an expansion ratio the way people write it: 4, 0.5, 1.5.
std::string formatExpand(double expand);

} // namespace mlir::spaceevo

#endif // SPACEEVO_DIALECTS_SPACEEVOOPS_H
