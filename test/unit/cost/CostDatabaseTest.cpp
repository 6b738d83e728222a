//===- CostDatabaseTest.cpp - Round trips, isolation, refusing bad files ---===//

#include "spaceevo/cost/CostDatabase.h"

#include "TempDirectory.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>

using namespace spaceevo::cost;
using spaceevo::cost::testing::TempDirectory;

namespace {

DeviceFingerprint makeDevice(const std::string &model, int cores) {
  DeviceFingerprint device;
  device.cpuVendor = "GenuineTest";
  device.cpuModel = model;
  device.logicalCores = cores;
  device.isaFlags = {"avx2", "avx512_vnni", "avx512f"};
  device.compiler = "gcc 12.2.0";
  device.libraries = {{"onednn", "2.6.3"}};
  return device;
}

KernelCost makeCost(const std::string &signature, const DeviceFingerprint &device, double median,
                    const std::string &backend = "onednn") {
  KernelCost cost;
  cost.signature = signature;
  cost.backend = backend;
  cost.deviceHash = device.hash();
  cost.meanUs = median * 1.05;
  cost.medianUs = median;
  cost.p10Us = median * 0.9;
  cost.p90Us = median * 1.2;
  cost.runs = 25;
  cost.warmupRuns = 3;
  cost.measuredAtUnixSeconds = 1700000000;
  return cost;
}

/// Raw SQLite access, for setting up files the library must refuse and for
/// looking at what it wrote.
std::string querySingleText(const std::string &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  std::string result = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      const unsigned char *text = sqlite3_column_text(statement, 0);
      result = text ? reinterpret_cast<const char *>(text) : "";
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return result;
}

bool execRaw(const std::string &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) == SQLITE_OK &&
            sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(db);
  return ok;
}

std::string readBytes(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Set-up data needs no power-loss durability; skipping the fsync per
/// commit keeps the tests fast.
OpenOptions bulkFill() {
  OpenOptions options;
  options.durability = Durability::Normal;
  return options;
}

class CostDatabaseTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(scratch.ok()); }

  CostDatabase openOrFail(const std::string &path, const OpenOptions &options = {}) {
    Expected<CostDatabase> db = CostDatabase::open(path, options);
    EXPECT_TRUE(db.ok()) << db.error();
    return std::move(db).value();
  }

  /// A file with one cost of deviceA ("conv", median 50) in the version-1
  /// layout that builds before the mean column wrote: written by this
  /// build, then the mean column dropped and the version set back.
  void writeVersion1File(const std::string &path) {
    {
      CostDatabase db = openOrFail(path);
      ASSERT_TRUE(db.addDevice(deviceA).ok());
      ASSERT_TRUE(db.upsert(makeCost("conv", deviceA, 50)).ok());
    }
    ASSERT_TRUE(execRaw(path, "ALTER TABLE costs DROP COLUMN mean_us;"
                              "UPDATE schema_version SET version = 1"));
  }

  TempDirectory scratch;
  DeviceFingerprint deviceA = makeDevice("Test CPU A", 2);
  DeviceFingerprint deviceB = makeDevice("Test CPU B", 8);
};

