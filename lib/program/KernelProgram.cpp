//===- KernelProgram.cpp - chains of runtime kernels ----------------------===//
#include "spaceevo/program/KernelProgram.h"

#include <chrono>
#include <set>

#include <omp.h>

namespace spaceevo::program {

using runtime::Backend;
using runtime::Expected;
using runtime::Status;

Expected<BackendChoice> parseBackendChoice(const std::string &name) {
  if (name == "best")
    return BackendChoice::Best;
  if (name == "reference")
    return BackendChoice::Reference;
  if (name == "onednn")
    return BackendChoice::OneDnn;
  if (name == "halide")
    return BackendChoice::Halide;
  if (name == "vnni")
    return BackendChoice::Vnni;
  return Expected<BackendChoice>::failure(
      "unknown backend '" + name +
      "' (expected best, reference, onednn, halide or vnni)");
}

namespace {

std::vector<Backend> preference(BackendChoice choice) {
  switch (choice) {
  case BackendChoice::Best:
    return {Backend::Vnni, Backend::OneDnn, Backend::Halide, Backend::Reference};
  case BackendChoice::Reference:
    return {Backend::Reference};
  case BackendChoice::OneDnn:
    return {Backend::OneDnn, Backend::Reference};
  case BackendChoice::Halide:
    return {Backend::Halide, Backend::Reference};
  case BackendChoice::Vnni:
    return {Backend::Vnni, Backend::Reference};
  }
  return {Backend::Reference};
}

} // namespace

BuiltProgram::BuiltProgram(BuiltProgram &&) noexcept = default;
BuiltProgram &BuiltProgram::operator=(BuiltProgram &&) noexcept = default;
BuiltProgram::~BuiltProgram() = default;

Expected<BuiltProgram> BuiltProgram::build(const KernelProgram &program,
                                           BackendChoice choice) {
  // Programs run on one (pinned) thread. oneDNN's OpenMP team would
  // otherwise spin on the same core and slow every kernel many times over.
  omp_set_num_threads(1);
  BuiltProgram built;
  built.program = program;
  size_t slots = program.slotBytes.size();
  for (const Step &step : program.steps)
    if (step.input < 0 || size_t(step.input) >= slots ||
        step.output < 0 || size_t(step.output) >= slots ||
        (step.other >= 0 && size_t(step.other) >= slots))
      return Expected<BuiltProgram>::failure(
          "kernel program: a step names a buffer that does not exist");
  if (program.outputSlot < 0 || size_t(program.outputSlot) >= slots)
    return Expected<BuiltProgram>::failure(
        "kernel program: the output buffer does not exist");
  for (size_t i = 0; i < program.steps.size(); ++i) {
    const Step &step = program.steps[i];
    std::string lastError;
    for (Backend backend : preference(choice)) {
      if (!runtime::backendSupports(backend, step.desc.kind))
        continue;
      auto kernel = runtime::createKernel(step.desc, backend);
      if (kernel.ok()) {
        built.kernels.push_back(std::move(kernel.value()));
        lastError.clear();
        break;
      }
      lastError = kernel.error();
    }
    if (built.kernels.size() != i + 1)
      return Expected<BuiltProgram>::failure(
          "kernel program step " + std::to_string(i) + " (" +
          std::string(runtime::opKindName(step.desc.kind)) +
          "): " + (lastError.empty() ? "no backend supports it" : lastError));
    if (built.kernels.back()->outputBytes() != program.slotBytes[step.output] ||
        built.kernels.back()->inputBytes() != program.slotBytes[step.input])
      return Expected<BuiltProgram>::failure(
          "kernel program step " + std::to_string(i) +
          ": buffer sizes do not match the kernel's shapes");
  }
  for (size_t bytes : program.slotBytes)
    built.buffers.emplace_back(bytes, uint8_t(0));
  return built;
}

std::vector<uint8_t> &BuiltProgram::inputBuffer(size_t index) {
  return buffers[size_t(program.inputSlots.at(index))];
}

const std::vector<uint8_t> &BuiltProgram::outputBuffer() const {
  return buffers[size_t(program.outputSlot)];
}

Status BuiltProgram::run(std::vector<int64_t> *stepNanoseconds) {
  if (stepNanoseconds)
    stepNanoseconds->assign(program.steps.size(), 0);
  for (size_t i = 0; i < program.steps.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    const Step &step = program.steps[i];
    runtime::ConstBuffer other;
    if (step.other >= 0)
      other = runtime::constBuffer(buffers[size_t(step.other)]);
    Status status = kernels[i]->run(runtime::constBuffer(buffers[size_t(step.input)]),
                                    other,
                                    runtime::mutableBuffer(buffers[size_t(step.output)]));
    if (!status.ok())
      return Status::failure("step " + std::to_string(i) + ": " + status.error());
    if (stepNanoseconds)
      (*stepNanoseconds)[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
  }
  return Status::success();
}

std::string BuiltProgram::backends() const {
  std::set<std::string> names;
  for (const auto &kernel : kernels)
    names.insert(std::string(runtime::backendName(kernel->backend())));
  std::string joined;
  for (const std::string &name : names)
    joined += (joined.empty() ? "" : "+") + name;
  return joined;
}

void fillPseudoRandom(std::vector<uint8_t> &bytes, uint64_t &state) {
  for (uint8_t &byte : bytes) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    byte = static_cast<uint8_t>(state >> 56);
  }
}

} // namespace spaceevo::program
