//===- SpaceEvoDialect.cpp - the spaceevo dialect and its attributes ------===//
#include "spaceevo/dialects/SpaceEvoDialect.h"
#include "spaceevo/dialects/SpaceEvoOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::spaceevo;

#include "dialects/SpaceEvoDialect.cpp.inc"
#include "dialects/SpaceEvoEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/SpaceEvoAttrs.cpp.inc"

void SpaceEvoDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/SpaceEvoAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/SpaceEvoOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// SpaceAttr
//===----------------------------------------------------------------------===//

std::string SpaceAttr::getEncoding() const {
  return toSpec(*this).encoding();
}

SpaceAttr SpaceAttr::parseEncoding(MLIRContext *context, StringRef encoding,
                                   std::string &error) {
  std::optional<::spaceevo::SpaceSpec> spec =
      ::spaceevo::SpaceSpec::parse(encoding.str(), error);
  if (!spec)
    return {};
  return SpaceAttr::get(context, spec->hyperspace, spec->blocks, spec->windows);
}

LogicalResult
SpaceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                  StringRef hyperspace, ArrayRef<int64_t> blocks,
                  ArrayRef<int64_t> windows) {
  if (hyperspace.empty())
    return emitError() << "space has an empty hyperspace name";
  if (blocks.empty() || blocks.size() != windows.size())
    return emitError() << "space needs one block and one window digit per "
                          "stage (got "
                       << blocks.size() << " and " << windows.size() << ")";
  for (int64_t digit : llvm::concat<const int64_t>(blocks, windows))
    if (digit < 0 || digit > 9)
      return emitError() << "space digits must be 0-9, got " << digit;
  return success();
}

Attribute SpaceAttr::parse(AsmParser &parser, Type) {
  std::string encoding;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseString(&encoding) ||
      parser.parseGreater())
    return {};
  std::string error;
  SpaceAttr attr = parseEncoding(parser.getContext(), encoding, error);
  if (!attr)
    parser.emitError(loc, error);
  return attr;
}

void SpaceAttr::print(AsmPrinter &printer) const {
  printer << "<\"" << getEncoding() << "\">";
}
