//===- DeviceFingerprint.cpp - CPU, ISA and library versions ---------------===//

#include "spaceevo/cost/DeviceFingerprint.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifdef SPACEEVO_COST_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

namespace spaceevo::cost {

namespace {

constexpr const char *kFormatTag = "v1";

std::string trim(const std::string &text) {
  const char *space = " \t\r\n";
  const size_t begin = text.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(space);
  return text.substr(begin, end - begin + 1);
}

// The canonical text uses ';', '=' and ',' as separators, so they may not
// appear inside a value; neither may line breaks (the text is one line).
std::string sanitize(const std::string &value) {
  std::string cleaned = value;
  for (char &c : cleaned)
    if (c == ';' || c == '=' || c == ',' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  return trim(cleaned);
}

std::vector<std::string> split(const std::string &text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

uint64_t fnv1a64(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

} // namespace

const std::vector<std::string> &relevantIsaFlags() {
  static const std::vector<std::string> flags = {
      "sse4_2",       "avx",         "avx2",        "fma",         "f16c",       "avx512f",
      "avx512dq",     "avx512cd",    "avx512bw",    "avx512vl",    "avx512ifma", "avx512vbmi",
      "avx512_vbmi2", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni",   "avx_vnni_int8",
      "amx_tile",     "amx_int8",    "amx_bf16",    "amx_fp16"};
  return flags;
}

void DeviceFingerprint::normalize() {
  std::sort(isaFlags.begin(), isaFlags.end());
  isaFlags.erase(std::unique(isaFlags.begin(), isaFlags.end()), isaFlags.end());
}

bool DeviceFingerprint::hasIsa(const std::string &flag) const {
  return std::find(isaFlags.begin(), isaFlags.end(), flag) != isaFlags.end();
}

std::string DeviceFingerprint::canonical() const {
  std::vector<std::string> flags;
  for (const std::string &flag : isaFlags) flags.push_back(sanitize(flag));
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());

  std::string text = kFormatTag;
  auto field = [&](const char *key, const std::string &value) {
    text += ';';
    text += key;
    text += '=';
    text += sanitize(value);
  };
  field("vendor", cpuVendor);
  field("model", cpuModel);
  field("family", cpuFamily);
  field("model_id", cpuModelId);
  field("stepping", cpuStepping);
  field("cores", std::to_string(logicalCores));
  text += ";isa=";
  for (size_t i = 0; i < flags.size(); ++i) {
    if (i) text += ',';
    text += flags[i];
  }
  field("compiler", compiler);
  // std::map iterates in key order, so library order is canonical too.
  for (const auto &[name, version] : libraries) field(("lib." + sanitize(name)).c_str(), version);
  return text;
}

std::string DeviceFingerprint::hash() const {
  char digits[17];
  std::snprintf(digits, sizeof(digits), "%016llx",
                static_cast<unsigned long long>(fnv1a64(canonical())));
  return digits;
}

std::string DeviceFingerprint::summary() const {
  std::string text = cpuModel.empty() ? "unknown CPU" : cpuModel;
  text += " (" + std::to_string(logicalCores) + " cores";
  // The one or two flags that decide INT8 kernel speed, when present.
  for (const char *flag : {"amx_int8", "avx512_vnni", "avx_vnni"}) {
    if (hasIsa(flag)) {
      text += std::string(", ") + flag;
      break;
    }
  }
  text += ") [" + hash() + "]";
  return text;
}

bool DeviceFingerprint::operator==(const DeviceFingerprint &other) const {
  return canonical() == other.canonical();
}

Expected<DeviceFingerprint> DeviceFingerprint::parseCanonical(const std::string &text) {
  const std::vector<std::string> parts = split(trim(text), ';');
  if (parts.empty() || parts[0] != kFormatTag)
    return makeError("device fingerprint '" + text + "': expected format tag '" + kFormatTag +
                     "' at the start");
  DeviceFingerprint fingerprint;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t equals = parts[i].find('=');
    if (equals == std::string::npos)
      return makeError("device fingerprint: field '" + parts[i] + "' has no '='");
    const std::string key = parts[i].substr(0, equals);
    const std::string value = parts[i].substr(equals + 1);
    if (key == "vendor") {
      fingerprint.cpuVendor = value;
    } else if (key == "model") {
      fingerprint.cpuModel = value;
    } else if (key == "family") {
      fingerprint.cpuFamily = value;
    } else if (key == "model_id") {
      fingerprint.cpuModelId = value;
    } else if (key == "stepping") {
      fingerprint.cpuStepping = value;
    } else if (key == "cores") {
      char *end = nullptr;
      const long cores = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || cores < 0 || cores > 1 << 20)
        return makeError("device fingerprint: cores '" + value + "' is not a count");
      fingerprint.logicalCores = static_cast<int>(cores);
    } else if (key == "isa") {
      if (!value.empty()) fingerprint.isaFlags = split(value, ',');
    } else if (key == "compiler") {
      fingerprint.compiler = value;
    } else if (key.rfind("lib.", 0) == 0 && key.size() > 4) {
      fingerprint.libraries[key.substr(4)] = value;
    } else {
      return makeError("device fingerprint: unknown field '" + key + "'");
    }
  }
  fingerprint.normalize();
  return fingerprint;
}

Expected<DeviceFingerprint> fingerprintFromCpuInfo(const std::string &cpuinfoText) {
  DeviceFingerprint fingerprint;
  int processors = 0;
  std::istringstream lines(cpuinfoText);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon));
    const std::string value = trim(line.substr(colon + 1));
    if (key == "processor") {
      ++processors;
      continue;
    }
    // Every processor repeats the same fields; the first one describes the
    // machine (heterogeneous x86 cores still report one model name).
    if (processors != 1) continue;
    if (key == "vendor_id") {
      fingerprint.cpuVendor = value;
    } else if (key == "model name") {
      fingerprint.cpuModel = value;
    } else if (key == "cpu family") {
      fingerprint.cpuFamily = value;
    } else if (key == "model") {
      fingerprint.cpuModelId = value;
    } else if (key == "stepping") {
      fingerprint.cpuStepping = value;
    } else if (key == "flags") {
      std::istringstream words(value);
      std::string flag;
      const std::vector<std::string> &relevant = relevantIsaFlags();
      while (words >> flag)
        if (std::find(relevant.begin(), relevant.end(), flag) != relevant.end())
          fingerprint.isaFlags.push_back(flag);
    }
  }
  if (processors == 0)
    return makeError("cpuinfo: no 'processor' entry (is this /proc/cpuinfo of a Linux machine?)");
  fingerprint.logicalCores = processors;
  fingerprint.normalize();
  return fingerprint;
}

