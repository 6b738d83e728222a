//===- Blocks.cpp - SpaceEvo block names and block definitions ------------===//
//
// The definition of each block (docs/blocks.md) lives in the builders below:
// they emit the block's primitives. Everything that needs to know what a
// block computes (cost, INT8 lowering, kernels) reads that expansion.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/space/Blocks.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace spaceevo {

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

namespace {

constexpr std::array<std::string_view, kNumBlockTypes> kBlockTypeNames = {
    "mbv1_dual", "mbv2_res",        "mbv3_res_hswish", "mbv3_res_swish",
    "resnet",    "resnet_se",       "fused_mbconv",    "fused_mbconv_se",
    "mbv3_k3_res", "mbv2_k3_res",     "mbv2"};

constexpr std::array<std::string_view, 6> kActivationNames = {
    "none", "relu", "relu6", "hswish", "swish", "hsigmoid"};

constexpr std::array<std::string_view, 2> kHyperspaceKindNames = {"onnxw",
                                                                  "mobilew"};

// Block digit -> block type, in the order of the hyperspaces' candidate
// lists (onnxw: OnnxSuperSpaceW, mobilew: MobileSuperSpaceW).
constexpr std::array<BlockType, 6> kOnnxWBlocks = {
    BlockType::MBv1Dual, BlockType::MBv2Res,  BlockType::MBv3ResHswish,
    BlockType::ResNet,   BlockType::ResNetSE, BlockType::FusedMBConv};
constexpr std::array<BlockType, 7> kMobileWBlocks = {
    BlockType::MBv1Dual,      BlockType::MBv2Res,   BlockType::MBv3ResSwish,
    BlockType::ResNet,        BlockType::FusedMBConvSE,
    BlockType::MBv3K3Res,     BlockType::MBv2K3Res};

} // namespace

std::string_view blockTypeName(BlockType type) {
  auto index = static_cast<size_t>(type);
  return index < kBlockTypeNames.size() ? kBlockTypeNames[index] : "unknown";
}

std::optional<BlockType> parseBlockType(std::string_view name) {
  for (size_t i = 0; i < kBlockTypeNames.size(); ++i)
    if (kBlockTypeNames[i] == name)
      return static_cast<BlockType>(i);
  return std::nullopt;
}

std::string_view activationName(Activation act) {
  auto index = static_cast<size_t>(act);
  return index < kActivationNames.size() ? kActivationNames[index] : "unknown";
}

std::optional<Activation> parseActivation(std::string_view name) {
  for (size_t i = 0; i < kActivationNames.size(); ++i)
    if (kActivationNames[i] == name)
      return static_cast<Activation>(i);
  return std::nullopt;
}

bool blockHasExpand(BlockType type) { return type != BlockType::MBv1Dual; }

Activation blockActivation(BlockType type) {
  switch (type) {
  case BlockType::MBv1Dual:
  case BlockType::ResNet:
  case BlockType::ResNetSE:
    return Activation::ReLU;
  case BlockType::MBv2Res:
  case BlockType::MBv2K3Res:
  case BlockType::MBv2:
    return Activation::ReLU6;
  case BlockType::MBv3ResHswish:
    return Activation::Hswish;
  case BlockType::MBv3ResSwish:
  case BlockType::MBv3K3Res:
  case BlockType::FusedMBConv:
  case BlockType::FusedMBConvSE:
    return Activation::Swish;
  }
  return Activation::None;
}

std::string_view hyperspaceKindName(HyperspaceKind kind) {
  auto index = static_cast<size_t>(kind);
  return index < kHyperspaceKindNames.size() ? kHyperspaceKindNames[index]
                                             : "unknown";
}

std::optional<HyperspaceKind> parseHyperspaceKind(std::string_view name) {
  for (size_t i = 0; i < kHyperspaceKindNames.size(); ++i)
    if (kHyperspaceKindNames[i] == name)
      return static_cast<HyperspaceKind>(i);
  return std::nullopt;
}

unsigned numHyperspaceBlocks(HyperspaceKind kind) {
  return kind == HyperspaceKind::OnnxW ? kOnnxWBlocks.size()
                                       : kMobileWBlocks.size();
}

std::optional<BlockType> hyperspaceBlockType(HyperspaceKind kind,
                                             unsigned digit) {
  if (kind == HyperspaceKind::OnnxW && digit < kOnnxWBlocks.size())
    return kOnnxWBlocks[digit];
  if (kind == HyperspaceKind::MobileW && digit < kMobileWBlocks.size())
    return kMobileWBlocks[digit];
  return std::nullopt;
}

