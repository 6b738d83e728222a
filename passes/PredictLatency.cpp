//===- PredictLatency.cpp - --spaceevo-predict-latency --------------------===//
#include "spaceevo/passes/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::spaceevo {
#define GEN_PASS_DEF_PREDICTLATENCY
#include "passes/Passes.h.inc"
} // namespace mlir::spaceevo

using namespace mlir;
using namespace mlir::spaceevo;

namespace {
struct PredictLatencyPass
    : public mlir::spaceevo::impl::PredictLatencyBase<PredictLatencyPass> {
  using PredictLatencyBase::PredictLatencyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool any = false;
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      int64_t totalNs = 0, kernels = 0;
      bool failedKernel = false;
      func.walk([&](KernelOp kernel) {
        auto cost = kernel->getAttrOfType<CostAttr>("spaceevo.cost");
        if (!cost) {
          emitError(kernel.getLoc())
              << "--spaceevo-predict-latency: this '" << kernel.getKind()
              << "' kernel has no spaceevo.cost; run --spaceevo-measure first";
          failedKernel = true;
          return;
        }
        totalNs += cost.getMeanNs();
        ++kernels;
      });
      if (failedKernel)
        return signalPassFailure();
      if (kernels == 0)
        continue;
      any = true;
      Builder b(func.getContext());
      func->setAttr("spaceevo.predicted_latency_ms",
                    b.getF64FloatAttr(static_cast<double>(totalNs) / 1e6));
      func->setAttr("spaceevo.kernels", b.getI64IntegerAttr(kernels));
    }
    if (!any) {
      emitError(module.getLoc())
          << "--spaceevo-predict-latency: no function made of spaceevo.kernel "
             "ops (run --spaceevo-form-kernels and --spaceevo-measure first)";
      return signalPassFailure();
    }
  }
};
} // namespace
