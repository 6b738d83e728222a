//===- RuntimeBench.cpp - INT8 kernel benchmark driver --------------------===//
//
// Not a test: prints timings. Steps:
//  1. measures this core's INT8 peak with a VPDPBUSD loop (16 independent
//     zmm accumulators, enough to cover the instruction's latency at two
//     per cycle);
//  2. enumerates every distinct primitive of both hyperspaces at resolution
//     224 with expandBlock / expandStem / expandHead (or a representative
//     subset by default);
//  3. per layer and backend: median / p10 / p90 time over repeated runs
//     after warm-up on one pinned thread, GOPS (2 ops per MAC), fraction of
//     the measured peak, and the speedup over oneDNN fp32 on the same shape;
//     element-wise kernels are reported in GB/s (bytes read + written).
//
// Usage: spaceevo-bench-runtime [--all] [--filter TEXT] [--limit N]
//                               [--min-time SECONDS] [--cpu N]
//
//===----------------------------------------------------------------------===//

#include "spaceevo/runtime/Kernel.h"
#include "spaceevo/space/Blocks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <immintrin.h>
#include <map>
#include <random>
#include <sched.h>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#ifdef SPACEEVO_BENCH_HAVE_DNNL
#include <dnnl.hpp>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

using namespace spaceevo;
using namespace spaceevo::runtime;
using Clock = std::chrono::steady_clock;

namespace {

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

struct Timing {
  double median = 0, p10 = 0, p90 = 0; // seconds
  int runs = 0;
};

double minTimeSeconds = 0.15;

/// Warm-up, then repeats until minTimeSeconds and at least 10 runs (at
/// most 2000); returns the median and spread.
Timing measure(const std::function<void()> &run) {
  auto start = Clock::now();
  for (int i = 0; i < 3 || Clock::now() - start < std::chrono::milliseconds(20);
       ++i)
    run();
  std::vector<double> samples;
  auto begin = Clock::now();
  while (samples.size() < 10 ||
         (std::chrono::duration<double>(Clock::now() - begin).count() <
              minTimeSeconds &&
          samples.size() < 2000)) {
    auto t0 = Clock::now();
    run();
    samples.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) { return samples[size_t(q * (samples.size() - 1))]; };
  return {at(0.5), at(0.1), at(0.9), int(samples.size())};
}

//===----------------------------------------------------------------------===//
// Peak
//===----------------------------------------------------------------------===//

/// VPDPBUSD throughput: inline asm so that exactly 16 independent zmm
/// accumulators run back to back (compilers add register moves around
/// intrinsics in such loops, which would understate the peak).
__attribute__((target("avx512f,avx512vnni"))) double vnniPeakGops() {
  constexpr long kIterations = 2000000;
  constexpr int kPerIteration = 16;
  double best = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    long counter = kIterations;
    auto t0 = Clock::now();
    __asm__ volatile(
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
        "vpternlogd $0xff, %%zmm17, %%zmm17, %%zmm17\n\t"
        "1:\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm0\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm1\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm2\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm3\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm4\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm5\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm6\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm7\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm8\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm9\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm10\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm11\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm12\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm13\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm14\n\t"
        "vpdpbusd %%zmm16, %%zmm17, %%zmm15\n\t"
        "dec %0\n\t"
        "jnz 1b\n\t"
        "vzeroupper\n\t"
        : "+r"(counter)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
          "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
          "xmm15", "xmm16", "xmm17", "cc");
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    // Each VPDPBUSD zmm: 64 u8 x s8 products into 16 int32 = 128 ops.
    double ops = double(kIterations) * kPerIteration * 128.0;
    best = std::max(best, ops / seconds / 1e9);
  }
  return best;
}

//===----------------------------------------------------------------------===//
// Layer shapes of both hyperspaces at 224
//===----------------------------------------------------------------------===//

