//===- Builtin.h - SpaceEvo's two hyperspaces as C++ data -------*- C++ -*-===//
//
// spaces/onnxw.mlir and spaces/mobilew.mlir as the dialect's toSpec
// converts them, built in C++ so that MLIR-free drivers (benchmarks, the
// ONNX checker) can sample networks without parsing IR. A change to the
// .mlir files must be mirrored here.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SPACE_BUILTIN_H
#define SPACEEVO_SPACE_BUILTIN_H

#include "spaceevo/space/Hyperspace.h"

namespace spaceevo {

/// The onnxw or mobilew hyperspace (stem, fixed stage 0, six searchable
/// stages, head).
HyperspaceSpec builtinHyperspace(HyperspaceKind kind);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_BUILTIN_H
