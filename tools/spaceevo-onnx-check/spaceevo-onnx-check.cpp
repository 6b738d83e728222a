//===- spaceevo-onnx-check.cpp - export subnets to ONNX, run them here ----===//
//
// An MLIR-free driver for the ONNX cross-checks and the ONNX Runtime
// benchmark (issue 6; docs/onnx.md):
//
//   spaceevo-onnx-check export --out DIR [--spaces S1,S2] [--count N]
//       [--seed S] [--resolution R] [--opset V]
//     samples N subnets of each space (sampleNetwork, seeded), gives them He
//     weights with batch norm recalibrated and ranges calibrated on random
//     images (exec::quantizeSynthetic), quantizes, and writes per subnet:
//       NAME.int8.onnx     QDQ model, float input and output
//       NAME.int8-u8.onnx  the same with uint8 input and output
//       NAME.int8-ops.onnx every op alone (ExportOptions::isolateOps)
//       NAME.ops.u8        every op's uint8 output, NCHW, concatenated
//       NAME.fp32.onnx     the FP32 network (batch norms folded)
//       NAME.input.f32     a deterministic N(0,1) image, NCHW float32
//       NAME.input.u8      our quantization of it, NCHW uint8
//       NAME.ours.u8       our INT8 output (Int8Backend::Best), NCHW uint8
//       NAME.fp32.f32      our FP32 output (exec::FloatNetwork), float32
//     and DIR/manifest.json describing them.
//
//   spaceevo-onnx-check time --out DIR --name NAME [same generation options]
//       [--min-time SECONDS]
//     rebuilds that subnet (deterministic for the options), checks that its
//     export is byte-identical to DIR/NAME.int8.onnx (so both runtimes run
//     the same model), and times our INT8 forward pass with float input and
//     output, as the exported model does: one thread pinned to CPU 0, warm-up,
//     median / p10 / p90 (exec::measureLatency). Prints one line
//     "ours NAME median_ms p10_ms p90_ms runs".
//
//===----------------------------------------------------------------------===//
#include "spaceevo/exec/Int8Executor.h"
#include "spaceevo/exec/Metrics.h"
#include "spaceevo/exec/Synthetic.h"
#include "spaceevo/onnx/Onnx.h"
#include "spaceevo/space/Builtin.h"
#include "spaceevo/space/Counting.h"
#include "spaceevo/space/NetworkCost.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#ifdef SPACEEVO_ONNX_CHECK_HAVE_OPENMP
#include <omp.h>
#endif

using namespace spaceevo;
using namespace spaceevo::exec;

namespace {

struct Options {
  std::string mode;
  std::string out;
  std::string name; // time mode
  std::vector<std::string> spaces = {"onnxw-123450-012330",
                                     "mobilew-245621-101010"};
  int count = 1;
  uint64_t seed = 1;
  int64_t resolution = 160;
  int64_t opset = 13;
  double minSeconds = 1.0;
  /// Debugging: keep only the first N ops of every subnet (0: all), to find
  /// the first op where another runtime disagrees.
  size_t truncate = 0;
  onnx::ExportOptions::Tables tables = onnx::ExportOptions::Tables::Float;
};

void usage() {
  std::fprintf(
      stderr,
      "usage: spaceevo-onnx-check export --out DIR [--spaces S1,S2,...] "
      "[--count N] [--seed S] [--resolution R] [--opset V]\n"
      "       spaceevo-onnx-check time --out DIR --name NAME [same options] "
      "[--min-time SECONDS]\n");
}

std::vector<std::string> split(const std::string &text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty())
      parts.push_back(part);
  return parts;
}

/// One sampled, quantized subnet.
struct Subnet {
  std::string name;
  std::string space;
  NetworkSpec spec;
  Expansion expansion;
  SyntheticNetwork network;
};