struct Candidate {
  BlockType block;
  std::vector<int64_t> kernels;
  std::vector<double> expands;
};
struct Stage {
  std::vector<int64_t> widths;
  int64_t stride;
};
struct Hyperspace {
  HyperspaceKind kind;
  std::vector<int64_t> stemWidths;
  std::vector<Candidate> candidates;
  std::vector<Stage> stages;
};

std::vector<int64_t> range(int64_t lo, int64_t hi, int64_t step) {
  std::vector<int64_t> v;
  for (int64_t x = lo; x <= hi; x += step)
    v.push_back(x);
  return v;
}

/// The hyperspaces of ../shared/DESIGN.md (SpaceEvo's public code).
std::vector<Hyperspace> hyperspaces() {
  Hyperspace onnxw{HyperspaceKind::OnnxW, {16, 32},
                   {{BlockType::MBv1Dual, {3, 5}, {}},
                    {BlockType::MBv2Res, {3, 5}, {4, 6, 8}},
                    {BlockType::MBv3ResHswish, {3, 5}, {4, 6, 8}},
                    {BlockType::ResNet, {3, 5, 7}, {0.5, 1, 1.5}},
                    {BlockType::ResNetSE, {3, 5, 7}, {0.5, 1, 1.5}},
                    {BlockType::FusedMBConv, {3, 5, 7}, {1, 2, 3, 4}}},
                   {{range(32, 64, 16), 2},
                    {range(32, 96, 16), 2},
                    {range(64, 144, 16), 2},
                    {range(112, 192, 16), 1},
                    {range(192, 304, 16), 2},
                    {range(304, 448, 16), 1}}};
  Hyperspace mobilew{HyperspaceKind::MobileW, {16, 24, 32},
                     {{BlockType::MBv1Dual, {3, 5, 7}, {}},
                      {BlockType::MBv2Res, {3, 5, 7}, {3, 6, 8}},
                      {BlockType::MBv3ResSwish, {3, 5, 7}, {3, 6, 8}},
                      {BlockType::ResNet, {3, 5}, {0.5, 1, 1.5}},
                      {BlockType::FusedMBConvSE, {3, 5, 7}, {1, 2, 3, 4}},
                      {BlockType::MBv3K3Res, {3, 5, 7}, {3, 6, 8}},
                      {BlockType::MBv2K3Res, {3, 5, 7}, {3, 6, 8}}},
                     {{range(24, 40, 8), 2},
                      {range(24, 72, 8), 2},
                      {range(56, 112, 8), 2},
                      {range(112, 176, 8), 1},
                      {{192, 200, 208, 216, 224, 240, 256, 272, 288}, 2},
                      {range(216, 360, 16), 1}}};
  return {onnxw, mobilew};
}

/// One distinct primitive: what a kernel is built for.
struct Layer {
  PrimitiveKind kind;
  int64_t inC, inH, inW, outC, kernel, stride;
  bool operator<(const Layer &o) const {
    return std::tie(kind, kernel, stride, inH, inC, outC) <
           std::tie(o.kind, o.kernel, o.stride, o.inH, o.inC, o.outC);
  }
  double macs() const {
    int64_t outH = (inH + 2 * ((kernel - 1) / 2) - kernel) / stride + 1;
    int64_t outW = (inW + 2 * ((kernel - 1) / 2) - kernel) / stride + 1;
    switch (kind) {
    case PrimitiveKind::Conv:
      return double(inC) * kernel * kernel * outC * outH * outW;
    case PrimitiveKind::DepthwiseConv:
      return double(inC) * kernel * kernel * outH * outW;
    case PrimitiveKind::FullyConnected:
      return double(inC) * outC;
    default:
      return 0;
    }
  }
};