std::string compilerVersion() {
#if defined(__clang__)
  return "clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

std::map<std::string, std::string> buildLibraryVersions() {
  std::map<std::string, std::string> versions;
#ifdef SPACEEVO_COST_HAVE_DNNL
  // The version of the library actually loaded, not of the header.
  if (const dnnl_version_t *version = dnnl_version())
    versions["onednn"] = std::to_string(version->major) + "." + std::to_string(version->minor) +
                         "." + std::to_string(version->patch);
#endif
#ifdef SPACEEVO_COST_HALIDE_VERSION
  versions["halide"] = SPACEEVO_COST_HALIDE_VERSION;
#endif
  return versions;
}

Expected<DeviceFingerprint> detectHostFingerprint() {
  std::ifstream file("/proc/cpuinfo");
  if (!file) return makeError("cannot read /proc/cpuinfo to fingerprint this machine");
  std::stringstream contents;
  contents << file.rdbuf();
  Expected<DeviceFingerprint> fingerprint = fingerprintFromCpuInfo(contents.str());
  if (!fingerprint) return makeError("/proc/cpuinfo: " + fingerprint.error());
  fingerprint->compiler = compilerVersion();
  fingerprint->libraries = buildLibraryVersions();
  return fingerprint;
}

size_t parseCacheSize(const std::string &text) {
  size_t value = 0, i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9')
    value = value * 10 + size_t(text[i++] - '0');
  if (i == 0)
    return 0;
  std::string unit = text.substr(i);
  while (!unit.empty() && (unit.back() == '\n' || unit.back() == ' '))
    unit.pop_back();
  if (unit.empty())
    return value;
  if (unit == "K")
    return value << 10;
  if (unit == "M")
    return value << 20;
  if (unit == "G")
    return value << 30;
  return 0;
}

size_t lastLevelCacheBytes() {
  size_t best = 0;
  int bestLevel = -1;
  for (int index = 0; index < 8; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream levelFile(dir + "level"), typeFile(dir + "type"),
        sizeFile(dir + "size");
    int level = 0;
    std::string type, size;
    if (!(levelFile >> level) || !(typeFile >> type) || !(sizeFile >> size))
      continue;
    if (type == "Instruction" || level < bestLevel)
      continue;
    bestLevel = level;
    best = parseCacheSize(size);
  }
  return best;
}

} // namespace spaceevo::cost
