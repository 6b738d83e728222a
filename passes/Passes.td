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


//===----------------------------------------------------------------------===//
// Table-based search (SpaceEvo's Q-T score and evolution)
//===----------------------------------------------------------------------===//

// Options every table-based pass shares.
defvar SpaceEvo_TableOptions = [
  Option<"tables", "tables", "std::string", /*default=*/"",
         "directory of SpaceEvo block tables stage{s}_{block}_{window}.csv "
         "(columns layers,input_shape,int8_nsr_loss,mflops,params_m,latency_ms)">,
  ListOption<"constraints", "constraints", "double",
             "latency constraints in ms, e.g. 10 or 15,20">,
  ListOption<"fixedLatency", "fixed-latency", "double",
             "latency (ms) of stem + head per resolution of 'resolutions', in "
             "order; default: published (onnxw) or estimated (mobilew) values">,
  ListOption<"resolutions", "resolutions", "int64_t",
             "input resolutions subnets are drawn at (default 224,192,160)">,
  Option<"seed", "seed", "uint64_t", /*default=*/"0",
         "random seed; the same seed gives the same result on any thread count">,
  Option<"threads", "threads", "unsigned", /*default=*/"1",
         "worker threads (0: all cores); never changes the result">
];

defvar SpaceEvo_ScoreOptions = [
  Option<"samples", "samples", "int64_t", /*default=*/"100000",
         "subnets drawn per constraint (SpaceEvo's N)">,
  Option<"batch", "batch", "int64_t", /*default=*/"500",
         "subnets per batch; a batch shares one resolution">,
  Option<"penaltyT", "t", "double", /*default=*/"0.08",
         "latency penalty threshold t in max(1, (t/p)^a) (published search: 0.08)">,
  Option<"penaltyA", "a", "double", /*default=*/"0.01",
         "latency penalty exponent a">,
  Option<"topLosses", "top-losses", "int64_t", /*default=*/"50",
         "L averages this many lowest losses among feasible subnets">
];

def QTScore : Pass<"spaceevo-qt-score", "::mlir::ModuleOp"> {
  let summary = "Score every space with SpaceEvo's Q-T score";
  let description = [{
    For every `spaceevo.space`, draws `samples` subnets per latency
    constraint from the block tables in `tables` and attaches
    `spaceevo.qt_score` (sum over constraints of 1 / (penalty * L)) and, per
    constraint, `{constraint_ms, feasible, loss (L), p, penalty, samples}` in
    `spaceevo.qt`. With `rescore=K`, also re-scores on K independent seeds
    and attaches their mean and standard deviation as `spaceevo.qt_rescore`.
    Draws use common random numbers: they depend on the seed and the
    constraint, not on the space, so scores of different spaces compare with
    little noise.
  }];
  let options = !listconcat(SpaceEvo_TableOptions, SpaceEvo_ScoreOptions, [
    Option<"rescore", "rescore", "int64_t", /*default=*/"0",
           "also re-score on this many independent seeds (0: no)">
  ]);
}

