//===- KernelProgram.h - chains of runtime kernels --------------*- C++ -*-===//
//
// A kernel program is what one `spaceevo.kernel` (or a whole lowered
// function) executes: runtime kernels reading and writing numbered uint8
// buffers. The passes translate IR into a program; this library builds the
// runtime kernels once and runs them many times (measurement, execution).
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_PROGRAM_KERNELPROGRAM_H
#define SPACEEVO_PROGRAM_KERNELPROGRAM_H

#include "spaceevo/runtime/Kernel.h"

#include <memory>
#include <string>
#include <vector>

namespace spaceevo::program {

struct Step {
  runtime::KernelDesc desc;
  int input = 0;   ///< slot read
  int other = -1;  ///< second slot read (add, channel scale), or -1
  int output = 0;  ///< slot written
  int origin = -1; ///< which kernel of the source it came from, for profiles
};

struct KernelProgram {
  std::vector<size_t> slotBytes; ///< size of every buffer
  std::vector<int> inputSlots;   ///< filled by the caller, in order
  int outputSlot = 0;
  std::vector<Step> steps;
};

/// Which runtime backend executes each step.
enum class BackendChoice {
  Best,      ///< per step the first that supports it: VNNI, oneDNN, Halide, reference
  Reference,
  OneDnn,    ///< oneDNN where supported, else reference
  Halide,    ///< Halide where supported, else reference
  Vnni,      ///< hand-written AVX-512 VNNI kernels where supported, else reference
};

/// Parses "best", "reference", "onednn", "halide", "vnni".
runtime::Expected<BackendChoice> parseBackendChoice(const std::string &name);

/// A program whose kernels are built, with its buffers allocated.
class BuiltProgram {
public:
  static runtime::Expected<BuiltProgram> build(const KernelProgram &program,
                                               BackendChoice choice);
  BuiltProgram(BuiltProgram &&) noexcept;
  BuiltProgram &operator=(BuiltProgram &&) noexcept;
  ~BuiltProgram();

  /// The buffer of an input slot, to fill before run().
  std::vector<uint8_t> &inputBuffer(size_t index);
  const std::vector<uint8_t> &outputBuffer() const;
  /// Runs every step in order; with `stepNanoseconds`, also times each step.
  runtime::Status run(std::vector<int64_t> *stepNanoseconds = nullptr);
  const KernelProgram &source() const { return program; }
  /// Backends the steps use, e.g. "onednn+halide".
  std::string backends() const;

private:
  BuiltProgram() = default;
  KernelProgram program;
  std::vector<std::unique_ptr<runtime::Kernel>> kernels;
  std::vector<std::vector<uint8_t>> buffers;
};

/// Fills `bytes` with a deterministic pseudo-random sequence continuing
/// from `state` (a 64-bit LCG; its top byte per step): test inputs.
void fillPseudoRandom(std::vector<uint8_t> &bytes, uint64_t &state);

} // namespace spaceevo::program

#endif // SPACEEVO_PROGRAM_KERNELPROGRAM_H
