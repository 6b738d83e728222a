//===- FingerprintTest.cpp - cpuinfo parsing, canonical text, hashes -------===//

#include "spaceevo/cost/DeviceFingerprint.h"

#include <gtest/gtest.h>

#include <cctype>

using namespace spaceevo::cost;

namespace {

// Two processors, with flags the fingerprint must drop (fpu, hypervisor,
// mitigation flags) and keep (AVX2/AVX-512/VNNI).
constexpr const char *kCpuInfo = R"(processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 26
model		: 2
model name	: AMD EPYC 9B45
stepping	: 1
cpu MHz		: 2600.000
flags		: fpu vme avx512_vnni hypervisor avx2 avx512f ibpb avx512bw

processor	: 1
vendor_id	: AuthenticAMD
cpu family	: 26
model		: 2
model name	: AMD EPYC 9B45
stepping	: 1
cpu MHz		: 3100.000
flags		: fpu vme avx512_vnni hypervisor avx2 avx512f ibpb avx512bw
)";

DeviceFingerprint sampleDevice() {
  DeviceFingerprint device;
  device.cpuVendor = "AuthenticAMD";
  device.cpuModel = "AMD EPYC 9B45";
  device.cpuFamily = "26";
  device.cpuModelId = "2";
  device.cpuStepping = "1";
  device.logicalCores = 2;
  device.isaFlags = {"avx512_vnni", "avx2", "avx512f"};
  device.compiler = "gcc 12.2.0";
  device.libraries = {{"onednn", "2.6.3"}, {"halide", "14"}};
  return device;
}

TEST(DeviceFingerprint, ParsesCpuInfoAndKeepsOnlyRelevantFlags) {
  Expected<DeviceFingerprint> device = fingerprintFromCpuInfo(kCpuInfo);
  ASSERT_TRUE(device.ok()) << device.error();
  EXPECT_EQ(device->cpuVendor, "AuthenticAMD");
  EXPECT_EQ(device->cpuModel, "AMD EPYC 9B45");
  EXPECT_EQ(device->cpuFamily, "26");
  EXPECT_EQ(device->cpuModelId, "2");
  EXPECT_EQ(device->cpuStepping, "1");
  EXPECT_EQ(device->logicalCores, 2);
  EXPECT_EQ(device->isaFlags,
            (std::vector<std::string>{"avx2", "avx512_vnni", "avx512bw", "avx512f"}));
  EXPECT_TRUE(device->hasIsa("avx512_vnni"));
  EXPECT_FALSE(device->hasIsa("hypervisor"));
}

TEST(DeviceFingerprint, CpuInfoWithoutProcessorsIsAnError) {
  Expected<DeviceFingerprint> device = fingerprintFromCpuInfo("garbage\nmore: garbage\n");
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.error().find("processor"), std::string::npos) << device.error();
}

TEST(DeviceFingerprint, CanonicalTextIgnoresFlagOrderButNotContent) {
  DeviceFingerprint a = sampleDevice();
  DeviceFingerprint b = sampleDevice();
  b.isaFlags = {"avx512f", "avx2", "avx512_vnni", "avx2"};
  EXPECT_EQ(a.canonical(), b.canonical());
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_TRUE(a == b);

  const std::string hash = a.hash();
  ASSERT_EQ(hash.size(), 16u);
  for (char c : hash) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(c));

  DeviceFingerprint fewerFlags = a;
  fewerFlags.isaFlags = {"avx2", "avx512f"};
  DeviceFingerprint otherLibrary = a;
  otherLibrary.libraries["onednn"] = "3.0.0";
  DeviceFingerprint moreCores = a;
  moreCores.logicalCores = 4;
  DeviceFingerprint otherCompiler = a;
  otherCompiler.compiler = "clang 19.1.0";
  for (const DeviceFingerprint &other : {fewerFlags, otherLibrary, moreCores, otherCompiler}) {
    EXPECT_NE(other.hash(), hash) << other.canonical();
    EXPECT_TRUE(other != a);
  }
}

