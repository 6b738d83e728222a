//===- OneDnnFloat.h - Internal: oneDNN fp32 convolutions ------*- C++ -*-===//
//
// Not installed. FloatExecutor.cpp reaches oneDNN only through this
// interface, so the library builds (reference only) without libdnnl.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_LIB_EXEC_ONEDNNFLOAT_H
#define SPACEEVO_LIB_EXEC_ONEDNNFLOAT_H

#include "spaceevo/exec/Parameters.h"
#include "spaceevo/runtime/Quantization.h"

#include <memory>

namespace spaceevo::exec::detail {

/// One fp32 conv / depthwise / FC with its packed weights and bias.
class FloatConvPrimitive {
public:
  virtual ~FloatConvPrimitive();
  /// src and dst are NHWC buffers of the op's input and output shapes.
  virtual Status run(const float *src, float *dst) = 0;
};

bool oneDnnFloatAvailable();
/// Whether `function` can be fused as a oneDNN eltwise post-op.
bool oneDnnCanFuse(runtime::ActivationFunction function);
/// `fused` is applied inside the primitive (Identity: none).
Expected<std::unique_ptr<FloatConvPrimitive>>
createOneDnnFloatConv(const Primitive &op, const FoldedParameters &params,
                      runtime::ActivationFunction fused);

} // namespace spaceevo::exec::detail

#endif // SPACEEVO_LIB_EXEC_ONEDNNFLOAT_H
