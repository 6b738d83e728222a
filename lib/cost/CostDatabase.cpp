//===- CostDatabase.cpp - Measured kernel costs in SQLite ------------------===//

#include "spaceevo/cost/CostDatabase.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <thread>

namespace spaceevo::cost {

namespace {

constexpr const char *kApplicationName = "spaceevo-cost";

// Schema version 1. Costs reference their device so that a cost can never
// exist without the full fingerprint text that explains its hash.
constexpr const char *kSchemaV1 = R"sql(
CREATE TABLE schema_version(
  application TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE TABLE devices(
  hash TEXT PRIMARY KEY NOT NULL,
  fingerprint TEXT NOT NULL,
  first_seen INTEGER NOT NULL
);
CREATE TABLE costs(
  signature TEXT NOT NULL,
  backend TEXT NOT NULL,
  device_hash TEXT NOT NULL REFERENCES devices(hash),
  median_us REAL NOT NULL,
  p10_us REAL NOT NULL,
  p90_us REAL NOT NULL,
  runs INTEGER NOT NULL,
  warmup_runs INTEGER NOT NULL,
  measured_at INTEGER NOT NULL,
  PRIMARY KEY(signature, backend, device_hash)
);
-- The primary key starts with the signature; listing a device's costs needs this.
CREATE INDEX costs_by_device ON costs(device_hash);
)sql";

// Upgrades, in order: kMigrations[v - 1] takes version v to v + 1. A new
// file is created at version 1 and upgraded like an old one, so new and
// upgraded files have the same schema by construction.
// Version 2: the mean of the timed runs (NULL for costs measured before).
constexpr const char *kMigrations[] = {
    "ALTER TABLE costs ADD COLUMN mean_us REAL",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == CostDatabase::kSchemaVersion - 1,
              "one migration per schema version after the first");

// The columns read and written, per schema version (each adds to the last).
#define SPACEEVO_COST_COLUMNS_V1                                                                   \
  "signature, backend, device_hash, median_us, p10_us, p90_us, runs, warmup_runs, measured_at"
constexpr const char *kCostColumnsV1 = SPACEEVO_COST_COLUMNS_V1;
constexpr const char *kCostColumns = SPACEEVO_COST_COLUMNS_V1 ", mean_us";
#undef SPACEEVO_COST_COLUMNS_V1

/// Owns a prepared statement.
class Statement {
public:
  Statement() = default;
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;
  ~Statement() { sqlite3_finalize(handle); }
  sqlite3_stmt *handle = nullptr;
};

std::string columnText(sqlite3_stmt *statement, int column) {
  const unsigned char *text = sqlite3_column_text(statement, column);
  return text ? reinterpret_cast<const char *>(text) : "";
}

KernelCost costFromRow(sqlite3_stmt *row) {
  KernelCost cost;
  cost.signature = columnText(row, 0);
  cost.backend = columnText(row, 1);
  cost.deviceHash = columnText(row, 2);
  cost.medianUs = sqlite3_column_double(row, 3);
  cost.p10Us = sqlite3_column_double(row, 4);
  cost.p90Us = sqlite3_column_double(row, 5);
  cost.runs = sqlite3_column_int64(row, 6);
  cost.warmupRuns = sqlite3_column_int64(row, 7);
  cost.measuredAtUnixSeconds = sqlite3_column_int64(row, 8);
  // A version-1 file opened read-only is selected without this column.
  if (sqlite3_column_count(row) > 9 && sqlite3_column_type(row, 9) != SQLITE_NULL)
    cost.meanUs = sqlite3_column_double(row, 9);
  return cost;
}

std::string joined(const std::vector<std::string> &items) {
  std::string text;
  for (const std::string &item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

} // namespace

bool KernelCost::operator==(const KernelCost &other) const {
  return signature == other.signature && backend == other.backend &&
         deviceHash == other.deviceHash && meanUs == other.meanUs && medianUs == other.medianUs &&
         p10Us == other.p10Us &&
         p90Us == other.p90Us && runs == other.runs && warmupRuns == other.warmupRuns &&
         measuredAtUnixSeconds == other.measuredAtUnixSeconds;
}

struct CostDatabase::Impl {
  sqlite3 *db = nullptr;
  std::string path;
  bool readOnly = false;
  int version = 0; ///< schema version of the open file
  std::mutex mutex;

  /// The cost columns this file has.
  const char *costColumns() const { return version >= 2 ? kCostColumns : kCostColumnsV1; }

  ~Impl() {
    if (db) sqlite3_close_v2(db);
  }

  Error failure(const std::string &what) const {
    return makeError("cost database '" + path + "': " + what + ": " +
                     (db ? sqlite3_errmsg(db) : "no connection"));
  }

  Status exec(const char *sql, const std::string &what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return failure(what);
    return Status::success();
  }

  /// Compiling a statement reads the schema, so this is where a file that is
  /// not SQLite (or is damaged) first fails: `what` says what was attempted.
  Status prepare(const std::string &sql, Statement &statement, const std::string &what) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement.handle, nullptr) != SQLITE_OK)
      return failure(what);
    return Status::success();
  }

