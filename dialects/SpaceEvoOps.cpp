//===- SpaceEvoOps.cpp - spaceevo operations: verifiers and formats -------===//
//
// Local checks (a kernel is odd, widths increase, ...) live in the op
// verifiers. Checks against a hyperspace are done by the MLIR-free engine in
// lib/space, called from verifySymbolUses, so tables and passes apply the very
// same rules.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/dialects/SpaceEvoOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::spaceevo;

static_assert(static_cast<uint32_t>(BlockType::mbv2) ==
                  static_cast<uint32_t>(::spaceevo::BlockType::MBv2),
              "dialect and engine block enums must match");
static_assert(static_cast<uint32_t>(Activation::hsigmoid) ==
                  static_cast<uint32_t>(::spaceevo::Activation::Hsigmoid),
              "dialect and engine activation enums must match");

::spaceevo::BlockType mlir::spaceevo::toEngine(BlockType type) {
  return static_cast<::spaceevo::BlockType>(type);
}
BlockType mlir::spaceevo::fromEngine(::spaceevo::BlockType type) {
  return static_cast<BlockType>(type);
}
::spaceevo::Activation mlir::spaceevo::toEngine(Activation act) {
  return static_cast<::spaceevo::Activation>(act);
}
Activation mlir::spaceevo::fromEngine(::spaceevo::Activation act) {
  return static_cast<Activation>(act);
}

std::string mlir::spaceevo::formatExpand(double expand) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", expand);
  return buffer;
}

//===----------------------------------------------------------------------===//
// Custom directives
//===----------------------------------------------------------------------===//

/// A ratio written as an integer (4) or a float (0.5).
static ParseResult parseRatio(OpAsmParser &parser, double &value) {
  int64_t integer;
  OptionalParseResult asInteger = parser.parseOptionalInteger(integer);
  if (asInteger.has_value()) {
    value = static_cast<double>(integer);
    return *asInteger;
  }
  return parser.parseFloat(value);
}

/// `kernels [3, 5]` then, when the block has them, `expands [4, 6, 8]`.
static ParseResult parseKernelsExpands(OpAsmParser &parser,
                                       DenseI64ArrayAttr &kernels,
                                       DenseF64ArrayAttr &expands) {
  SmallVector<int64_t> kernelValues;
  if (parser.parseKeyword("kernels") ||
      parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Square, [&]() {
        return parser.parseInteger(kernelValues.emplace_back());
      }))
    return failure();
  kernels = DenseI64ArrayAttr::get(parser.getContext(), kernelValues);
  if (failed(parser.parseOptionalKeyword("expands")))
    return success();
  SmallVector<double> values;
  if (parser.parseCommaSeparatedList(
          OpAsmParser::Delimiter::Square,
          [&]() { return parseRatio(parser, values.emplace_back()); }))
    return failure();
  expands = DenseF64ArrayAttr::get(parser.getContext(), values);
  return success();
}

static void printKernelsExpands(OpAsmPrinter &printer, Operation *,
                                DenseI64ArrayAttr kernels,
                                DenseF64ArrayAttr expands) {
  printer << "kernels [";
  llvm::interleaveComma(kernels.asArrayRef(), printer);
  printer << "]";
  if (!expands)
    return;
  printer << " expands [";
  llvm::interleaveComma(expands.asArrayRef(), printer,
                        [&](double e) { printer << formatExpand(e); });
  printer << "]";
}

/// `expand 4 stride 1`, or `stride 1` for blocks without expansion.
static ParseResult parseExpandStride(OpAsmParser &parser, FloatAttr &expand,
                                     IntegerAttr &stride) {
  if (succeeded(parser.parseOptionalKeyword("expand"))) {
    double value;
    if (parseRatio(parser, value))
      return failure();
    expand = FloatAttr::get(Float64Type::get(parser.getContext()), value);
  }
  int64_t strideValue;
  if (parser.parseKeyword("stride") || parser.parseInteger(strideValue))
    return failure();
  stride = IntegerAttr::get(IntegerType::get(parser.getContext(), 64),
                            strideValue);
  return success();
}

static void printExpandStride(OpAsmPrinter &printer, Operation *,
                              FloatAttr expand, IntegerAttr stride) {
  if (expand)
    printer << "expand " << formatExpand(expand.getValueAsDouble()) << " ";
  printer << "stride " << stride.getInt();
}

static ParseResult parseSpaceString(OpAsmParser &parser, SpaceAttr &attr) {
  std::string encoding;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseString(&encoding))
    return failure();
  std::string error;
  attr = SpaceAttr::parseEncoding(parser.getContext(), encoding, error);
  if (!attr)
    return parser.emitError(loc, error);
  return success();
}

