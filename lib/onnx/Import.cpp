//===- Import.cpp - placeholder until the Import side lands ---------------------===//
#include "spaceevo/onnx/Onnx.h"
namespace spaceevo::onnx {
Expected<ImportedModel> importModel(const std::string &) {
  return Expected<ImportedModel>::failure("ONNX import is not implemented yet");
}
Expected<ImportedModel> importModelFile(const std::string &path) {
  auto bytes = readFile(path);
  if (!bytes)
    return Expected<ImportedModel>(bytes.status());
  return importModel(*bytes);
}
} // namespace spaceevo::onnx