  /// Runs a statement that returns one text column per row.
  /// `busyRetryMs` > 0 retries the statement while the file is busy, up
  /// to that long (for statements SQLite refuses at once instead of calling
  /// the busy handler).
  Expected<std::vector<std::string>> textRows(const std::string &sql, const std::string &what,
                                              int busyRetryMs = 0) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(busyRetryMs);
    for (int attempt = 0;; ++attempt) {
      Statement statement;
      if (Status prepared = prepare(sql, statement, what); !prepared)
        return makeError(prepared.error());
      std::vector<std::string> rows;
      int rc;
      while ((rc = sqlite3_step(statement.handle)) == SQLITE_ROW)
        rows.push_back(columnText(statement.handle, 0));
      if (rc == SQLITE_DONE) return rows;
      if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline)
        return failure(what);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 20)));
    }
  }

  /// Tables other than SQLite's own. The first read of the file: a file that
  /// is not SQLite fails here, before anything is written to it.
  Expected<std::vector<std::string>> userTables() {
    Expected<std::vector<std::string>> tables =
        textRows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                 "ORDER BY name",
                 "not a readable SQLite database (or a damaged one)");
    return tables;
  }

  /// Runs `work` in one IMMEDIATE transaction: the write lock is taken
  /// first, so two processes doing the same schema change at once do it
  /// once (the second sees the first's result under the lock). Rolled back
  /// whole when `work` fails or the process dies.
  template <typename Work> Status inImmediateTransaction(const std::string &what, Work work) {
    if (Status begun = exec("BEGIN IMMEDIATE", "cannot start a transaction for " + what); !begun) return begun;
    if (Status done = work(); !done) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return done;
    }
    return exec("COMMIT", "cannot commit " + what);
  }

  Status createSchemaIfEmpty() {
    return inImmediateTransaction("the new schema", [&]() -> Status {
      Expected<std::vector<std::string>> tables = userTables();
      if (!tables) return makeError(tables.error());
      if (!tables->empty()) return Status::success();
      if (Status created = exec(kSchemaV1, "cannot create the schema"); !created) return created;
      const std::string version = "INSERT INTO schema_version(application, version) VALUES('" +
                                  std::string(kApplicationName) + "', 1)";
      if (Status recorded = exec(version.c_str(), "cannot record the schema version"); !recorded)
        return recorded;
      return applyMigrations(1);
    });
  }

  /// Upgrades the schema from `from` to kSchemaVersion inside the caller's
  /// transaction.
  Status applyMigrations(int from) {
    for (int version = from; version < CostDatabase::kSchemaVersion; ++version) {
      const std::string what = "cannot upgrade the schema from version " +
                               std::to_string(version) + " to " + std::to_string(version + 1);
      if (Status migrated = exec(kMigrations[version - 1], what); !migrated) return migrated;
      const std::string record = "UPDATE schema_version SET version = " +
                                 std::to_string(version + 1);
      if (Status recorded = exec(record.c_str(), what); !recorded) return recorded;
    }
    return Status::success();
  }

  /// Brings an older file to this build's schema in one IMMEDIATE
  /// transaction (two processes opening it at once upgrade it once: the
  /// second re-reads the version under the lock). A killed upgrade rolls
  /// back whole.
  Status upgrade() {
    Status upgraded = inImmediateTransaction("the schema upgrade", [&]() -> Status {
      Expected<int64_t> current = readVersion();
      if (!current) return makeError(current.error());
      return applyMigrations(static_cast<int>(*current));
    });
    if (upgraded) version = CostDatabase::kSchemaVersion;
    return upgraded;
  }

  /// The version row of schema_version, checked to be spaceevo's.
  Expected<int64_t> readVersion() {
    Statement statement;
    if (Status prepared = prepare("SELECT application, version FROM schema_version", statement,
                                  "cannot read the schema version");
        !prepared)
      return makeError(prepared.error());
    int rows = 0;
    std::string application;
    int64_t found = 0;
    bool versionIsInteger = false;
    int rc;
    while ((rc = sqlite3_step(statement.handle)) == SQLITE_ROW) {
      ++rows;
      application = columnText(statement.handle, 0);
      versionIsInteger = sqlite3_column_type(statement.handle, 1) == SQLITE_INTEGER;
      found = sqlite3_column_int64(statement.handle, 1);
    }
    if (rc != SQLITE_DONE) return failure("cannot read the schema version");
    if (rows != 1 || application != kApplicationName || !versionIsInteger)
      return makeError("cost database '" + path +
                       "': schema_version does not hold one spaceevo-cost version row; "
                       "not a spaceevo cost database, or a damaged one");
    return found;
  }

  Status checkSchema(const std::vector<std::string> &tables) {
    auto has = [&](const char *name) {
      for (const std::string &table : tables)
        if (table == name) return true;
      return false;
    };
    if (!has("schema_version"))
      return makeError("cost database '" + path +
                       "': an SQLite database but not a spaceevo cost database (it has tables " +
                       joined(tables) +
                       " and no schema_version table); refusing to use or change it");
    Expected<int64_t> read = readVersion();
    if (!read) return makeError(read.error());
    const int64_t version = *read;
    if (version > kSchemaVersion)
      return makeError("cost database '" + path + "': written with schema version " +
                       std::to_string(version) + ", newer than the version this build reads (" +
                       std::to_string(kSchemaVersion) +
                       "); use a newer spaceevo or another database file");
    if (version < 1)
      return makeError("cost database '" + path + "': invalid schema version " +
                       std::to_string(version));
    for (const char *required : {"devices", "costs"})
      if (!has(required))
        return makeError("cost database '" + path + "': schema version " + std::to_string(version) +
                         " but table '" + required + "' is missing (damaged database)");
    this->version = static_cast<int>(version);
    return Status::success();
  }

  Status configure(const OpenOptions &options) {
    if (!readOnly) {
      // WAL: readers and the writer do not block each other, and a commit is
      // one append to the log, which recovery replays or discards whole.
      // The switch needs the file to itself, and SQLite refuses it at once
      // (no busy handler) while another connection holds the new file:
      // retried up to the busy timeout. WAL is recorded in the file, so
      // once any connection switched, the others only read it.
      Expected<std::vector<std::string>> mode =
          textRows("PRAGMA journal_mode=WAL", "cannot switch to WAL mode", options.busyTimeoutMs);
      if (!mode) return makeError(mode.error());
      if (mode->size() != 1 || (*mode)[0] != "wal")
        return makeError("cost database '" + path +
                         "': the file system does not allow WAL mode (journal mode stays '" +
                         (mode->empty() ? std::string("?") : (*mode)[0]) + "')");
    }
    const char *synchronous = options.durability == Durability::Full ? "PRAGMA synchronous=FULL"
                                                                     : "PRAGMA synchronous=NORMAL";
    if (Status set = exec(synchronous, "cannot set the synchronous mode"); !set) return set;
    if (Status set = exec("PRAGMA foreign_keys=ON", "cannot enable foreign keys"); !set) return set;
    if (options.verifyOnOpen) {
      Expected<std::vector<std::string>> check =
          textRows("PRAGMA quick_check", "the consistency check failed");
      if (!check) return makeError(check.error());
      if (check->size() != 1 || (*check)[0] != "ok")
        return makeError("cost database '" + path + "': damaged: " + joined(*check));
    }
    return Status::success();
  }
};

