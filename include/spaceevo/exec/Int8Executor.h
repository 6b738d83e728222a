//===- Int8Executor.h - Run a quantized expansion on a backend --*- C++ -*-===//
//
// `Int8Network` builds every kernel of a QuantizedExpansion once (weights
// packed, primitives created, activation buffers planned and allocated) and
// then runs the graph many times without allocating. Every backend of
// lib/runtime is bit-exact with its reference, so the bytes a graph produces
// do not depend on the backend choice, only its speed does.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_EXEC_INT8EXECUTOR_H
#define SPACEEVO_EXEC_INT8EXECUTOR_H

#include "spaceevo/exec/Quantize.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spaceevo::exec {

enum class Int8Backend {
  Reference, ///< plain loops for every op
  OneDnn,    ///< oneDNN for conv / depthwise / FC, reference for the rest
  Halide,    ///< Halide for depthwise and element-wise ops, reference else
  Vnni,      ///< hand-written AVX-512 VNNI kernels where they exist
  Best,      ///< per op the first backend that builds, in a fixed order
             ///< (VNNI, oneDNN, Halide, reference) or, with autotune, the
             ///< fastest one measured on this machine
};
std::string_view int8BackendName(Int8Backend backend);
std::optional<Int8Backend> parseInt8Backend(std::string_view name);

struct Int8Options {
  Int8Backend backend = Int8Backend::Best;
  /// Best only: time every candidate kernel of an op (a few runs each) and
  /// keep the fastest. Slower to build, never changes the result.
  bool autotune = false;
  int autotuneRuns = 5;
};

class Int8Network {
public:
  /// Builds all kernels. An op the chosen backend does not implement (or
  /// rejects for its shape) runs on the reference; kernelBackends() tells.
  static Expected<Int8Network> create(const QuantizedExpansion &graph,
                                      const Int8Options &options = {});
  Int8Network(Int8Network &&) noexcept;
  Int8Network &operator=(Int8Network &&) noexcept;
  ~Int8Network();

  /// Quantized input (inputShape() elements, NHWC uint8) to quantized
  /// output; `output` is resized.
  Status run(const std::vector<uint8_t> &input, std::vector<uint8_t> &output);
  /// Quantizes a float input, runs, dequantizes the output.
  Expected<Tensor> run(const Tensor &input);

  std::vector<uint8_t> quantizeInput(const Tensor &input) const;
  Tensor dequantizeOutput(const std::vector<uint8_t> &output) const;

  const QuantizedExpansion &graph() const;
  /// Per op: the runtime backend its kernel runs on.
  std::vector<runtime::Backend> kernelBackends() const;
  /// Per op: "<backend>:<implementation>" (e.g. oneDNN's ISA), for reports.
  std::vector<std::string> kernelImplementations() const;
  /// Bytes of the activation buffers (after liveness-based reuse).
  size_t activationBytes() const;

private:
  struct Impl;
  explicit Int8Network(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace spaceevo::exec

#endif // SPACEEVO_EXEC_INT8EXECUTOR_H
