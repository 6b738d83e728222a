//===- Int8Executor.cpp - Kernels built once, graph run many times --------===//
#include "spaceevo/exec/Int8Executor.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace spaceevo::exec {

using runtime::Backend;
using runtime::Kernel;
using runtime::OpKind;

std::string_view int8BackendName(Int8Backend backend) {
  switch (backend) {
  case Int8Backend::Reference: return "reference";
  case Int8Backend::OneDnn: return "onednn";
  case Int8Backend::Halide: return "halide";
  case Int8Backend::Vnni: return "vnni";
  case Int8Backend::Best: return "best";
  }
  return "unknown";
}

std::optional<Int8Backend> parseInt8Backend(std::string_view name) {
  for (Int8Backend b : {Int8Backend::Reference, Int8Backend::OneDnn,
                        Int8Backend::Halide, Int8Backend::Vnni,
                        Int8Backend::Best})
    if (int8BackendName(b) == name)
      return b;
  return std::nullopt;
}

namespace {

/// Backends to try for one op, best first; the reference always closes the
/// list, so every valid op gets a kernel.
std::vector<Backend> candidates(Int8Backend choice, OpKind kind) {
  switch (choice) {
  case Int8Backend::Reference: return {Backend::Reference};
  case Int8Backend::OneDnn: return {Backend::OneDnn, Backend::Reference};
  case Int8Backend::Halide: return {Backend::Halide, Backend::Reference};
  case Int8Backend::Vnni: return {Backend::Vnni, Backend::Reference};
  case Int8Backend::Best:
    break;
  }
  // Measured in docs/runtime.md: oneDNN's exact depthwise beats Halide's;
  // VNNI kernels, where they exist, beat both.
  switch (kind) {
  case OpKind::Conv2D:
  case OpKind::FullyConnected:
    return {Backend::Vnni, Backend::OneDnn, Backend::Reference};
  case OpKind::DepthwiseConv2D:
    return {Backend::Vnni, Backend::OneDnn, Backend::Halide,
            Backend::Reference};
  case OpKind::Table: // vnni: VPERMI2B, ~10x Halide's byte gather
  case OpKind::Add:   // vnni: the convolutions' exact epilogue
  case OpKind::ChannelScale:
    return {Backend::Vnni, Backend::Halide, Backend::Reference};
  default:
    return {Backend::Halide, Backend::Reference};
  }
}

double secondsPerRun(Kernel &kernel, int runs) {
  std::vector<uint8_t> input(kernel.inputBytes()), other(kernel.otherBytes()),
      output(kernel.outputBytes());
  runtime::ConstBuffer otherBuffer{other.empty() ? nullptr : other.data(),
                                   other.size()};
  if (!kernel.run(runtime::constBuffer(input), otherBuffer,
                  runtime::mutableBuffer(output)))
    return 1e30;
  double best = 1e30;
  for (int r = 0; r < std::max(1, runs); ++r) {
    auto start = std::chrono::steady_clock::now();
    (void)kernel.run(runtime::constBuffer(input), otherBuffer,
                     runtime::mutableBuffer(output));
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

} // namespace

struct Int8Network::Impl {
  QuantizedExpansion graph;
  std::vector<std::unique_ptr<Kernel>> kernels;
  /// Activation buffers shared by ops whose lifetimes do not overlap.
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<size_t> bufferOf; ///< per op
  std::vector<size_t> bytesOf;  ///< per op

  /// Greedy liveness-based reuse: an op's output takes a free buffer
  /// (growing it if needed); operands are released after their last use.
  void planBuffers() {
    size_t count = graph.ops.size();
    std::vector<size_t> last = lastUses(graph.expansion);
    std::vector<size_t> capacity;
    std::vector<size_t> freeList;
    bufferOf.assign(count, 0);
    bytesOf.assign(count, 0);
    for (size_t i = 0; i < count; ++i) {
      bytesOf[i] = kernels[i]->outputBytes();
      size_t chosen = capacity.size();
      // Smallest free buffer that fits, else the largest free one.
      for (size_t f = 0; f < freeList.size(); ++f) {
        size_t b = freeList[f];
        bool fits = capacity[b] >= bytesOf[i];
        if (chosen == capacity.size()) {
          chosen = b;
          continue;
        }
        bool chosenFits = capacity[chosen] >= bytesOf[i];
        if ((fits && (!chosenFits || capacity[b] < capacity[chosen])) ||
            (!fits && !chosenFits && capacity[b] > capacity[chosen]))
          chosen = b;
      }
      if (chosen == capacity.size()) {
        capacity.push_back(bytesOf[i]);
      } else {
        freeList.erase(std::find(freeList.begin(), freeList.end(), chosen));
        capacity[chosen] = std::max(capacity[chosen], bytesOf[i]);
      }
      bufferOf[i] = chosen;
      const QuantizedOp &op = graph.ops[i];
      for (int operand : {op.input, op.other})
        if (operand >= 0 && last[size_t(operand)] == i &&
            std::find(freeList.begin(), freeList.end(),
                      bufferOf[size_t(operand)]) == freeList.end())
          freeList.push_back(bufferOf[size_t(operand)]);
    }
    buffers.clear();
    for (size_t bytes : capacity)
      buffers.emplace_back(bytes);
  }
};

Int8Network::Int8Network(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Int8Network::Int8Network(Int8Network &&) noexcept = default;
Int8Network &Int8Network::operator=(Int8Network &&) noexcept = default;
Int8Network::~Int8Network() = default;

Expected<Int8Network> Int8Network::create(const QuantizedExpansion &graph,
                                          const Int8Options &options) {
  using Result = Expected<Int8Network>;
  if (graph.ops.empty() || graph.ops.size() != graph.expansion.ops.size())
    return Result::failure("INT8 graph has no ops or does not match its "
                           "expansion");
  auto impl = std::make_unique<Impl>();
  impl->graph = graph;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QuantizedOp &op = graph.ops[i];
    if (!(op.input == kExpansionInput ||
          (op.input >= 0 && size_t(op.input) < i)) ||
        !(op.other == kNoOperand || op.other == kExpansionInput ||
          (op.other >= 0 && size_t(op.other) < i)))
      return Result::failure("INT8 op " + std::to_string(i) +
                             " reads an operand that is not computed before it");
    std::unique_ptr<Kernel> chosen;
    double chosenTime = 0;
    std::string errors;
    for (Backend backend : candidates(options.backend, op.kernel.kind)) {
      if (!runtime::backendSupports(backend, op.kernel.kind))
        continue;
      auto kernel = runtime::createKernel(op.kernel, backend);
      if (!kernel) {
        errors += std::string(errors.empty() ? "" : "; ") +
                  std::string(runtime::backendName(backend)) + ": " +
                  kernel.error();
        continue;
      }
      bool tune = options.autotune && options.backend == Int8Backend::Best;
      if (!tune) {
        chosen = std::move(*kernel);
        break;
      }
      double time = secondsPerRun(**kernel, options.autotuneRuns);
      if (!chosen || time < chosenTime) {
        chosen = std::move(*kernel);
        chosenTime = time;
      }
    }
    if (!chosen)
      return Result::failure("INT8 op " + std::to_string(i) + " ('" +
                             graph.expansion.ops[i].role +
                             "'): no backend could build it: " + errors);
    impl->kernels.push_back(std::move(chosen));
  }
  // Operand shapes must agree with the producing kernels.
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QuantizedOp &op = graph.ops[i];
    Kernel &k = *impl->kernels[i];
    auto producedBytes = [&](int operand) -> size_t {
      return operand == kExpansionInput
                 ? size_t(graph.inputShape.elements())
                 : impl->kernels[size_t(operand)]->outputBytes();
    };
    if (producedBytes(op.input) != k.inputBytes() ||
        (op.other != kNoOperand && producedBytes(op.other) != k.otherBytes()))
      return Result::failure("INT8 op " + std::to_string(i) +
                             ": operand sizes do not match the kernel");
  }
  impl->planBuffers();
  return Int8Network(std::move(impl));
}

Status Int8Network::run(const std::vector<uint8_t> &input,
                        std::vector<uint8_t> &output) {
  Impl &m = *impl_;
  if (input.size() != size_t(m.graph.inputShape.elements()))
    return Status::failure("INT8 input has " + std::to_string(input.size()) +
                           " bytes, the graph reads " +
                           std::to_string(m.graph.inputShape.elements()));
  auto operand = [&](int index) -> runtime::ConstBuffer {
    if (index == kNoOperand)
      return {};
    if (index == kExpansionInput)
      return runtime::constBuffer(input);
    return {m.buffers[m.bufferOf[size_t(index)]].data(),
            m.bytesOf[size_t(index)]};
  };
  for (size_t i = 0; i < m.kernels.size(); ++i) {
    const QuantizedOp &op = m.graph.ops[i];
    runtime::MutableBuffer out{m.buffers[m.bufferOf[i]].data(), m.bytesOf[i]};
    if (auto s = m.kernels[i]->run(operand(op.input), operand(op.other), out);
        !s)
      return Status::failure("INT8 op " + std::to_string(i) + " ('" +
                             m.graph.expansion.ops[i].role + "'): " +
                             s.error());
  }
  size_t last = m.kernels.size() - 1;
  const uint8_t *result = m.buffers[m.bufferOf[last]].data();
  output.assign(result, result + m.bytesOf[last]);
  return Status::success();
}

std::vector<uint8_t> Int8Network::quantizeInput(const Tensor &input) const {
  std::vector<uint8_t> q(input.values.size());
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = runtime::quantizeToUint8(input.values[i], impl_->graph.input);
  return q;
}

Tensor Int8Network::dequantizeOutput(const std::vector<uint8_t> &output) const {
  const QuantizedExpansion &g = impl_->graph;
  runtime::QuantParams params = g.ops.back().output;
  Tensor t(g.outputShape);
  for (size_t i = 0; i < t.values.size() && i < output.size(); ++i)
    t.values[i] =
        runtime::dequantizeValue(output[i], params.scale, params.zeroPoint);
  return t;
}

Expected<Tensor> Int8Network::run(const Tensor &input) {
  if (input.shape != impl_->graph.inputShape ||
      input.values.size() != size_t(input.shape.elements()))
    return Expected<Tensor>::failure("INT8 input tensor has the wrong shape");
  std::vector<uint8_t> output;
  if (auto s = run(quantizeInput(input), output); !s)
    return Expected<Tensor>(s);
  return dequantizeOutput(output);
}

const QuantizedExpansion &Int8Network::graph() const { return impl_->graph; }

std::vector<Backend> Int8Network::kernelBackends() const {
  std::vector<Backend> result;
  for (const auto &k : impl_->kernels)
    result.push_back(k->backend());
  return result;
}

std::vector<std::string> Int8Network::kernelImplementations() const {
  std::vector<std::string> result;
  for (const auto &k : impl_->kernels)
    result.push_back(std::string(runtime::backendName(k->backend())) + ":" +
                     k->implementationName());
  return result;
}

size_t Int8Network::activationBytes() const {
  size_t total = 0;
  for (const auto &b : impl_->buffers)
    total += b.size();
  return total;
}

} // namespace spaceevo::exec
