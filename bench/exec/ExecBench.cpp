//===- ExecBench.cpp - End-to-end INT8 vs FP32 latency of whole networks --===//
//
// Not a test. Samples networks of both hyperspaces at resolution 224 from a
// few spaces, gives them He weights with batch norm recalibrated on random
// images, quantizes them (min/max calibration on random images), and times
// a whole forward pass: FP32 on oneDNN (fused bias + activation) and INT8
// through lib/exec on the chosen backends. One thread, pinned to CPU 0,
// warm-up, median / p10 / p90 (see docs/exec.md for the command and
// numbers). Also prints the logits' INT8-vs-FP32 energy NSR and digest.
//
//===----------------------------------------------------------------------===//
#include "spaceevo/exec/Int8Executor.h"
#include "spaceevo/exec/Metrics.h"
#include "spaceevo/exec/Quality.h"
#include "spaceevo/space/Builtin.h"
#include "spaceevo/space/Counting.h"
#include "spaceevo/space/NetworkCost.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#ifdef SPACEEVO_BENCH_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef SPACEEVO_BENCH_HAVE_DNNL
#include <dnnl.hpp>
#endif

using namespace spaceevo;
using namespace spaceevo::exec;

namespace {

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown";
}

struct Options {
  int networksPerSpace = 1;
  double minSeconds = 1.0;
  uint64_t seed = 1;
  int64_t resolution = 224;
  bool autotune = true;
  bool blockNsr = false;
  std::vector<std::string> spaces = {"onnxw-333333-000000",
                                     "onnxw-111111-000000",
                                     "onnxw-123450-012330",
                                     "mobilew-111111-000000",
                                     "mobilew-333333-000000",
                                     "mobilew-245621-101010"};
};

void usage() {
  std::fprintf(stderr,
               "usage: spaceevo-bench-exec [--spaces S1,S2,...] "
               "[--networks N] [--min-time SECONDS] [--seed N] "
               "[--resolution R] [--no-autotune] [--block-nsr]\n");
}

