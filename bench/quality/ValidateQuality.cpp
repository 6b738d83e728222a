//===- ValidateQuality.cpp - Validate the training-free loss estimate -----===//
//
// Not a test. Samples rows of SpaceEvo's published block tables (seeded,
// `--rows` per file), computes the training-free features of each row
// (lib/quality; cached in a CSV so a run resumes and a refit is free), and
// reports Kendall's tau between the estimate and the published
// `int8_nsr_loss`: the median over files and pooled per stage, next to the
// params and FLOPs baselines and every term alone, computed the same way
// on the same rows. With `--fit` the model is fitted on the mobilew rows
// (never onnxw) and printed. With `--qt-spaces N`, N random spaces are
// Q-T scored on the sampled rows with the published loss and with the
// estimate (same published latency) and their Spearman correlation printed.
//
//   spaceevo-validate-quality --lut ../shared/data/block-lut --rows 40
//
//===----------------------------------------------------------------------===//
#include "spaceevo/quality/Statistics.h"
#include "spaceevo/quality/Tables.h"
#include "spaceevo/search/QTScore.h"
#include "spaceevo/space/Builtin.h"
#include "spaceevo/space/Counting.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <functional>
#include <algorithm>
#include <sstream>
#include <string>

#ifdef SPACEEVO_BENCH_HAVE_OPENMP
#include <omp.h>
#endif

using namespace spaceevo;
using namespace spaceevo::quality;

namespace {

struct Options {
  std::string lut;
  std::vector<std::string> hyperspaces = {"mobilew", "onnxw"};
  std::vector<int64_t> stages;
  int64_t rows = 40;
  uint64_t seed = 0;
  std::string cache;
  std::string modelFile;
  std::string modelOut;
  bool fit = false;
  std::vector<std::string> fitFeatures;
  double ridge = 1e-3;
  int qtSpaces = 0;
  std::map<std::string, double> qtConstraint = {{"onnxw", 10}, {"mobilew", 20}};
  int64_t qtSamples = 20000;
  FeatureOptions features;
  bool forward = true;
  bool verbose = false;
  bool cachedOnly = false;
  bool holdout = false;
  std::string dump;
};

void usage() {
  std::fprintf(stderr, R"(usage: spaceevo-validate-quality --lut DIR [options]
  --lut DIR              directory holding mobilew/ and onnxw/ block tables
  --hyperspaces LIST     default mobilew,onnxw
  --stages LIST          only these stages (default all)
  --rows N               rows sampled per file (default 40)
  --seed S               row sampling, weights and inputs (default 0)
  --cache FILE           feature cache (CSV; resumed, default /tmp/...)
  --max-input-size N     forward passes at input size / 2^k <= N (0 = full)
  --calibration-inputs N, --evaluation-inputs N, --kernel-inputs N
  --analytic-only        skip the forward-pass terms
  --fit                  fit the model on the mobilew rows and print it
  --fit-features LIST    terms to fit (default all computed)
  --ridge R              ridge on standardized features (default 1e-3)
  --model FILE           use this model (default: the built-in one)
  --model-out FILE       write the fitted model here
  --qt-spaces N          Q-T Spearman check on N random spaces (e.g. 200)
  --qt-samples N         subnets per Q-T score (default 20000)
  --qt-constraint HS=MS  latency constraint per hyperspace (onnxw=10 mobilew=20)
  --holdout              with --fit: also the estimate's taus out of sample
                         (mobilew: 2-fold split of each file's rows,
                         leave-one-file-out, leave-one-block-type-out)
  --dump FILE            write every sampled row's features (CSV)
  --verbose              per-file taus
  --cached-only          use only rows whose features are in the cache
                         (report an interrupted run; counts are printed)
)");
}

std::vector<std::string> splitList(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--lut") o.lut = next();
    else if (a == "--hyperspaces") o.hyperspaces = splitList(next());
    else if (a == "--stages") {
      for (const std::string &s : splitList(next())) o.stages.push_back(std::stoll(s));
    } else if (a == "--rows") o.rows = std::stoll(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--cache") o.cache = next();
    else if (a == "--max-input-size") o.features.maxInputSize = std::stoll(next());
    else if (a == "--calibration-inputs") o.features.calibrationInputs = std::stoul(next());
    else if (a == "--evaluation-inputs") o.features.evaluationInputs = std::stoul(next());
    else if (a == "--kernel-inputs") o.features.kernelInputs = std::stoul(next());
    else if (a == "--analytic-only") o.forward = false;
    else if (a == "--fit") o.fit = true;
    else if (a == "--fit-features") o.fitFeatures = splitList(next());
    else if (a == "--ridge") o.ridge = std::stod(next());
    else if (a == "--model") o.modelFile = next();
    else if (a == "--model-out") o.modelOut = next();
    else if (a == "--qt-spaces") o.qtSpaces = std::stoi(next());
    else if (a == "--qt-samples") o.qtSamples = std::stoll(next());
    else if (a == "--qt-constraint") {
      std::string v = next();
      size_t eq = v.find('=');
      if (eq == std::string::npos) { usage(); return false; }
      o.qtConstraint[v.substr(0, eq)] = std::stod(v.substr(eq + 1));
    } else if (a == "--verbose") o.verbose = true;
    else if (a == "--holdout") o.holdout = true;
    else if (a == "--dump") o.dump = next();
    else if (a == "--cached-only") o.cachedOnly = true;
    else if (a == "--help" || a == "-h") { usage(); std::exit(0); }
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      usage();
      return false;
    }
  }
  if (o.lut.empty()) {
    std::fprintf(stderr, "--lut DIR is required\n");
    usage();
    return false;
  }
  if (o.rows <= 0) {
    std::fprintf(stderr, "--rows must be positive\n");
    return false;
  }
  o.features.seed = o.seed;
  o.features.quantization = o.features.zen = o.features.naswot = o.forward;
  return true;
}

