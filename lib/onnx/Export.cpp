//===- Export.cpp - placeholder until the Export side lands ---------------------===//
#include "spaceevo/onnx/Onnx.h"
namespace spaceevo::onnx {
Expected<std::string> exportQuantized(const exec::QuantizedExpansion &,
                                      const ExportOptions &) {
  return Expected<std::string>::failure("ONNX export is not implemented yet");
}
Expected<std::string> exportFloat(const Expansion &,
                                  const exec::ExpansionParameters &,
                                  const ExportOptions &) {
  return Expected<std::string>::failure("ONNX export is not implemented yet");
}
} // namespace spaceevo::onnx