/// The subnets the options describe, in a fixed order: per space, `count`
/// draws from SplitMix64(seed); subnet k gets weight seed seed + k.
Expected<std::vector<Subnet>> buildSubnets(const Options &o,
                                           const std::string *only) {
  using Result = Expected<std::vector<Subnet>>;
  std::vector<Subnet> subnets;
  for (const std::string &encoding : o.spaces) {
    std::string error;
    auto space = SpaceSpec::parse(encoding, error);
    auto kind = space ? parseHyperspaceKind(space->hyperspace) : std::nullopt;
    if (!space || !kind)
      return Result::failure("bad space '" + encoding + "': " +
                             (error.empty() ? "unknown hyperspace" : error));
    HyperspaceSpec hs = builtinHyperspace(*kind);
    if (auto problem = checkSpace(hs, *space))
      return Result::failure(encoding + ": " + problem->message);
    SplitMix64 rng(o.seed);
    for (int k = 0; k < o.count; ++k) {
      Subnet s;
      s.space = encoding;
      s.name = encoding + "-r" + std::to_string(o.resolution) + "-s" +
               std::to_string(o.seed) + "-n" + std::to_string(k);
      s.spec = sampleNetwork(hs, *space, rng, o.resolution);
      if (only && *only != s.name)
        continue;
      auto expansion = expandNetwork(hs, s.spec);
      if (!expansion)
        return Result::failure(s.name + ": " + expansion.error());
      s.expansion = std::move(*expansion);
      SyntheticOptions synthetic;
      synthetic.init.seed = o.seed + uint64_t(k);
      synthetic.floatBackend = floatBackendAvailable(FloatBackend::OneDnn)
                                   ? FloatBackend::OneDnn
                                   : FloatBackend::Reference;
      auto network = quantizeSynthetic(s.expansion, synthetic);
      if (!network)
        return Result::failure(s.name + ": " + network.error());
      s.network = std::move(*network);
      if (o.truncate > 0 && o.truncate < s.expansion.ops.size()) {
        // Ops draw their weights and ranges in dataflow order, so a prefix
        // of the graph is exactly the first ops of the whole network.
        s.expansion.ops.resize(o.truncate);
        const Primitive &last = s.expansion.ops.back();
        s.expansion.outChannels = last.outChannels;
        s.expansion.outHeight = last.outHeight;
        s.expansion.outWidth = last.outWidth;
        s.network.graph.expansion = s.expansion;
        s.network.graph.ops.resize(o.truncate);
        s.network.graph.outputShape = primitiveOutputShape(last);
        s.network.parameters.ops.resize(o.truncate);
        s.name += "-ops" + std::to_string(o.truncate);
      }
      subnets.push_back(std::move(s));
    }
  }
  if (only && subnets.empty())
    return Result::failure("no subnet named '" + *only +
                           "' for these options");
  return subnets;
}

/// NHWC -> NCHW (a [1, N] classifier output is the same either way).
template <typename T>
std::vector<T> toNchw(const std::vector<T> &nhwc, TensorShape s) {
  std::vector<T> out(nhwc.size());
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x)
      for (int64_t c = 0; c < s.channels; ++c)
        out[size_t((c * s.height + y) * s.width + x)] =
            nhwc[size_t((y * s.width + x) * s.channels + c)];
  return out;
}

template <typename T>
std::string bytesOf(const std::vector<T> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(T));
}

/// A deterministic test image for a subnet (not a calibration input).
Tensor testImage(const Subnet &s) {
  auto shape = expansionInputShape(s.expansion);
  return randomTensor(*shape, 7);
}

std::string dimsJson(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

/// Every op's uint8 output (NHWC), computed kernel by kernel on the first
/// backend that builds it (all are bit-exact with the reference, and
/// Int8Network's output is checked against the last of these).
Expected<std::vector<std::vector<uint8_t>>>
opOutputs(const QuantizedExpansion &graph, const std::vector<uint8_t> &input) {
  using Result = Expected<std::vector<std::vector<uint8_t>>>;
  std::vector<std::vector<uint8_t>> outputs;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const QuantizedOp &op = graph.ops[i];
    std::unique_ptr<runtime::Kernel> kernel;
    std::string why;
    for (runtime::Backend b :
         {runtime::Backend::Vnni, runtime::Backend::OneDnn,
          runtime::Backend::Halide, runtime::Backend::Reference}) {
      if (!runtime::backendSupports(b, op.kernel.kind))
        continue;
      auto k = runtime::createKernel(op.kernel, b);
      if (k) {
        kernel = std::move(*k);
        break;
      }
      why = k.error();
    }
    if (!kernel)
      return Result::failure("op " + std::to_string(i) + ": " + why);
    auto operand = [&](int index) -> const std::vector<uint8_t> & {
      return index == kExpansionInput ? input : outputs[size_t(index)];
    };
    std::vector<uint8_t> out(kernel->outputBytes());
    runtime::ConstBuffer other{};
    if (op.other != kNoOperand)
      other = runtime::constBuffer(operand(op.other));
    if (auto st = kernel->run(runtime::constBuffer(operand(op.input)), other,
                              runtime::mutableBuffer(out));
        !st)
      return Result::failure("op " + std::to_string(i) + ": " + st.error());
    outputs.push_back(std::move(out));
  }
  return outputs;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "spaceevo-onnx-check: %s\n", message.c_str());
  return 1;
}

