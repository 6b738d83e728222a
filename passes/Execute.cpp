//===- Execute.cpp - --spaceevo-execute -----------------------------------===//
#include "KernelTranslation.h"
#include "spaceevo/cost/Measure.h"
#include "spaceevo/exec/Metrics.h"
#include "spaceevo/passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cstdio>

namespace mlir::spaceevo {
#define GEN_PASS_DEF_EXECUTE
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;
namespace prog = ::spaceevo::program;
namespace cost = ::spaceevo::cost;

namespace {

struct ExecutePass : public mlir::spaceevo::impl::ExecuteBase<ExecutePass> {
  using ExecuteBase::ExecuteBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto choice = prog::parseBackendChoice(backend);
    if (!choice) {
      emitError(module.getLoc()) << "--spaceevo-execute: " << choice.error();
      return signalPassFailure();
    }
    bool any = false;
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || func.getOps<KernelOp>().empty())
        continue;
      any = true;
      FailureOr<prog::KernelProgram> program = translateFunction(func);
      if (failed(program))
        return signalPassFailure();
      auto built = prog::BuiltProgram::build(*program, *choice);
      if (!built) {
        emitError(func.getLoc()) << "--spaceevo-execute: " << built.error();
        return signalPassFailure();
      }
      std::vector<uint8_t> &input = built->inputBuffer(0);
      if (!inputFile.empty()) {
        auto file = llvm::MemoryBuffer::getFile(inputFile);
        if (!file) {
          emitError(func.getLoc()) << "--spaceevo-execute: cannot read '"
                                   << inputFile << "': "
                                   << file.getError().message();
          return signalPassFailure();
        }
        if ((*file)->getBufferSize() != input.size()) {
          emitError(func.getLoc())
              << "--spaceevo-execute: '" << inputFile << "' has "
              << (*file)->getBufferSize() << " bytes; the input needs "
              << input.size();
          return signalPassFailure();
        }
        // The file holds TOSA int8 values; the runtime's are value + 128.
        for (size_t i = 0; i < input.size(); ++i)
          input[i] = static_cast<uint8_t>((*file)->getBufferStart()[i] + 128);
      } else {
        uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
        prog::fillPseudoRandom(input, state);
      }
      if (auto status = built->run(); !status.ok()) {
        emitError(func.getLoc()) << "--spaceevo-execute: " << status.error();
        return signalPassFailure();
      }
      // Digest of the TOSA int8 output (runtime bytes - 128).
      std::vector<uint8_t> output = built->outputBuffer();
      for (uint8_t &byte : output)
        byte = static_cast<uint8_t>(byte - 128);
      std::string digest = ::spaceevo::exec::digestHex(
          ::spaceevo::exec::fnv1a64(output.data(), output.size()));
      Builder b(func.getContext());
      func->setAttr("spaceevo.output_digest", b.getStringAttr(digest));
      func->setAttr("spaceevo.backends", b.getStringAttr(built->backends()));
      if (repeats > 0) {
        cost::MeasureOptions options;
        options.warmup = static_cast<int>(warmup);
        options.minRepeats = static_cast<int>(repeats);
        options.maxRepeats = static_cast<int>(repeats);
        options.maxSeconds = 600;
        ::spaceevo::runtime::Status status = ::spaceevo::runtime::Status::success();
        auto measured = cost::measure(
            [&] {
              if (status.ok())
                status = built->run();
            },
            options);
        if (!measured || !status.ok()) {
          emitError(func.getLoc())
              << "--spaceevo-execute: "
              << (!status.ok() ? status.error() : measured.error());
          return signalPassFailure();
        }
        if (profile) {
          // Median per step over `repeats` runs, summed per kernel.
          std::vector<std::vector<int64_t>> perStep(program->steps.size());
          std::vector<int64_t> times;
          for (int64_t r = 0; r < repeats; ++r) {
            if (auto ran = built->run(&times); !ran.ok()) {
              emitError(func.getLoc()) << "--spaceevo-execute: " << ran.error();
              return signalPassFailure();
            }
            for (size_t s = 0; s < times.size(); ++s)
              perStep[s].push_back(times[s]);
          }
          SmallVector<KernelOp> kernelOps = llvm::to_vector(func.getOps<KernelOp>());
          std::vector<int64_t> perKernel(kernelOps.size(), 0);
          for (size_t s = 0; s < perStep.size(); ++s) {
            std::sort(perStep[s].begin(), perStep[s].end());
            int origin = program->steps[s].origin;
            if (origin >= 0 && size_t(origin) < perKernel.size())
              perKernel[origin] += perStep[s][perStep[s].size() / 2];
          }
          for (size_t k = 0; k < kernelOps.size(); ++k)
            kernelOps[k]->setAttr("spaceevo.in_network_ns",
                                  b.getI64IntegerAttr(perKernel[k]));
        }
        func->setAttr("spaceevo.measured_latency_ms",
                      b.getF64FloatAttr(measured->medianUs / 1000));
        func->setAttr("spaceevo.measured_p10_ms",
                      b.getF64FloatAttr(measured->p10Us / 1000));
        func->setAttr("spaceevo.measured_p90_ms",
                      b.getF64FloatAttr(measured->p90Us / 1000));
      }
    }
    if (!any) {
      emitError(module.getLoc())
          << "--spaceevo-execute: no function made of spaceevo.kernel ops "
             "(run --spaceevo-lower-int8 and --spaceevo-form-kernels first)";
      return signalPassFailure();
    }
  }
};

} // namespace