void addExpansion(const Expansion &e, std::set<Layer> &layers,
                  std::set<Layer> &tables) {
  for (const Primitive &p : e.ops) {
    Layer layer{p.kind, p.inChannels, p.inHeight, p.inWidth,
                p.outChannels, p.kernel, p.stride};
    if (p.kind != PrimitiveKind::Conv && p.kind != PrimitiveKind::DepthwiseConv &&
        p.kind != PrimitiveKind::FullyConnected)
      layer.kernel = layer.stride = 1;
    layers.insert(layer);
    // Table activations run as their own element-wise kernel here.
    if (p.act == Activation::Hswish || p.act == Activation::Swish ||
        p.act == Activation::Hsigmoid)
      tables.insert({PrimitiveKind::ChannelScale /*unused*/, p.outChannels,
                     p.outHeight, p.outWidth, p.outChannels, 0, 0});
  }
}

void enumerateLayers(std::set<Layer> &layers, std::set<Layer> &tables) {
  const int64_t resolution = 224;
  for (const Hyperspace &hs : hyperspaces()) {
    for (int64_t w1 : hs.stemWidths)
      for (int64_t w0 : hs.stemWidths)
        for (int64_t depth : {1, 2}) {
          auto stem = expandStem(hs.kind, {w1, w0, depth}, resolution);
          if (stem)
            addExpansion(*stem, layers, tables);
        }
    int64_t size = (resolution + 1) / 2; // after first_conv
    std::vector<int64_t> previousWidths = hs.stemWidths;
    for (const Stage &stage : hs.stages) {
      int64_t outSize = (size + stage.stride - 1) / stage.stride;
      for (const Candidate &cand : hs.candidates)
        for (int64_t k : cand.kernels)
          for (double e : cand.expands.empty() ? std::vector<double>{0}
                                               : cand.expands)
            for (int64_t w : stage.widths) {
              LayerConfig config{cand.block, k, w, e, stage.stride};
              for (int64_t inC : previousWidths) { // first layer of the stage
                auto x = expandBlock(config, inC, size, size);
                if (x)
                  addExpansion(*x, layers, tables);
              }
              config.stride = 1;
              for (int64_t inC : stage.widths) { // the following layers
                auto x = expandBlock(config, inC, outSize, outSize);
                if (x)
                  addExpansion(*x, layers, tables);
              }
            }
      previousWidths = stage.widths;
      size = outSize;
    }
    for (int64_t c6 : previousWidths) {
      auto head = expandHead(hyperspaceHead(hs.kind), c6, size, size);
      if (head)
        addExpansion(*head, layers, tables);
    }
  }
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

std::mt19937_64 rng(42);

std::vector<uint8_t> randomBytes(size_t n) {
  std::vector<uint8_t> v(n);
  for (auto &x : v)
    x = uint8_t(rng());
  return v;
}

OutputStage benchStage(int64_t reduction) {
  OutputStage stage;
  auto s = quantizeScale(1.0 / (std::max<int64_t>(reduction, 1) * 300.0));
  stage.multiplier = {s->multiplier};
  stage.shift = {s->shift};
  stage.zeroPoint = 0; // ReLU after the conv: clamp at the zero point
  return stage;
}

KernelDesc describeLayer(const Layer &layer) {
  KernelDesc d;
  d.input = {1, layer.inH, layer.inW, layer.inC};
  d.inputZeroPoint = 3; // nonzero: exercises the zero-point corrections
  int64_t taps = layer.kernel * layer.kernel;
  switch (layer.kind) {
  case PrimitiveKind::Conv:
    d.kind = OpKind::Conv2D;
    d.outChannels = layer.outC;
    d.kernel = layer.kernel;
    d.stride = layer.stride;
    d.padding = Padding::same(layer.kernel);
    d.weights.resize(size_t(taps * layer.inC * layer.outC), 1);
    d.output = benchStage(taps * layer.inC);
    break;
  case PrimitiveKind::DepthwiseConv:
    d.kind = OpKind::DepthwiseConv2D;
    d.outChannels = layer.inC;
    d.kernel = layer.kernel;
    d.stride = layer.stride;
    d.padding = Padding::same(layer.kernel);
    d.weights.resize(size_t(taps * layer.inC), 1);
    d.output = benchStage(taps);
    break;
  case PrimitiveKind::FullyConnected:
    d.kind = OpKind::FullyConnected;
    d.outChannels = layer.outC;
    d.weights.resize(size_t(layer.inC * layer.outC), 1);
    d.output = benchStage(layer.inC);
    break;
  case PrimitiveKind::GlobalAvgPool:
    d.kind = OpKind::GlobalAvgPool;
    d.output = benchStage(layer.inH * layer.inW);
    break;
  case PrimitiveKind::ChannelScale:
    d.kind = OpKind::ChannelScale;
    d.output = benchStage(256);
    break;
  case PrimitiveKind::Add: {
    d.kind = OpKind::Add;
    auto up = quantizeScale(double(1 << 20));
    d.addInput = {3, up->multiplier, up->shift};
    d.addOther = {5, up->multiplier, up->shift};
    d.output = benchStage(1 << 21);
    break;
  }
  }
  for (size_t i = 0; i < d.weights.size(); ++i)
    d.weights[i] = int8_t(int(rng() % 255) - 127);
  return d;
}

#ifdef SPACEEVO_BENCH_HAVE_DNNL
/// oneDNN fp32 on the same shape (NHWC activations, best weight layout).
double fp32Seconds(const Layer &layer, bool fusedInt8 = false) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  // fusedInt8: oneDNN's own u8 conv with float output scales and a ReLU
  // post-op (not bit-exact with TOSA rounding; shows the epilogue's cost).
  dt srcType = fusedInt8 ? dt::u8 : dt::f32;
  dt weiType = fusedInt8 ? dt::s8 : dt::f32;
  primitive_attr attr;
  if (fusedInt8) {
    attr.set_output_scales(0, {0.001f});
    post_ops ops;
    ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  int64_t k = layer.kernel, pad = (k - 1) / 2;
  int64_t outH = (layer.inH + 2 * pad - k) / layer.stride + 1;
  int64_t outW = (layer.inW + 2 * pad - k) / layer.stride + 1;
  primitive prim;
  memory src, wei, dst;
  if (layer.kind == PrimitiveKind::FullyConnected) {
    memory::desc s({1, layer.inC}, srcType, tag::nc);
    memory::desc w({layer.outC, layer.inC}, weiType, tag::any);
    memory::desc o({1, layer.outC}, srcType, tag::nc);
    inner_product_forward::primitive_desc pd(
        {prop_kind::forward_inference, s, w, o}, attr, eng);
    prim = inner_product_forward(pd);
    src = memory(s, eng);
    wei = memory(pd.weights_desc(), eng);
    dst = memory(o, eng);
  } else {
    bool dw = layer.kind == PrimitiveKind::DepthwiseConv;
    int64_t outC = dw ? layer.inC : layer.outC;
    memory::desc s({1, layer.inC, layer.inH, layer.inW}, srcType, tag::nhwc);
    memory::desc o({1, outC, outH, outW}, srcType, tag::nhwc);
    memory::desc w = dw ? memory::desc({layer.inC, 1, 1, k, k}, weiType, tag::any)
                        : memory::desc({outC, layer.inC, k, k}, weiType, tag::any);
    convolution_forward::primitive_desc pd(
        {prop_kind::forward_inference, algorithm::convolution_direct, s, w, o,
         {layer.stride, layer.stride}, {pad, pad}, {pad, pad}},
        attr, eng);
    prim = convolution_forward(pd);
    src = memory(s, eng);
    wei = memory(pd.weights_desc(), eng);
    dst = memory(o, eng);
  }
  std::memset(src.get_data_handle(), 1, src.get_desc().get_size());
  std::memset(wei.get_data_handle(), 1, wei.get_desc().get_size());
  Timing t = measure([&] {
    prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei},
                        {DNNL_ARG_DST, dst}});
    strm.wait();
  });
  return t.median;
}
#endif

