//===- Sustain.cpp - Keeping the vector units busy between measurements ---===//

#include "spaceevo/runtime/Sustain.h"

#include "Backends.h"

#include <immintrin.h>

#include <chrono>

namespace spaceevo::runtime {

namespace {

using Clock = std::chrono::steady_clock;

/// One round: 8 independent accumulators, 64 dot products each. The inputs
/// come from the caller so the compiler cannot fold the loop away.
__attribute__((target("avx512f,avx512vnni"))) __m512i vnniRound(__m512i acc, __m512i a, __m512i b) {
  __m512i parts[8];
  for (__m512i &part : parts) part = acc;
  for (int step = 0; step < 64; ++step)
    for (__m512i &part : parts) part = _mm512_dpbusd_epi32(part, a, b);
  __m512i sum = parts[0];
  for (int i = 1; i < 8; ++i) sum = _mm512_xor_si512(sum, parts[i]);
  return sum;
}

__attribute__((target("avx2"))) __m256i avx2Round(__m256i acc, __m256i a, __m256i b) {
  __m256i parts[8];
  for (__m256i &part : parts) part = acc;
  for (int step = 0; step < 64; ++step)
    for (__m256i &part : parts) part = _mm256_add_epi32(part, _mm256_madd_epi16(a, b));
  __m256i sum = parts[0];
  for (int i = 1; i < 8; ++i) sum = _mm256_xor_si256(sum, parts[i]);
  return sum;
}

/// Where the rounds' results go, so the compiler cannot drop them.
volatile int sink = 0;

// A round is well under a microsecond: reading the clock after each one
// keeps the overshoot small without the clock read dominating.
__attribute__((target("avx512f,avx512vnni"))) void spinVnni(Clock::time_point end) {
  while (Clock::now() < end)
    sink = _mm512_cvtsi512_si32(
        vnniRound(_mm512_set1_epi32(sink), _mm512_set1_epi8(3), _mm512_set1_epi8(5)));
}

__attribute__((target("avx2"))) void spinAvx2(Clock::time_point end) {
  while (Clock::now() < end)
    sink = _mm256_cvtsi256_si32(
        avx2Round(_mm256_set1_epi32(sink), _mm256_set1_epi16(3), _mm256_set1_epi16(5)));
}

} // namespace

void keepVectorUnitsBusy(int64_t nanoseconds) {
  if (nanoseconds <= 0) return;
  const Clock::time_point end = Clock::now() + std::chrono::nanoseconds(nanoseconds);
  static const bool hasAvx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
  }();
  if (detail::cpuHasAvx512Vnni()) {
    spinVnni(end);
  } else if (hasAvx2) {
    spinAvx2(end);
  } else {
    while (Clock::now() < end)
      for (int i = 0; i < 1000; ++i) sink = sink * 3 + i;
  }
}

} // namespace spaceevo::runtime
