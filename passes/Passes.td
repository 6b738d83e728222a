//===- Passes.td - spaceevo passes -------------------------*- tablegen -*-===//
#ifndef SPACEEVO_PASSES_TD
#define SPACEEVO_PASSES_TD

include "mlir/Pass/PassBase.td"

def MaterializeSpace : Pass<"spaceevo-materialize-space", "::mlir::ModuleOp"> {
  let summary = "Add a space op for an encoding, checked against its hyperspace";
  let description = [{
    Appends `spaceevo.space "<encoding>"` to the module after checking that
    the encoding's hyperspace is defined in the module and that every block
    and window digit exists in its stage. An out-of-range digit is an error
    naming the stage.
  }];
  let options = [
    Option<"encoding", "encoding", "std::string", /*default=*/"",
           "space to materialize, as <hyperspace>-<block digits>-<window digits>, "
           "e.g. onnxw-123450-012330">
  ];
  let dependentDialects = ["::mlir::spaceevo::SpaceEvoDialect"];
}

def SpaceStats : Pass<"spaceevo-space-stats", "::mlir::ModuleOp"> {
  let summary = "Attach sizes and FLOPs/params ranges to spaces and hyperspaces";
  let description = [{
    Attaches to every `spaceevo.hyperspace` the exact number of spaces and of
    distinct subnets it holds, and to every `spaceevo.space` the exact number
    of its subnets; both as a decimal string (`spaceevo.num_*`) and as log10
    (`spaceevo.log10_*`). Also attaches the smallest and largest MACs (in
    millions, `spaceevo.mflops`) and parameters (in millions,
    `spaceevo.params_m`) of a network in it.
  }];
}

def Enumerate : Pass<"spaceevo-enumerate", "::mlir::ModuleOp"> {
  let summary = "Sample concrete networks from each space";
  let description = [{
    For every `spaceevo.space` in the module, appends `count` distinct
    networks drawn uniformly per choice (resolution, stem width, per-stage
    depth, then per-layer kernel, width from the space's window and
    expansion). The same seed gives the same networks. Each network is
    checked against its hyperspace and space.
  }];
  let options = [
    Option<"count", "count", "int64_t", /*default=*/"1",
           "number of distinct networks to draw per space (at least 1)">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "random seed; the same seed gives the same networks">,
    Option<"resolution", "resolution", "int64_t", /*default=*/"0",
           "fix the input resolution (0: draw it from the hyperspace's "
           "resolutions)">
  ];
}

def CheckTables : Pass<"spaceevo-check-tables", "::mlir::ModuleOp"> {
  let summary = "Check a directory of SpaceEvo block tables against a hyperspace";
  let description = [{
    For the hyperspace in the module (or the one named by `hyperspace`),
    checks that the files `stage{s}_{block}_{window}.csv` in `dir` are
    exactly one per (searchable stage, block, window) of the hyperspace, and
    that every row of every file is a valid sub-stage of that stage, block
    and window (the same checks as `spaceevo.substage`). Errors name the file
    and line. On success, attaches `spaceevo.table_files` and
    `spaceevo.table_rows` to the hyperspace.
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"",
           "directory holding the stage{s}_{block}_{window}.csv tables">,
    Option<"hyperspace", "hyperspace", "std::string", /*default=*/"",
           "hyperspace to check (default: the only one in the module)">
  ];
}

#endif // SPACEEVO_PASSES_TD
