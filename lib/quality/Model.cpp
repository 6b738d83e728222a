//===- Model.cpp - From training-free features to a loss estimate --------===//
#include "spaceevo/quality/Model.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace spaceevo::quality {

const StageModel &QualityModel::forStage(int64_t stage) const {
  auto it = stages.find(stage);
  return it == stages.end() ? fallback : it->second;
}

double QualityModel::estimate(int64_t stage, const Features &features) const {
  const StageModel &m = forStage(stage);
  double loss = m.intercept;
  for (unsigned k = 0; k < kNumFeatures; ++k)
    loss += m.weights[k] * features.values[k];
  return loss;
}

bool QualityModel::uses(Feature feature) const {
  unsigned k = unsigned(feature);
  if (fallback.weights[k] != 0)
    return true;
  for (const auto &[stage, m] : stages)
    if (m.weights[k] != 0)
      return true;
  return false;
}

FeatureOptions QualityModel::requiredTerms(FeatureOptions options) const {
  options.quantization = uses(Feature::LogNsr);
  options.zen = uses(Feature::Zen);
  options.naswot = uses(Feature::Naswot);
  return options;
}

namespace {
void printStage(std::ostringstream &os, const StageModel &m) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, " %.9g", m.intercept);
  os << buffer;
  for (double w : m.weights) {
    std::snprintf(buffer, sizeof buffer, " %.9g", w);
    os << buffer;
  }
  os << "\n";
}
} // namespace

std::string QualityModel::toText() const {
  std::ostringstream os;
  os << "# intercept";
  for (unsigned k = 0; k < kNumFeatures; ++k)
    os << " " << featureName(Feature(k));
  os << "\n";
  for (const auto &[stage, m] : stages) {
    os << "stage " << stage;
    printStage(os, m);
  }
  os << "fallback";
  printStage(os, fallback);
  return os.str();
}

Expected<QualityModel> QualityModel::parse(const std::string &text) {
  using Result = Expected<QualityModel>;
  QualityModel model;
  bool haveFallback = false;
  std::istringstream in(text);
  std::string line;
  // Columns: by default every feature in Feature order; a header comment
  // "# intercept NAME..." names them (a model of an older feature set reads
  // with the missing terms at weight 0).
  std::vector<unsigned> columns;
  for (unsigned k = 0; k < kNumFeatures; ++k)
    columns.push_back(k);
  for (int lineNo = 1; std::getline(in, line); ++lineNo) {
    if (line.rfind("# intercept", 0) == 0) {
      std::istringstream names(line.substr(11));
      std::vector<unsigned> named;
      std::string name;
      while (names >> name) {
        unsigned k = 0;
        while (k < kNumFeatures && featureName(Feature(k)) != name)
          ++k;
        if (k == kNumFeatures)
          return Result::failure("model line " + std::to_string(lineNo) +
                                 ": unknown feature '" + name + "'");
        named.push_back(k);
      }
      columns = named;
      continue;
    }
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::string head;
    fields >> head;
    StageModel m;
    int64_t stage = 0;
    if (head == "stage") {
      if (!(fields >> stage))
        return Result::failure("model line " + std::to_string(lineNo) +
                               ": expected a stage index");
    } else if (head != "fallback") {
      return Result::failure("model line " + std::to_string(lineNo) +
                             ": expected 'stage' or 'fallback'");
    }
    if (!(fields >> m.intercept))
      return Result::failure("model line " + std::to_string(lineNo) +
                             ": expected an intercept");
    for (unsigned k : columns)
      if (!(fields >> m.weights[k]))
        return Result::failure("model line " + std::to_string(lineNo) +
                               ": expected " + std::to_string(columns.size()) +
                               " weights");
    std::string extra;
    if (fields >> extra)
      return Result::failure("model line " + std::to_string(lineNo) +
                             ": unexpected '" + extra + "'");
    if (head == "stage")
      model.stages[stage] = m;
    else {
      model.fallback = m;
      haveFallback = true;
    }
  }
  if (!haveFallback)
    return Result::failure("model has no 'fallback' line");
  return model;
}

namespace {

/// Solves (A + ridge I') x = b for a small symmetric system by Gaussian
/// elimination with partial pivoting; false when singular.
bool solve(std::vector<std::vector<double>> a, std::vector<double> b,
           std::vector<double> &x) {
  size_t n = b.size();
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[pivot][c]))
        pivot = r;
    if (std::fabs(a[pivot][c]) < 1e-300)
      return false;
    std::swap(a[c], a[pivot]);
    std::swap(b[c], b[pivot]);
    for (size_t r = c + 1; r < n; ++r) {
      double f = a[r][c] / a[c][c];
      for (size_t k = c; k < n; ++k)
        a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  x.assign(n, 0);
  for (size_t c = n; c-- > 0;) {
    double s = b[c];
    for (size_t k = c + 1; k < n; ++k)
      s -= a[c][k] * x[k];
    x[c] = s / a[c][c];
  }
  return true;
}

