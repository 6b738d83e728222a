//===- KernelTranslation.h - spaceevo.kernel -> runtime programs -*- C++ -*-===//
//
// Reads the TOSA ops of a kernel region (or of a function made of kernels)
// and builds the runtime kernel program that computes the same thing. TOSA
// int8 values v are the runtime's uint8 values v + 128 (docs/runtime.md),
// so zero points, clamps and tables shift by 128.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_PASSES_KERNELTRANSLATION_H
#define SPACEEVO_PASSES_KERNELTRANSLATION_H

#include "spaceevo/dialects/SpaceEvoOps.h"
#include "spaceevo/program/KernelProgram.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::spaceevo {

/// The program of one kernel: its inputs are the kernel's operands in
/// order, its output the kernel's single result.
FailureOr<::spaceevo::program::KernelProgram> translateKernel(KernelOp kernel);

/// The program of a function whose body is spaceevo.kernel ops (after
/// --spaceevo-form-kernels) and a return: one input, one output.
FailureOr<::spaceevo::program::KernelProgram>
translateFunction(func::FuncOp function);

/// The program of a function of plain TOSA ops (as lowered, before
/// --spaceevo-form-kernels): one step per fused chain; `stepResults` gets
/// the value each step produces.
FailureOr<::spaceevo::program::KernelProgram>
translateOps(func::FuncOp function, SmallVectorImpl<Value> *stepResults);

} // namespace mlir::spaceevo

#endif // SPACEEVO_PASSES_KERNELTRANSLATION_H
