//===- TempDirectory.h - A scratch directory per test ------------*- C++ -*-===//
#ifndef SPACEEVO_TEST_COST_TEMPDIRECTORY_H
#define SPACEEVO_TEST_COST_TEMPDIRECTORY_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace spaceevo::cost::testing {

/// A fresh directory under the test temp dir, removed with its contents.
class TempDirectory {
public:
  TempDirectory() {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base += '/';
    std::string pattern = base + "spaceevo-cost-XXXXXX";
    if (mkdtemp(pattern.data())) directory = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
  }
  TempDirectory(const TempDirectory &) = delete;
  TempDirectory &operator=(const TempDirectory &) = delete;

  bool ok() const { return !directory.empty(); }
  const std::string &path() const { return directory; }
  std::string file(const std::string &name) const { return directory + "/" + name; }

private:
  std::string directory;
};

} // namespace spaceevo::cost::testing

#endif // SPACEEVO_TEST_COST_TEMPDIRECTORY_H
