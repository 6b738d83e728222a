//===- Blocks.h - SpaceEvo block types and layer configurations -*- C++ -*-===//
//
// MLIR-free description of the building blocks of SpaceEvo's hyperspaces.
// The dialect's enum attribute mirrors BlockType one to one; passes convert
// between the two so that every engine (verification, cost, search) can be
// used without MLIR.
//
// Besides the names, this header holds the exact definition of every block
// (see docs/blocks.md): `expandBlock` turns one layer into the primitive
// operations it is made of. The cost model, the INT8 lowering and the
// kernels all start from that expansion, so a block is defined once.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_SPACE_BLOCKS_H
#define SPACEEVO_SPACE_BLOCKS_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spaceevo {

/// Every block type of the onnxw and mobilew hyperspaces.
enum class BlockType : uint32_t {
  MBv1Dual = 0,      ///< two (DW kxk + PW 1x1) pairs, residual
  MBv2Res = 1,       ///< PW expand, DW kxk, PW project, ReLU6, forced residual
  MBv3ResHswish = 2, ///< MBv2 + squeeze-excite, Hswish (onnxw block 2)
  MBv3ResSwish = 3,  ///< MBv2 + squeeze-excite, Swish (mobilew block 2)
  ResNet = 4,        ///< ResNet bottleneck, ReLU
  ResNetSE = 5,      ///< ResNet bottleneck + squeeze-excite
  FusedMBConv = 6,   ///< fused kxk expand + PW project, Swish, no SE
  FusedMBConvSE = 7, ///< fused kxk expand + SE + PW project, Swish
  MBv3K3Res = 8,     ///< MBv3 whose kxk DW is k/2 stacked 3x3 DW
  MBv2K3Res = 9,     ///< MBv2 whose kxk DW is k/2 stacked 3x3 DW
  MBv2 = 10,         ///< plain MBv2: residual only when shapes match (mobilew stage 0)
};
constexpr unsigned kNumBlockTypes = 11;

/// Non-linearities used inside blocks, the stem and the head. Hsigmoid only
/// occurs inside squeeze-excite (it produces the channel scale); it is last
/// so that the values shared with the dialect's enum stay the same.
enum class Activation : uint32_t { None, ReLU, ReLU6, Hswish, Swish, Hsigmoid };

/// Stable snake_case name, used in IR and on the command line.
std::string_view blockTypeName(BlockType type);
std::optional<BlockType> parseBlockType(std::string_view name);
std::string_view activationName(Activation act);
std::optional<Activation> parseActivation(std::string_view name);

/// Whether the block has an expansion ratio (MBv1-Dual has none).
bool blockHasExpand(BlockType type);

/// The non-linearity SpaceEvo's hyperspaces use for the block (ReLU for
/// MBv1-Dual and the ResNet blocks, ReLU6 for the MBv2 blocks, Hswish or
/// Swish for the MBv3 blocks, Swish for the fused blocks).
Activation blockActivation(BlockType type);

/// The two hyperspaces of the paper's public code.
enum class HyperspaceKind : uint32_t { OnnxW = 0, MobileW = 1 };
std::string_view hyperspaceKindName(HyperspaceKind kind); ///< "onnxw", ...
std::optional<HyperspaceKind> parseHyperspaceKind(std::string_view name);
/// Number of candidate blocks per searchable stage (6 in onnxw, 7 in mobilew).
unsigned numHyperspaceBlocks(HyperspaceKind kind);
/// The block a space's block digit names in a hyperspace (the digit is also
/// the `{block}` of a table file name `stage{s}_{block}_{window}.csv`).
std::optional<BlockType> hyperspaceBlockType(HyperspaceKind kind,
                                             unsigned digit);

/// One concrete layer (one block instance) of a network or sub-stage.
struct LayerConfig {
  BlockType block = BlockType::MBv2Res;
  int64_t kernel = 3;
  int64_t width = 0;  ///< output channels
  double expand = 0;  ///< expansion ratio; 0 when the block has none
  int64_t stride = 1;
};

/// Multiply-accumulates and parameters of one layer (or of any expansion).
struct LayerCost {
  /// Multiply-accumulates of the convolutions and fully connected layers.
  /// Element-wise work (activations, adds, SE pooling and scaling) is not
  /// counted, as in SpaceEvo's counter.
  double macs = 0;
  /// Parameters as SpaceEvo's tables count them: weights, the biases that
  /// exist before folding (squeeze-excite and classifier only), two per
  /// channel for every batch norm, and 3 quantizer scalars per convolution
  /// or linear layer (LSQ+ weight scale, activation scale, activation
  /// offset).
  double params = 0;
  /// Parameters of the deployed INT8 model: weights plus one bias per
  /// output channel of every convolution and linear layer (batch norm
  /// folded), no quantizer scalars.
  double deployParams = 0;
};

/// A value or an error message; used instead of exceptions or asserts so
/// that bad input (an unknown block, an unsupported kernel) is reported.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : value_(std::move(value)) {}
  static Result failure(std::string message) {
    Result result;
    result.error_ = std::move(message);
    return result;
  }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T &value() const { return *value_; }
  T &value() { return *value_; }
  const T *operator->() const { return &*value_; }
  const T &operator*() const { return *value_; }
  const std::string &error() const { return error_; }

private:
  Result() = default;
  std::optional<T> value_;
  std::string error_;
};

//===----------------------------------------------------------------------===//
// Shape arithmetic shared by all blocks
//===----------------------------------------------------------------------===//

/// SpaceEvo's channel rounding: round `value` to the nearest multiple of
/// `divisor` (halves up), at least `divisor`, and never more than 10% below
/// `value`. Used for hidden widths and squeeze-excite widths.
int64_t makeDivisible(double value, int64_t divisor = 8);