CostDatabase::CostDatabase(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
CostDatabase::CostDatabase(CostDatabase &&other) noexcept = default;
CostDatabase &CostDatabase::operator=(CostDatabase &&other) noexcept = default;
CostDatabase::~CostDatabase() = default;

const std::string &CostDatabase::path() const { return impl->path; }

int CostDatabase::schemaVersion() const { return impl->version; }

Expected<CostDatabase> CostDatabase::open(const std::string &path, const OpenOptions &options) {
  if (path.empty()) return makeError("cost database: empty path");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->readOnly = options.readOnly;
  // NOMUTEX: the Impl mutex already serializes use of this connection.
  const int flags =
      (options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK)
    return impl->failure("cannot open");
  sqlite3_extended_result_codes(impl->db, 1);
  sqlite3_busy_timeout(impl->db, options.busyTimeoutMs);

  Expected<std::vector<std::string>> tables = impl->userTables();
  if (!tables) return makeError(tables.error());
  if (tables->empty()) {
    if (options.readOnly)
      return makeError("cost database '" + path + "': empty (no schema) and opened read-only");
    if (Status created = impl->createSchemaIfEmpty(); !created) return makeError(created.error());
    tables = impl->userTables();
    if (!tables) return makeError(tables.error());
  }
  // Checked before configure(): an unrelated or newer file is left as it was.
  if (Status schema = impl->checkSchema(*tables); !schema) return makeError(schema.error());
  if (impl->version < kSchemaVersion && !options.readOnly)
    if (Status upgraded = impl->upgrade(); !upgraded) return makeError(upgraded.error());
  if (Status configured = impl->configure(options); !configured)
    return makeError(configured.error());
  return CostDatabase(std::move(impl));
}

Status CostDatabase::addDevice(const DeviceFingerprint &device) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  const std::string hash = device.hash();
  const std::string text = device.canonical();
  {
    Statement insert;
    if (Status prepared =
            impl->prepare("INSERT INTO devices(hash, fingerprint, first_seen) VALUES(?1, ?2, ?3) "
                          "ON CONFLICT(hash) DO NOTHING",
                          insert, "cannot add device " + hash);
        !prepared)
      return prepared;
    sqlite3_bind_text(insert.handle, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert.handle, 2, text.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert.handle, 3, static_cast<int64_t>(std::time(nullptr)));
    if (sqlite3_step(insert.handle) != SQLITE_DONE)
      return impl->failure("cannot add device " + hash);
  }
  Statement select;
  if (Status prepared = impl->prepare("SELECT fingerprint FROM devices WHERE hash = ?1", select,
                                      "cannot read back device " + hash);
      !prepared)
    return prepared;
  sqlite3_bind_text(select.handle, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(select.handle) != SQLITE_ROW)
    return impl->failure("cannot read back device " + hash);
  const std::string stored = columnText(select.handle, 0);
  if (stored != text)
    return makeError("cost database '" + impl->path + "': device hash " + hash +
                     " already belongs to another fingerprint ('" + stored + "' vs '" + text +
                     "'); refusing to mix their costs");
  return Status::success();
}