std::vector<std::string> split(const std::string &text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    if (comma > start)
      parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

void printStats(const char *what, const LatencyStats &s, double reference) {
  std::printf("  %-22s median %8.3f ms  p10 %8.3f  p90 %8.3f  runs %4d",
              what, s.medianMs, s.p10Ms, s.p90Ms, s.runs);
  if (reference > 0)
    std::printf("  %.2fx vs fp32", reference / s.medianMs);
  std::printf("\n");
}

/// INT8-vs-FP32 NSR (SpaceEvo's definition) of single layers of every
/// candidate block of stage 3 of each hyperspace at resolution 224 (input
/// 28x28, the first width of the stage before), averaged over sampled
/// layer configurations: a first look at the quantization term of issue 7.
int reportBlockNsr(const Options &options) {
  for (HyperspaceKind kind :
       {HyperspaceKind::OnnxW, HyperspaceKind::MobileW}) {
    HyperspaceSpec hs = builtinHyperspace(kind);
    const StageSpec &stage = hs.stages[3];
    int64_t inChannels = hs.stages[2].widths.front();
    std::printf("\n%s stage 3, input %lldx28x28, N(0,1) inputs, 4 calibration "
                "+ 4 evaluation inputs, %d layers per block\n",
                hs.name.c_str(), (long long)inChannels,
                options.networksPerSpace * 8);
    SplitMix64 rng(options.seed);
    for (const CandidateSpec &candidate : stage.candidates) {
      double sum = 0, lo = 1e30, hi = 0;
      int count = options.networksPerSpace * 8;
      for (int i = 0; i < count; ++i) {
        LayerConfig layer;
        layer.block = candidate.block;
        layer.kernel = candidate.kernels[rng.below(candidate.kernels.size())];
        layer.width = stage.widths[rng.below(stage.widths.size())];
        layer.expand = candidate.expands.empty()
                           ? 0
                           : candidate.expands[rng.below(
                                 candidate.expands.size())];
        layer.stride = stage.stride;
        auto e = expandBlock(layer, inChannels, 28, 28, candidate.act);
        if (!e) {
          std::fprintf(stderr, "%s\n", e.error().c_str());
          return 1;
        }
        QualityOptions quality;
        quality.init.seed = options.seed + uint64_t(i);
        quality.floatBackend = floatBackendAvailable(FloatBackend::OneDnn)
                                   ? FloatBackend::OneDnn
                                   : FloatBackend::Reference;
        auto report = int8NoiseToSignal(*e, quality);
        if (!report) {
          std::fprintf(stderr, "%s\n", report.error().c_str());
          return 1;
        }
        double nsr = report->noise.spaceEvo;
        sum += nsr;
        lo = std::min(lo, nsr);
        hi = std::max(hi, nsr);
      }
      std::printf("  %-18s mean NSR %.5f  min %.5f  max %.5f\n",
                  std::string(blockTypeName(candidate.block)).c_str(),
                  sum / count, lo, hi);
    }
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // progress when redirected
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    const char *value = nullptr;
    if (arg == "--spaces" && (value = next()))
      options.spaces = split(value);
    else if (arg == "--networks" && (value = next()))
      options.networksPerSpace = std::atoi(value);
    else if (arg == "--min-time" && (value = next()))
      options.minSeconds = std::atof(value);
    else if (arg == "--seed" && (value = next()))
      options.seed = std::strtoull(value, nullptr, 10);
    else if (arg == "--resolution" && (value = next()))
      options.resolution = std::atoll(value);
    else if (arg == "--no-autotune")
      options.autotune = false;
    else if (arg == "--block-nsr")
      options.blockNsr = true;
    else {
      usage();
      return 2;
    }
  }

  // One thread, pinned: oneDNN (OpenMP) included.
#ifdef SPACEEVO_BENCH_HAVE_OPENMP
  omp_set_num_threads(1);
#endif
  bool pinned = pinThreadToCpu(0);
  std::printf("device: %s; pinned to cpu 0: %s; threads 1",
              cpuModel().c_str(), pinned ? "yes" : "no");
#ifdef SPACEEVO_BENCH_HAVE_DNNL
  const dnnl_version_t *v = dnnl_version();
  std::printf("; oneDNN %d.%d.%d (%s)", v->major, v->minor, v->patch,
              v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other");
#endif
  std::printf("\n");
  if (options.blockNsr)
    return reportBlockNsr(options);

  LatencyOptions latency;
  latency.minSeconds = options.minSeconds;
  latency.warmupRuns = 3;
  latency.minRuns = 10;
  FloatBackend floatBackend = floatBackendAvailable(FloatBackend::OneDnn)
                                  ? FloatBackend::OneDnn
                                  : FloatBackend::Reference;
  for (const std::string &encoding : options.spaces) {
    std::string error;
    auto space = SpaceSpec::parse(encoding, error);
    auto kind = space ? parseHyperspaceKind(space->hyperspace) : std::nullopt;
    if (!space || !kind) {
      std::fprintf(stderr, "bad space '%s': %s\n", encoding.c_str(),
                   error.c_str());
      return 1;
    }
    HyperspaceSpec hs = builtinHyperspace(*kind);
    if (auto problem = checkSpace(hs, *space)) {
      std::fprintf(stderr, "%s: %s\n", encoding.c_str(),
                   problem->message.c_str());
      return 1;
    }
    SplitMix64 rng(options.seed);
    for (int n = 0; n < options.networksPerSpace; ++n) {
      NetworkSpec net = sampleNetwork(hs, *space, rng, options.resolution);
      auto expansion = expandNetwork(hs, net);
      auto cost = networkCost(hs, net);
      if (!expansion || !cost) {
        std::fprintf(stderr, "%s: %s\n", encoding.c_str(),
                     expansion ? cost.error().c_str()
                               : expansion.error().c_str());
        return 1;
      }
      std::printf("\n%s #%d: %zu layers, %zu primitives, %.1f MMACs, "
                  "resolution %lld\n",
                  encoding.c_str(), n, net.layers.size(),
                  expansion->ops.size(), cost->macs / 1e6,
                  (long long)net.resolution);
      auto params = initializeParameters(
          *expansion, {WeightInit::Mode::HeNormal, options.seed + n, {}});
      TensorShape imageShape{net.resolution, net.resolution, 3};
      std::vector<Tensor> calibration = {randomTensor(imageShape, 1000),
                                         randomTensor(imageShape, 1001)};
      if (!params ||
          !recalibrateBatchNorm(*expansion, *params, calibration, floatBackend)
               .ok()) {
        std::fprintf(stderr, "parameters failed\n");
        return 1;
      }
      auto graph = quantizePostTraining(*expansion, *params, calibration, {},
                                        floatBackend);
      auto fp32 = FloatNetwork::create(*expansion, *params, floatBackend);
      if (!graph || !fp32) {
        std::fprintf(stderr, "%s\n",
                     graph ? fp32.error().c_str() : graph.error().c_str());
        return 1;
      }
      Tensor image = randomTensor(imageShape, 7);
      auto fp32Stats = measureLatency(
          [&] { return fp32->run(image).status(); }, latency);
      if (!fp32Stats) {
        std::fprintf(stderr, "%s\n", fp32Stats.error().c_str());
        return 1;
      }
      printStats(floatBackend == FloatBackend::OneDnn ? "fp32 (oneDNN)"
                                                      : "fp32 (reference)",
                 *fp32Stats, 0);
      Tensor logitsFp32 = *fp32->run(image);

      std::vector<std::pair<std::string, Int8Options>> variants = {
          {"int8 best", {Int8Backend::Best, false, 5}},
          {"int8 onednn", {Int8Backend::OneDnn, false, 5}},
      };
      if (options.autotune)
        variants.insert(variants.begin() + 1,
                        {"int8 best+autotune", {Int8Backend::Best, true, 5}});
      for (auto &[name, int8Options] : variants) {
        auto int8 = Int8Network::create(*graph, int8Options);
        if (!int8) {
          std::fprintf(stderr, "%s: %s\n", name.c_str(), int8.error().c_str());
          return 1;
        }
        std::vector<uint8_t> input = int8->quantizeInput(image), output;
        auto stats = measureLatency(
            [&] { return int8->run(input, output); }, latency);
        if (!stats) {
          std::fprintf(stderr, "%s\n", stats.error().c_str());
          return 1;
        }
        printStats(name.c_str(), *stats, fp32Stats->medianMs);
        // Which backend each kernel landed on.
        std::map<std::string, int> perBackend;
        for (runtime::Backend b : int8->kernelBackends())
          ++perBackend[std::string(runtime::backendName(b))];
        std::printf("    kernels:");
        for (const auto &[backend, count] : perBackend)
          std::printf(" %s %d", backend.c_str(), count);
        std::printf("\n");
        if (&name == &variants.front().first) {
          auto nsr = noiseToSignal(logitsFp32, int8->dequantizeOutput(output));
          std::printf("  logits: energy NSR int8 vs fp32 %.4f, int8 digest "
                      "%s, activation buffers %.1f MB\n",
                      nsr ? nsr->energy : -1.0,
                      digestHex(fnv1a64(output.data(), output.size())).c_str(),
                      double(int8->activationBytes()) / 1e6);
        }
      }
    }
  }
  return 0;
}
