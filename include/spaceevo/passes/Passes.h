//===- Passes.h - spaceevo passes -------------------------------*- C++ -*-===//
#ifndef SPACEEVO_PASSES_PASSES_H
#define SPACEEVO_PASSES_PASSES_H

#include "spaceevo/dialects/SpaceEvoOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::spaceevo {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_PASSES_H