TEST_F(CostDatabaseTest, CreatesAnEmptyDatabaseInWalMode) {
  const std::string path = scratch.file("costs.db");
  {
    CostDatabase db = openOrFail(path);
    EXPECT_EQ(db.path(), path);
    Expected<int64_t> count = db.count();
    ASSERT_TRUE(count.ok()) << count.error();
    EXPECT_EQ(*count, 0);
    Expected<std::vector<DeviceEntry>> devices = db.devices();
    ASSERT_TRUE(devices.ok()) << devices.error();
    EXPECT_TRUE(devices->empty());
    EXPECT_TRUE(db.checkIntegrity().ok());
  }
  EXPECT_EQ(querySingleText(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(querySingleText(path, "SELECT version FROM schema_version"),
            std::to_string(CostDatabase::kSchemaVersion));
  // Opening again finds the schema and keeps it.
  CostDatabase reopened = openOrFail(path);
  EXPECT_TRUE(reopened.checkIntegrity().ok());
}

TEST_F(CostDatabaseTest, AnEmptyFileBecomesADatabase) {
  const std::string path = scratch.file("empty.db");
  writeBytes(path, "");
  CostDatabase db = openOrFail(path);
  EXPECT_EQ(*db.count(), 0);
}

TEST_F(CostDatabaseTest, InsertedCostsReadBackExactlyAfterReopening) {
  const std::string path = scratch.file("costs.db");
  const KernelCost conv = makeCost("conv2d k3 s1 in 1x56x56x64 out 64 u8s8", deviceA, 123.456);
  const KernelCost depthwise = makeCost("dwconv k5 s2 in 1x28x28x96 u8s8", deviceA, 7.25, "halide");
  {
    CostDatabase db = openOrFail(path);
    ASSERT_TRUE(db.addDevice(deviceA).ok());
    Status inserted = db.upsert(conv);
    ASSERT_TRUE(inserted.ok()) << inserted.error();
    ASSERT_TRUE(db.upsert(depthwise).ok());
  }
  CostDatabase db = openOrFail(path);
  Expected<std::optional<KernelCost>> found = db.lookup(conv.signature, "onednn", deviceA.hash());
  ASSERT_TRUE(found.ok()) << found.error();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, conv);
  // The backend is part of the key.
  Expected<std::optional<KernelCost>> otherBackend =
      db.lookup(conv.signature, "halide", deviceA.hash());
  ASSERT_TRUE(otherBackend.ok());
  EXPECT_FALSE(otherBackend->has_value());

  Expected<std::vector<KernelCost>> all = db.costsForDevice(deviceA.hash());
  ASSERT_TRUE(all.ok()) << all.error();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], conv); // ordered by signature
  EXPECT_EQ((*all)[1], depthwise);
  EXPECT_EQ(*db.count(), 2);
  EXPECT_EQ(*db.countForDevice(deviceA.hash()), 2);
}

TEST_F(CostDatabaseTest, UpsertReplacesTheCostWithTheSameKey) {
  CostDatabase db = openOrFail(scratch.file("costs.db"));
  ASSERT_TRUE(db.addDevice(deviceA).ok());
  ASSERT_TRUE(db.upsert(makeCost("add 1x14x14x160", deviceA, 10)).ok());
  KernelCost remeasured = makeCost("add 1x14x14x160", deviceA, 12);
  remeasured.runs = 40;
  remeasured.measuredAtUnixSeconds = 1800000000;
  ASSERT_TRUE(db.upsert(remeasured).ok());
  EXPECT_EQ(*db.count(), 1);
  Expected<std::optional<KernelCost>> found =
      db.lookup("add 1x14x14x160", "onednn", deviceA.hash());
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, remeasured);
}

TEST_F(CostDatabaseTest, CostsOfAnotherDeviceAreNeverReturned) {
  CostDatabase db = openOrFail(scratch.file("costs.db"));
  ASSERT_TRUE(db.addDevice(deviceA).ok());
  ASSERT_TRUE(db.addDevice(deviceA).ok()); // idempotent
  ASSERT_TRUE(db.upsert(makeCost("conv", deviceA, 50)).ok());
  ASSERT_TRUE(db.upsert(makeCost("pool", deviceA, 5)).ok());

  // Device B is not in the file at all: nothing to find, and a clear report.
  Expected<std::optional<KernelCost>> missing = db.lookup("conv", "onednn", deviceB.hash());
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  Expected<std::vector<KernelCost>> none = db.costsForDevice(deviceB.hash());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  Expected<std::vector<DeviceEntry>> devices = db.devices();
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].hash, deviceA.hash());
  EXPECT_EQ((*devices)[0].fingerprint, deviceA.canonical());
  EXPECT_EQ((*devices)[0].costCount, 2);
  const std::string report = describeDeviceCoverage(*devices, deviceB);
  EXPECT_NE(report.find("no costs for this device"), std::string::npos) << report;
  EXPECT_NE(report.find(deviceA.hash()), std::string::npos) << report;
  EXPECT_NE(report.find("only"), std::string::npos) << report;

  // B measures the same kernel: both costs live side by side.
  ASSERT_TRUE(db.addDevice(deviceB).ok());
  ASSERT_TRUE(db.upsert(makeCost("conv", deviceB, 20)).ok());
  EXPECT_EQ((*db.lookup("conv", "onednn", deviceA.hash()))->medianUs, 50);
  EXPECT_EQ((*db.lookup("conv", "onednn", deviceB.hash()))->medianUs, 20);
  EXPECT_EQ(*db.countForDevice(deviceB.hash()), 1);
  EXPECT_EQ(*db.count(), 3);
  const std::string both = describeDeviceCoverage(*db.devices(), deviceB);
  EXPECT_NE(both.find("has 1 costs for this device"), std::string::npos) << both;
  EXPECT_NE(both.find("also"), std::string::npos) << both;
}