std::string layerName(const Layer &l) {
  char buf[128];
  switch (l.kind) {
  case PrimitiveKind::Conv:
    std::snprintf(buf, sizeof buf, "conv%ldx%ld/s%ld %ldx%ldx%ld->%ld",
                  long(l.kernel), long(l.kernel), long(l.stride), long(l.inH),
                  long(l.inW), long(l.inC), long(l.outC));
    break;
  case PrimitiveKind::DepthwiseConv:
    std::snprintf(buf, sizeof buf, "dw%ldx%ld/s%ld %ldx%ldx%ld", long(l.kernel),
                  long(l.kernel), long(l.stride), long(l.inH), long(l.inW),
                  long(l.inC));
    break;
  case PrimitiveKind::FullyConnected:
    std::snprintf(buf, sizeof buf, "fc %ld->%ld", long(l.inC), long(l.outC));
    break;
  default:
    std::snprintf(buf, sizeof buf, "%s %ldx%ldx%ld",
                  std::string(primitiveKindName(l.kind)).c_str(), long(l.inH),
                  long(l.inW), long(l.inC));
  }
  return buf;
}

/// The default subset: per (kind, kernel, stride, input size) the smallest
/// and the largest layer, plus the layers the targets in issue 3 name.
std::vector<Layer> representative(const std::set<Layer> &all) {
  std::map<std::tuple<int, int64_t, int64_t, int64_t>, std::vector<Layer>> groups;
  for (const Layer &l : all)
    groups[{int(l.kind), l.kernel, l.stride, l.inH}].push_back(l);
  std::set<Layer> chosen;
  for (auto &[key, members] : groups) {
    auto bySize = [](const Layer &a, const Layer &b) {
      return a.inC * std::max<int64_t>(a.outC, 1) <
             b.inC * std::max<int64_t>(b.outC, 1);
    };
    chosen.insert(*std::min_element(members.begin(), members.end(), bySize));
    chosen.insert(*std::max_element(members.begin(), members.end(), bySize));
  }
  for (const Layer &l : all) {
    bool target = (l.kind == PrimitiveKind::DepthwiseConv && l.kernel == 3 &&
                   l.stride == 1 && l.inH == 56 && l.inC == 144) ||
                  (l.kind == PrimitiveKind::Conv && l.kernel <= 3 &&
                   l.stride == 1 && l.inC == 64 && l.outC == 64);
    if (target)
      chosen.insert(l);
  }
  return {chosen.begin(), chosen.end()};
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown";
}

} // namespace