def Evolve : Pass<"spaceevo-evolve", "::mlir::ModuleOp"> {
  let summary = "Evolve the best space of a hyperspace (aging evolution, Q-T score)";
  let description = [{
    Aging evolution over the spaces of a hyperspace, scored by the Q-T score
    on the block tables in `tables`: the population is seeded with the
    uniform spaces (one block everywhere, each window), then random spaces;
    each cycle the best of a random sample makes two children (one stage's
    block changed, one stage's window changed) and the oldest dies. No space
    is scored twice. The best spaces are re-scored on independent seeds; the
    best of them is materialized as a `spaceevo.space` after the hyperspace
    (replacing one this pass made before) with its score, and the top spaces
    are attached to the hyperspace as `spaceevo.top_spaces`. Progress goes to
    stderr; `history=PATH` writes every evaluated space as CSV.
  }];
  let options = !listconcat(SpaceEvo_TableOptions, SpaceEvo_ScoreOptions, [
    Option<"hyperspace", "hyperspace", "std::string", /*default=*/"",
           "hyperspace to search (default: the only one in the module)">,
    Option<"population", "population", "int64_t", /*default=*/"500",
           "population size">,
    Option<"sample", "sample", "int64_t", /*default=*/"125",
           "tournament size: members sampled to pick a parent">,
    Option<"cycles", "cycles", "int64_t", /*default=*/"5000",
           "distinct spaces to score in total (seeding included)">,
    Option<"topSpaces", "top-spaces", "int64_t", /*default=*/"10",
           "best spaces re-scored and reported">,
    Option<"rescoreSeeds", "rescore-seeds", "int64_t", /*default=*/"5",
           "independent seeds the top spaces are re-scored on (0: no re-scoring)">,
    Option<"history", "history", "std::string", /*default=*/"",
           "write every evaluated space (score, p and L per constraint) to this CSV">,
    Option<"progress", "progress", "bool", /*default=*/"true",
           "print progress to stderr">
  ]);
}

def SearchSubnets : Pass<"spaceevo-search-subnets", "::mlir::ModuleOp"> {
  let summary = "Find the lowest-loss subnets of each space under latency budgets";
  let description = [{
    For every `spaceevo.space` and latency constraint c, searches the block
    tables for the subnet (a resolution and one table row per stage) with
    the lowest loss whose latency (stages + fixed stem and head) is at most
    c, two ways: SpaceEvo's evolutionary search (population, iterations,
    mutation and crossover, valid only within [c - window, c]) and the exact
    answer (loss and latency add up over stages, so this is a
    multiple-choice knapsack, solved by dynamic programming). With
    `chain=true` (the default) a subnet is channel-consistent: each stage's
    row takes the previous stage's output width as input, and stage 1 takes
    a width the fixed stages can output, so the subnets are real networks.
    Each is emitted as a `spaceevo.network` after its space (stem and fixed
    stages at their smallest), with `spaceevo.method` ("exact" or
    "evolution"), `spaceevo.constraint_ms`, `spaceevo.predicted_loss` and
    `spaceevo.predicted_latency_ms`; the space gets `spaceevo.subnet_search`:
    per constraint both losses, the relative gap between them and a lower
    bound on the loss (with chaining: the optimum of the unchained problem).
  }];
  let options = !listconcat(SpaceEvo_TableOptions, [
    Option<"chain", "chain", "bool", /*default=*/"true",
           "only channel-consistent subnets (false: SpaceEvo's model, stages independent)">,
    Option<"latencyWindow", "window", "double", /*default=*/"5",
           "evolution keeps subnets with latency in [c - window, c] (ms)">,
    Option<"population", "population", "int64_t", /*default=*/"512",
           "evolution population size">,
    Option<"iterations", "iterations", "int64_t", /*default=*/"20",
           "evolution iterations">,
    Option<"evolutionSubnets", "evolution-subnets", "int64_t", /*default=*/"1",
           "best evolution subnets emitted per constraint (0: none)">
  ]);
}

//===----------------------------------------------------------------------===//
// Lowering to INT8 TOSA
//===----------------------------------------------------------------------===//