/// `"onnxw-123450-012330"`
static ParseResult parseSpaceEncoding(OpAsmParser &parser, SpaceAttr &attr) {
  return parseSpaceString(parser, attr);
}

static void printSpaceEncoding(OpAsmPrinter &printer, Operation *,
                               SpaceAttr attr) {
  printer << '"' << attr.getEncoding() << '"';
}

/// `stem 16` then, optionally, `space "onnxw-123450-012330"`.
static ParseResult parseStemSpace(OpAsmParser &parser, IntegerAttr &stem,
                                  SpaceAttr &space) {
  int64_t stemValue;
  if (parser.parseKeyword("stem") || parser.parseInteger(stemValue))
    return failure();
  stem = IntegerAttr::get(IntegerType::get(parser.getContext(), 64), stemValue);
  if (failed(parser.parseOptionalKeyword("space")))
    return success();
  return parseSpaceString(parser, space);
}

static void printStemSpace(OpAsmPrinter &printer, Operation *op,
                           IntegerAttr stem, SpaceAttr space) {
  printer << "stem " << stem.getInt();
  if (!space)
    return;
  printer << " space ";
  printSpaceEncoding(printer, op, space);
}

//===----------------------------------------------------------------------===//
// Shared local checks
//===----------------------------------------------------------------------===//

template <typename OpT>
static LogicalResult verifyIncreasingPositive(OpT op, ArrayRef<int64_t> values,
                                              StringRef what) {
  if (values.empty())
    return op.emitOpError() << what << " must not be empty";
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] <= 0)
      return op.emitOpError() << what << " must be positive, got "
                              << values[i];
    if (i > 0 && values[i] <= values[i - 1])
      return op.emitOpError() << what << " must be strictly increasing, got "
                              << values[i - 1] << " then " << values[i];
  }
  return success();
}

template <typename OpT>
static LogicalResult verifyKernel(OpT op, int64_t kernel) {
  if (kernel <= 0 || kernel % 2 == 0 || kernel > 7)
    return op.emitOpError() << "kernel must be 1, 3, 5 or 7, got " << kernel;
  return success();
}

template <typename OpT>
static LogicalResult verifyStride(OpT op, int64_t stride) {
  if (stride != 1 && stride != 2)
    return op.emitOpError() << "stride must be 1 or 2, got " << stride;
  return success();
}

//===----------------------------------------------------------------------===//
// HyperspaceOp
//===----------------------------------------------------------------------===//

void HyperspaceOp::build(OpBuilder &builder, OperationState &state,
                         StringRef name, ArrayRef<int64_t> resolutions) {
  state.addAttribute(getSymNameAttrName(state.name),
                     builder.getStringAttr(name));
  state.addAttribute(getResolutionsAttrName(state.name),
                     builder.getDenseI64ArrayAttr(resolutions));
  state.addRegion()->emplaceBlock();
}

SmallVector<StageOp, 8> HyperspaceOp::getStages() {
  return llvm::to_vector(getBody().getOps<StageOp>());
}

SmallVector<StageOp, 8> HyperspaceOp::getSearchableStages() {
  SmallVector<StageOp, 8> result;
  for (StageOp stage : getBody().getOps<StageOp>())
    if (!stage.getFixed())
      result.push_back(stage);
  return result;
}

StemOp HyperspaceOp::getStem() {
  auto stems = getBody().getOps<StemOp>();
  return stems.empty() ? StemOp() : *stems.begin();
}

HeadOp HyperspaceOp::getHead() {
  auto heads = getBody().getOps<HeadOp>();
  return heads.empty() ? HeadOp() : *heads.begin();
}

LogicalResult HyperspaceOp::verifyRegions() {
  if (failed(verifyIncreasingPositive(*this, getResolutions(), "resolutions")))
    return failure();
  Block &body = getBody().front();
  if (body.empty() || !isa<StemOp>(body.front()))
    return emitOpError("must begin with a 'spaceevo.stem'");
  if (!isa<HeadOp>(body.back()))
    return emitOpError("must end with a 'spaceevo.head'");
  int64_t expectedIndex = 0;
  bool anySearchable = false;
  for (Operation &op : body) {
    if (&op == &body.front() || &op == &body.back())
      continue;
    auto stage = dyn_cast<StageOp>(op);
    if (!stage)
      return op.emitOpError()
             << "is not allowed between the stem and the head of a "
                "hyperspace; only 'spaceevo.stage' is";
    if (stage.getIndex() != expectedIndex)
      return stage.emitOpError() << "is numbered " << stage.getIndex()
                                 << " but stages must be numbered 0, 1, 2, ... "
                                    "in order; expected "
                                 << expectedIndex;
    if (stage.getFixed() && anySearchable)
      return stage.emitOpError(
          "is fixed but follows a searchable stage; fixed stages belong to "
          "the stem and come first");
    anySearchable |= !stage.getFixed();
    ++expectedIndex;
  }
  if (!anySearchable)
    return emitOpError("has no searchable (non-fixed) stage");
  return success();
}

