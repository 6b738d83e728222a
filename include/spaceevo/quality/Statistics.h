//===- Statistics.h - Rank correlations for validating the estimate -*- C++ -*-===//
#ifndef SPACEEVO_QUALITY_STATISTICS_H
#define SPACEEVO_QUALITY_STATISTICS_H

#include <vector>

namespace spaceevo::quality {

/// Kendall's tau-b (ties in either list handled); NaN when fewer than two
/// values or when one list is constant. O(n^2).
double kendallTau(const std::vector<double> &x, const std::vector<double> &y);

/// Spearman's rank correlation (average ranks for ties); NaN as above.
double spearman(const std::vector<double> &x, const std::vector<double> &y);

/// Average ranks (1-based; ties share their mean rank).
std::vector<double> ranks(const std::vector<double> &values);

/// Median of the finite values (NaN when there are none).
double median(std::vector<double> values);

} // namespace spaceevo::quality

#endif // SPACEEVO_QUALITY_STATISTICS_H