int exportModels(const Options &o) {
  auto subnets = buildSubnets(o, nullptr);
  if (!subnets)
    return fail(subnets.error());
  onnx::ExportOptions options;
  options.opset = o.opset;
  options.tables = o.tables;
  std::string manifest = "{\n  \"models\": [\n";
  for (size_t m = 0; m < subnets->size(); ++m) {
    const Subnet &s = (*subnets)[m];
    const QuantizedExpansion &graph = s.network.graph;
    std::string base = o.out + "/" + s.name;
    options.graphName = s.name;
    options.floatInterface = true;
    auto int8 = onnx::exportQuantized(graph, options);
    options.floatInterface = false;
    auto int8u8 = onnx::exportQuantized(graph, options);
    options.isolateOps = true;
    auto isolated = onnx::exportQuantized(graph, options);
    options.isolateOps = false;
    options.floatInterface = true;
    auto fp32 = onnx::exportFloat(s.expansion, s.network.parameters, options);
    if (!int8 || !int8u8 || !isolated || !fp32)
      return fail(s.name + ": " +
                  (!int8     ? int8.error()
                   : !int8u8 ? int8u8.error()
                   : !isolated ? isolated.error()
                               : fp32.error()));

    auto ours = Int8Network::create(graph, {Int8Backend::Best});
    auto floatBackend = floatBackendAvailable(FloatBackend::OneDnn)
                            ? FloatBackend::OneDnn
                            : FloatBackend::Reference;
    auto reference =
        FloatNetwork::create(s.expansion, s.network.parameters, floatBackend);
    if (!ours || !reference)
      return fail(s.name + ": " +
                  (!ours ? ours.error() : reference.error()));
    Tensor image = testImage(s);
    std::vector<uint8_t> input = ours->quantizeInput(image), output;
    if (auto st = ours->run(input, output); !st)
      return fail(s.name + ": " + st.error());
    auto floatOut = reference->run(image);
    if (!floatOut)
      return fail(s.name + ": " + floatOut.error());
    auto intermediates = opOutputs(graph, input);
    if (!intermediates)
      return fail(s.name + ": " + intermediates.error());
    if (intermediates->back() != output)
      return fail(s.name + ": kernel by kernel and Int8Network disagree");
    // All op outputs, NCHW, one after the other (the isolated model's
    // graph outputs, in the same order).
    std::string opBytes, opsJson = "[";
    for (size_t i = 0; i < intermediates->size(); ++i) {
      const Primitive &op = s.expansion.ops[i];
      const QuantizedOp &qop = graph.ops[i];
      // A one-step rounding difference before a table moves its output by
      // up to the table's largest jump between neighbouring entries.
      int tolerance = 1;
      if (qop.kernel.output.table)
        for (size_t q = 0; q + 1 < 256; ++q)
          tolerance = std::max(tolerance,
                               std::abs(int((*qop.kernel.output.table)[q + 1]) -
                                        int((*qop.kernel.output.table)[q])));
      char entry[352];
      std::snprintf(entry, sizeof entry,
                    "%s{\"kind\": \"%s\", \"act\": \"%s\", "
                    "\"offset\": %zu, \"elements\": %zu, "
                    "\"scale\": %.9g, \"zero_point\": %d, "
                    "\"step_tolerance\": %d}",
                    i ? ", " : "",
                    std::string(primitiveKindName(op.kind)).c_str(),
                    std::string(activationName(op.act)).c_str(),
                    opBytes.size(), (*intermediates)[i].size(),
                    double(qop.output.scale), qop.output.zeroPoint,
                    tolerance);
      opsJson += entry;
      opBytes += bytesOf(toNchw((*intermediates)[i], primitiveOutputShape(op)));
    }
    opsJson += "]";

    std::vector<std::pair<std::string, std::string>> files = {
        {".int8.onnx", *int8},
        {".int8-u8.onnx", *int8u8},
        {".int8-ops.onnx", *isolated},
        {".ops.u8", opBytes},
        {".fp32.onnx", *fp32},
        {".input.f32", bytesOf(toNchw(image.values, image.shape))},
        {".input.u8", bytesOf(toNchw(input, image.shape))},
        {".ours.u8", bytesOf(toNchw(output, graph.outputShape))},
        {".fp32.f32", bytesOf(toNchw(floatOut->values, floatOut->shape))},
    };
    for (const auto &[suffix, bytes] : files)
      if (auto st = onnx::writeFile(base + suffix, bytes); !st)
        return fail(st.error());

    const Primitive &last = s.expansion.ops.back();
    std::vector<int64_t> outDims =
        last.kind == PrimitiveKind::FullyConnected
            ? std::vector<int64_t>{1, last.outChannels}
            : std::vector<int64_t>{1, last.outChannels, last.outHeight,
                                   last.outWidth};
    const runtime::QuantParams &outQ = graph.ops.back().output;
    char scales[256];
    std::snprintf(scales, sizeof scales,
                  "\"input_scale\": %.9g, \"input_zero_point\": %d, "
                  "\"output_scale\": %.9g, \"output_zero_point\": %d",
                  double(graph.input.scale), graph.input.zeroPoint,
                  double(outQ.scale), outQ.zeroPoint);
    manifest += "    {\"name\": \"" + s.name + "\", \"space\": \"" + s.space +
                "\", \"hyperspace\": \"" +
                s.space.substr(0, s.space.find('-')) +
                "\", \"ops\": " + std::to_string(s.expansion.ops.size()) +
                ", \"layers\": " + std::to_string(s.spec.layers.size()) +
                ", \"input_shape\": " +
                dimsJson({1, graph.inputShape.channels,
                          graph.inputShape.height, graph.inputShape.width}) +
                ", \"output_shape\": " + dimsJson(outDims) + ", " + scales +
                ",\n     \"op_outputs\": " + opsJson + "}" + (m + 1 < subnets->size() ? "," : "") + "\n";
    std::printf("%s: %zu ops, exported (int8 %zu bytes, fp32 %zu bytes), "
                "our int8 digest %s\n",
                s.name.c_str(), s.expansion.ops.size(), int8->size(),
                fp32->size(),
                digestHex(fnv1a64(output.data(), output.size())).c_str());
  }
  manifest += "  ]\n}\n";
  if (auto st = onnx::writeFile(o.out + "/manifest.json", manifest); !st)
    return fail(st.error());
  return 0;
}

