//===- SpaceEvoDialect.td - the spaceevo dialect -----------*- tablegen -*-===//
#ifndef SPACEEVO_DIALECT_TD
#define SPACEEVO_DIALECT_TD

include "mlir/IR/OpBase.td"

def SpaceEvo_Dialect : Dialect {
  let name = "spaceevo";
  let summary = "Hardware- and quantization-friendly search spaces (SpaceEvo)";
  let description = [{
    The `spaceevo` dialect describes neural-architecture search spaces the way
    SpaceEvo does: a *hyperspace* (the operator pool: per stage, candidate
    block types with their kernel and expansion choices, a width list, a
    window size, depth choices and a stride, plus a fixed stem and head), a
    *space* (one block type and one width window per searchable stage, written
    `<hyperspace>-<block digits>-<window digits>`), and concrete *networks*
    and *sub-stages* (per layer: block type, kernel, width, expansion,
    stride).
  }];
  let cppNamespace = "::mlir::spaceevo";
  let useDefaultAttributePrinterParser = 1;
}

#endif // SPACEEVO_DIALECT_TD