def LowerInt8 : Pass<"spaceevo-lower-int8", "::mlir::ModuleOp"> {
  let summary = "Lower networks and sub-stages to INT8 TOSA functions";
  let description = [{
    Every `spaceevo.network` becomes `func.func @<name>(tensor<1xRxRx3xi8>)`
    and every `spaceevo.substage` `func.func @<name>(tensor<1xSxSxCxi8>)`
    made of upstream TOSA ops on int8/int32 tensors in NHWC: `tosa.conv2d`
    and `tosa.depthwise_conv2d` with zero points, `tosa.rescale` (int32
    multiplier and shift, per channel), `tosa.clamp` for ReLU/ReLU6,
    `tosa.table` for Hswish/Swish/Hsigmoid, `tosa.add` and `tosa.mul` on
    rescaled int32 operands for residuals and squeeze-excite,
    `tosa.avg_pool2d`, `tosa.reshape` and `tosa.fully_connected`. Weights
    are deterministic constants (`weights=seeded` He-style with `seed`, or
    `splat`) with activation ranges taken from each tensor's producer; or
    `weights=calibrated`: He weights from `seed`, batch norm and activation
    ranges calibrated on `calibration-inputs` random inputs by lib/exec,
    the same graph `spaceevo-translate --export-onnx` writes and
    lib/exec executes (global average pooling then becomes a widening
    `tosa.rescale`, two `tosa.reduce_sum` and one output rescale, rounded
    once; the function's `spaceevo.quantization` gives the input and
    output scale and zero point). The spaceevo ops are removed, so the result is plain upstream
    IR that `mlir-opt` verifies and lowers (`--tosa-to-linalg`); each
    function carries `spaceevo.source` naming what it came from.
  }];
  let options = [
    Option<"weights", "weights", "std::string", /*default=*/"\"seeded\"",
           "weight constants: 'seeded' (He-style, from seed), 'splat' (all 1) "
           "or 'calibrated' (lib/exec's post-training quantization)">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of the weight constants">,
    Option<"calibrationInputs", "calibration-inputs", "int64_t",
           /*default=*/"2",
           "weights=calibrated: random N(0,1) inputs to calibrate on">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tosa::TosaDialect"];
}

def FormKernels : Pass<"spaceevo-form-kernels", "::mlir::ModuleOp"> {
  let summary = "Group the lowered TOSA ops into the kernels a runtime fuses";
  let description = [{
    In every function, outlines into `spaceevo.kernel` regions the chains an
    INT8 runtime executes as one kernel: conv2d / depthwise_conv2d /
    fully_connected with their rescale and clamp or table (and the reshape
    feeding a fully connected layer); a residual's operand rescales, add,
    rescale and clamp; a whole squeeze-excite (pool, two 1x1 convs, gate
    table, channel multiply and rescale). Any other op becomes a kernel of
    its own. Constants used only inside a kernel move into it. Each kernel
    gets a `kind` and a stable `signature` (op kinds, shapes, strides,
    paddings, quantization flags; no constant values) used as its cost key.
  }];
  let dependentDialects = ["::mlir::spaceevo::SpaceEvoDialect"];
}

def Measure : Pass<"spaceevo-measure", "::mlir::ModuleOp"> {
  let summary = "Measure every kernel on this machine, through a cost database";
  let description = [{
    For every `spaceevo.kernel` (see --spaceevo-form-kernels), builds the
    runtime kernels that compute it, runs them on random inputs on one pinned
    thread (warm-up runs, then repeats until the median is stable or a cap
    is hit) and attaches `spaceevo.cost = #spaceevo.cost<...>` (mean,
    median, p10, p90, runs, backends, device). Each result is committed to the
    SQLite cost database `db` at once, keyed by the kernel's signature, the
    backend choice and this device's fingerprint (CPU model, ISA flags,
    library versions): a run killed mid-way keeps what it measured and a
    rerun measures only what is missing. Costs recorded for another device
    are never used. A database written before means were recorded (schema
    version 1) is upgraded when opened; its costs are re-measured for their
    mean, or, with `allow-measure=false`, used with their median and a
    warning. Progress goes to stderr.
  }];
  let options = [
    Option<"db", "db", "std::string", /*default=*/"",
           "SQLite cost database (created if missing)">,
    Option<"backend", "backend", "std::string", /*default=*/"\"best\"",
           "runtime backends: best, reference, onednn, halide or vnni">,
    Option<"repeats", "repeats", "int64_t", /*default=*/"10",
           "timed runs before the median's stability is judged">,
    Option<"maxRepeats", "max-repeats", "int64_t", /*default=*/"500",
           "timed runs at most">,
    Option<"warmup", "warmup", "int64_t", /*default=*/"3",
           "untimed runs first">,
    Option<"maxSeconds", "max-seconds", "double", /*default=*/"2",
           "time budget per kernel (s)">,
    Option<"stability", "stability", "double", /*default=*/"0.02",
           "relative tolerance of the median's stability">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "threads per kernel (only 1 is supported: measurements are pinned)">,
    Option<"allowMeasure", "allow-measure", "bool", /*default=*/"true",
           "measure kernels the database lacks (false: fail on them instead)">,
    Option<"coldCache", "cold-cache", "bool", /*default=*/"true",
           "evict the caches before each timed run, as inside a network where "
           "the other kernels' weights and activations displace this one's">,
    Option<"hotInput", "hot-input", "bool", /*default=*/"true",
           "cold-cache: after the eviction rewrite the kernel's input, as its "
           "producer inside a network just did (weights and output stay "
           "evicted; false: everything evicted)">,
    Option<"evictMb", "evict-mb", "int64_t", /*default=*/"0",
           "cold-cache: MiB written between timed runs to evict the caches "
           "(0: this CPU's last-level cache size, from sysfs; 32 if unknown)">,
    Option<"sustainUs", "sustain-us", "int64_t", /*default=*/"1000",
           "microseconds of multiply-accumulate work right before each timed "
           "run, as the previous kernel inside a network keeps the vector "
           "units busy (0: none; without it isolated costs add up a few "
           "percent below the network here)">,
    Option<"progress", "progress", "bool", /*default=*/"true",
           "print progress to stderr">,
    Option<"device", "device", "std::string", /*default=*/"",
           "device fingerprint to file costs under, as its canonical text "
           "(default: this machine's; for tests and imports)">
  ];
}