Status CostDatabase::upsert(const KernelCost &cost) {
  auto invalid = [&](const std::string &why) {
    return Status(makeError("cost database '" + impl->path + "': invalid cost for '" +
                            cost.signature + "' (" + cost.backend + "): " + why));
  };
  if (cost.signature.empty()) return invalid("empty signature");
  if (cost.backend.empty()) return invalid("empty backend");
  if (cost.deviceHash.empty()) return invalid("empty device hash");
  for (double time : {cost.medianUs, cost.p10Us, cost.p90Us, cost.meanUs.value_or(0)})
    if (!std::isfinite(time) || time < 0) return invalid("times must be finite and >= 0");
  if (!(cost.p10Us <= cost.medianUs && cost.medianUs <= cost.p90Us))
    return invalid("expected p10 <= median <= p90");
  if (cost.runs < 1) return invalid("runs must be >= 1");
  if (cost.warmupRuns < 0) return invalid("warm-up runs must be >= 0");
  if (impl->readOnly)
    return makeError("cost database '" + impl->path + "': opened read-only; cannot record costs");

  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement upsert;
  const std::string sql =
      std::string("INSERT INTO costs(") + kCostColumns +
      ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(signature, backend, device_hash) DO UPDATE SET "
      "median_us = excluded.median_us, p10_us = excluded.p10_us, p90_us = excluded.p90_us, "
      "runs = excluded.runs, warmup_runs = excluded.warmup_runs, "
      "measured_at = excluded.measured_at, mean_us = excluded.mean_us";
  if (Status prepared =
          impl->prepare(sql, upsert, "cannot record the cost of '" + cost.signature + "'");
      !prepared)
    return prepared;
  sqlite3_bind_text(upsert.handle, 1, cost.signature.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert.handle, 2, cost.backend.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert.handle, 3, cost.deviceHash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(upsert.handle, 4, cost.medianUs);
  sqlite3_bind_double(upsert.handle, 5, cost.p10Us);
  sqlite3_bind_double(upsert.handle, 6, cost.p90Us);
  sqlite3_bind_int64(upsert.handle, 7, cost.runs);
  sqlite3_bind_int64(upsert.handle, 8, cost.warmupRuns);
  sqlite3_bind_int64(upsert.handle, 9, cost.measuredAtUnixSeconds);
  if (cost.meanUs)
    sqlite3_bind_double(upsert.handle, 10, *cost.meanUs);
  else
    sqlite3_bind_null(upsert.handle, 10);
  // Outside an explicit transaction the statement is its own transaction:
  // when step returns DONE the cost is committed (and, with FULL, synced).
  const int rc = sqlite3_step(upsert.handle);
  if (rc == SQLITE_DONE) return Status::success();
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return makeError("cost database '" + impl->path + "': device " + cost.deviceHash +
                     " is not in the database; call addDevice with its fingerprint first");
  return impl->failure("cannot record the cost of '" + cost.signature + "'");
}

Expected<std::optional<KernelCost>> CostDatabase::lookup(const std::string &signature,
                                                         const std::string &backend,
                                                         const std::string &deviceHash) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement select;
  const std::string sql = std::string("SELECT ") + impl->costColumns() +
                          " FROM costs WHERE signature = ?1 AND backend = ?2 AND device_hash = ?3";
  if (Status prepared = impl->prepare(sql, select, "cannot look up '" + signature + "'"); !prepared)
    return makeError(prepared.error());
  sqlite3_bind_text(select.handle, 1, signature.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(select.handle, 2, backend.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(select.handle, 3, deviceHash.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(select.handle);
  if (rc == SQLITE_ROW) return std::optional<KernelCost>(costFromRow(select.handle));
  if (rc == SQLITE_DONE) return std::optional<KernelCost>();
  return impl->failure("cannot look up '" + signature + "'");
}

Expected<std::vector<KernelCost>> CostDatabase::costsForDevice(const std::string &deviceHash) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement select;
  const std::string sql = std::string("SELECT ") + impl->costColumns() +
                          " FROM costs WHERE device_hash = ?1 ORDER BY signature, backend";
  if (Status prepared = impl->prepare(sql, select, "cannot list the costs of device " + deviceHash);
      !prepared)
    return makeError(prepared.error());
  sqlite3_bind_text(select.handle, 1, deviceHash.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<KernelCost> costs;
  int rc;
  while ((rc = sqlite3_step(select.handle)) == SQLITE_ROW)
    costs.push_back(costFromRow(select.handle));
  if (rc != SQLITE_DONE) return impl->failure("cannot list the costs of device " + deviceHash);
  return costs;
}

Expected<int64_t> CostDatabase::count() {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement select;
  if (Status prepared = impl->prepare("SELECT COUNT(*) FROM costs", select, "cannot count costs");
      !prepared)
    return makeError(prepared.error());
  if (sqlite3_step(select.handle) != SQLITE_ROW) return impl->failure("cannot count costs");
  return static_cast<int64_t>(sqlite3_column_int64(select.handle, 0));
}

Expected<int64_t> CostDatabase::countForDevice(const std::string &deviceHash) {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement select;
  if (Status prepared = impl->prepare("SELECT COUNT(*) FROM costs WHERE device_hash = ?1", select,
                                      "cannot count the costs of device " + deviceHash);
      !prepared)
    return makeError(prepared.error());
  sqlite3_bind_text(select.handle, 1, deviceHash.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(select.handle) != SQLITE_ROW)
    return impl->failure("cannot count the costs of device " + deviceHash);
  return static_cast<int64_t>(sqlite3_column_int64(select.handle, 0));
}

Expected<std::vector<DeviceEntry>> CostDatabase::devices() {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Statement select;
  if (Status prepared = impl->prepare("SELECT d.hash, d.fingerprint, "
                                      "(SELECT COUNT(*) FROM costs c WHERE c.device_hash = d.hash) "
                                      "FROM devices d ORDER BY d.hash",
                                      select, "cannot list devices");
      !prepared)
    return makeError(prepared.error());
  std::vector<DeviceEntry> entries;
  int rc;
  while ((rc = sqlite3_step(select.handle)) == SQLITE_ROW)
    entries.push_back(DeviceEntry{columnText(select.handle, 0), columnText(select.handle, 1),
                                  sqlite3_column_int64(select.handle, 2)});
  if (rc != SQLITE_DONE) return impl->failure("cannot list devices");
  return entries;
}

Status CostDatabase::checkIntegrity() {
  std::lock_guard<std::mutex> lock(impl->mutex);
  Expected<std::vector<std::string>> integrity =
      impl->textRows("PRAGMA integrity_check", "the integrity check failed");
  if (!integrity) return makeError(integrity.error());
  if (integrity->size() != 1 || (*integrity)[0] != "ok")
    return makeError("cost database '" + impl->path + "': damaged: " + joined(*integrity));
  // Rows of foreign_key_check name costs whose device is missing.
  Expected<std::vector<std::string>> orphans =
      impl->textRows("PRAGMA foreign_key_check", "the foreign key check failed");
  if (!orphans) return makeError(orphans.error());
  if (!orphans->empty())
    return makeError("cost database '" + impl->path + "': " + std::to_string(orphans->size()) +
                     " costs reference unknown devices");
  return Status::success();
}

KernelCost makeKernelCost(std::string signature, std::string backend,
                          const DeviceFingerprint &device, double meanUs, double medianUs,
                          double p10Us, double p90Us, int64_t runs, int64_t warmupRuns) {
  KernelCost cost;
  cost.signature = std::move(signature);
  cost.backend = std::move(backend);
  cost.deviceHash = device.hash();
  cost.meanUs = meanUs;
  cost.medianUs = medianUs;
  cost.p10Us = p10Us;
  cost.p90Us = p90Us;
  cost.runs = runs;
  cost.warmupRuns = warmupRuns;
  cost.measuredAtUnixSeconds = static_cast<int64_t>(std::time(nullptr));
  return cost;
}

std::string describeDeviceCoverage(const std::vector<DeviceEntry> &devicesInDatabase,
                                   const DeviceFingerprint &thisDevice) {
  const std::string thisHash = thisDevice.hash();
  int64_t ownCount = 0;
  std::vector<std::string> others;
  for (const DeviceEntry &entry : devicesInDatabase) {
    if (entry.hash == thisHash) {
      ownCount = entry.costCount;
    } else if (entry.costCount > 0) {
      others.push_back(std::to_string(entry.costCount) + " costs for device " + entry.hash + " (" +
                       entry.fingerprint + ")");
    }
  }
  std::string text = "the cost database has ";
  text += ownCount > 0 ? std::to_string(ownCount) + " costs" : std::string("no costs");
  text += " for this device (" + thisDevice.summary() + ")";
  if (others.empty()) return text + (ownCount > 0 ? "" : " and none for any other device");
  return text + (ownCount > 0 ? "; it also has " : "; it has ") + joined(others) +
         (ownCount > 0 ? "" : " only");
}

} // namespace spaceevo::cost
