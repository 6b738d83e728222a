//===- CrashResilienceTest.cpp - SIGKILL mid-way loses nothing committed ---===//
//
// A child process records costs in a loop and reports each committed one
// through a pipe; the parent SIGKILLs it at an arbitrary point (often inside
// a commit), reopens the file and checks that every reported cost is there,
// the file is consistent, and recording resumes where it stopped. Several
// rounds, like a measuring run killed and restarted again and again.
//
//===----------------------------------------------------------------------===//

#include "spaceevo/cost/CostDatabase.h"

#include "TempDirectory.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>

using namespace spaceevo::cost;
using spaceevo::cost::testing::TempDirectory;

namespace {

DeviceFingerprint testDevice() {
  DeviceFingerprint device;
  device.cpuVendor = "GenuineTest";
  device.cpuModel = "Crash Test CPU";
  device.logicalCores = 2;
  device.isaFlags = {"avx512_vnni"};
  device.compiler = "gcc 12.2.0";
  return device;
}

std::string kernelName(int index) { return "conv2d kernel " + std::to_string(index); }

KernelCost costOf(int index, const DeviceFingerprint &device) {
  KernelCost cost;
  cost.signature = kernelName(index);
  cost.backend = "onednn";
  cost.deviceHash = device.hash();
  cost.medianUs = 100 + index;
  cost.p10Us = 90 + index;
  cost.p90Us = 120 + index;
  cost.runs = 10 + index;
  cost.warmupRuns = 3;
  cost.measuredAtUnixSeconds = 1700000000 + index;
  return cost;
}

/// The child: like a measuring run, skip kernels already recorded, record the
/// others one by one, report each index once committed. Never returns.
[[noreturn]] void recordUntilKilled(const std::string &path, int reportFd) {
  const DeviceFingerprint device = testDevice();
  Expected<CostDatabase> db = CostDatabase::open(path);
  if (!db.ok() || !db->addDevice(device).ok()) _exit(2);
  for (int index = 0; index < 100000; ++index) {
    Expected<std::optional<KernelCost>> known =
        db->lookup(kernelName(index), "onednn", device.hash());
    if (!known.ok()) _exit(3);
    if (known->has_value()) continue;
    if (!db->upsert(costOf(index, device)).ok()) _exit(4);
    if (write(reportFd, &index, sizeof(index)) != static_cast<ssize_t>(sizeof(index))) _exit(5);
  }
  _exit(0);
}

/// Reads one reported index; false on end of file or after a long silence.
bool readReport(int fd, int &index) {
  size_t got = 0;
  char *bytes = reinterpret_cast<char *>(&index);
  while (got < sizeof(index)) {
    pollfd waiting{fd, POLLIN, 0};
    const int ready = poll(&waiting, 1, 30000);
    if (ready <= 0) return false;
    const ssize_t n = read(fd, bytes + got, sizeof(index) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

TEST(CrashResilience, SigkilledWriterLosesNothingCommittedAndResumes) {
  TempDirectory scratch;
  ASSERT_TRUE(scratch.ok());
  const std::string path = scratch.file("costs.db");
  const DeviceFingerprint device = testDevice();
  std::set<int> committed;        // every index a child reported
  int64_t recordsBeforeRound = 0; // what the file held when the round began

  for (int round = 0; round < 3; ++round) {
    // Kill after a different number of new records each round.
    const size_t killAfter = 15 + 7 * static_cast<size_t>(round);
    int pipeFds[2];
    ASSERT_EQ(pipe(pipeFds), 0);
    // No connection is open in this process across fork (SQLite forbids it).
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(pipeFds[0]);
      recordUntilKilled(path, pipeFds[1]);
    }
    close(pipeFds[1]);
    size_t reportedThisRound = 0;
    int index = 0;
    while (reportedThisRound < killAfter && readReport(pipeFds[0], index)) {
      committed.insert(index);
      ++reportedThisRound;
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    // Reports written before the kill landed are committed too.
    size_t drained = 0;
    while (readReport(pipeFds[0], index)) {
      committed.insert(index);
      ++drained;
    }
    close(pipeFds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended on its own (exit code " << WEXITSTATUS(status)
        << ") before being killed: it failed to record";
    ASSERT_EQ(reportedThisRound, killAfter);

    Expected<CostDatabase> db = CostDatabase::open(path);
    ASSERT_TRUE(db.ok()) << db.error();
    Status integrity = db->checkIntegrity();
    ASSERT_TRUE(integrity.ok()) << integrity.error();
    for (int recorded : committed) {
      Expected<std::optional<KernelCost>> found =
          db->lookup(kernelName(recorded), "onednn", device.hash());
      ASSERT_TRUE(found.ok()) << found.error();
      ASSERT_TRUE(found->has_value())
          << "lost committed cost " << recorded << " in round " << round;
      EXPECT_EQ(**found, costOf(recorded, device));
    }
    // At most one commit per round can have completed without being
    // reported (killed between commit and write); the next child skips it.
    Expected<int64_t> count = db->count();
    ASSERT_TRUE(count.ok());
    const int64_t reported = static_cast<int64_t>(reportedThisRound + drained);
    EXPECT_GE(*count, recordsBeforeRound + reported);
    EXPECT_LE(*count, recordsBeforeRound + reported + 1);
    recordsBeforeRound = *count;
  }

  // Resumption: every round continued from the first missing kernel, so the
  // records are exactly kernels 0..n-1, and a new writer can add more.
  Expected<CostDatabase> db = CostDatabase::open(path);
  ASSERT_TRUE(db.ok()) << db.error();
  Expected<int64_t> count = db->count();
  ASSERT_TRUE(count.ok());
  for (int i = 0; i < *count; ++i)
    EXPECT_TRUE((*db->lookup(kernelName(i), "onednn", device.hash())).has_value()) << i;
  EXPECT_LT(*committed.rbegin(), *count);
  const int next = static_cast<int>(*count);
  ASSERT_TRUE(db->upsert(costOf(next, device)).ok());
  EXPECT_EQ(*db->count(), *count + 1);
  EXPECT_TRUE(db->checkIntegrity().ok());
}

} // namespace