def PredictLatency : Pass<"spaceevo-predict-latency", "::mlir::ModuleOp"> {
  let summary = "A function's latency as the sum of its kernels' costs";
  let description = [{
    Attaches to every function made of `spaceevo.kernel` ops
    `spaceevo.predicted_latency_ms`: the sum of its kernels' mean costs
    (a network's time is the sum of its kernels' times; with their skewed
    distributions the sum of means predicts its median better than the sum
    of medians, which runs a few percent low).
    Kernels without `spaceevo.cost` are an error naming them; run
    --spaceevo-measure first (it reads known costs from its database and,
    unless `allow-measure=false`, measures what is missing).
  }];
}

def Execute : Pass<"spaceevo-execute", "::mlir::ModuleOp"> {
  let summary = "Run every kernel function end to end on this machine";
  let description = [{
    Runs every function made of `spaceevo.kernel` ops (after
    --spaceevo-lower-int8 and --spaceevo-form-kernels) with the INT8 runtime
    on a seeded random input (or the bytes of `input-file`), and attaches
    `spaceevo.output_digest` (FNV-1a 64 of the output bytes, as hex) and,
    with `repeats` > 0, `spaceevo.measured_latency_ms` (median of `repeats`
    timed runs on one pinned thread after warm-up) with its p10 and p90.
    The same input and weights give the same digest on every backend.
  }];
  let options = [
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of the random input">,
    Option<"inputFile", "input-file", "std::string", /*default=*/"",
           "raw int8 NHWC input bytes (exactly the input's size)">,
    Option<"backend", "backend", "std::string", /*default=*/"\"best\"",
           "runtime backends: best, reference, onednn, halide or vnni">,
    Option<"repeats", "repeats", "int64_t", /*default=*/"0",
           "timed runs for the latency (0: run once, no timing)">,
    Option<"warmup", "warmup", "int64_t", /*default=*/"3",
           "untimed runs before timing">,
    Option<"profile", "profile", "bool", /*default=*/"false",
           "with repeats: also attach to every kernel its median time inside "
           "the network as spaceevo.in_network_ns">
  ];
}

def BuildLatencyTables : Pass<"spaceevo-build-latency-tables", "::mlir::ModuleOp"> {
  let summary = "Write SpaceEvo-format block tables with latency measured here";
  let description = [{
    For every (searchable stage, block, window) of the hyperspace, writes
    `out/stage{s}_{block}_{window}.csv` in SpaceEvo's format (layers,
    input_shape, int8_nsr_loss, mflops, params_m, latency_ms). With `from`,
    each row's configuration and loss come from that directory's table and
    only the latency is replaced; otherwise `rows` sub-stages are sampled
    (resolution 224, 192, 160 in turn, input channels, depth, then per layer kernel,
    width from the window and expansion; seeded) and the loss column is
    `nan` until a quality estimate fills it. A row's latency is the sum of
    its kernels' costs, through the same lowering, kernel formation and cost
    database as --spaceevo-measure, so a kernel is measured once for all the
    rows that share it. Rows are appended and flushed one by one: an
    interrupted run resumes where it stopped. Progress and time left go to
    stderr. The fixed stages are measured too: `out/fixed_latency.csv`
    holds the stem + head latency (smallest configuration, as the Q-T score
    adds it) per resolution, and the table-based passes read it from their
    `tables` directory unless `fixed-latency` is given.
  }];
  let options = [
    Option<"out", "out", "std::string", /*default=*/"",
           "directory to write the tables to (created if missing)">,
    Option<"from", "from", "std::string", /*default=*/"",
           "existing tables whose configurations and loss to keep">,
    Option<"db", "db", "std::string", /*default=*/"",
           "SQLite cost database (created if missing)">,
    Option<"hyperspace", "hyperspace", "std::string", /*default=*/"",
           "hyperspace (default: the only one in the module)">,
    Option<"rows", "rows", "int64_t", /*default=*/"1000",
           "rows to sample per table when there is no 'from'">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of the sampled configurations">,
    ListOption<"stages", "stages", "int64_t",
               "only these stages (default: all searchable stages)">,
    Option<"repeats", "repeats", "int64_t", /*default=*/"10",
           "timed runs per kernel before its median's stability is judged">,
    Option<"maxSeconds", "max-seconds", "double", /*default=*/"1",
           "time budget per kernel (s)">,
    Option<"progress", "progress", "bool", /*default=*/"true",
           "print progress to stderr">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tosa::TosaDialect"];
}

