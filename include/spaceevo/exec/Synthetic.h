//===- Synthetic.h - a deployable INT8 graph from synthetic weights -*- C++ -*-===//
//
// What every tool that needs "this network in INT8" without trained weights
// does: draw He weights for a seed, recalibrate batch norm on random inputs
// (as SpaceEvo does before scoring a block), calibrate activation ranges on
// the same inputs and quantize (Quantize.h). --spaceevo-lower-int8
// (weights=calibrated) and the ONNX export use it, so the TOSA graph, our
// execution and the exported model carry the same numbers.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_SYNTHETIC_H
#define SPACEEVO_EXEC_SYNTHETIC_H

#include "spaceevo/exec/Quantize.h"

namespace spaceevo::exec {

struct SyntheticOptions {
  WeightInit init;                 ///< He normal, seed 0 by default
  size_t calibrationInputs = 2;    ///< N(0, 1) tensors of the input shape
  uint64_t inputSeed = 1;          ///< first input's seed; then +1, +2, ...
  /// Given calibration inputs; when not empty they replace the random ones.
  std::vector<Tensor> inputs;
  bool recalibrateBatchNorm = true;
  CalibrationOptions calibration;
  FloatBackend floatBackend = FloatBackend::OneDnn;
};

struct SyntheticNetwork {
  ExpansionParameters parameters; ///< after batch norm recalibration
  QuantizedExpansion graph;
};

/// The calibration inputs `options` describes, for `expansion`'s input shape.
Expected<std::vector<Tensor>>
syntheticCalibrationInputs(const Expansion &expansion,
                           const SyntheticOptions &options);

Expected<SyntheticNetwork> quantizeSynthetic(const Expansion &expansion,
                                             const SyntheticOptions &options =
                                                 {});

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_SYNTHETIC_H