/// Ridge fit of y on the chosen columns of `rows` (each row already
/// centred when `centred`); returns raw-scale weights and intercept.
Expected<StageModel> ridgeFit(const std::vector<std::array<double, kNumFeatures>> &rows,
                              const std::vector<double> &y,
                              const std::vector<Feature> &use, double ridge) {
  size_t n = rows.size(), k = use.size();
  std::vector<double> mean(k, 0), sd(k, 0);
  double my = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < k; ++j)
      mean[j] += rows[i][unsigned(use[j])];
    my += y[i];
  }
  for (size_t j = 0; j < k; ++j)
    mean[j] /= double(n);
  my /= double(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) {
      double d = rows[i][unsigned(use[j])] - mean[j];
      sd[j] += d * d;
    }
  for (size_t j = 0; j < k; ++j)
    sd[j] = std::sqrt(sd[j] / double(n));
  std::vector<std::vector<double>> a(k, std::vector<double>(k, 0));
  std::vector<double> b(k, 0);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> z(k);
    for (size_t j = 0; j < k; ++j)
      z[j] = sd[j] > 0 ? (rows[i][unsigned(use[j])] - mean[j]) / sd[j] : 0;
    for (size_t p = 0; p < k; ++p) {
      b[p] += z[p] * (y[i] - my);
      for (size_t q = 0; q < k; ++q)
        a[p][q] += z[p] * z[q];
    }
  }
  for (size_t p = 0; p < k; ++p)
    a[p][p] += ridge * double(n);
  std::vector<double> x;
  if (!solve(a, b, x))
    return Expected<StageModel>::failure("fit: singular system");
  StageModel m;
  m.intercept = my;
  for (size_t j = 0; j < k; ++j) {
    double w = sd[j] > 0 ? x[j] / sd[j] : 0;
    m.weights[unsigned(use[j])] = w;
    m.intercept -= w * mean[j];
  }
  return m;
}

} // namespace

Expected<QualityModel> fitModel(const std::vector<FitSample> &samples,
                                const FitOptions &options) {
  using Result = Expected<QualityModel>;
  if (samples.empty())
    return Result::failure("fit: no samples");
  if (options.features.empty())
    return Result::failure("fit: no features");
  std::map<int64_t, std::vector<const FitSample *>> byStage;
  for (const FitSample &s : samples)
    byStage[s.stage].push_back(&s);
  QualityModel model;
  std::vector<std::array<double, kNumFeatures>> pooledRows;
  std::vector<double> pooledY;
  double globalMean = 0;
  for (const auto &[stage, list] : byStage) {
    if (list.size() < options.features.size() + 2)
      return Result::failure("fit: stage " + std::to_string(stage) + " has " +
                             std::to_string(list.size()) +
                             " samples, too few for " +
                             std::to_string(options.features.size()) +
                             " features");
    std::vector<std::array<double, kNumFeatures>> rows;
    std::vector<double> y;
    std::array<double, kNumFeatures> mean{};
    double my = 0;
    for (const FitSample *s : list) {
      rows.push_back(s->features.values);
      y.push_back(s->loss);
      for (unsigned k = 0; k < kNumFeatures; ++k)
        mean[k] += s->features.values[k] / double(list.size());
      my += s->loss / double(list.size());
    }
    auto m = ridgeFit(rows, y, options.features, options.ridge);
    if (!m)
      return Result::failure("fit: stage " + std::to_string(stage) + ": " +
                             m.error());
    model.stages[stage] = *m;
    for (size_t i = 0; i < rows.size(); ++i) {
      std::array<double, kNumFeatures> centred;
      for (unsigned k = 0; k < kNumFeatures; ++k)
        centred[k] = rows[i][k] - mean[k];
      pooledRows.push_back(centred);
      pooledY.push_back(y[i] - my);
    }
    globalMean += my;
  }
  globalMean /= double(byStage.size());
  auto fallback = ridgeFit(pooledRows, pooledY, options.features, options.ridge);
  if (!fallback)
    return Result::failure("fit: pooled: " + fallback.error());
  model.fallback = *fallback;
  // The pooled fit is of centred values: its intercept is ~0. Anchor it at
  // the mean loss of the stages, at their mean features.
  double anchor = globalMean;
  std::array<double, kNumFeatures> featureMean{};
  for (const FitSample &s : samples)
    for (unsigned k = 0; k < kNumFeatures; ++k)
      featureMean[k] += s.features.values[k] / double(samples.size());
  for (unsigned k = 0; k < kNumFeatures; ++k)
    anchor -= model.fallback.weights[k] * featureMean[k];
  model.fallback.intercept = anchor;
  return model;
}

} // namespace spaceevo::quality
