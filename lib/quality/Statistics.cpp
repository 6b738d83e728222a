//===- Statistics.cpp - Rank correlations ---------------------------------===//
#include "spaceevo/quality/Statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace spaceevo::quality {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
int sign(double v) { return (v > 0) - (v < 0); }
} // namespace

double kendallTau(const std::vector<double> &x, const std::vector<double> &y) {
  size_t n = std::min(x.size(), y.size());
  if (n < 2)
    return kNaN;
  double concordant = 0, pairsX = 0, pairsY = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      int a = sign(x[i] - x[j]), b = sign(y[i] - y[j]);
      concordant += a * b;
      pairsX += a != 0;
      pairsY += b != 0;
    }
  if (pairsX == 0 || pairsY == 0)
    return kNaN;
  return concordant / std::sqrt(pairsX * pairsY);
}

std::vector<double> ranks(const std::vector<double> &values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> r(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
      ++j;
    double rank = (double(i) + double(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k)
      r[order[k]] = rank;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double> &x, const std::vector<double> &y) {
  size_t n = std::min(x.size(), y.size());
  if (n < 2)
    return kNaN;
  std::vector<double> rx = ranks({x.begin(), x.begin() + n});
  std::vector<double> ry = ranks({y.begin(), y.begin() + n});
  double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
  double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx == 0 || syy == 0)
    return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

double median(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty())
    return kNaN;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace spaceevo::quality
