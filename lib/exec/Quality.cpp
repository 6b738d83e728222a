//===- Quality.cpp - INT8-vs-FP32 noise of an expansion -------------------===//
#include "spaceevo/exec/Quality.h"
#include "spaceevo/exec/Synthetic.h"

#include <algorithm>

namespace spaceevo::exec {

namespace {

std::vector<Tensor> drawInputs(TensorShape shape, size_t count,
                               uint64_t seed) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < count; ++i)
    inputs.push_back(randomTensor(shape, seed + i));
  return inputs;
}

} // namespace

Expected<QualityReport> int8NoiseToSignal(const Expansion &expansion,
                                          const QualityOptions &options) {
  using Result = Expected<QualityReport>;
  auto shape = expansionInputShape(expansion);
  if (!shape)
    return Result(shape.status());
  TensorShape inputShape = *shape;
  if (options.calibrationInputs.empty() && options.randomInputs == 0)
    return Result::failure("quality estimate needs calibration inputs");
  std::vector<Tensor> calibration =
      options.calibrationInputs.empty()
          ? drawInputs(inputShape, options.randomInputs, options.inputSeed)
          : options.calibrationInputs;
  std::vector<Tensor> evaluation =
      options.evaluationInputs.empty()
          ? drawInputs(inputShape, std::max<size_t>(1, options.randomInputs),
                       options.inputSeed + 1000003)
          : options.evaluationInputs;

  SyntheticOptions synthetic;
  synthetic.init = options.init;
  synthetic.inputs = calibration;
  synthetic.recalibrateBatchNorm = options.recalibrateBatchNorm;
  synthetic.calibration = options.calibration;
  synthetic.floatBackend = options.floatBackend;
  auto network = quantizeSynthetic(expansion, synthetic);
  if (!network)
    return Result(network.status());
  QualityReport report;
  report.parameters = std::move(network->parameters);
  auto fp32 = FloatNetwork::create(expansion, report.parameters,
                                   options.floatBackend);
  if (!fp32)
    return Result(fp32.status());
  auto int8 = Int8Network::create(network->graph, {options.int8Backend});
  if (!int8)
    return Result(int8.status());
  auto reference = fp32->runBatch(evaluation);
  if (!reference)
    return Result(reference.status());
  std::vector<Tensor> quantized;
  for (const Tensor &x : evaluation) {
    auto y = int8->run(x);
    if (!y)
      return Result(y.status());
    quantized.push_back(std::move(*y));
  }
  auto noise = noiseToSignal(*reference, quantized);
  if (!noise)
    return Result(noise.status());
  report.noise = std::move(*noise);
  return report;
}

} // namespace spaceevo::exec
