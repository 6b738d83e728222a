//===- CostDatabase.h - Measured kernel costs in SQLite ---------*- C++ -*-===//
//
// The cost database stores one measured cost per (kernel signature, backend,
// device fingerprint hash). It is an SQLite file in WAL mode, so readers never
// block the one writer, and each upsert is its own transaction committed with
// synchronous=FULL by default: a process killed (even with SIGKILL) between or
// during upserts loses nothing already upserted, and the file stays
// consistent. FULL also survives power loss; a measurement takes far longer
// than the fsync it costs, so durability is cheap here (NORMAL is an option
// for bulk imports: in WAL mode it is still safe against process crashes).
//
// Costs are per device: lookups take a device hash and never fall back to
// another device's numbers. devices() tells what the file does hold, so a
// caller can say "this database has costs for device X only".
//
// Times are in microseconds (double) throughout: kernels take 1 us to 100 ms,
// and a double in us keeps sub-microsecond resolution.
//
// A CostDatabase is one SQLite connection; its methods are serialized by an
// internal mutex. Other threads or processes should open their own.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_COST_COSTDATABASE_H
#define SPACEEVO_COST_COSTDATABASE_H

#include "spaceevo/cost/DeviceFingerprint.h"
#include "spaceevo/cost/Errors.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spaceevo::cost {

/// One measured kernel cost.
struct KernelCost {
  /// Opaque canonical kernel description made by the caller, e.g.
  /// "conv2d k3 s1 in 1x56x56x64 out 64 u8s8 pc rescale relu threads=1".
  /// Everything that changes the cost (shapes, quantization, threads) must be
  /// in it: the database compares signatures as exact strings.
  std::string signature;
  std::string backend;    ///< e.g. "onednn", "halide", "reference"
  std::string deviceHash; ///< DeviceFingerprint::hash() of the measuring machine
  /// Mean of the timed runs: what --spaceevo-predict-latency sums. Absent
  /// for costs recorded with schema version 1, which kept only percentiles.
  std::optional<double> meanUs;
  double medianUs = 0;
  double p10Us = 0;
  double p90Us = 0;
  int64_t runs = 0;       ///< timed runs behind the percentiles (>= 1)
  int64_t warmupRuns = 0; ///< untimed runs before them
  int64_t measuredAtUnixSeconds = 0;

  bool operator==(const KernelCost &other) const;
};

/// A device that has an entry in the database.
struct DeviceEntry {
  std::string hash;
  std::string fingerprint; ///< DeviceFingerprint::canonical() text
  int64_t costCount = 0;
};

enum class Durability {
  Full,   ///< synchronous=FULL: survives process kill and power loss (default)
  Normal, ///< synchronous=NORMAL: survives process kill; the last commits may
          ///< roll back after a power loss
};

struct OpenOptions {
  /// Open an existing database without writing to it (no creation, no schema
  /// set-up); upserts then fail with an error.
  bool readOnly = false;
  /// How long to wait for another connection's write lock before failing.
  int busyTimeoutMs = 10000;
  Durability durability = Durability::Full;
  /// Run PRAGMA quick_check when opening, so a damaged file is reported at
  /// once rather than at some later query. Cost grows with the file size
  /// (milliseconds for tens of thousands of costs).
  bool verifyOnOpen = true;
};

class CostDatabase {
public:
  /// The schema this build writes. Files with a higher version are refused
  /// (a newer spaceevo wrote them). Version 2 added each cost's mean.
  static constexpr int kSchemaVersion = 2;

  /// Opens (creating if missing, unless readOnly) the database at path.
  /// A file of an older schema version is upgraded in place in one
  /// transaction (its costs keep their values; version-1 costs have no
  /// mean); opened read-only it is read as it is.
  /// Errors, never crashes, for: a file that is not SQLite or is corrupt, an
  /// SQLite file with another application's schema (left untouched), a schema
  /// from a future version, an unwritable location.
  static Expected<CostDatabase> open(const std::string &path, const OpenOptions &options = {});

  CostDatabase(CostDatabase &&other) noexcept;
  CostDatabase &operator=(CostDatabase &&other) noexcept;
  CostDatabase(const CostDatabase &) = delete;
  CostDatabase &operator=(const CostDatabase &) = delete;
  ~CostDatabase();

  const std::string &path() const;

  /// The schema version of the file as opened (kSchemaVersion unless an
  /// older file was opened read-only).
  int schemaVersion() const;

  /// Records a device (idempotent). Error if a different fingerprint already
  /// has the same hash, which would otherwise mix two devices' costs.
  Status addDevice(const DeviceFingerprint &device);

  /// Inserts the cost or replaces the one with the same (signature, backend,
  /// deviceHash). Committed before returning. Errors for invalid values
  /// (empty keys, negative or non-finite times, p10 > median > p90, runs < 1)
  /// for a device not added with addDevice first, and for a database opened
  /// read-only.
  Status upsert(const KernelCost &cost);

  /// The cost measured on this device, or nullopt. Never another device's.
  Expected<std::optional<KernelCost>>
  lookup(const std::string &signature, const std::string &backend, const std::string &deviceHash);

  /// All costs of one device, ordered by (signature, backend).
  Expected<std::vector<KernelCost>> costsForDevice(const std::string &deviceHash);

  /// Number of costs, all devices together, or of one device.
  Expected<int64_t> count();
  Expected<int64_t> countForDevice(const std::string &deviceHash);

  /// Every device in the file with how many costs it has, ordered by hash.
  Expected<std::vector<DeviceEntry>> devices();

  /// PRAGMA integrity_check: ok, or an error listing what is wrong.
  Status checkIntegrity();

private:
  struct Impl;
  explicit CostDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// A cost from a measurement's numbers, stamped with the current time.
KernelCost makeKernelCost(std::string signature, std::string backend,
                          const DeviceFingerprint &device, double meanUs, double medianUs,
                          double p10Us, double p90Us, int64_t runs, int64_t warmupRuns);

/// One sentence on which devices a database has costs for, relative to the
/// device asking, for diagnostics: e.g. "the cost database has no costs for
/// this device (AMD EPYC (2 cores, avx512_vnni) [0123...]); it has 240 costs
/// for device 89ab... (v1;vendor=...) only".
std::string describeDeviceCoverage(const std::vector<DeviceEntry> &devicesInDatabase,
                                   const DeviceFingerprint &thisDevice);

} // namespace spaceevo::cost

#endif // SPACEEVO_COST_COSTDATABASE_H