/// One sampled row with its published columns and its features.
struct Sample {
  std::string hyperspace, file;
  int line = 0;
  int64_t stage = 0, block = 0, window = 0;
  int inputHeight = 0;
  double loss = 0, mflops = 0, paramsM = 0, latencyMs = 0;
  SubstageRow row;
  Features features;
};

std::string optionsKey(const Options &o) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "seed=%llu max-input-size=%lld calib=%zu eval=%zu "
                "kernel=%zu forward=%d",
                (unsigned long long)o.seed,
                (long long)o.features.maxInputSize,
                o.features.calibrationInputs, o.features.evaluationInputs,
                o.features.kernelInputs, int(o.forward));
  return buffer;
}

/// The sampled line indices of one file (seeded partial Fisher-Yates).
std::vector<size_t> sampleLines(size_t count, int64_t rows, uint64_t seed,
                                const std::string &key) {
  uint64_t h = 1469598103934665603ull;
  for (char c : key)
    h = (h ^ uint8_t(c)) * 1099511628211ull;
  SplitMix64 rng(seed * 0x9e3779b97f4a7c15ull ^ h);
  std::vector<size_t> idx(count);
  for (size_t i = 0; i < count; ++i)
    idx[i] = i;
  size_t take = std::min<size_t>(count, size_t(rows));
  for (size_t i = 0; i < take; ++i)
    std::swap(idx[i], idx[i + rng.below(count - i)]);
  idx.resize(take);
  std::sort(idx.begin(), idx.end());
  return idx;
}

/// Cache lines: hyperspace,file,line,f0..f6 after a header with the options:
/// the first kNumLegacyFeatures terms (the forward-pass ones among them are
/// what costs); the analytic terms are recomputed on every run.
std::map<std::string, Features> loadCache(const std::string &path,
                                          const std::string &key, bool &ok) {
  std::map<std::string, Features> cache;
  ok = true;
  std::ifstream in(path);
  if (!in)
    return cache;
  std::string line;
  if (!std::getline(in, line))
    return cache;
  if (line != "# " + key) {
    std::fprintf(stderr,
                 "error: %s was made with other options (%s); remove it or "
                 "pass another --cache\n",
                 path.c_str(), line.c_str());
    ok = false;
    return cache;
  }
  while (std::getline(in, line)) {
    std::vector<std::string> f = splitCsvLine(line);
    if (f.size() != 3 + kNumLegacyFeatures)
      continue; // a torn last line: recomputed
    Features features;
    for (unsigned k = 0; k < kNumLegacyFeatures; ++k)
      features.values[k] = std::stod(f[3 + k]);
    cache[f[0] + "," + f[1] + "," + f[2]] = features;
  }
  return cache;
}

