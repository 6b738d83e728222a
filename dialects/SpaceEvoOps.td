//===- SpaceEvoOps.td - spaceevo operations ----------------*- tablegen -*-===//
#ifndef SPACEEVO_OPS_TD
#define SPACEEVO_OPS_TD

include "SpaceEvoAttrs.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// An i64 attribute read back as a signed value, so that a negative number in
// the IR reaches the verifier as negative (upstream I64Attr reads unsigned).
def SpaceEvo_IntAttr : SignlessIntegerAttrBase<I64, "64-bit integer attribute"> {
  let returnType = "int64_t";
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class SpaceEvo_Op<string mnemonic, list<Trait> traits = []>
    : Op<SpaceEvo_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Hyperspace: the operator pool
//===----------------------------------------------------------------------===//

def SpaceEvo_HyperspaceOp : SpaceEvo_Op<"hyperspace", [
    Symbol, NoTerminator, SingleBlock, IsolatedFromAbove,
    NoRegionArguments]> {
  let summary = "a hyperspace: the pool of blocks and widths per stage";
  let description = [{
    Holds, in order, one `spaceevo.stem`, the stages (`spaceevo.stage`,
    numbered from 0; stages marked `fixed` are not searched) and one
    `spaceevo.head`. `resolutions` lists the input resolutions a subnet may
    take.

    ```mlir
    spaceevo.hyperspace @onnxw resolutions [160, 176, 192, 208, 224] {
      spaceevo.stem kernel 3 stride 2 widths [16, 32] act relu
      spaceevo.stage 0 fixed stride 1 widths [16, 32] window 2 depths [1, 2] {
        spaceevo.candidate 0 = resnet kernels [3] expands [0.5] act relu
      }
      spaceevo.stage 1 stride 2 widths [32, 48, 64] step 16 window 2 depths [2, 3, 4] {
        spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
        ...
      }
      ...
      spaceevo.head final_expand 1280 feature_mix 1920 classes 1000 act hswish
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       DenseI64ArrayAttr:$resolutions);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `resolutions` $resolutions attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::llvm::StringRef":$name,
                                 "::llvm::ArrayRef<int64_t>":$resolutions)>];
  let extraClassDeclaration = [{
    /// Stages in order, fixed ones included.
    ::llvm::SmallVector<StageOp, 8> getStages();
    /// Searchable (not fixed) stages in order: the digits of an encoding.
    ::llvm::SmallVector<StageOp, 8> getSearchableStages();
    StemOp getStem();
    HeadOp getHead();
  }];
}

def SpaceEvo_StemOp : SpaceEvo_Op<"stem", [HasParent<"HyperspaceOp">]> {
  let summary = "the first convolution of every network of the hyperspace";
  let arguments = (ins SpaceEvo_IntAttr:$kernel, SpaceEvo_IntAttr:$stride,
                       DenseI64ArrayAttr:$widths,
                       SpaceEvo_ActivationAttr:$act);
  let assemblyFormat = [{
    `kernel` $kernel `stride` $stride `widths` $widths `act` $act attr-dict
  }];
  let hasVerifier = 1;
}

def SpaceEvo_HeadOp : SpaceEvo_Op<"head", [HasParent<"HyperspaceOp">]> {
  let summary = "the fixed head: 1x1 expand, pool, 1x1 feature mix, classifier";
  let arguments = (ins SpaceEvo_IntAttr:$final_expand, SpaceEvo_IntAttr:$feature_mix,
                       SpaceEvo_IntAttr:$classes, SpaceEvo_ActivationAttr:$act);
  let assemblyFormat = [{
    `final_expand` $final_expand `feature_mix` $feature_mix
    `classes` $classes `act` $act attr-dict
  }];
  let hasVerifier = 1;
}

def SpaceEvo_StageOp : SpaceEvo_Op<"stage", [
    HasParent<"HyperspaceOp">, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "one stage of a hyperspace: its block pool and width list";
  let description = [{
    `widths` is the stage's width list (with its `step` when it is
    arithmetic), `window` the number of consecutive widths a space may use,
    `depths` the layer counts a subnet may pick, `stride` the stride of the
    stage's first layer. The body holds the candidate blocks, numbered from 0
    in order: their numbers are the block digits of a space encoding. A
    `fixed` stage belongs to the stem: spaces do not choose its block or
    window.
  }];
  let arguments = (ins SpaceEvo_IntAttr:$index, UnitAttr:$fixed, SpaceEvo_IntAttr:$stride,
                       DenseI64ArrayAttr:$widths,
                       OptionalAttr<SpaceEvo_IntAttr>:$step, SpaceEvo_IntAttr:$window,
                       DenseI64ArrayAttr:$depths);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $index (`fixed` $fixed^)? `stride` $stride `widths` $widths
    (`step` $step^)? `window` $window `depths` $depths
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<CandidateOp, 8> getCandidates();
    /// Number of width windows: widths - window + 1.
    int64_t getNumWindows() {
      return (int64_t)getWidths().size() - (int64_t)getWindow() + 1;
    }
  }];
}

def SpaceEvo_CandidateOp : SpaceEvo_Op<"candidate", [HasParent<"StageOp">]> {
  let summary = "a block type a stage may use, with its kernel and expansion choices";
  let description = [{
    `spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]`: block
    digit 1 of its stage is an MBv2 block with kernel 3 or 5 and expansion 4,
    6 or 8. Blocks without an expansion ratio (`mbv1_dual`) have no
    `expands`. `act` overrides the block's default non-linearity.
  }];
  let arguments = (ins SpaceEvo_IntAttr:$index, SpaceEvo_BlockTypeAttr:$block,
                       DenseI64ArrayAttr:$kernels,
                       OptionalAttr<DenseF64ArrayAttr>:$expands,
                       OptionalAttr<SpaceEvo_ActivationAttr>:$act);
  let assemblyFormat = [{
    $index `=` $block custom<KernelsExpands>($kernels, $expands)
    (`act` $act^)? attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Space: one block and one window per searchable stage
//===----------------------------------------------------------------------===//

def SpaceEvo_SpaceOp : SpaceEvo_Op<"space", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a space of a hyperspace, written as its encoding";
  let description = [{
    `spaceevo.space "onnxw-123450-012330"` picks, for each searchable stage of
    hyperspace `@onnxw`, a block (first six digits) and a width window (last
    six). The hyperspace must be defined in the same symbol table. Scores
    and statistics are attached as discardable attributes.
  }];
  let arguments = (ins SpaceEvo_SpaceAttr:$space);
  let assemblyFormat = "custom<SpaceEncoding>($space) attr-dict";
  let extraClassDeclaration = [{
    ::llvm::StringRef getHyperspaceName() { return getSpace().getHyperspace(); }
  }];
}

//===----------------------------------------------------------------------===//
// Networks and sub-stages: concrete layers
//===----------------------------------------------------------------------===//

def SpaceEvo_NetworkOp : SpaceEvo_Op<"network", [
    Symbol, NoTerminator, SingleBlock, NoRegionArguments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a concrete subnet of a hyperspace";
  let description = [{
    A subnet: input `resolution`, `stem` width, then one `spaceevo.layer` per
    block, stage by stage (fixed stages included). When `space` is given, the
    layers must also lie in that space (its block and window per stage).

    ```mlir
    spaceevo.network @net0 of @onnxw resolution 224 stem 16 {
      spaceevo.layer stage 0 resnet kernel 3 width 16 expand 0.5 stride 1
      spaceevo.layer stage 1 mbv2_res kernel 5 width 32 expand 4 stride 2
      ...
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       FlatSymbolRefAttr:$hyperspace,
                       SpaceEvo_IntAttr:$resolution, SpaceEvo_IntAttr:$stem,
                       OptionalAttr<SpaceEvo_SpaceAttr>:$space);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `of` $hyperspace `resolution` $resolution
    custom<StemSpace>($stem, $space) attr-dict-with-keyword $body
  }];
  let extraClassDeclaration = [{
    ::llvm::SmallVector<LayerOp, 16> getLayers();
  }];
}