int main(int argc, char **argv) {
  bool all = false;
  std::string filter;
  size_t limit = SIZE_MAX;
  int cpu = 0;
  const char *usage = "usage: %s [--all] [--filter TEXT] [--limit N] "
                      "[--min-time SECONDS] [--cpu N] [--help]\n";
  // A number option's value, or a message and exit status 2.
  auto number = [&](const char *option, const char *text, double low, double &value) {
    char *end = nullptr;
    value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= low)) {
      std::fprintf(stderr, "%s: %s needs a number >= %g, not '%s'\n", argv[0], option, low,
                   text);
      return false;
    }
    return true;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    double value = 0;
    if (arg == "--help" || arg == "-h") {
      std::printf(usage, argv[0]);
      std::printf(
          "Benchmarks the INT8 runtime's kernels (not a test) on every distinct layer of\n"
          "both hyperspaces at resolution 224: per backend the median, p10 and p90 time,\n"
          "GOPS (or GB/s for element-wise kernels), the fraction of this core's VPDPBUSD\n"
          "peak (measured first) and the speedup over oneDNN fp32 on the same shape.\n"
          "  --all              every distinct layer (default: a representative subset;\n"
          "                     ~30 min, progress on stderr)\n"
          "  --filter TEXT      only layers whose name contains TEXT (e.g. 'dw3x3/s1 56x56')\n"
          "  --limit N          at most N layers\n"
          "  --min-time SECONDS time each kernel for at least this long (default 0.15)\n"
          "  --cpu N            the CPU to pin to (default 0; the program pins itself,\n"
          "                     whatever taskset says)\n");
      return 0;
    } else if (arg == "--all") {
      all = true;
    } else if (arg == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else if (arg == "--limit" && i + 1 < argc) {
      if (!number("--limit", argv[++i], 0, value))
        return 2;
      limit = size_t(value);
    } else if (arg == "--min-time" && i + 1 < argc) {
      if (!number("--min-time", argv[++i], 0, value))
        return 2;
      minTimeSeconds = value;
    } else if (arg == "--cpu" && i + 1 < argc) {
      if (!number("--cpu", argv[++i], 0, value))
        return 2;
      cpu = int(value);
    } else {
      std::fprintf(stderr, usage, argv[0]);
      return 2;
    }
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu < CPU_SETSIZE)
    CPU_SET(cpu, &set);
  if (cpu >= CPU_SETSIZE || sched_setaffinity(0, sizeof set, &set) != 0) {
    // Unpinned timings would be read as this core's: refuse.
    std::fprintf(stderr, "%s: cannot pin to cpu %d (see --cpu)\n", argv[0], cpu);
    return 2;
  }
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif

  double peak = vnniPeakGops();
  std::printf("# CPU: %s, pinned to cpu %d, 1 thread\n", cpuModel().c_str(), cpu);
