//===- SpaceEvoAttrs.td - spaceevo enums and attributes ----*- tablegen -*-===//
#ifndef SPACEEVO_ATTRS_TD
#define SPACEEVO_ATTRS_TD

include "SpaceEvoDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// Values mirror spaceevo::BlockType in include/spaceevo/space/Blocks.h.
def SpaceEvo_BlockTypeEnum : I32EnumAttr<"BlockType",
    "block type of a SpaceEvo hyperspace", [
  I32EnumAttrCase<"mbv1_dual", 0>,
  I32EnumAttrCase<"mbv2_res", 1>,
  I32EnumAttrCase<"mbv3_res_hswish", 2>,
  I32EnumAttrCase<"mbv3_res_swish", 3>,
  I32EnumAttrCase<"resnet", 4>,
  I32EnumAttrCase<"resnet_se", 5>,
  I32EnumAttrCase<"fused_mbconv", 6>,
  I32EnumAttrCase<"fused_mbconv_se", 7>,
  I32EnumAttrCase<"mbv3_k3_res", 8>,
  I32EnumAttrCase<"mbv2_k3_res", 9>,
  I32EnumAttrCase<"mbv2", 10>
]> {
  let cppNamespace = "::mlir::spaceevo";
}
// Printed as a bare keyword (`mbv2_res`) inside our ops.
defvar SpaceEvo_BlockTypeAttr = SpaceEvo_BlockTypeEnum;

// Values mirror spaceevo::Activation.
def SpaceEvo_ActivationEnum : I32EnumAttr<"Activation",
    "non-linearity", [
  I32EnumAttrCase<"none", 0>,
  I32EnumAttrCase<"relu", 1>,
  I32EnumAttrCase<"relu6", 2>,
  I32EnumAttrCase<"hswish", 3>,
  I32EnumAttrCase<"swish", 4>,
  I32EnumAttrCase<"hsigmoid", 5>
]> {
  let cppNamespace = "::mlir::spaceevo";
}
defvar SpaceEvo_ActivationAttr = SpaceEvo_ActivationEnum;

def SpaceEvo_SpaceAttr : AttrDef<SpaceEvo_Dialect, "Space"> {
  let mnemonic = "space";
  let summary = "a space of a hyperspace, as SpaceEvo's encoding string";
  let description = [{
    One block type and one width window per searchable stage of a named
    hyperspace, written as SpaceEvo encodes it, e.g.
    `#spaceevo.space<"onnxw-123450-012330">`: the hyperspace name, one block
    digit per stage, one window digit per stage.
  }];
  let parameters = (ins
    StringRefParameter<"hyperspace name">:$hyperspace,
    ArrayRefParameter<"int64_t", "block index per searchable stage">:$blocks,
    ArrayRefParameter<"int64_t", "window index per searchable stage">:$windows
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The encoding string, e.g. "onnxw-123450-012330".
    std::string getEncoding() const;
    /// Decodes an encoding string; returns a null attribute and sets `error`
    /// when it is malformed.
    static SpaceAttr parseEncoding(::mlir::MLIRContext *context,
                                   ::llvm::StringRef encoding,
                                   std::string &error);
  }];
}

def SpaceEvo_CostAttr : AttrDef<SpaceEvo_Dialect, "Cost"> {
  let mnemonic = "cost";
  let summary = "a kernel's measured latency on this device";
  let description = [{
    Mean, median, 10th and 90th percentile of a kernel's run time in
    nanoseconds over `runs` timed runs, the runtime backends that ran it and
    the device fingerprint hash the measurement belongs to:
    `#spaceevo.cost<mean_ns = 12600, median_ns = 12500, p10_ns = 12100,
    p90_ns = 13000, runs = 31, backend = "onednn", device = "63fcca59353182a8">`.
    Latency prediction sums the means: the median of a sum of skewed run
    times is nearer the sum of their means than the sum of their medians.
  }];
  let parameters = (ins "int64_t":$mean_ns, "int64_t":$median_ns, "int64_t":$p10_ns,
                        "int64_t":$p90_ns, "int64_t":$runs,
                        StringRefParameter<"runtime backends">:$backend,
                        StringRefParameter<"device fingerprint hash">:$device);
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // SPACEEVO_ATTRS_TD