struct Estimator {
  std::string name;
  std::function<double(const Sample &)> value; ///< predicts loss (higher = worse)
};

struct TauReport {
  std::map<int64_t, double> pooled;
  std::map<int64_t, double> fileMedian;
  double overallFileMedian = 0;
  double minPooled = 0;
};

TauReport taus(const std::vector<const Sample *> &samples,
               const Estimator &est) {
  TauReport r;
  std::map<int64_t, std::pair<std::vector<double>, std::vector<double>>> stage;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> file;
  for (const Sample *s : samples) {
    double v = est.value(*s);
    stage[s->stage].first.push_back(v);
    stage[s->stage].second.push_back(s->loss);
    file[s->file].first.push_back(v);
    file[s->file].second.push_back(s->loss);
  }
  std::map<int64_t, std::vector<double>> fileTaus;
  std::vector<double> all;
  for (auto &[name, xy] : file) {
    double t = kendallTau(xy.first, xy.second);
    auto id = parseTableFileName(name);
    fileTaus[id ? id->stage : 0].push_back(t);
    all.push_back(t);
  }
  r.minPooled = 1;
  for (auto &[s, xy] : stage) {
    r.pooled[s] = kendallTau(xy.first, xy.second);
    r.fileMedian[s] = median(fileTaus[s]);
    r.minPooled = std::min(r.minPooled, r.pooled[s]);
  }
  r.overallFileMedian = median(all);
  return r;
}

void printReport(const std::string &hs, const std::vector<const Sample *> &samples,
                 const std::vector<Estimator> &estimators) {
  std::map<int64_t, size_t> counts;
  for (const Sample *s : samples)
    ++counts[s->stage];
  std::printf("\n%s: %zu rows; Kendall tau with the published int8_nsr_loss\n",
              hs.c_str(), samples.size());
  std::printf("  %-22s %-13s", "estimator", "file median");
  for (auto &[s, n] : counts)
    std::printf("  stage%lld", (long long)s);
  std::printf("  min stage\n");
  for (const Estimator &e : estimators) {
    TauReport r = taus(samples, e);
    std::printf("  %-22s %6.3f       ", e.name.c_str(), r.overallFileMedian);
    for (auto &[s, n] : counts)
      std::printf("  %6.3f", r.pooled[s]);
    std::printf("  %6.3f\n", r.minPooled);
  }
}

/// Random spaces of a shape (seeded), distinct.
std::vector<search::Space> randomSpaces(const search::SearchSpaceShape &shape,
                                        int count, uint64_t seed) {
  SplitMix64 rng(seed ^ 0x51ull);
  std::vector<search::Space> spaces;
  std::set<std::string> seen;
  for (int attempts = 0; int(spaces.size()) < count && attempts < count * 100;
       ++attempts) {
    search::Space s;
    s.hyperspace = shape.name;
    for (int i = 0; i < shape.numStages(); ++i) {
      s.blocks.push_back(int(rng.below(uint64_t(shape.blockCounts[size_t(i)]))));
      s.windows.push_back(int(rng.below(uint64_t(shape.windowCounts[size_t(i)]))));
    }
    if (seen.insert(search::encodeSpace(s)).second)
      spaces.push_back(s);
  }
  return spaces;
}