#ifdef SPACEEVO_BENCH_HAVE_DNNL
  const dnnl_version_t *v = dnnl_version();
  std::printf("# oneDNN %d.%d.%d (%s)\n", v->major, v->minor, v->patch, v->hash);
#endif
  std::printf("# INT8 peak (VPDPBUSD zmm loop): %.1f GOPS\n", peak);

  std::set<Layer> allLayers, tables;
  enumerateLayers(allLayers, tables);
  std::vector<Layer> layers =
      all ? std::vector<Layer>(allLayers.begin(), allLayers.end())
          : representative(allLayers);
  std::printf("# %zu distinct primitives in both hyperspaces at 224 (+%zu "
              "table-activation shapes); measuring %zu\n",
              allLayers.size(), tables.size(), layers.size());
  std::printf("%-34s %-8s %10s %10s %10s %5s %8s %7s %8s  %s\n", "layer",
              "backend", "median_us", "p10_us", "p90_us", "runs", "GOPS|GB/s",
              "%peak", "vs_fp32", "implementation");

  // One row: desc on one backend (if it implements it), timed; GOPS, % of
  // peak and the speedup over fp32 for layers with MACs, GB/s otherwise.
  auto benchBackend = [&](const std::string &name, const KernelDesc &desc,
                          Backend backend, double macs, double fp32) {
    if (!backendSupports(backend, desc.kind))
      return;
    auto kernel = createKernel(desc, backend);
    if (!kernel) {
      std::printf("%-34s %-8s error: %s\n", name.c_str(),
                  std::string(backendName(backend)).c_str(),
                  kernel.error().c_str());
      return;
    }
    Kernel &k = **kernel;
    auto in = randomBytes(k.inputBytes()), other = randomBytes(k.otherBytes());
    std::vector<uint8_t> out(k.outputBytes());
    Status status = Status::success();
    Timing t = measure([&] {
      status = k.run(constBuffer(in), constBuffer(other), mutableBuffer(out));
    });
    if (!status) {
      std::printf("%-34s run error: %s\n", name.c_str(), status.error().c_str());
      return;
    }
    std::printf("%-34s %-8s %10.1f %10.1f %10.1f %5d ", name.c_str(),
                std::string(backendName(backend)).c_str(), t.median * 1e6,
                t.p10 * 1e6, t.p90 * 1e6, t.runs);
    if (macs > 0) {
      double rate = 2 * macs / t.median / 1e9;
      std::printf("%8.1f %6.1f%% %7.2fx  %s\n", rate, 100 * rate / peak,
                  fp32 > 0 ? fp32 / t.median : 0.0,
                  k.implementationName().c_str());
    } else {
      std::printf("%8.1fB %7s %8s  %s\n",
                  double(in.size() + other.size() + out.size()) / t.median / 1e9,
                  "", "", k.implementationName().c_str());
    }
  };
  size_t done = 0, position = 0;
  // --all takes ~30 min: progress on stderr every ~5 % of the layers (the
  // table itself usually goes to a file).
  const auto start = std::chrono::steady_clock::now();
  const size_t progressStep = std::max<size_t>(1, layers.size() / 20);
  for (const Layer &layer : layers) {
    if (all && ++position % progressStep == 0) {
      double elapsed = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      std::fprintf(stderr,
                   "spaceevo-bench-runtime: %zu/%zu layers, %.0f s, ~%.0f s "
                   "left (then %zu table shapes)\n",
                   position, layers.size(), elapsed,
                   elapsed / double(position) *
                       double(layers.size() - position),
                   tables.size());
    }
    std::string name = layerName(layer);
    if (!filter.empty() && name.find(filter) == std::string::npos)
      continue;
    if (done++ >= limit)
      break;
    KernelDesc desc = describeLayer(layer);
    bool convLike = layer.macs() > 0;
    double fp32 = 0;
#ifdef SPACEEVO_BENCH_HAVE_DNNL
    if (convLike)
      fp32 = fp32Seconds(layer);
#endif
    for (Backend backend : {Backend::OneDnn, Backend::Halide, Backend::Vnni}) {
      if (backend == Backend::Vnni && desc.kind == OpKind::Conv2D &&
          desc.kernel != 1)
        continue; // the vnni backend's dense conv is 1x1 only
      benchBackend(name, desc, backend, layer.macs(), fp32);
    }
#ifdef SPACEEVO_BENCH_HAVE_DNNL
    if (convLike) {
      double fused = fp32Seconds(layer, /*fusedInt8=*/true);
      std::printf("%-34s %-8s %10.1f %10s %10s %5s %8.1f %6.1f%% %7.2fx  %s\n",
                  name.c_str(), "fused*", fused * 1e6, "", "", "",
                  2 * layer.macs() / fused / 1e9,
                  100 * 2 * layer.macs() / fused / 1e9 / peak,
                  fp32 > 0 ? fp32 / fused : 0.0,
                  "oneDNN u8 + output scales + ReLU, not bit-exact");
    }
#endif
    if (convLike && fp32 > 0)
      std::printf("%-34s %-8s %10.1f %10s %10s %5s %8.1f %6.1f%%\n", name.c_str(),
                  "fp32", fp32 * 1e6, "", "", "",
                  2 * layer.macs() / fp32 / 1e9,
                  100 * 2 * layer.macs() / fp32 / 1e9 / peak);
  }
  // Table activations (Hswish / Swish / Hsigmoid) as element-wise kernels.
  size_t tableCount = 0;
  for (const Layer &t : tables) {
    if (!all && tableCount >= 6)
      break;
    if (!all && !(t.inH == 112 || t.inH == 56 || t.inH == 7))
      continue;
    KernelDesc d;
    d.kind = OpKind::Table;
    d.input = {1, t.inH, t.inW, t.inC};
    for (int i = 0; i < 256; ++i)
      d.table[size_t(i)] = uint8_t(255 - i);
    char name[64];
    std::snprintf(name, sizeof name, "table %ldx%ldx%ld", long(t.inH),
                  long(t.inW), long(t.inC));
    if (!filter.empty() && std::string(name).find(filter) == std::string::npos)
      continue;
    ++tableCount;
    for (Backend backend : {Backend::Halide, Backend::Vnni})
      benchBackend(name, d, backend, 0, 0);
  }
  return 0;
}