def SpaceEvo_SubstageOp : SpaceEvo_Op<"substage", [
    Symbol, NoTerminator, SingleBlock, NoRegionArguments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the layers of one stage, with the stage's input shape";
  let description = [{
    A row of a SpaceEvo block table: the layers of stage `stage` fed by an
    input of `channels` x `size` x `size`. With `window`, the widths must lie
    in that window.

    ```mlir
    spaceevo.substage @row of @onnxw stage 1 channels 32 size 80 window 0 {
      spaceevo.layer stage 1 mbv1_dual kernel 3 width 48 stride 2
      spaceevo.layer stage 1 mbv1_dual kernel 5 width 32 stride 1
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       FlatSymbolRefAttr:$hyperspace, SpaceEvo_IntAttr:$stage,
                       SpaceEvo_IntAttr:$channels, SpaceEvo_IntAttr:$size,
                       OptionalAttr<SpaceEvo_IntAttr>:$window);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `of` $hyperspace `stage` $stage `channels` $channels
    `size` $size (`window` $window^)? attr-dict-with-keyword $body
  }];
  let extraClassDeclaration = [{
    ::llvm::SmallVector<LayerOp, 16> getLayers();
  }];
}

def SpaceEvo_LayerOp : SpaceEvo_Op<"layer", [
    ParentOneOf<["NetworkOp", "SubstageOp"]>]> {
  let summary = "one block of a network: type, kernel, width, expansion, stride";
  let arguments = (ins SpaceEvo_IntAttr:$stage, SpaceEvo_BlockTypeAttr:$block,
                       SpaceEvo_IntAttr:$kernel, SpaceEvo_IntAttr:$width,
                       OptionalAttr<F64Attr>:$expand, SpaceEvo_IntAttr:$stride);
  let assemblyFormat = [{
    `stage` $stage $block `kernel` $kernel `width` $width
    custom<ExpandStride>($expand, $stride) attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernels: fused chains of lowered ops, the unit a runtime executes
//===----------------------------------------------------------------------===//

def SpaceEvo_KernelOp : SpaceEvo_Op<"kernel", [
    IsolatedFromAbove, SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "a chain of ops a runtime fuses into one kernel";
  let description = [{
    Holds the ops one INT8 kernel executes (e.g. conv2d + rescale + clamp,
    the rescales and add of a residual, a whole squeeze-excite), with their
    constants. `kind` names the kernel family and `signature` is its stable
    key: op kinds, shapes, strides, paddings and quantization flags, but no
    constant values, so equal signatures cost the same. Measurements attach
    `spaceevo.cost`.

    ```mlir
    %1 = spaceevo.kernel "conv" "conv2d[...]+rescale[pc]+clamp" (%0)
        : (tensor<1x56x56x64xi8>) -> tensor<1x56x56x64xi8> {
    ^bb0(%x: tensor<1x56x56x64xi8>):
      ...
      spaceevo.yield %y : tensor<1x56x56x64xi8>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$kind,
                       StrAttr:$signature);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind $signature `(` $inputs `)` attr-dict `:` functional-type($inputs, $results) $body
  }];
  let hasRegionVerifier = 1;
}

def SpaceEvo_YieldOp : SpaceEvo_Op<"yield", [
    Pure, HasParent<"KernelOp">, ReturnLike, Terminator]> {
  let summary = "the results of a kernel";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ /* empty */ }]>];
}

#endif // SPACEEVO_OPS_TD