def Quantize : Pass<"spaceevo-quantize", "::mlir::ModuleOp"> {
  let summary = "Post-training static INT8 quantization of FP32 TOSA functions";
  let description = [{
    Every function of one f32 NHWC tensor in the forms spaceevo emits for
    FP32 networks (`spaceevo-translate --import-onnx` of an FP32 model:
    conv2d / depthwise_conv2d / fully_connected with biases, avg_pool2d,
    add, channel mul, and the ReLU, ReLU6, Swish, Hsigmoid and Hswish
    chains; see passes/TosaGraphs.h) is replaced by its INT8 function:
    activation ranges are calibrated by running the FP32 network (lib/exec)
    on the inputs of `calibration-file` (raw little-endian float32 NHWC
    tensors, back to back) or on `calibration-inputs` random N(0, 1)
    tensors drawn from `seed`; weights become per-channel symmetric int8,
    activations asymmetric uint8 (int8 in TOSA), as docs/runtime.md says.
    Ops it does not recognise are errors at their location.
  }];
  let options = [
    Option<"calibrationFile", "calibration-file", "std::string",
           /*default=*/"\"\"",
           "raw float32 NHWC calibration tensors (default: random inputs)">,
    Option<"calibrationInputs", "calibration-inputs", "int64_t",
           /*default=*/"4", "random calibration inputs when there is no file">,
    Option<"seed", "seed", "uint64_t", /*default=*/"1",
           "seed of the first random calibration input">,
    Option<"method", "method", "std::string", /*default=*/"\"minmax\"",
           "range calibration: 'minmax' or 'percentile' (99.99%)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::tosa::TosaDialect"];
}

//===----------------------------------------------------------------------===//
// Training-free quality estimate (issue 7)
//===----------------------------------------------------------------------===//

def EstimateQuality : Pass<"spaceevo-estimate-quality", "::mlir::ModuleOp"> {
  let summary = "Fill the loss column of block tables with a training-free estimate";
  let description = [{
    For every (searchable stage, block, window) of the hyperspace, reads
    `dir/stage{s}_{block}_{window}.csv` and writes it to `out` (default:
    `dir`, in place) with its `int8_nsr_loss` column replaced by lib/quality's
    training-free estimate; every other field is kept verbatim. Each row's
    estimate comes from forward passes on our own kernels (docs/quality.md):
    the INT8-vs-FP32 NSR of the sub-stage (He weights, batch norm folded,
    per-channel int8 weights, activation ranges calibrated on inputs drawn
    through the hyperspace's fixed stem), capacity terms (parameters, MACs,
    depth, entropy), NASWOT / Zen-score expressivity and structural
    descriptors (squeeze-excite, bounded activations, depthwise chains,
    expansion, receptive field), combined by a per-stage model fitted on
    SpaceEvo's mobilew tables. The structural terms tell mobilew's block
    types apart and do not carry over to other block types, so by default
    the hyperspace named `mobilew` gets that model and any other the same
    fit without them (`model` picks one).
    Deterministic for a seed. Resumable: rows are appended to
    `out/<file>.partial` and flushed one by one, a finished table is renamed
    into place and listed in `out/.quality-estimated`, so an interrupted run
    continues where it stopped and a finished table is never estimated
    again. Progress and time left go to stderr. Attaches
    `spaceevo.quality_tables = {files, rows, estimated_now}` to the
    hyperspace. With --spaceevo-build-latency-tables before it (sampled
    rows, loss `nan`), one pipeline writes complete tables.
  }];
  let options = [
    Option<"dir", "dir", "std::string", /*default=*/"",
           "directory of the tables to estimate">,
    Option<"out", "out", "std::string", /*default=*/"",
           "directory to write to (default: dir, in place)">,
    Option<"hyperspace", "hyperspace", "std::string", /*default=*/"",
           "hyperspace (default: the only one in the module)">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "seed of the weights and inputs">,
    ListOption<"stages", "stages", "int64_t",
               "only these stages (default: all searchable stages)">,
    Option<"model", "model", "std::string", /*default=*/"",
           "'structural' (all terms, fitted on mobilew), 'generic' (the same "
           "fit without the structural descriptors) or a model file written "
           "by spaceevo-validate-quality --model-out (default: structural for "
           "the hyperspace named mobilew, generic for any other)">,
    Option<"maxInputSize", "max-input-size", "int64_t", /*default=*/"16",
           "forward passes run at the input size halved until <= this "
           "(0: full size)">,
    Option<"calibrationInputs", "calibration-inputs", "int64_t",
           /*default=*/"4", "inputs to calibrate batch norm and ranges on">,
    Option<"evaluationInputs", "evaluation-inputs", "int64_t",
           /*default=*/"4", "inputs to measure the NSR and Zen-score on">,
    Option<"kernelInputs", "kernel-inputs", "int64_t", /*default=*/"16",
           "inputs of NASWOT's activation-pattern kernel">,
    Option<"progress", "progress", "bool", /*default=*/"true",
           "print progress to stderr">
  ];
}

#endif // SPACEEVO_PASSES_TD
