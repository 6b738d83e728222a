//===- Files.cpp - whole-file IO for ONNX models ---------------------------===//
#include "spaceevo/onnx/Onnx.h"

#include <fstream>
#include <sstream>

namespace spaceevo::onnx {

Expected<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Expected<std::string>::failure("cannot open '" + path + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad())
    return Expected<std::string>::failure("cannot read '" + path + "'");
  return bytes.str();
}

Status writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::failure("cannot create '" + path + "'");
  out.write(bytes.data(), std::streamsize(bytes.size()));
  out.close();
  if (!out)
    return Status::failure("cannot write '" + path + "'");
  return Status::success();
}

} // namespace spaceevo::onnx
