//===- Quality.h - INT8-vs-FP32 noise of an expansion, in one call -*- C++ -*-===//
//
// The quantization term of issue 7's training-free quality estimate: draw
// weights (He, batch norm), recalibrate batch norm and activation ranges on
// calibration inputs, run FP32 and INT8 on evaluation inputs, and return
// the noise-to-signal ratio of the dequantized INT8 output against FP32
// (Metrics.h: SpaceEvo's definition, with the student = INT8).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_QUALITY_H
#define SPACEEVO_EXEC_QUALITY_H

#include "spaceevo/exec/Int8Executor.h"
#include "spaceevo/exec/Metrics.h"

namespace spaceevo::exec {

struct QualityOptions {
  WeightInit init;
  /// Inputs to calibrate on and to evaluate on. When empty, `randomInputs`
  /// N(0, 1) tensors are drawn from `inputSeed` (calibration) and
  /// `inputSeed + 1000003` onwards (evaluation).
  std::vector<Tensor> calibrationInputs, evaluationInputs;
  size_t randomInputs = 4;
  uint64_t inputSeed = 1;
  bool recalibrateBatchNorm = true;
  CalibrationOptions calibration;
  FloatBackend floatBackend = FloatBackend::Reference;
  Int8Backend int8Backend = Int8Backend::Best;
};

struct QualityReport {
  NoiseToSignal noise;
  ExpansionParameters parameters; ///< after batch norm recalibration
};

Expected<QualityReport> int8NoiseToSignal(const Expansion &expansion,
                                          const QualityOptions &options = {});

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_QUALITY_H
