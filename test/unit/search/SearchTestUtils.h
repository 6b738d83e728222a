//===- SearchTestUtils.h - Temp-dir block tables for search tests -*- C++ -*-===//
#ifndef SPACEEVO_TEST_UNIT_SEARCH_SEARCHTESTUTILS_H
#define SPACEEVO_TEST_UNIT_SEARCH_SEARCHTESTUTILS_H

#include "spaceevo/search/BlockTables.h"
#include "spaceevo/search/Random.h"
#include "spaceevo/search/SearchSpaceShape.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace spaceevo::search::testing {

/// A fresh directory under the test temp dir, removed with the object.
class TempDir {
public:
  TempDir() {
    std::string base = ::testing::TempDir();
    if (base.empty()) base = "/tmp/";
    if (base.back() != '/') base += '/';
    std::string pattern = base + "spaceevo-search-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    char *made = mkdtemp(buffer.data());
    path_ = made ? std::string(made) : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string &path() const { return path_; }

  void write(const std::string &name, const std::string &content) const {
    std::ofstream out(path_ + "/" + name, std::ios::binary);
    out << content;
  }

private:
  std::string path_;
};

/// One CSV row: square input of height `height`.
inline std::string row(const std::string &layers, int channels, int height, double loss,
                       double latencyMs) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, "%s,1x%dx%dx%d,%.4f,1.0,0.01,%.4f\n", layers.c_str(),
                channels, height, height, loss, latencyMs);
  return buffer;
}

/// A shape whose stages keep the resolution (all strides 1), so every row's
/// input height is the resolution itself.
inline SearchSpaceShape flatShape(std::vector<int> blockCounts, std::vector<int> windowCounts,
                                  std::vector<int> resolutions, std::vector<double> fixedMs) {
  SearchSpaceShape shape;
  shape.name = "tiny";
  shape.stageStrides.assign(blockCounts.size(), 1);
  shape.blockCounts = std::move(blockCounts);
  shape.windowCounts = std::move(windowCounts);
  shape.stemStride = 1;
  shape.resolutions = std::move(resolutions);
  shape.fixedLatencyMs = std::move(fixedMs);
  return shape;
}

/// Writes a random table for every (stage, block, window) of `shape`:
/// `rowsPerResolution` rows per resolution, 4-decimal losses and latencies.
inline void writeRandomTables(const TempDir &dir, const SearchSpaceShape &shape,
                              int rowsPerResolution, uint64_t seed) {
  Xoshiro256 rng(seed);
  for (int s = 0; s < shape.numStages(); ++s)
    for (int b = 0; b < shape.blockCounts[s]; ++b)
      for (int w = 0; w < shape.windowCounts[s]; ++w) {
        std::string text;
        for (int resolution : shape.resolutions)
          for (int i = 0; i < rowsPerResolution; ++i) {
            const double loss = 0.05 + 0.5 * rng.uniform() + 0.05 * b;
            const double latency = 0.2 + 2.0 * rng.uniform() * (1 + w) * resolution / 224.0;
            text += row("3#" + std::to_string(16 * (w + 1)) + "#" + std::to_string(i), 16,
                        shape.stageInputSize(s, resolution), loss, latency);
          }
        dir.write(tableFileName(StageKey{s + 1, b, w}), text);
      }
}

/// The published tables, or "" when SPACEEVO_BLOCK_LUT is unset.
inline std::string publishedTables(const std::string &hyperspace) {
  const char *root = std::getenv("SPACEEVO_BLOCK_LUT");
  if (!root || !*root) return "";
  std::string path = std::string(root) + "/" + hyperspace;
  if (!std::filesystem::exists(path + "/stage1_0_0.csv")) return "";
  return path;
}

} // namespace spaceevo::search::testing

#endif // SPACEEVO_TEST_UNIT_SEARCH_SEARCHTESTUTILS_H