/// Q-T scores of `spaces` on tables made of the sampled rows, with the
/// loss column given by `loss`.
bool qtScores(const std::string &hs, const std::vector<const Sample *> &samples,
              const std::function<double(const Sample &)> &loss,
              const std::vector<search::Space> &spaces, const Options &o,
              std::vector<double> &scores) {
  auto shape = search::builtinShape(hs);
  if (!shape) {
    std::fprintf(stderr, "error: %s\n", shape.error().c_str());
    return false;
  }
  search::TableSet tables("");
  std::map<std::string, search::StageTable> built;
  for (const Sample *s : samples) {
    search::StageTable &t = built[s->file];
    t.key = {int(s->stage), int(s->block), int(s->window)};
    t.source = s->file;
    search::TableRow row;
    row.layers = std::to_string(s->line);
    row.inputHeight = row.inputWidth = s->inputHeight;
    row.loss = std::max(0.0, loss(*s));
    row.mflops = s->mflops;
    row.paramsM = s->paramsM;
    row.publishedLatencyMs = row.latencyMs = s->latencyMs;
    row.line = s->line;
    t.rows.push_back(row);
  }
  for (auto &[name, t] : built) {
    t.rebuildGroups();
    tables.addTable(t);
  }
  search::QTScoreOptions qo;
  qo.constraintsMs = {o.qtConstraint.count(hs) ? o.qtConstraint.at(hs) : 10.0};
  qo.samplesPerConstraint = o.qtSamples;
  qo.seed = o.seed;
  search::QTScorer scorer(tables, *shape, qo);
  scores.clear();
  for (const search::Space &space : spaces) {
    bool complete = true;
    for (int i = 0; i < shape->numStages(); ++i)
      complete &= built.count(TableFileId{i + 1, space.blocks[size_t(i)],
                                          space.windows[size_t(i)]}
                                  .fileName()) > 0;
    if (!complete) {
      scores.push_back(std::nan(""));
      continue;
    }
    auto score = scorer.score(space);
    if (!score) {
      // A table of sampled rows may miss a resolution: not scorable.
      scores.push_back(std::nan(""));
      continue;
    }
    scores.push_back(score->score);
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
#ifdef SPACEEVO_BENCH_HAVE_OPENMP
  omp_set_num_threads(1);
#endif
  Options o;
  if (!parseArgs(argc, argv, o))
    return 2;
  if (o.cache.empty())
    o.cache = "/tmp/spaceevo-quality-features-seed" + std::to_string(o.seed) +
              "-m" +
              std::to_string(o.features.maxInputSize) +
              (o.forward ? "" : "-analytic") + ".csv";
  std::string key = optionsKey(o);
  bool ok = true;
  std::map<std::string, Features> cache = loadCache(o.cache, key, ok);
  if (!ok)
    return 1;
  bool fresh = !std::filesystem::exists(o.cache);
  std::ofstream cacheOut(o.cache, std::ios::app);
  if (!cacheOut) {
    std::fprintf(stderr, "error: cannot write %s\n", o.cache.c_str());
    return 1;
  }
  if (fresh)
    cacheOut << "# " << key << "\n";

  // Sample rows of every table.
  std::vector<Sample> samples;
  std::map<std::string, HyperspaceSpec> specs;
  for (const std::string &hs : o.hyperspaces) {
    auto kind = parseHyperspaceKind(hs);
    if (!kind) {
      std::fprintf(stderr, "error: unknown hyperspace '%s'\n", hs.c_str());
      return 1;
    }
    specs[hs] = builtinHyperspace(*kind);
    std::string dir = o.lut + "/" + hs;
    if (!std::filesystem::is_directory(dir)) {
      std::fprintf(stderr, "error: '%s' is not a directory\n", dir.c_str());
      return 1;
    }
    for (const TableFileId &id : hyperspaceTables(specs[hs], o.stages)) {
      std::string path = dir + "/" + id.fileName();
      auto rows = readTable(specs[hs], id, path);
      if (!rows) {
        std::fprintf(stderr, "error: %s\n", rows.error().c_str());
        return 1;
      }
      for (size_t i : sampleLines(rows->size(), o.rows, o.seed,
                                  hs + "/" + id.fileName())) {
        const ParsedRow &r = (*rows)[i];
        Sample s;
        s.hyperspace = hs;
        s.file = id.fileName();
        s.line = r.line;
        s.stage = id.stage;
        s.block = id.block;
        s.window = id.window;
        s.inputHeight = int(r.row.inSize);
        s.loss = std::stod(r.fields[2]);
        s.mflops = std::stod(r.fields[3]);
        s.paramsM = std::stod(r.fields[4]);
        s.latencyMs = std::stod(r.fields[5]);
        s.row = r.row;
        samples.push_back(s);
      }
    }
  }

  // Features, resumable through the cache.
  std::map<std::string, StemInputs> inputs;
  for (auto &[hs, spec] : specs)
    inputs.emplace(hs, StemInputs(spec, o.seed));
  size_t computed = 0, total = samples.size(), done = 0;
  auto start = std::chrono::steady_clock::now();
  auto lastReport = start;
  std::map<std::string, std::map<std::string, std::vector<ParsedRow>>> parsed;
  if (o.cachedOnly) {
    std::vector<Sample> kept;
    for (Sample &s : samples)
      if (cache.count(s.hyperspace + "," + s.file + "," + std::to_string(s.line)))
        kept.push_back(s);
    std::fprintf(stderr, "spaceevo-validate-quality: --cached-only: %zu of %zu "
                 "sampled rows have cached features\n", kept.size(), samples.size());
    samples = std::move(kept);
    total = samples.size();
  }
  for (Sample &s : samples) {
    std::string k = s.hyperspace + "," + s.file + "," + std::to_string(s.line);
    ++done;
    if (auto it = cache.find(k); it != cache.end()) {
      // Cached: the forward-pass terms; the analytic ones are recomputed
      // (cheap, and the cache predates some of them).
      FeatureOptions analytic = o.features;
      analytic.quantization = analytic.zen = analytic.naswot = false;
      auto f = computeFeatures(s.row, inputs.at(s.hyperspace), analytic);
      if (!f) {
        std::fprintf(stderr, "error: %s/%s:%d: %s\n", s.hyperspace.c_str(),
                     s.file.c_str(), s.line, f.error().c_str());
        return 1;
      }
      s.features = *f;
      for (unsigned j = 0; j < kNumFeatures; ++j)
        if (featureNeedsForwardPass(Feature(j)))
          s.features.values[j] = it->second.values[j];
      continue;
    }
    auto &rows = parsed[s.hyperspace][s.file];
    if (rows.empty()) {
      auto id = parseTableFileName(s.file);
      auto r = readTable(specs[s.hyperspace], *id,
                         o.lut + "/" + s.hyperspace + "/" + s.file);
      rows = *r;
    }
    const ParsedRow *row = nullptr;
    for (const ParsedRow &r : rows)
      if (r.line == s.line)
        row = &r;
    auto f = computeFeatures(row->row, inputs.at(s.hyperspace), o.features);
    if (!f) {
      std::fprintf(stderr, "error: %s/%s:%d: %s\n", s.hyperspace.c_str(),
                   s.file.c_str(), s.line, f.error().c_str());
      return 1;
    }
    s.features = *f;
    cacheOut << k;
    char buffer[40];
    for (unsigned j = 0; j < kNumLegacyFeatures; ++j) {
      double v = f->values[j];
      std::snprintf(buffer, sizeof buffer, ",%.9g", v);
      cacheOut << buffer;
    }
    cacheOut << "\n";
    cacheOut.flush();
    ++computed;
    auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - lastReport).count() >= 5 ||
        done == total) {
      lastReport = now;
      double seconds = std::chrono::duration<double>(now - start).count();
      std::fprintf(stderr,
                   "spaceevo-validate-quality: %zu/%zu rows (%s), %.1f rows/s, "
                   "~%.0f s left\n",
                   done, total, s.file.c_str(), computed / seconds,
                   (total - done) / (computed / seconds));
    }
  }

  // The model: fitted on mobilew only, from a file, or the built-in one.
  QualityModel model = QualityModel::builtin();
  // Without --model or --fit each hyperspace gets the model the pass gives
  // it by default (QualityModel::builtinFor).
  bool perHyperspace = o.modelFile.empty() && !o.fit;
  const QualityModel generic = QualityModel::generic();
  if (!o.modelFile.empty()) {
    std::ifstream in(o.modelFile);
    std::stringstream text;
    text << in.rdbuf();
    auto m = QualityModel::parse(text.str());
    if (!in || !m) {
      std::fprintf(stderr, "error: %s: %s\n", o.modelFile.c_str(),
                   in ? m.error().c_str() : "cannot be read");
      return 1;
    }
    model = *m;
  }
  if (o.fit) {
    FitOptions fo;
    fo.ridge = o.ridge;
    std::vector<std::string> names = o.fitFeatures;
    if (names.empty())
      for (unsigned k = 0; k < kNumFeatures; ++k)
        if (o.forward || !featureNeedsForwardPass(Feature(k)))
          names.push_back(std::string(featureName(Feature(k))));
    for (const std::string &n : names) {
      bool found = false;
      for (unsigned k = 0; k < kNumFeatures; ++k)
        if (featureName(Feature(k)) == n) {
          fo.features.push_back(Feature(k));
          found = true;
        }
      if (!found) {
        std::fprintf(stderr, "error: unknown feature '%s'\n", n.c_str());
        return 2;
      }
    }
    std::vector<FitSample> fitSamples;
    for (const Sample &s : samples)
      if (s.hyperspace == "mobilew")
        fitSamples.push_back({s.stage, s.features, s.loss});
    auto m = fitModel(fitSamples, fo);
    if (!m) {
      std::fprintf(stderr, "error: %s\n", m.error().c_str());
      return 1;
    }
    model = *m;
    std::printf("fitted on %zu mobilew rows:\n%s", fitSamples.size(),
                model.toText().c_str());
    if (!o.modelOut.empty()) {
      std::ofstream out(o.modelOut);
      out << model.toText();
    }
    if (o.holdout) {
      // Out-of-sample estimates of the mobilew rows: each fold is
      // predicted by a model fitted on the other folds only.
      std::vector<const Sample *> mobile;
      for (const Sample &s : samples)
        if (s.hyperspace == "mobilew")
          mobile.push_back(&s);
      std::map<std::string, int> rank; // position of a row in its file
      std::map<std::string, int> perFile;
      for (const Sample *s : mobile)
        rank[s->file + ":" + std::to_string(s->line)] = perFile[s->file]++;
      struct Scheme {
        std::string name;
        std::function<std::string(const Sample &)> fold;
      };
      std::vector<Scheme> schemes = {
          {"estimate, 2-fold rows",
           [&](const Sample &s) {
             return std::to_string(rank[s.file + ":" + std::to_string(s.line)] % 2);
           }},
          {"estimate, leave file",
           [](const Sample &s) { return s.file; }},
          {"estimate, leave block",
           [](const Sample &s) { return std::to_string(s.block); }},
      };
      std::vector<Estimator> outOfSample;
      std::vector<std::map<const Sample *, double>> predictions(schemes.size());
      for (size_t k = 0; k < schemes.size(); ++k) {
        std::map<std::string, std::vector<const Sample *>> folds;
        for (const Sample *s : mobile)
          folds[schemes[k].fold(*s)].push_back(s);
        for (auto &[name, members] : folds) {
          std::vector<FitSample> train;
          for (auto &[other, others] : folds)
            if (other != name)
              for (const Sample *s : others)
                train.push_back({s->stage, s->features, s->loss});
          auto fm = fitModel(train, fo);
          if (!fm) {
            std::fprintf(stderr, "error: holdout fit: %s\n", fm.error().c_str());
            return 1;
          }
          for (const Sample *s : members)
            predictions[k][s] = fm->estimate(s->stage, s->features);
        }
        outOfSample.push_back(
            {schemes[k].name,
             [&predictions, k](const Sample &s) { return predictions[k].at(&s); }});
      }
      outOfSample.insert(outOfSample.begin(),
                         {"estimate (in sample)", [&](const Sample &s) {
                            return model.estimate(s.stage, s.features);
                          }});
      printReport("mobilew out of sample", mobile, outOfSample);
    }
  }
  if (!o.dump.empty()) {
    std::ofstream out(o.dump);
    out << "hyperspace,file,line,stage,block,window,input,loss,mflops,params_m";
    for (unsigned k = 0; k < kNumFeatures; ++k)
      out << "," << featureName(Feature(k));
    out << "\n";
    for (const Sample &s : samples) {
      out << s.hyperspace << "," << s.file << "," << s.line << "," << s.stage
          << "," << s.block << "," << s.window << "," << s.inputHeight << ","
          << s.loss << "," << s.mflops << "," << s.paramsM;
      char buffer[40];
      for (double v : s.features.values) {
        std::snprintf(buffer, sizeof buffer, ",%.9g", v);
        out << buffer;
      }
      out << "\n";
    }
  }

  std::map<std::string, QualityModel> defaults;
  auto modelFor = [&](const std::string &hs) -> const QualityModel & {
    if (!perHyperspace)
      return model;
    auto it = defaults.find(hs);
    if (it == defaults.end())
      it = defaults.emplace(hs, QualityModel::builtinFor(hs)).first;
    return it->second;
  };
  std::vector<Estimator> estimators = {
      {"estimate", [&](const Sample &s) {
         return modelFor(s.hyperspace).estimate(s.stage, s.features);
       }},
      {"generic model", [&](const Sample &s) { return generic.estimate(s.stage, s.features); }},
      {"params (baseline)", [](const Sample &s) { return -s.paramsM; }},
      {"flops (baseline)", [](const Sample &s) { return -s.mflops; }},
  };
  for (unsigned k = 0; k < kNumFeatures; ++k) {
    Feature f = Feature(k);
    if (!o.forward && featureNeedsForwardPass(f))
      continue;
    // Capacity terms: more is better (lower loss); quantization noise: more
    // is worse.
    // Structural descriptors have no sign a priori: shown as is (higher
    // value, higher loss), marked (+).
    bool structural = k >= unsigned(Feature::SqueezeExcite);
    double sign = f == Feature::LogNsr || structural ? 1 : -1;
    estimators.push_back({std::string(featureName(f)) +
                              (structural ? " (+)" : " alone"),
                          [f, sign](const Sample &s) { return sign * s.features[f]; }});
  }
  std::printf("model:\n%s", model.toText().c_str());
  std::printf("rows: %lld per file, seed %llu, cache %s (%s)\n",
              (long long)o.rows, (unsigned long long)o.seed, o.cache.c_str(),
              key.c_str());
  for (const std::string &hs : o.hyperspaces) {
    std::vector<const Sample *> list;
    for (const Sample &s : samples)
      if (s.hyperspace == hs)
        list.push_back(&s);
    std::string used = !perHyperspace ? "the model above"
                       : hs == kBuiltinHyperspace ? "structural model"
                                                  : "generic model";
    printReport(hs + (hs == "mobilew" ? " (fit)" : " (held out)") +
                    ", estimate = " + used,
                list, estimators);
    if (o.verbose) {
      TauReport r = taus(list, estimators[0]);
      for (auto &[s, t] : r.fileMedian)
        std::printf("  stage%lld per-file median tau %.3f\n", (long long)s, t);
    }
    if (o.qtSpaces > 0) {
      auto shape = search::builtinShape(hs);
      if (!shape) {
        std::fprintf(stderr, "error: %s\n", shape.error().c_str());
        return 1;
      }
      std::vector<search::Space> spaces = randomSpaces(*shape, o.qtSpaces, o.seed);
      std::vector<double> published, estimated;
      if (!qtScores(hs, list, [](const Sample &s) { return s.loss; }, spaces, o,
                    published) ||
          !qtScores(hs, list,
                    [&](const Sample &s) {
                      return modelFor(hs).estimate(s.stage, s.features);
                    },
                    spaces, o, estimated))
        return 1;
      std::vector<double> p, e;
      for (size_t i = 0; i < spaces.size(); ++i)
        if (std::isfinite(published[i]) && std::isfinite(estimated[i])) {
          p.push_back(published[i]);
          e.push_back(estimated[i]);
        }
      std::printf("  Q-T (%zu of %zu random spaces scorable on the sampled rows, constraint %.1f ms, %lld subnets, "
                  "tables of the sampled rows, published latency): Spearman "
                  "estimate vs published loss %.3f\n",
                  p.size(), spaces.size(), o.qtConstraint[hs],
                  (long long)o.qtSamples, spearman(e, p));
    }
  }
  return 0;
}
