//===- spaceevo-opt.cpp - the spaceevo optimizer driver -------------------===//
//
// mlir-opt for spaceevo: our dialect and passes plus the upstream dialects
// the pipeline emits (func, arith, tensor, tosa).
//
//===----------------------------------------------------------------------===//
#include "spaceevo/dialects/SpaceEvoDialect.h"
#include "spaceevo/passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::spaceevo::SpaceEvoDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect,
                  mlir::tosa::TosaDialect>();
  mlir::spaceevo::registerSpaceEvoPasses();
  // Generic cleanups users expect from an opt tool.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "spaceevo optimizer driver\n", registry));
}