//===----------------------------------------------------------------------===//
// StemOp, HeadOp
//===----------------------------------------------------------------------===//

LogicalResult StemOp::verify() {
  if (failed(verifyKernel(*this, getKernel())) ||
      failed(verifyStride(*this, getStride())))
    return failure();
  return verifyIncreasingPositive(*this, getWidths(), "widths");
}

LogicalResult HeadOp::verify() {
  if (getFinalExpand() <= 0 || getFeatureMix() <= 0 || getClasses() <= 0)
    return emitOpError(
        "final_expand, feature_mix and classes must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// StageOp, CandidateOp
//===----------------------------------------------------------------------===//

SmallVector<CandidateOp, 8> StageOp::getCandidates() {
  return llvm::to_vector(getBody().getOps<CandidateOp>());
}

LogicalResult StageOp::verify() {
  if (getIndex() < 0)
    return emitOpError() << "index must be non-negative, got " << getIndex();
  if (failed(verifyStride(*this, getStride())) ||
      failed(verifyIncreasingPositive(*this, getWidths(), "widths")) ||
      failed(verifyIncreasingPositive(*this, getDepths(), "depths")))
    return failure();
  ArrayRef<int64_t> widths = getWidths();
  if (std::optional<int64_t> step = getStep()) {
    if (*step <= 0)
      return emitOpError() << "step must be positive, got " << *step;
    for (size_t i = 1; i < widths.size(); ++i)
      if (widths[i] - widths[i - 1] != *step)
        return emitOpError() << "widths " << widths[i - 1] << " and "
                             << widths[i] << " are not " << *step
                             << " apart, as step " << *step << " requires";
  }
  if (getWindow() < 1 || getWindow() > static_cast<int64_t>(widths.size()))
    return emitOpError() << "window " << getWindow()
                         << " must be between 1 and the number of widths ("
                         << widths.size() << ")";
  return success();
}

LogicalResult StageOp::verifyRegions() {
  int64_t expectedIndex = 0;
  SmallVector<BlockType> seen;
  for (Operation &op : getBody().front()) {
    auto candidate = dyn_cast<CandidateOp>(op);
    if (!candidate)
      return op.emitOpError(
          "is not allowed in a stage; only 'spaceevo.candidate' is");
    if (candidate.getIndex() != expectedIndex)
      return candidate.emitOpError()
             << "is numbered " << candidate.getIndex()
             << " but candidates must be numbered 0, 1, 2, ... in order; "
                "expected "
             << expectedIndex;
    if (llvm::is_contained(seen, candidate.getBlock()))
      return candidate.emitOpError()
             << "repeats block '" << stringifyBlockType(candidate.getBlock())
             << "' in stage " << getIndex();
    seen.push_back(candidate.getBlock());
    ++expectedIndex;
  }
  if (expectedIndex == 0)
    return emitOpError() << "stage " << getIndex()
                         << " has no candidate block";
  if (getFixed() && getNumWindows() != 1)
    return emitOpError("is fixed, so its window must cover all its widths");
  return success();
}

LogicalResult CandidateOp::verify() {
  ArrayRef<int64_t> kernels = getKernels();
  if (kernels.empty())
    return emitOpError("kernels must not be empty");
  for (size_t i = 0; i < kernels.size(); ++i) {
    if (failed(verifyKernel(*this, kernels[i])))
      return failure();
    if (i > 0 && kernels[i] <= kernels[i - 1])
      return emitOpError("kernels must be strictly increasing");
  }
  bool takesExpand = ::spaceevo::blockHasExpand(toEngine(getBlock()));
  std::optional<ArrayRef<double>> expands = getExpands();
  if (!takesExpand && expands)
    return emitOpError() << "block '" << stringifyBlockType(getBlock())
                         << "' takes no expansion ratio";
  if (takesExpand && (!expands || expands->empty()))
    return emitOpError() << "block '" << stringifyBlockType(getBlock())
                         << "' needs its expansion choices ('expands [...]')";
  if (expands)
    for (size_t i = 0; i < expands->size(); ++i) {
      if (!((*expands)[i] > 0) || !std::isfinite((*expands)[i]))
        return emitOpError() << "expansion ratios must be positive, got "
                             << formatExpand((*expands)[i]);
      if (i > 0 && (*expands)[i] <= (*expands)[i - 1])
        return emitOpError("expansion ratios must be strictly increasing");
    }
  return success();
}

//===----------------------------------------------------------------------===//
// Conversion to the engine's structs
//===----------------------------------------------------------------------===//

template <typename T> static std::vector<T> toStd(ArrayRef<T> values) {
  return std::vector<T>(values.begin(), values.end());
}

::spaceevo::HyperspaceSpec mlir::spaceevo::toSpec(HyperspaceOp op) {
  ::spaceevo::HyperspaceSpec hs;
  hs.name = op.getSymName().str();
  hs.resolutions = toStd(op.getResolutions());
  if (StemOp stem = op.getStem()) {
    hs.stem.kernel = stem.getKernel();
    hs.stem.stride = stem.getStride();
    hs.stem.widths = toStd(stem.getWidths());
    hs.stem.act = toEngine(stem.getAct());
  }
  if (HeadOp head = op.getHead()) {
    hs.head.finalExpand = head.getFinalExpand();
    hs.head.featureMix = head.getFeatureMix();
    hs.head.classes = head.getClasses();
    hs.head.act = toEngine(head.getAct());
  }
  for (StageOp stageOp : op.getStages()) {
    ::spaceevo::StageSpec stage;
    stage.index = stageOp.getIndex();
    stage.fixed = stageOp.getFixed();
    stage.stride = stageOp.getStride();
    stage.widths = toStd(stageOp.getWidths());
    stage.step = stageOp.getStep();
    stage.window = stageOp.getWindow();
    stage.depths = toStd(stageOp.getDepths());
    for (CandidateOp candidateOp : stageOp.getCandidates()) {
      ::spaceevo::CandidateSpec candidate;
      candidate.block = toEngine(candidateOp.getBlock());
      candidate.kernels = toStd(candidateOp.getKernels());
      if (auto expands = candidateOp.getExpands())
        candidate.expands = toStd(*expands);
      if (auto act = candidateOp.getAct())
        candidate.act = toEngine(*act);
      stage.candidates.push_back(std::move(candidate));
    }
    hs.stages.push_back(std::move(stage));
  }
  return hs;
}

::spaceevo::SpaceSpec mlir::spaceevo::toSpec(SpaceAttr attr) {
  ::spaceevo::SpaceSpec space;
  space.hyperspace = attr.getHyperspace().str();
  space.blocks = toStd(attr.getBlocks());
  space.windows = toStd(attr.getWindows());
  return space;
}

static std::vector<::spaceevo::NetworkLayer>
toLayerSpecs(ArrayRef<LayerOp> layers) {
  std::vector<::spaceevo::NetworkLayer> result;
  for (LayerOp layer : layers) {
    ::spaceevo::NetworkLayer spec;
    spec.stage = layer.getStage();
    spec.config.block = toEngine(layer.getBlock());
    spec.config.kernel = layer.getKernel();
    spec.config.width = layer.getWidth();
    spec.config.expand = layer.getExpand() ? layer.getExpand()->convertToDouble() : 0;
    spec.config.stride = layer.getStride();
    result.push_back(spec);
  }
  return result;
}

::spaceevo::NetworkSpec mlir::spaceevo::toSpec(NetworkOp op) {
  ::spaceevo::NetworkSpec net;
  net.resolution = op.getResolution();
  net.stemWidth = op.getStem();
  net.layers = toLayerSpecs(op.getLayers());
  return net;
}

::spaceevo::SubstageSpec mlir::spaceevo::toSpec(SubstageOp op) {
  ::spaceevo::SubstageSpec sub;
  sub.stage = op.getStage();
  sub.inChannels = op.getChannels();
  sub.inSize = op.getSize();
  sub.window = op.getWindow();
  sub.layers = toLayerSpecs(op.getLayers());
  return sub;
}

HyperspaceOp mlir::spaceevo::lookupHyperspace(
    Operation *from, StringRef name, SymbolTableCollection *symbolTables) {
  StringAttr nameAttr = StringAttr::get(from->getContext(), name);
  Operation *found = nullptr;
  if (!symbolTables)
    found = SymbolTable::lookupNearestSymbolFrom(from, nameAttr);
  else if (Operation *table = SymbolTable::getNearestSymbolTable(from))
    found = symbolTables->lookupSymbolIn(table, nameAttr);
  auto hyperspace = dyn_cast_or_null<HyperspaceOp>(found);
  if (!hyperspace)
    from->emitOpError() << "refers to hyperspace @" << name
                        << ", which is not defined in this module";
  return hyperspace;
}

//===----------------------------------------------------------------------===//
// SpaceOp
//===----------------------------------------------------------------------===//

LogicalResult SpaceOp::verifySymbolUses(SymbolTableCollection &symbolTables) {
  HyperspaceOp hyperspace =
      lookupHyperspace(*this, getHyperspaceName(), &symbolTables);
  if (!hyperspace)
    return failure();
  if (auto error = ::spaceevo::checkSpace(toSpec(hyperspace), toSpec(getSpace())))
    return emitOpError() << error->message;
  return success();
}

//===----------------------------------------------------------------------===//
// NetworkOp, SubstageOp, LayerOp
//===----------------------------------------------------------------------===//

SmallVector<LayerOp, 16> NetworkOp::getLayers() {
  return llvm::to_vector(getBody().getOps<LayerOp>());
}

SmallVector<LayerOp, 16> SubstageOp::getLayers() {
  return llvm::to_vector(getBody().getOps<LayerOp>());
}

/// Reports an engine error at the offending layer when there is one.
static LogicalResult reportCheckError(Operation *op, ArrayRef<LayerOp> layers,
                                      const ::spaceevo::CheckError &error) {
  if (error.layer >= 0 && error.layer < static_cast<int64_t>(layers.size()))
    return LayerOp(layers[error.layer]).emitOpError() << error.message;
  return op->emitOpError() << error.message;
}

LogicalResult NetworkOp::verifySymbolUses(SymbolTableCollection &symbolTables) {
  HyperspaceOp hyperspace =
      lookupHyperspace(*this, getHyperspace(), &symbolTables);
  if (!hyperspace)
    return failure();
  std::optional<::spaceevo::SpaceSpec> space;
  if (std::optional<SpaceAttr> attr = getSpace()) {
    space = toSpec(*attr);
    if (space->hyperspace != getHyperspace())
      return emitOpError() << "space \"" << attr->getEncoding()
                           << "\" is not a space of @" << getHyperspace();
  }
  SmallVector<LayerOp, 16> layers = getLayers();
  if (auto error = ::spaceevo::checkNetwork(toSpec(hyperspace), toSpec(*this),
                                            space ? &*space : nullptr))
    return reportCheckError(*this, layers, *error);
  return success();
}

LogicalResult SubstageOp::verifySymbolUses(SymbolTableCollection &symbolTables) {
  HyperspaceOp hyperspace =
      lookupHyperspace(*this, getHyperspace(), &symbolTables);
  if (!hyperspace)
    return failure();
  SmallVector<LayerOp, 16> layers = getLayers();
  if (auto error = ::spaceevo::checkSubstage(toSpec(hyperspace), toSpec(*this)))
    return reportCheckError(*this, layers, *error);
  return success();
}

LogicalResult LayerOp::verify() {
  if (failed(verifyKernel(*this, getKernel())) ||
      failed(verifyStride(*this, getStride())))
    return failure();
  if (getWidth() <= 0)
    return emitOpError() << "width must be positive, got " << getWidth();
  bool takesExpand = ::spaceevo::blockHasExpand(toEngine(getBlock()));
  if (takesExpand && !getExpand())
    return emitOpError() << "block '" << stringifyBlockType(getBlock())
                         << "' needs an expansion ratio ('expand ...')";
  if (!takesExpand && getExpand())
    return emitOpError() << "block '" << stringifyBlockType(getBlock())
                         << "' takes no expansion ratio";
  if (getExpand() && !(getExpand()->convertToDouble() > 0))
    return emitOpError("expansion ratio must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// KernelOp
//===----------------------------------------------------------------------===//

LogicalResult KernelOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "has " << getInputs().size()
                         << " inputs but its body takes "
                         << body.getNumArguments() << " arguments";
  for (auto [input, argument] : llvm::zip(getInputs(), body.getArguments()))
    if (input.getType() != argument.getType())
      return emitOpError() << "input of type " << input.getType()
                           << " does not match body argument of type "
                           << argument.getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields values whose types differ from its results");
  return success();
}

#define GET_OP_CLASSES
#include "dialects/SpaceEvoOps.cpp.inc"