TEST_F(CostDatabaseTest, CostsNeedARegisteredDevice) {
  CostDatabase db = openOrFail(scratch.file("costs.db"));
  Status inserted = db.upsert(makeCost("conv", deviceA, 50));
  ASSERT_FALSE(inserted.ok());
  EXPECT_NE(inserted.error().find("addDevice"), std::string::npos) << inserted.error();
  EXPECT_EQ(*db.count(), 0);
}

TEST_F(CostDatabaseTest, InvalidCostsAreRejected) {
  CostDatabase db = openOrFail(scratch.file("costs.db"));
  ASSERT_TRUE(db.addDevice(deviceA).ok());
  std::vector<KernelCost> invalid(9, makeCost("conv", deviceA, 50));
  invalid[0].signature.clear();
  invalid[1].backend.clear();
  invalid[2].p10Us = invalid[2].medianUs + 1;
  invalid[3].p90Us = invalid[3].medianUs - 1;
  invalid[4].medianUs = std::numeric_limits<double>::quiet_NaN();
  invalid[5].runs = 0;
  invalid[6].deviceHash.clear();
  invalid[7].meanUs = -1;
  invalid[8].meanUs = std::numeric_limits<double>::infinity();
  for (const KernelCost &cost : invalid) {
    Status inserted = db.upsert(cost);
    EXPECT_FALSE(inserted.ok());
    EXPECT_FALSE(inserted.error().empty());
  }
  EXPECT_EQ(*db.count(), 0);
}

TEST_F(CostDatabaseTest, AHashTakenByAnotherFingerprintIsRefused) {
  const std::string path = scratch.file("costs.db");
  { CostDatabase db = openOrFail(path); }
  // Simulate a hash collision: the hash of A already names other text.
  ASSERT_TRUE(execRaw(path, "INSERT INTO devices VALUES('" + deviceA.hash() +
                                "', 'v1;vendor=someone else', 0)"));
  CostDatabase db = openOrFail(path);
  Status added = db.addDevice(deviceA);
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.error().find("another fingerprint"), std::string::npos) << added.error();
}

TEST_F(CostDatabaseTest, GarbageFileIsAClearErrorAndIsLeftAlone) {
  const std::string path = scratch.file("garbage.db");
  std::string garbage(8192, '\0');
  uint32_t state = 12345;
  for (char &byte : garbage) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  writeBytes(path, garbage);
  Expected<CostDatabase> db = CostDatabase::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find(path), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("not a database"), std::string::npos) << db.error();
  EXPECT_EQ(readBytes(path), garbage);
}

TEST_F(CostDatabaseTest, DamagedPagesAreReportedNotCrashedOn) {
  const std::string path = scratch.file("damaged.db");
  {
    CostDatabase db = openOrFail(path, bulkFill());
    ASSERT_TRUE(db.addDevice(deviceA).ok());
    for (int i = 0; i < 300; ++i)
      ASSERT_TRUE(db.upsert(makeCost("kernel number " + std::to_string(i) +
                                         " with a long signature to fill pages",
                                     deviceA, 10 + i))
                      .ok());
  } // the last connection closing checkpoints the WAL into the file
  std::string bytes = readBytes(path);
  ASSERT_GT(bytes.size(), 4u * 4096);
  // Keep page 1 (header and schema), scribble over the next pages.
  for (size_t i = 4096; i < bytes.size() - 4096; ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  writeBytes(path, bytes);

  Expected<CostDatabase> db = CostDatabase::open(path);
  if (db.ok()) {
    // If the damage escaped the quick check it must surface as errors.
    EXPECT_FALSE(db->checkIntegrity().ok());
  } else {
    EXPECT_NE(db.error().find(path), std::string::npos) << db.error();
  }
}

TEST_F(CostDatabaseTest, AnotherApplicationsDatabaseIsRefusedUntouched) {
  const std::string path = scratch.file("other.db");
  ASSERT_TRUE(execRaw(path, "CREATE TABLE people(name TEXT, age INTEGER);"
                            "INSERT INTO people VALUES('ada', 36);"));
  const std::string before = readBytes(path);
  Expected<CostDatabase> db = CostDatabase::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find("not a spaceevo cost database"), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("people"), std::string::npos) << db.error();
  EXPECT_EQ(readBytes(path), before);
  EXPECT_EQ(querySingleText(path, "PRAGMA journal_mode"), "delete");
}

