//===- DeviceFingerprint.h - What a measured cost depends on ----*- C++ -*-===//
//
// A cost measured on one machine is only valid on a machine that would run
// the same code the same way: same CPU, same ISA extensions, same core count,
// same kernel libraries and compiler. A DeviceFingerprint collects these, has
// a stable canonical text (one line, fixed key order, format "v1") and a short
// hash of that text which keys the cost database.
//
// detectHostFingerprint() reads /proc/cpuinfo and the versions known at build
// time. Tests (and tools that want to pretend to be another device) build the
// struct directly or parse a canonical text.
//
//===----------------------------------------------------------------------===//
#ifndef SPACEEVO_COST_DEVICEFINGERPRINT_H
#define SPACEEVO_COST_DEVICEFINGERPRINT_H

#include "spaceevo/cost/Errors.h"

#include <map>
#include <string>
#include <vector>

namespace spaceevo::cost {

struct DeviceFingerprint {
  std::string cpuVendor;   ///< /proc/cpuinfo "vendor_id", e.g. "AuthenticAMD"
  std::string cpuModel;    ///< "model name", e.g. "AMD EPYC 9B45"
  std::string cpuFamily;   ///< "cpu family" (distinguishes generations when
  std::string cpuModelId;  ///< "model"       the model name is generic, as
  std::string cpuStepping; ///< "stepping"    on virtual machines)
  int logicalCores = 0;    ///< number of "processor" entries
  /// The ISA extensions that change kernel code paths (see relevantIsaFlags),
  /// sorted and unique.
  std::vector<std::string> isaFlags;
  std::string compiler; ///< e.g. "gcc 12.2.0"
  /// Kernel libraries and their versions, e.g. {"onednn": "2.6.3", "halide": "14"}.
  std::map<std::string, std::string> libraries;

  /// One line, stable across runs and builds: "v1;vendor=...;model=...;...".
  /// Values are sanitized (';', '=', ',' and control characters become ' ').
  std::string canonical() const;
  /// 16 lowercase hex digits: 64-bit FNV-1a of canonical().
  std::string hash() const;
  /// Short human description: "AMD EPYC (2 cores, avx512_vnni) [hash]".
  std::string summary() const;

  bool hasIsa(const std::string &flag) const;
  /// Sorts and deduplicates isaFlags (canonical() does not depend on the
  /// order they were added in either way).
  void normalize();

  /// Inverse of canonical(): parse(fp.canonical()) == fp after normalize().
  static Expected<DeviceFingerprint> parseCanonical(const std::string &text);

  bool operator==(const DeviceFingerprint &other) const;
  bool operator!=(const DeviceFingerprint &other) const { return !(*this == other); }
};

/// The ISA extensions kept in a fingerprint (AVX2/AVX-512 variants, VNNI,
/// BF16, FP16, AMX, ...). Other /proc/cpuinfo flags (e.g. hypervisor or
/// mitigation flags) vary between identical machines and would split costs.
const std::vector<std::string> &relevantIsaFlags();

/// Builds the CPU part of a fingerprint from /proc/cpuinfo text (first
/// processor's fields, number of processors). Libraries and compiler are
/// left empty. Error if the text has no "processor" entry.
Expected<DeviceFingerprint> fingerprintFromCpuInfo(const std::string &cpuinfoText);

/// Kernel library versions known to lib/cost: oneDNN (when built with
/// SPACEEVO_COST_HAVE_DNNL, read from dnnl_version() at run time) and Halide
/// (SPACEEVO_COST_HALIDE_VERSION, from the build).
std::map<std::string, std::string> buildLibraryVersions();
/// The compiler that built lib/cost (and, in one build, the runtime), e.g. "gcc 12.2.0".
std::string compilerVersion();

/// This machine: /proc/cpuinfo + buildLibraryVersions() + compilerVersion().
Expected<DeviceFingerprint> detectHostFingerprint();

/// Size in bytes of this CPU's last-level cache (Linux sysfs, cpu0's
/// highest-level unified or data cache), or 0 when it cannot be read.
size_t lastLevelCacheBytes();
/// Parses a sysfs cache size such as "32768K", "1M" or "512"; 0 if malformed.
size_t parseCacheSize(const std::string &text);

} // namespace spaceevo::cost

#endif // SPACEEVO_COST_DEVICEFINGERPRINT_H