int timeModel(const Options &o) {
#ifdef SPACEEVO_ONNX_CHECK_HAVE_OPENMP
  omp_set_num_threads(1); // oneDNN kernels run on OpenMP
#endif
  auto subnets = buildSubnets(o, &o.name);
  if (!subnets)
    return fail(subnets.error());
  const Subnet &s = subnets->front();
  onnx::ExportOptions options;
  options.opset = o.opset;
  options.tables = o.tables;
  options.graphName = s.name;
  auto model = onnx::exportQuantized(s.network.graph, options);
  if (!model)
    return fail(model.error());
  auto onDisk = onnx::readFile(o.out + "/" + s.name + ".int8.onnx");
  if (!onDisk)
    return fail(onDisk.error());
  if (*onDisk != *model)
    return fail(s.name + ": the exported model differs from " + o.out + "/" +
                s.name + ".int8.onnx (other generation options?)");
  bool pinned = pinThreadToCpu(0);
  auto ours = Int8Network::create(s.network.graph, {Int8Backend::Best});
  if (!ours)
    return fail(ours.error());
  Tensor image = testImage(s);
  LatencyOptions latency;
  latency.minSeconds = o.minSeconds;
  latency.warmupRuns = 3;
  latency.minRuns = 10;
  // Float in, float out, as the exported model: quantize, run, dequantize.
  auto stats =
      measureLatency([&] { return ours->run(image).status(); }, latency);
  if (!stats)
    return fail(stats.error());
  std::printf("ours %s %.4f %.4f %.4f %d%s\n", s.name.c_str(),
              stats->medianMs, stats->p10Ms, stats->p90Ms, stats->runs,
              pinned ? "" : " (not pinned)");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!value) {
      usage();
      return 2;
    }
    ++i;
    if (arg == "--out")
      o.out = value;
    else if (arg == "--name")
      o.name = value;
    else if (arg == "--spaces")
      o.spaces = split(value);
    else if (arg == "--count")
      o.count = std::atoi(value);
    else if (arg == "--seed")
      o.seed = std::strtoull(value, nullptr, 10);
    else if (arg == "--resolution")
      o.resolution = std::atoll(value);
    else if (arg == "--opset")
      o.opset = std::atoll(value);
    else if (arg == "--tables" && (std::strcmp(value, "float") == 0 ||
                                   std::strcmp(value, "gather") == 0))
      o.tables = std::strcmp(value, "float") == 0
                     ? onnx::ExportOptions::Tables::Float
                     : onnx::ExportOptions::Tables::Gather;
    else if (arg == "--truncate")
      o.truncate = size_t(std::atoll(value));
    else if (arg == "--min-time")
      o.minSeconds = std::atof(value);
    else {
      usage();
      return 2;
    }
  }
  if (o.out.empty() || o.count < 1 || o.spaces.empty() ||
      (o.mode == "time" && o.name.empty())) {
    usage();
    return 2;
  }
  if (o.mode == "export")
    return exportModels(o);
  if (o.mode == "time")
    return timeModel(o);
  usage();
  return 2;
}