TEST_F(CostDatabaseTest, AFutureSchemaVersionIsRefused) {
  const std::string path = scratch.file("future.db");
  { CostDatabase db = openOrFail(path); }
  ASSERT_TRUE(execRaw(path, "UPDATE schema_version SET version = 7"));
  Expected<CostDatabase> db = CostDatabase::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find("schema version 7"), std::string::npos) << db.error();
  EXPECT_NE(db.error().find("newer"), std::string::npos) << db.error();
}


TEST_F(CostDatabaseTest, AVersion1FileIsUpgradedKeepingItsCosts) {
  const std::string path = scratch.file("v1.db");
  writeVersion1File(path);
  ASSERT_EQ(querySingleText(path, "SELECT version FROM schema_version"), "1");
  {
    CostDatabase db = openOrFail(path);
    EXPECT_EQ(db.schemaVersion(), CostDatabase::kSchemaVersion);
    Expected<std::optional<KernelCost>> old = db.lookup("conv", "onednn", deviceA.hash());
    ASSERT_TRUE(old.ok() && old->has_value()) << old.error();
    EXPECT_EQ((*old)->medianUs, 50);
    EXPECT_EQ((*old)->runs, 25);
    EXPECT_FALSE((*old)->meanUs.has_value()); // version 1 never measured it
    KernelCost remeasured = makeCost("conv", deviceA, 48);
    ASSERT_TRUE(db.upsert(remeasured).ok());
    EXPECT_EQ(**db.lookup("conv", "onednn", deviceA.hash()), remeasured);
    EXPECT_TRUE(db.checkIntegrity().ok());
  }
  EXPECT_EQ(querySingleText(path, "SELECT version FROM schema_version"),
            std::to_string(CostDatabase::kSchemaVersion));
  // Upgraded once: opening again changes nothing.
  CostDatabase again = openOrFail(path);
  EXPECT_EQ(*again.count(), 1);
}

TEST_F(CostDatabaseTest, AVersion1FileOpenedReadOnlyIsReadAsItIs) {
  const std::string path = scratch.file("v1.db");
  writeVersion1File(path);
  OpenOptions readOnly;
  readOnly.readOnly = true;
  CostDatabase db = openOrFail(path, readOnly);
  EXPECT_EQ(db.schemaVersion(), 1);
  Expected<std::vector<KernelCost>> costs = db.costsForDevice(deviceA.hash());
  ASSERT_TRUE(costs.ok()) << costs.error();
  ASSERT_EQ(costs->size(), 1u);
  EXPECT_EQ((*costs)[0].medianUs, 50);
  EXPECT_FALSE((*costs)[0].meanUs.has_value());
  EXPECT_EQ(querySingleText(path, "SELECT version FROM schema_version"), "1");
}

TEST_F(CostDatabaseTest, AMissingTableIsReportedAsDamage) {
  const std::string path = scratch.file("partial.db");
  { CostDatabase db = openOrFail(path); }
  ASSERT_TRUE(execRaw(path, "DROP TABLE costs"));
  Expected<CostDatabase> db = CostDatabase::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().find("'costs' is missing"), std::string::npos) << db.error();
}