std::string_view primitiveKindName(PrimitiveKind kind) {
  switch (kind) {
  case PrimitiveKind::Conv:
    return "conv";
  case PrimitiveKind::DepthwiseConv:
    return "depthwise_conv";
  case PrimitiveKind::GlobalAvgPool:
    return "global_avg_pool";
  case PrimitiveKind::ChannelScale:
    return "channel_scale";
  case PrimitiveKind::Add:
    return "add";
  case PrimitiveKind::FullyConnected:
    return "fully_connected";
  }
  return "unknown";
}

//===----------------------------------------------------------------------===//
// Shape arithmetic
//===----------------------------------------------------------------------===//

int64_t makeDivisible(double value, int64_t divisor) {
  if (divisor <= 0)
    return static_cast<int64_t>(value);
  // Truncation (not floor) matches SpaceEvo's int(); values are positive.
  auto rounded = static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor;
  rounded = std::max(divisor, rounded);
  if (static_cast<double>(rounded) < 0.9 * value)
    rounded += divisor;
  return rounded;
}

int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride) {
  if (in <= 0 || kernel <= 0 || stride <= 0)
    return 0;
  int64_t padding = (kernel - 1) / 2;
  int64_t span = in + 2 * padding - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

//===----------------------------------------------------------------------===//
// Expansion builder
//===----------------------------------------------------------------------===//

void appendExpansion(Expansion &into, const Expansion &next) {
  // The appended part reads `into`'s output where it read its own input.
  int base = static_cast<int>(into.ops.size());
  int previousOutput = into.ops.empty() ? kExpansionInput : base - 1;
  int orderBase = 0;
  for (const Primitive &op : into.ops)
    orderBase = std::max(orderBase, op.referenceOrder + 1);
  auto rebase = [&](int operand) {
    if (operand == kNoOperand)
      return kNoOperand;
    return operand == kExpansionInput ? previousOutput : operand + base;
  };
  for (Primitive op : next.ops) {
    op.input = rebase(op.input);
    op.other = rebase(op.other);
    op.referenceOrder += orderBase;
    into.ops.push_back(std::move(op));
  }
  into.outChannels = next.outChannels;
  into.outHeight = next.outHeight;
  into.outWidth = next.outWidth;
}

namespace {

/// Emits primitives for one block and tracks tensor shapes. Reference-order
/// keys are `module * 16 + sub`: `module` is the position of the op's
/// PyTorch module in the block, `sub` orders convolutions inside one module
/// (the stacked 3x3 depthwise convolutions of K3 blocks).
class BlockBuilder {
public:
  BlockBuilder(int64_t channels, int64_t height, int64_t width) {
    expansion.outChannels = channels;
    expansion.outHeight = height;
    expansion.outWidth = width;
    inputChannels = channels;
    inputHeight = height;
    inputWidth = width;
  }

  int64_t channels(int value) const {
    return value == kExpansionInput ? inputChannels
                                    : expansion.ops[value].outChannels;
  }
  int64_t height(int value) const {
    return value == kExpansionInput ? inputHeight
                                    : expansion.ops[value].outHeight;
  }
  int64_t width(int value) const {
    return value == kExpansionInput ? inputWidth
                                    : expansion.ops[value].outWidth;
  }

  struct ConvOptions {
    bool batchNorm = true;
    bool bias = false;
    Activation act = Activation::None;
  };

  int conv(std::string role, int input, int64_t outChannels, int64_t kernel,
           int64_t stride, ConvOptions options, int orderKey) {
    return convLike(PrimitiveKind::Conv, std::move(role), input, outChannels,
                    kernel, stride, options, orderKey);
  }

  int depthwise(std::string role, int input, int64_t kernel, int64_t stride,
                ConvOptions options, int orderKey) {
    return convLike(PrimitiveKind::DepthwiseConv, std::move(role), input,
                    channels(input), kernel, stride, options, orderKey);
  }

  /// Squeeze-excite: pool, 1x1 reduce (bias, ReLU), 1x1 expand (bias,
  /// Hsigmoid), scale the input by the result.
  int squeezeExcite(int input, int64_t midChannels, int moduleOrder) {
    int key = moduleOrder * 16;
    Primitive pool = shaped(PrimitiveKind::GlobalAvgPool, "se_pool", input);
    pool.outChannels = channels(input);
    pool.outHeight = pool.outWidth = 1;
    pool.referenceOrder = key;
    int pooled = push(std::move(pool));
    ConvOptions withBias{/*batchNorm=*/false, /*bias=*/true, Activation::ReLU};
    int reduced = conv("se_reduce", pooled, midChannels, 1, 1, withBias, key);
    withBias.act = Activation::Hsigmoid;
    int scale = conv("se_expand", reduced, channels(input), 1, 1, withBias,
                     key + 1);
    Primitive mul = shaped(PrimitiveKind::ChannelScale, "se_scale", input);
    mul.other = scale;
    mul.outChannels = channels(input);
    mul.outHeight = height(input);
    mul.outWidth = width(input);
    mul.referenceOrder = key + 2;
    return push(std::move(mul));
  }

  int add(std::string role, int lhs, int rhs, Activation act, int orderKey) {
    Primitive sum = shaped(PrimitiveKind::Add, std::move(role), lhs);
    sum.other = rhs;
    sum.outChannels = channels(lhs);
    sum.outHeight = height(lhs);
    sum.outWidth = width(lhs);
    sum.act = act;
    sum.referenceOrder = orderKey;
    return push(std::move(sum));
  }

  int fullyConnected(std::string role, int input, int64_t outFeatures,
                     int orderKey) {
    Primitive fc = shaped(PrimitiveKind::FullyConnected, std::move(role),
                          input);
    fc.outChannels = outFeatures;
    fc.outHeight = fc.outWidth = 1;
    fc.bias = true;
    fc.referenceOrder = orderKey;
    return push(std::move(fc));
  }

  int globalAvgPool(std::string role, int input, int orderKey) {
    Primitive pool = shaped(PrimitiveKind::GlobalAvgPool, std::move(role),
                            input);
    pool.outChannels = channels(input);
    pool.outHeight = pool.outWidth = 1;
    pool.referenceOrder = orderKey;
    return push(std::move(pool));
  }

  Expansion take() { return std::move(expansion); }

private:
  Primitive shaped(PrimitiveKind kind, std::string role, int input) const {
    Primitive op;
    op.kind = kind;
    op.role = std::move(role);
    op.input = input;
    op.inChannels = channels(input);
    op.inHeight = height(input);
    op.inWidth = width(input);
    return op;
  }

  int convLike(PrimitiveKind kind, std::string role, int input,
               int64_t outChannels, int64_t kernel, int64_t stride,
               ConvOptions options, int orderKey) {
    Primitive op = shaped(kind, std::move(role), input);
    op.outChannels = outChannels;
    op.kernel = kernel;
    op.stride = stride;
    op.padding = (kernel - 1) / 2;
    op.outHeight = convOutputSize(op.inHeight, kernel, stride);
    op.outWidth = convOutputSize(op.inWidth, kernel, stride);
    op.batchNorm = options.batchNorm;
    op.bias = options.bias;
    op.act = options.act;
    op.referenceOrder = orderKey;
    return push(std::move(op));
  }

  int push(Primitive op) {
    expansion.outChannels = op.outChannels;
    expansion.outHeight = op.outHeight;
    expansion.outWidth = op.outWidth;
    expansion.ops.push_back(std::move(op));
    return static_cast<int>(expansion.ops.size()) - 1;
  }

  Expansion expansion;
  int64_t inputChannels, inputHeight, inputWidth;
};

using ConvOptions = BlockBuilder::ConvOptions;

ConvOptions bnAct(Activation act) { return ConvOptions{true, false, act}; }
ConvOptions bnOnly() { return ConvOptions{true, false, Activation::None}; }

/// MobileNetV2/V3 inverted residual. The forced-residual variants ("Res")
/// add a 1x1 strided downsample when the shapes differ; the plain variant
/// (mobilew stage0) then has no residual at all.
struct InvertedResidualOptions {
  bool squeezeExcite = false;
  bool forceResidual = true;
  bool stackedDepthwise = false; ///< K3: (k-1)/2 stacked 3x3 depthwise
};

Expansion invertedResidual(const LayerConfig &layer, int64_t inChannels,
                           int64_t inHeight, int64_t inWidth, Activation act,
                           InvertedResidualOptions options) {
  // Module order in SpaceEvo's block: point_conv1, depth_conv, se,
  // point_conv2, downsample.
  BlockBuilder b(inChannels, inHeight, inWidth);
  int64_t hidden = makeDivisible(inChannels * layer.expand);
  int x = kExpansionInput;
  if (hidden != inChannels)
    x = b.conv("expand", x, hidden, 1, 1, bnAct(act), 0 * 16);
  if (options.stackedDepthwise) {
    // One batch norm and activation after the whole stack.
    int64_t stacks = (layer.kernel - 1) / 2;
    for (int64_t i = 0; i < stacks; ++i) {
      bool last = i + 1 == stacks;
      ConvOptions opts = last ? bnAct(act) : ConvOptions{false, false,
                                                         Activation::None};
      x = b.depthwise("depthwise" + std::to_string(i), x, 3,
                      i == 0 ? layer.stride : 1, opts,
                      1 * 16 + static_cast<int>(i));
    }
  } else {
    x = b.depthwise("depthwise", x, layer.kernel, layer.stride, bnAct(act),
                    1 * 16);
  }
  if (options.squeezeExcite)
    x = b.squeezeExcite(x, makeDivisible(static_cast<double>(hidden / 4)), 2);
  x = b.conv("project", x, layer.width, 1, 1, bnOnly(), 3 * 16);
  bool identity = layer.stride == 1 && inChannels == layer.width;
  if (identity) {
    b.add("residual", x, kExpansionInput, Activation::None, 5 * 16);
  } else if (options.forceResidual) {
    int shortcut = b.conv("downsample", kExpansionInput, layer.width, 1,
                          layer.stride, bnOnly(), 4 * 16);
    b.add("residual", x, shortcut, Activation::None, 5 * 16);
  }
  return b.take();
}

Expansion mobileNetV1Dual(const LayerConfig &layer, int64_t inChannels,
                          int64_t inHeight, int64_t inWidth, Activation act) {
  // Modules: depth_conv1, point_conv1, depth_conv2, point_conv2, downsample.
  BlockBuilder b(inChannels, inHeight, inWidth);
  int x = b.depthwise("depthwise1", kExpansionInput, layer.kernel,
                      layer.stride, bnAct(act), 0 * 16);
  x = b.conv("pointwise1", x, layer.width, 1, 1, bnAct(act), 1 * 16);
  x = b.depthwise("depthwise2", x, layer.kernel, 1, bnAct(act), 2 * 16);
  x = b.conv("pointwise2", x, layer.width, 1, 1, bnAct(act), 3 * 16);
  int shortcut = kExpansionInput;
  if (inChannels != layer.width || layer.stride != 1)
    shortcut = b.conv("downsample", kExpansionInput, layer.width, 1,
                      layer.stride, bnOnly(), 4 * 16);
  b.add("residual", x, shortcut, Activation::None, 5 * 16);
  return b.take();
}

Expansion resNetBottleneck(const LayerConfig &layer, int64_t inChannels,
                           int64_t inHeight, int64_t inWidth, Activation act,
                           bool squeezeExcite) {
  // Modules: conv1, conv2, conv3, downsample, final activation, se. The SE
  // is registered last although it runs between conv2 and conv3.
  BlockBuilder b(inChannels, inHeight, inWidth);
  // The hidden width follows the *output* width here, unlike MBv2.
  int64_t hidden = makeDivisible(layer.width * layer.expand);
  int x = b.conv("reduce", kExpansionInput, hidden, 1, 1, bnAct(act), 0 * 16);
  x = b.conv("spatial", x, hidden, layer.kernel, layer.stride, bnAct(act),
             1 * 16);
  if (squeezeExcite)
    x = b.squeezeExcite(x, makeDivisible(static_cast<double>(inChannels / 4)),
                        5);
  x = b.conv("restore", x, layer.width, 1, 1, bnOnly(), 2 * 16);
  int shortcut = kExpansionInput;
  if (layer.stride > 1 || inChannels != layer.width)
    shortcut = b.conv("downsample", kExpansionInput, layer.width, 1,
                      layer.stride, bnOnly(), 3 * 16);
  b.add("residual", x, shortcut, act, 4 * 16);
  return b.take();
}

Expansion fusedMBConv(const LayerConfig &layer, int64_t inChannels,
                      int64_t inHeight, int64_t inWidth, Activation act,
                      bool squeezeExcite) {
  // Modules: fused_conv, se, point_conv, downsample.
  BlockBuilder b(inChannels, inHeight, inWidth);
  int64_t hidden = makeDivisible(inChannels * layer.expand);
  int x = b.conv("fused", kExpansionInput, hidden, layer.kernel, layer.stride,
                 bnAct(act), 0 * 16);
  if (squeezeExcite)
    x = b.squeezeExcite(x, makeDivisible(static_cast<double>(inChannels / 4)),
                        1);
  x = b.conv("project", x, layer.width, 1, 1, bnOnly(), 2 * 16);
  if (layer.stride == 1 && inChannels == layer.width) {
    b.add("residual", x, kExpansionInput, Activation::None, 4 * 16);
  } else {
    int shortcut = b.conv("downsample", kExpansionInput, layer.width, 1,
                          layer.stride, bnOnly(), 3 * 16);
    b.add("residual", x, shortcut, Activation::None, 4 * 16);
  }
  return b.take();
}

bool isStackedDepthwise(BlockType type) {
  return type == BlockType::MBv3K3Res || type == BlockType::MBv2K3Res;
}

std::optional<std::string> validateLayer(const LayerConfig &layer,
                                         int64_t inChannels, int64_t inHeight,
                                         int64_t inWidth) {
  std::string name(blockTypeName(layer.block));
  if (name == "unknown")
    return "unknown block type " +
           std::to_string(static_cast<uint32_t>(layer.block));
  if (inChannels <= 0 || inHeight <= 0 || inWidth <= 0)
    return name + ": input shape must be positive, got " +
           std::to_string(inChannels) + "x" + std::to_string(inHeight) + "x" +
           std::to_string(inWidth);
  if (layer.width <= 0)
    return name + ": width must be positive, got " +
           std::to_string(layer.width);
  if (layer.stride < 1)
    return name + ": stride must be at least 1, got " +
           std::to_string(layer.stride);
  if (isStackedDepthwise(layer.block)) {
    if (layer.kernel != 3 && layer.kernel != 5 && layer.kernel != 7)
      return name + ": kernel must be 3, 5 or 7, got " +
             std::to_string(layer.kernel);
  } else if (layer.kernel < 1 || layer.kernel % 2 == 0) {
    // Same padding (k-1)/2 keeps the size only for odd kernels.
    return name + ": kernel must be odd and positive, got " +
           std::to_string(layer.kernel);
  }
  if (blockHasExpand(layer.block)) {
    if (!(layer.expand > 0) || !std::isfinite(layer.expand))
      return name + ": needs a positive expansion ratio";
  } else if (layer.expand != 0) {
    return name + ": has no expansion ratio (expand must be 0)";
  }
  return std::nullopt;
}

} // namespace

Result<Expansion> expandBlock(const LayerConfig &layer, int64_t inChannels,
                              int64_t inHeight, int64_t inWidth,
                              std::optional<Activation> act) {
  if (auto error = validateLayer(layer, inChannels, inHeight, inWidth))
    return Result<Expansion>::failure(*error);
  Activation main = act.value_or(blockActivation(layer.block));
  InvertedResidualOptions mbv2{/*squeezeExcite=*/false,
                               /*forceResidual=*/true,
                               /*stackedDepthwise=*/false};
  InvertedResidualOptions mbv3 = mbv2;
  mbv3.squeezeExcite = true;
  switch (layer.block) {
  case BlockType::MBv1Dual:
    return mobileNetV1Dual(layer, inChannels, inHeight, inWidth, main);
  case BlockType::MBv2Res:
    return invertedResidual(layer, inChannels, inHeight, inWidth, main, mbv2);
  case BlockType::MBv2: {
    InvertedResidualOptions plain = mbv2;
    plain.forceResidual = false;
    return invertedResidual(layer, inChannels, inHeight, inWidth, main, plain);
  }
  case BlockType::MBv3ResHswish:
  case BlockType::MBv3ResSwish:
    return invertedResidual(layer, inChannels, inHeight, inWidth, main, mbv3);
  case BlockType::MBv2K3Res:
    mbv2.stackedDepthwise = true;
    return invertedResidual(layer, inChannels, inHeight, inWidth, main, mbv2);
  case BlockType::MBv3K3Res:
    mbv3.stackedDepthwise = true;
    return invertedResidual(layer, inChannels, inHeight, inWidth, main, mbv3);
  case BlockType::ResNet:
    return resNetBottleneck(layer, inChannels, inHeight, inWidth, main, false);
  case BlockType::ResNetSE:
    return resNetBottleneck(layer, inChannels, inHeight, inWidth, main, true);
  case BlockType::FusedMBConv:
    return fusedMBConv(layer, inChannels, inHeight, inWidth, main, false);
  case BlockType::FusedMBConvSE:
    return fusedMBConv(layer, inChannels, inHeight, inWidth, main, true);
  }
  return Result<Expansion>::failure("unknown block type");
}

Result<Expansion> expandLayers(const std::vector<LayerConfig> &layers,
                               int64_t inChannels, int64_t inHeight,
                               int64_t inWidth) {
  Expansion all;
  all.outChannels = inChannels;
  all.outHeight = inHeight;
  all.outWidth = inWidth;
  for (size_t i = 0; i < layers.size(); ++i) {
    Result<Expansion> block =
        expandBlock(layers[i], all.outChannels, all.outHeight, all.outWidth);
    if (!block)
      return Result<Expansion>::failure("layer " + std::to_string(i) + ": " +
                                        block.error());
    appendExpansion(all, block.value());
  }
  return all;
}

//===----------------------------------------------------------------------===//
// Stem and head
//===----------------------------------------------------------------------===//

Result<Expansion> expandStem(HyperspaceKind kind, const StemConfig &stem,
                             int64_t resolution) {
  if (resolution <= 0)
    return Result<Expansion>::failure("stem: resolution must be positive");
  if (stem.firstConvWidth <= 0 || stem.stage0Width <= 0)
    return Result<Expansion>::failure("stem: widths must be positive");
  if (stem.stage0Depth < 1)
    return Result<Expansion>::failure("stem: stage0 depth must be >= 1");
  if (hyperspaceKindName(kind) == "unknown")
    return Result<Expansion>::failure("stem: unknown hyperspace");

  // first_conv: RGB input, 3x3 stride 2, BN, ReLU (both hyperspaces).
  BlockBuilder first(3, resolution, resolution);
  first.conv("first_conv", kExpansionInput, stem.firstConvWidth, 3, 2,
             bnAct(Activation::ReLU), 0);
  Expansion all = first.take();

  for (int64_t i = 0; i < stem.stage0Depth; ++i) {
    LayerConfig layer;
    layer.kernel = 3;
    layer.width = stem.stage0Width;
    layer.stride = 1;
    Expansion block;
    if (kind == HyperspaceKind::OnnxW) {
      layer.block = BlockType::ResNet;
      layer.expand = 0.5;
      block = resNetBottleneck(layer, all.outChannels, all.outHeight,
                               all.outWidth, Activation::ReLU, false);
    } else {
      // A plain MobileNetV2 block (SpaceEvo's MobileNetV2Block), not the
      // forced-residual MBv2-Res: with e = 1 it has no expand conv.
      layer.block = BlockType::MBv2Res;
      layer.expand = 1;
      InvertedResidualOptions plain{false, /*forceResidual=*/false, false};
      block = invertedResidual(layer, all.outChannels, all.outHeight,
                               all.outWidth, Activation::ReLU, plain);
    }
    appendExpansion(all, block);
  }
  return all;
}

HeadConfig hyperspaceHead(HyperspaceKind kind) {
  HeadConfig head;
  head.act = kind == HyperspaceKind::OnnxW ? Activation::Hswish
                                           : Activation::Swish;
  return head;
}

Result<Expansion> expandHead(const HeadConfig &head, int64_t inChannels,
                             int64_t inHeight, int64_t inWidth) {
  if (inChannels <= 0 || inHeight <= 0 || inWidth <= 0)
    return Result<Expansion>::failure("head: input shape must be positive");
  if (head.finalExpandWidth <= 0 || head.featureMixWidth <= 0 ||
      head.numClasses <= 0)
    return Result<Expansion>::failure("head: widths must be positive");
  // Modules: final_expand, feature_mix (pooling is functional), logits.
  BlockBuilder b(inChannels, inHeight, inWidth);
  int x = b.conv("final_expand", kExpansionInput, head.finalExpandWidth, 1, 1,
                 bnAct(head.act), 0 * 16);
  x = b.globalAvgPool("pool", x, 1 * 16);
  x = b.conv("feature_mix", x, head.featureMixWidth, 1, 1, bnAct(head.act),
             1 * 16);
  b.fullyConnected("logits", x, head.numClasses, 2 * 16);
  return b.take();
}

} // namespace spaceevo