/// Output size of a convolution with "same" padding (kernel - 1) / 2 on each
/// side: floor((in + 2 * pad - kernel) / stride) + 1, which is
/// ceil(in / stride) for odd kernels.
int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride);

//===----------------------------------------------------------------------===//
// Primitive expansion
//===----------------------------------------------------------------------===//

/// The operations blocks are made of. Tensors are C x H x W (batch 1).
enum class PrimitiveKind : uint32_t {
  Conv,           ///< dense kxk convolution, groups 1 (pointwise when k = 1)
  DepthwiseConv,  ///< kxk convolution with one filter per channel
  GlobalAvgPool,  ///< mean over H and W, gives C x 1 x 1
  ChannelScale,   ///< input * other, other is C x 1 x 1 broadcast over H, W
  Add,            ///< input + other, same shapes (residual connection)
  FullyConnected, ///< classifier: C x 1 x 1 -> outChannels, with bias
};
std::string_view primitiveKindName(PrimitiveKind kind);

/// Operand that denotes the input of the whole expansion.
constexpr int kExpansionInput = -1;
/// Operand slot that is not used.
constexpr int kNoOperand = -2;

/// One operation of an expanded block. Operands are indices of earlier
/// primitives of the same expansion (or kExpansionInput); every primitive
/// produces one tensor.
struct Primitive {
  PrimitiveKind kind = PrimitiveKind::Conv;
  /// What the op does in its block: "expand", "depthwise", "project",
  /// "downsample", "se_pool", "se_reduce", ... (for names and debugging).
  std::string role;
  int input = kExpansionInput;
  int other = kNoOperand; ///< second operand of Add and ChannelScale
  int64_t inChannels = 0, inHeight = 0, inWidth = 0;
  int64_t outChannels = 0, outHeight = 0, outWidth = 0;
  int64_t kernel = 1;  ///< square kernel (convolutions)
  int64_t stride = 1;
  int64_t padding = 0; ///< zero padding on every side (convolutions)
  /// A batch norm follows (convolutions); INT8 lowering folds it into the
  /// weights and a per-channel bias.
  bool batchNorm = false;
  /// The op has its own bias (squeeze-excite convolutions, classifier).
  bool bias = false;
  /// Applied to the output, after the batch norm (Add: after the sum).
  Activation act = Activation::None;
  /// Position of the op's module in SpaceEvo's PyTorch model, whose
  /// parameter-counting order differs from dataflow order (ResNet-SE
  /// registers its SE after the shortcut). Only the float32 emulation of
  /// their counter (BlockCost.h) needs it.
  int referenceOrder = 0;
};

/// A block, a sub-stage, the stem or the head, as primitives in dataflow
/// order (every operand comes earlier); the last primitive is the output.
struct Expansion {
  std::vector<Primitive> ops;
  int64_t outChannels = 0, outHeight = 0, outWidth = 0;
};

/// Appends `next`, whose expansion input is the current output of `into`,
/// renumbering its operands and reference order.
void appendExpansion(Expansion &into, const Expansion &next);

/// Expands one layer given its input shape. `act` overrides the block's
/// default non-linearity (blockActivation) for the block's main activations;
/// the squeeze-excite internals (ReLU, Hsigmoid) never change. Fails on a
/// non-positive shape or width, a stride < 1, an even or non-positive kernel
/// (a K3 block needs 3, 5 or 7), a missing expansion ratio (or one given to
/// MBv1-Dual).
Result<Expansion> expandBlock(const LayerConfig &layer, int64_t inChannels,
                              int64_t inHeight, int64_t inWidth,
                              std::optional<Activation> act = std::nullopt);

/// Expands consecutive layers (a sub-stage): each layer's input is the
/// previous layer's output. Each layer's stride is taken from its config.
Result<Expansion> expandLayers(const std::vector<LayerConfig> &layers,
                               int64_t inChannels, int64_t inHeight,
                               int64_t inWidth);

//===----------------------------------------------------------------------===//
// Fixed stem and head
//===----------------------------------------------------------------------===//

/// The stem a network picks: first_conv width, stage0 width and depth.
/// SpaceEvo's fixed-stage latency uses the smallest one (the defaults).
struct StemConfig {
  int64_t firstConvWidth = 16;
  int64_t stage0Width = 16;
  int64_t stage0Depth = 1;
};

/// first_conv (3x3 stride 2, BN, ReLU, from 3 input channels) then stage0:
/// onnxw: ResNet bottleneck k3 e0.5 ReLU blocks; mobilew: plain MBv2 k3 e1
/// ReLU blocks (residual only when shapes match, no 1x1 downsample).
Result<Expansion> expandStem(HyperspaceKind kind, const StemConfig &stem,
                             int64_t resolution);

/// The fixed head after stage 6.
struct HeadConfig {
  int64_t finalExpandWidth = 1280;
  int64_t featureMixWidth = 1920;
  int64_t numClasses = 1000;
  Activation act = Activation::Hswish;
};
/// The head of a hyperspace (Hswish in onnxw, Swish in mobilew).
HeadConfig hyperspaceHead(HyperspaceKind kind);

/// final_expand (1x1, BN, act), global average pool, feature_mix (1x1 on the
/// pooled 1x1 map, BN, act), classifier (fully connected with bias).
Result<Expansion> expandHead(const HeadConfig &head, int64_t inChannels,
                             int64_t inHeight, int64_t inWidth);

} // namespace spaceevo

#endif // SPACEEVO_SPACE_BLOCKS_H