TEST_F(CostDatabaseTest, UnopenablePathsAreErrors) {
  EXPECT_FALSE(CostDatabase::open("").ok());
  Expected<CostDatabase> directory = CostDatabase::open(scratch.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_FALSE(directory.error().empty());
  Expected<CostDatabase> noParent = CostDatabase::open(scratch.file("no/such/dir/costs.db"));
  ASSERT_FALSE(noParent.ok());
  EXPECT_NE(noParent.error().find("cannot open"), std::string::npos) << noParent.error();
}

TEST_F(CostDatabaseTest, ReadOnlyOpeningReadsButNeverWrites) {
  const std::string path = scratch.file("costs.db");
  OpenOptions readOnly;
  readOnly.readOnly = true;
  EXPECT_FALSE(CostDatabase::open(path, readOnly).ok()); // no file to read
  {
    CostDatabase db = openOrFail(path);
    ASSERT_TRUE(db.addDevice(deviceA).ok());
    ASSERT_TRUE(db.upsert(makeCost("conv", deviceA, 50)).ok());
  }
  CostDatabase db = openOrFail(path, readOnly);
  Expected<std::optional<KernelCost>> found = db.lookup("conv", "onednn", deviceA.hash());
  ASSERT_TRUE(found.ok() && found->has_value()) << found.error();
  Status inserted = db.upsert(makeCost("pool", deviceA, 5));
  ASSERT_FALSE(inserted.ok());
  EXPECT_NE(inserted.error().find("read-only"), std::string::npos) << inserted.error();
}

TEST_F(CostDatabaseTest, ConcurrentReadersSeeConsistentCostsWhileOneWrites) {
  const std::string path = scratch.file("costs.db");
  constexpr int kInitialCosts = 100;
  constexpr int kWrites = 30;
  {
    CostDatabase db = openOrFail(path, bulkFill());
    ASSERT_TRUE(db.addDevice(deviceA).ok());
    for (int i = 0; i < kInitialCosts; ++i)
      ASSERT_TRUE(db.upsert(makeCost("k" + std::to_string(i), deviceA, 1 + i)).ok());
  }
  std::atomic<int> failures{0};
  std::atomic<bool> writerDone{false};
  auto reader = [&] {
    Expected<CostDatabase> db = CostDatabase::open(path);
    if (!db.ok()) {
      ++failures;
      return;
    }
    for (int round = 0; round < 3 || !writerDone; ++round) {
      for (int i = 0; i < kInitialCosts; ++i) {
        Expected<std::optional<KernelCost>> found =
            db->lookup("k" + std::to_string(i), "onednn", deviceA.hash());
        if (!found.ok() || !found->has_value() || (*found)->medianUs != 1 + i) ++failures;
      }
      Expected<int64_t> count = db->count();
      if (!count.ok() || *count < kInitialCosts || *count > kInitialCosts + kWrites) ++failures;
      if (round > 1000) break; // the writer is done long before; never spin forever
    }
  };
  auto writer = [&] {
    Expected<CostDatabase> db = CostDatabase::open(path);
    if (!db.ok()) {
      ++failures;
    } else {
      for (int i = 0; i < kWrites; ++i)
        if (!db->upsert(makeCost("new" + std::to_string(i), deviceA, 3)).ok()) ++failures;
    }
    writerDone = true;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(reader);
  threads.emplace_back(writer);
  for (std::thread &thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  CostDatabase db = openOrFail(path);
  EXPECT_EQ(*db.count(), kInitialCosts + kWrites);
  EXPECT_TRUE(db.checkIntegrity().ok());
}

TEST_F(CostDatabaseTest, ConnectionsCreatingTheSameNewFileAgreeOnOneSchema) {
  const std::string path = scratch.file("fresh.db");
  std::mutex errorsMutex;
  std::vector<std::string> errors; // what each failing connection said
  auto fail = [&](const std::string &error) {
    std::lock_guard<std::mutex> lock(errorsMutex);
    errors.push_back(error);
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Expected<CostDatabase> db = CostDatabase::open(path);
      if (!db.ok()) return fail(db.error());
      if (Status added = db->addDevice(deviceA); !added) return fail(added.error());
      if (Status stored = db->upsert(makeCost("kernel" + std::to_string(i), deviceA, 1)); !stored)
        return fail(stored.error());
    });
  }
  for (std::thread &thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  CostDatabase db = openOrFail(path);
  EXPECT_EQ(*db.count(), 4);
  EXPECT_EQ(querySingleText(path, "SELECT COUNT(*) FROM schema_version"), "1");
}

TEST_F(CostDatabaseTest, ACommittedCostIsVisibleToAnotherConnectionAtOnce) {
  const std::string path = scratch.file("costs.db");
  CostDatabase writer = openOrFail(path);
  CostDatabase reader = openOrFail(path);
  ASSERT_TRUE(writer.addDevice(deviceA).ok());
  ASSERT_TRUE(writer.upsert(makeCost("conv", deviceA, 50)).ok());
  Expected<std::optional<KernelCost>> found = reader.lookup("conv", "onednn", deviceA.hash());
  ASSERT_TRUE(found.ok() && found->has_value());
}

TEST_F(CostDatabaseTest, MakeKernelCostStampsDeviceAndTime) {
  const KernelCost cost = makeKernelCost("conv", "onednn", deviceA, 10.5, 10, 9, 12, 20, 3);
  EXPECT_EQ(cost.deviceHash, deviceA.hash());
  EXPECT_EQ(cost.meanUs, 10.5);
  EXPECT_EQ(cost.medianUs, 10);
  EXPECT_GT(cost.measuredAtUnixSeconds, 1600000000);
  EXPECT_EQ(cost.runs, 20);
  EXPECT_EQ(cost.warmupRuns, 3);
}

} // namespace
