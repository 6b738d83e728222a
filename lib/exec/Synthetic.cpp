//===- Synthetic.cpp - a deployable INT8 graph from synthetic weights -----===//
#include "spaceevo/exec/Synthetic.h"

namespace spaceevo::exec {

Expected<std::vector<Tensor>>
syntheticCalibrationInputs(const Expansion &expansion,
                           const SyntheticOptions &options) {
  using Result = Expected<std::vector<Tensor>>;
  if (!options.inputs.empty())
    return options.inputs;
  auto shape = expansionInputShape(expansion);
  if (!shape)
    return Result(shape.status());
  if (options.calibrationInputs == 0)
    return Result::failure("calibration needs at least one input");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < options.calibrationInputs; ++i)
    inputs.push_back(randomTensor(*shape, options.inputSeed + i));
  return inputs;
}

Expected<SyntheticNetwork> quantizeSynthetic(const Expansion &expansion,
                                             const SyntheticOptions &options) {
  using Result = Expected<SyntheticNetwork>;
  auto inputs = syntheticCalibrationInputs(expansion, options);
  if (!inputs)
    return Result(inputs.status());
  auto parameters = initializeParameters(expansion, options.init);
  if (!parameters)
    return Result(parameters.status());
  SyntheticNetwork network;
  network.parameters = std::move(*parameters);
  if (options.recalibrateBatchNorm)
    if (auto s = recalibrateBatchNorm(expansion, network.parameters, *inputs,
                                      options.floatBackend);
        !s)
      return Result(s);
  auto graph = quantizePostTraining(expansion, network.parameters, *inputs,
                                    options.calibration, options.floatBackend);
  if (!graph)
    return Result(graph.status());
  network.graph = std::move(*graph);
  return network;
}

} // namespace spaceevo::exec