TEST(DeviceFingerprint, CanonicalTextAndHashAreGolden) {
  // Databases in use are keyed by this hash: changing the canonical format
  // orphans every recorded cost. Do not, without a new format tag.
  const DeviceFingerprint device = sampleDevice();
  EXPECT_EQ(device.canonical(),
            "v1;vendor=AuthenticAMD;model=AMD EPYC 9B45;family=26;model_id=2;stepping=1;cores=2;"
            "isa=avx2,avx512_vnni,avx512f;compiler=gcc 12.2.0;lib.halide=14;lib.onednn=2.6.3");
  EXPECT_EQ(device.hash(), "6d3800974addd585"); // FNV-1a 64, checked independently
}

TEST(DeviceFingerprint, CanonicalTextRoundTrips) {
  DeviceFingerprint device = sampleDevice();
  device.normalize();
  Expected<DeviceFingerprint> parsed = DeviceFingerprint::parseCanonical(device.canonical());
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->cpuModel, device.cpuModel);
  EXPECT_EQ(parsed->isaFlags, device.isaFlags);
  EXPECT_EQ(parsed->libraries, device.libraries);
  EXPECT_EQ(parsed->logicalCores, 2);
  EXPECT_EQ(parsed->hash(), device.hash());

  DeviceFingerprint empty;
  Expected<DeviceFingerprint> parsedEmpty = DeviceFingerprint::parseCanonical(empty.canonical());
  ASSERT_TRUE(parsedEmpty.ok()) << parsedEmpty.error();
  EXPECT_EQ(parsedEmpty->canonical(), empty.canonical());
}

TEST(DeviceFingerprint, SeparatorsInValuesCannotForgeFields) {
  DeviceFingerprint device = sampleDevice();
  device.cpuModel = "Evil;cores=64\nCPU";
  const std::string text = device.canonical();
  EXPECT_EQ(text.find('\n'), std::string::npos);
  Expected<DeviceFingerprint> parsed = DeviceFingerprint::parseCanonical(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->logicalCores, 2);
  EXPECT_EQ(parsed->cpuModel, "Evil cores 64 CPU");
}

TEST(DeviceFingerprint, MalformedCanonicalTextIsAnError) {
  for (const char *text : {"", "v2;vendor=x", "v1;vendor", "v1;colour=blue", "v1;cores=many"}) {
    Expected<DeviceFingerprint> parsed = DeviceFingerprint::parseCanonical(text);
    EXPECT_FALSE(parsed.ok()) << text;
    EXPECT_FALSE(parsed.error().empty()) << text;
  }
}

TEST(DeviceFingerprint, DetectsThisMachine) {
  Expected<DeviceFingerprint> host = detectHostFingerprint();
  ASSERT_TRUE(host.ok()) << host.error();
  EXPECT_GE(host->logicalCores, 1);
  EXPECT_FALSE(host->compiler.empty());
  EXPECT_EQ(host->hash().size(), 16u);
  // Deterministic: detecting twice gives the same key.
  Expected<DeviceFingerprint> again = detectHostFingerprint();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(host->hash(), again->hash());
  EXPECT_NE(host->summary().find(host->hash()), std::string::npos);
}

} // namespace

TEST(DeviceFingerprint, ParsesSysfsCacheSizes) {
  EXPECT_EQ(parseCacheSize("32768K"), size_t(32) << 20);
  EXPECT_EQ(parseCacheSize("1M\n"), size_t(1) << 20);
  EXPECT_EQ(parseCacheSize("512"), size_t(512));
  EXPECT_EQ(parseCacheSize("K"), size_t(0));
  EXPECT_EQ(parseCacheSize("12X"), size_t(0));
  EXPECT_EQ(parseCacheSize(""), size_t(0));
}
