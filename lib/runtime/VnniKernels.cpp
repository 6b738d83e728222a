//===- VnniKernels.cpp - Hand-written AVX-512 VNNI kernels ----------------===//
//
// The "vnni" backend and the fast exact epilogue shared with the oneDNN
// backend (see docs/runtime.md, "AVX-512 VNNI kernels"):
//
//  * Requantization (TOSA RESCALE -> +zp -> CLAMP -> TABLE) on 16 int32
//    lanes, exact: even/odd lanes through VPMULDQ (32x32 -> 64 bit), the
//    rounding constant (double_round by a mask on negative products), and
//    either a per-lane VPSRAVQ + merge, or (every shift in [32, 53]) a
//    merge of the high dwords + VPSRAVD by shift - 32 with the zero point
//    folded into the rounding constant. The result fits int32 (checked at
//    build time; large scales first clamp the accumulator to [lo, hi],
//    outside which the output is saturated anyway, found by binary search
//    with the reference's applyScale32, which is monotone). Four vectors
//    are packed to 64 bytes with saturating packs, clamp, table (VPERMI2B).
//  * Depthwise conv (k 3/5/7, stride 1/2): VPDPBUSD needs 4 products per
//    int32 lane, and depthwise has no reduction over channels, so the input
//    is interleaved first. "X4" (any k, C): each input row is transformed
//    once into rows whose dword (px, c) holds input columns px..px+3 of
//    channel c (one VPERMB per 16 channels); a kernel row then is 1 (k = 3)
//    or 2 (k = 5, 7) VPDPBUSD per 16 outputs. "Rows4" (3x3 with C close to
//    a multiple of 64): per output row, four input rows are interleaved by
//    byte/word unpacks of 64 channels, column by column in registers, a
//    kernel column is one VPDPBUSD per 16 outputs, and a pixel's 64 outputs
//    are one store. Other 3x3 layers with C >= 64 run rows4 on their full
//    64-channel blocks and X4 on the rest ("split"). Weights are packed
//    the same way (zero for unused taps); padding is the input zero point,
//    so -zp * sum(w) in the bias makes it exact with no border correction.
//  * Table (TOSA TABLE on uint8): VPERMI2B on the table's two halves and a
//    blend by the index's top bit, 64 bytes at a time.
//  * Residual add and channel scale: each element's int32 (rescaled
//    operands summed, or centred input times centred scale) into an L1
//    chunk, then the epilogue above (vnniRequantize).
//  * 1x1 conv (stride 1/2) and fully connected: a register-blocked GEMM
//    (6 pixels x 64 output channels of int32 accumulators, input dwords
//    broadcast, weights packed [ic/4][oc][4]; the full tile's K loop in
//    inline assembly) with the epilogue applied right after the K loop.
//
// Every function that uses AVX-512 carries a target attribute instead of
// compiling this file with -mavx512*: nothing else in the file (or an inline
// function it instantiates) can pick up AVX-512 instructions, so the library
// still runs on a CPU without them; createKernel only reaches these paths
// after cpuHasAvx512Vnni().
//
//===----------------------------------------------------------------------===//

#include "Backends.h"

#include <immintrin.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

#define SE_AVX512                                                              \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,"      \
                        "avx512vbmi")))
#define SE_AVX512_INLINE SE_AVX512 inline __attribute__((always_inline))
#define SE_AVX512_LAMBDA                                                       \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,"      \
                        "avx512vbmi"), always_inline))

namespace spaceevo::runtime::detail {

bool cpuHasAvx512Vnni() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512vnni") &&
           __builtin_cpu_supports("avx512vbmi");
  }();
  return has;
}

bool vnniSupports(OpKind kind) {
  return cpuHasAvx512Vnni() &&
         (kind == OpKind::Conv2D || kind == OpKind::DepthwiseConv2D ||
          kind == OpKind::FullyConnected || kind == OpKind::Table ||
          kind == OpKind::Add || kind == OpKind::ChannelScale);
}

//===----------------------------------------------------------------------===//
// Requantization constants
//===----------------------------------------------------------------------===//

namespace {

/// g(acc) = apply_scale_32(acc) + zp, exactly as the reference; monotone
/// non-decreasing in acc (multiplier >= 0; double_round's +-2^30 only moves
/// up when acc crosses 0).
int64_t scaled(int64_t acc, int32_t multiplier, int32_t shift,
               bool doubleRound, int32_t zeroPoint) {
  return applyScale32(acc, multiplier, shift, doubleRound) + zeroPoint;
}

} // namespace

VnniRequant makeVnniRequant(const OutputStage &stage,
                            const std::vector<int32_t> &effectiveBias,
                            int64_t channels) {
  VnniRequant q;
  q.channels = channels;
  q.groups = (channels + 15) / 16;
  const size_t lanes = size_t(q.groups * 16), pairs = size_t(q.groups * 8);
  q.bias.assign(lanes, 0);
  for (int64_t c = 0; c < channels && c < int64_t(effectiveBias.size()); ++c)
    q.bias[size_t(c)] = effectiveBias[size_t(c)];
  q.int32Output = stage.int32Output;
  if (stage.int32Output) {
    q.blocks.assign(size_t(q.groups) * 768, 0);
    for (int64_t g = 0; g < q.groups; ++g)
      std::memcpy(q.blocks.data() + 768 * g, q.bias.data() + g * 16, 64);
    return q;
  }
  q.zeroPoint = stage.zeroPoint;
  q.clampMin = stage.clampMin;
  q.clampMax = stage.clampMax;
  q.clamps = stage.clampMin > 0 || stage.clampMax < 255;
  q.table = stage.table;
  q.stageBytes.assign(64 * 3 + 256, 0);
  for (int i = 0; i < 32; ++i) {
    int16_t zp = int16_t(stage.zeroPoint);
    std::memcpy(&q.stageBytes[size_t(2 * i)], &zp, 2);
  }
  std::fill(q.stageBytes.begin() + 64, q.stageBytes.begin() + 128,
            uint8_t(stage.clampMin));
  std::fill(q.stageBytes.begin() + 128, q.stageBytes.begin() + 192,
            uint8_t(stage.clampMax));
  if (stage.table)
    std::copy(stage.table->begin(), stage.table->end(),
              q.stageBytes.begin() + 192);
  q.lo.assign(lanes, 0);
  q.hi.assign(lanes, 0);
  q.mulEven.assign(pairs, 0);
  q.mulOdd.assign(pairs, 0);
  q.roundEven.assign(pairs, 1);
  q.roundOdd.assign(pairs, 1);
  q.shiftEven.assign(pairs, 1);
  q.shiftOdd.assign(pairs, 1);
  q.deltaEven.assign(pairs, 0);
  q.deltaOdd.assign(pairs, 0);
  q.doubleRound = false;
  q.preClamp = false;
  bool fastOk = true;
  for (int64_t c = 0; c < q.groups * 16; ++c) {
    // Padding lanes (c >= channels) reuse channel 0's constants: their
    // results are never stored.
    int64_t source = c < channels ? c : 0;
    size_t index = stage.multiplier.size() == 1 ? 0 : size_t(source);
    int32_t m = stage.multiplier[index], s = stage.shift[index];
    bool dr = stage.doubleRound && s > 31;
    auto g = [&](int64_t acc) {
      return scaled(acc, m, s, stage.doubleRound, stage.zeroPoint);
    };
    // lo = max{a : g(a) <= clampMin} (or INT32_MIN), hi = min{a : g(a) >=
    // clampMax} (or INT32_MAX): outside [lo, hi] the clamped output is
    // constant, so clamping acc first changes nothing.
    int64_t lo = INT32_MIN, hi = INT32_MAX;
    if (g(INT32_MIN) <= stage.clampMin) {
      int64_t a = INT32_MIN, b = INT32_MAX; // g(a) <= clampMin
      if (g(b) <= stage.clampMin)
        a = b;
      while (b - a > 1) {
        int64_t mid = a + (b - a) / 2;
        (g(mid) <= stage.clampMin ? a : b) = mid;
      }
      lo = a;
    }
    if (g(INT32_MAX) >= stage.clampMax) {
      int64_t a = INT32_MIN, b = INT32_MAX; // g(b) >= clampMax
      if (g(a) >= stage.clampMax)
        b = a;
      while (b - a > 1) {
        int64_t mid = a + (b - a) / 2;
        (g(mid) >= stage.clampMax ? b : a) = mid;
      }
      hi = b;
    }
    if (hi < lo)
      hi = lo; // constant output (clampMin == clampMax)
    // The scaled value (before + zp) of any int32 accumulator must fit
    // int32 for the kernels to skip the pre-clamp: g is monotone, so the
    // ends of the int32 range bound it (true for every scale < 1).
    if (c < channels &&
        (g(INT32_MIN) - stage.zeroPoint < INT32_MIN ||
         g(INT32_MAX) - stage.zeroPoint > INT32_MAX))
      q.preClamp = true;
    // The fast form takes the high dword of the 64-bit sum and shifts it
    // by shift - 32, with the zero point folded into the rounding term
    // (zp * 2^shift stays far from int64 overflow for shift <= 53); the
    // result including zp must fit int32.
    // Without double rounding it needs shift >= 33 (see below); with it,
    // every shift > 31 double-rounds and keeps the 64-bit rounding add.
    if (s < (stage.doubleRound ? 32 : 33) || s > 53 || g(INT32_MIN) < INT32_MIN ||
        g(INT32_MAX) > INT32_MAX)
      fastOk = false;
    q.lo[size_t(c)] = int32_t(lo);
    q.hi[size_t(c)] = int32_t(hi);
    size_t pair = size_t(c / 2);
    int64_t round = int64_t(1) << (s - 1);
    int64_t delta = 0;
    if (dr) {
      // round + 2^30 for products >= 0; the kernel subtracts 2^31 for
      // negative products (same sign as acc, or 0 when multiplier is 0,
      // where both roundings give the same result since shift > 31).
      round += int64_t(1) << 30;
      delta = int64_t(1) << 31;
      q.doubleRound = true;
    }
    (c % 2 == 0 ? q.mulEven : q.mulOdd)[pair] = m;
    (c % 2 == 0 ? q.roundEven : q.roundOdd)[pair] = round;
    (c % 2 == 0 ? q.shiftEven : q.shiftOdd)[pair] = s;
    (c % 2 == 0 ? q.deltaEven : q.deltaOdd)[pair] = delta;
  }
  q.fast = fastOk && !q.preClamp;
  // Single rounding adds 2^(shift-1) + zp * 2^shift, a multiple of 2^32
  // when shift >= 33: the kernels then add its high dword after taking the
  // product's high dword, in 32 bits (one add per 16 lanes, not two 64-bit
  // adds per 8). A shift of 32 (scales in [1/4, 1/2)) is rare: such a layer
  // takes the plain form.
  if (q.fast) {
    q.shift32.assign(lanes, 0);
    if (!q.doubleRound)
      q.roundHigh.assign(lanes, 0);
    for (size_t c = 0; c < lanes; ++c) {
      auto &round = (c % 2 == 0 ? q.roundEven : q.roundOdd)[c / 2];
      int64_t shift = (c % 2 == 0 ? q.shiftEven : q.shiftOdd)[c / 2];
      round += int64_t(q.zeroPoint) << shift;
      q.shift32[c] = int32_t(shift - 32);
      if (!q.doubleRound)
        q.roundHigh[c] = int32_t(round >> 32); // exact: round % 2^32 == 0
    }
  }
  // Per group: 12 vectors of 64 bytes (see RqRegs).
  q.blocks.assign(size_t(q.groups) * 768, 0);
  for (int64_t g = 0; g < q.groups; ++g) {
    uint8_t *block = q.blocks.data() + 768 * g;
    auto put = [&](int field, const void *src) {
      if (src)
        std::memcpy(block + 64 * field, src, 64);
    };
    auto at32 = [&](const std::vector<int32_t> &v) -> const void * {
      return v.empty() ? nullptr : v.data() + g * 16;
    };
    auto at64 = [&](const std::vector<int64_t> &v) -> const void * {
      return v.empty() ? nullptr : v.data() + g * 8;
    };
    put(0, at32(q.bias));
    put(1, at32(q.lo));
    put(2, at32(q.hi));
    put(3, at32(q.shift32));
    put(4, at64(q.mulEven));
    put(5, at64(q.mulOdd));
    put(6, at64(q.roundEven));
    put(7, at64(q.roundOdd));
    put(8, at64(q.shiftEven));
    put(9, at64(q.shiftOdd));
    // Without double rounding the deltas are zero and unused: field 10
    // holds the fast form's 32-bit rounding term instead (the block size is
    // fixed by the pipelined 1x1 kernel's context layout).
    if (q.roundHigh.empty())
      put(10, at64(q.deltaEven));
    else
      put(10, at32(q.roundHigh));
    put(11, at64(q.deltaOdd));
  }
  return q;
}

//===----------------------------------------------------------------------===//
// AVX-512 epilogue
//===----------------------------------------------------------------------===//

namespace {

/// One group of 16 channels' constants, read through memory operands from
/// the group's 768-byte block (copying ~15 zmm per group into locals made
/// GCC spill them; one base pointer per group keeps registers free).
struct RqRegs {
  const uint8_t *block_; ///< VnniRequant::blocks + 768 * group
  const uint8_t *bytes_; ///< 64 x zp (int16), clampMin, clampMax (u8), table
  bool clamps_;          ///< VnniRequant::clamps
  SE_AVX512_INLINE __m512i at(int field) const {
    return _mm512_loadu_si512(block_ + 64 * field);
  }
  SE_AVX512_INLINE __m512i bias() const { return at(0); }
  SE_AVX512_INLINE __m512i lo() const { return at(1); }
  SE_AVX512_INLINE __m512i hi() const { return at(2); }
  SE_AVX512_INLINE __m512i shift32() const { return at(3); }
  SE_AVX512_INLINE __m512i mulEven() const { return at(4); }
  SE_AVX512_INLINE __m512i mulOdd() const { return at(5); }
  SE_AVX512_INLINE __m512i roundEven() const { return at(6); }
  SE_AVX512_INLINE __m512i roundOdd() const { return at(7); }
  SE_AVX512_INLINE __m512i shiftEven() const { return at(8); }
  SE_AVX512_INLINE __m512i shiftOdd() const { return at(9); }
  SE_AVX512_INLINE __m512i deltaEven() const { return at(10); }
  SE_AVX512_INLINE __m512i deltaOdd() const { return at(11); }
  SE_AVX512_INLINE __m512i roundHigh() const { return at(10); } // see makeVnniRequant
  SE_AVX512_INLINE __m512i zeroPoint16() const {
    return _mm512_loadu_si512(bytes_);
  }
  bool clamps() const { return clamps_; }
  SE_AVX512_INLINE __m512i clampMin8() const {
    return _mm512_loadu_si512(bytes_ + 64);
  }
  SE_AVX512_INLINE __m512i clampMax8() const {
    return _mm512_loadu_si512(bytes_ + 128);
  }
  const uint8_t *table() const { return bytes_ + 192; }
};

inline RqRegs loadRq(const VnniRequant &q, int64_t g) {
  return {q.blocks.data() + 768 * g,
          q.stageBytes.empty() ? nullptr : q.stageBytes.data(), q.clamps};
}

/// 256-entry byte lookup of every byte of x.
SE_AVX512_INLINE __m512i lookup256(const uint8_t *table, __m512i x) {
  __m512i low = _mm512_permutex2var_epi8(_mm512_loadu_si512(table), x,
                                         _mm512_loadu_si512(table + 64));
  __m512i high = _mm512_permutex2var_epi8(_mm512_loadu_si512(table + 128), x,
                                          _mm512_loadu_si512(table + 192));
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), low, high);
}

/// Modes of the scaling step (decided per kernel at build time).
enum ScaleMode : int {
  kPlain = 0,    ///< 64-bit shift per lane; result + zp fits int32
  kPreClamp = 1, ///< clamp acc to [lo, hi] first (large scales)
  kFast = 2,     ///< shift >= 32 (>= 33 single-rounded): high dword >> (shift - 32), zp folded in
};

/// TOSA apply_scale_32 of 16 accumulators (bias already added). Plain and
/// PreClamp give the value before the zero point, Fast includes it. Exact:
/// the value fits int32 (checked at build time, or guaranteed by the
/// pre-clamp to [lo, hi]).
template <bool DoubleRound, int Mode, class Constants>
SE_AVX512_INLINE __m512i scale16(const Constants &r, __m512i acc) {
  if constexpr (Mode == kPreClamp)
    acc = _mm512_min_epi32(_mm512_max_epi32(acc, r.lo()), r.hi());
  __m512i odd = _mm512_srli_epi64(acc, 32);
  __m512i pe = _mm512_mul_epi32(acc, r.mulEven());
  __m512i po = _mm512_mul_epi32(odd, r.mulOdd());
  if constexpr (Mode == kFast && !DoubleRound) {
    // The rounding term is a multiple of 2^32 (shift >= 33): high dwords
    // first, then one 32-bit add (wrapping like the 64-bit sum's high dword).
    __m512i high = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
    return _mm512_srav_epi32(_mm512_add_epi32(high, r.roundHigh()), r.shift32());
  }
  if constexpr (DoubleRound) {
    __mmask8 negEven = _mm512_movepi64_mask(pe);
    __mmask8 negOdd = _mm512_movepi64_mask(po);
    pe = _mm512_add_epi64(pe, r.roundEven());
    po = _mm512_add_epi64(po, r.roundOdd());
    pe = _mm512_mask_sub_epi64(pe, negEven, pe, r.deltaEven());
    po = _mm512_mask_sub_epi64(po, negOdd, po, r.deltaOdd());
  } else {
    pe = _mm512_add_epi64(pe, r.roundEven());
    po = _mm512_add_epi64(po, r.roundOdd());
  }
  if constexpr (Mode == kFast) {
    // floor(x / 2^s) = floor(floor(x / 2^32) / 2^(s - 32)): even dwords
    // take pe's high dwords (swapped down), odd dwords po's (in place).
    __m512i high = _mm512_mask_shuffle_epi32(po, 0x5555, pe, _MM_PERM_CDAB);
    return _mm512_srav_epi32(high, r.shift32());
  }
  pe = _mm512_srav_epi64(pe, r.shiftEven());
  po = _mm512_srav_epi64(po, r.shiftOdd());
  // Odd dwords from po's low dwords (swapped into place), even from pe.
  return _mm512_mask_shuffle_epi32(pe, 0xAAAA, po, _MM_PERM_CDAB);
}

/// Two scaled vectors -> int16 (saturating) + zero point (saturating):
/// the first half of pack4.
template <int Mode, class Constants>
SE_AVX512_INLINE __m512i packPair(const Constants &r, __m512i v0, __m512i v1) {
  __m512i p = _mm512_packs_epi32(v0, v1);
  if (Mode != kFast)
    p = _mm512_adds_epi16(p, r.zeroPoint16());
  return p;
}

/// The byte clamp to [clampMin, clampMax]; nothing to do for [0, 255],
/// which the unsigned pack already saturates to (two of a depthwise
/// layer's ~12 instructions per 16 outputs).
template <class Constants>
SE_AVX512_INLINE __m512i clampBytes(const Constants &r, __m512i bytes) {
  if (!r.clamps())
    return bytes;
  return _mm512_min_epu8(_mm512_max_epu8(bytes, r.clampMin8()), r.clampMax8());
}

/// Two packPair results (v0 v1, v2 v3) -> 64 bytes in order v0..v3: packs
/// to uint8 (saturating to [0, 255]), byte clamp, table.
template <bool Table, class Constants>
SE_AVX512_INLINE __m512i packBytes(const Constants &r, __m512i p01,
                                   __m512i p23) {
  // Lane L of the byte pack holds v0[4L..4L+3], v1[4L..], v2[4L..], v3[4L..].
  __m512i bytes = _mm512_packus_epi16(p01, p23);
  const __m512i order =
      _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  bytes = _mm512_permutexvar_epi32(order, bytes);
  bytes = clampBytes(r, bytes);
  if (Table)
    bytes = lookup256(r.table(), bytes);
  return bytes;
}

/// Four scaled vectors -> 64 bytes in order v0, v1, v2, v3: saturating
/// packs to int16, + zero point (saturating), packs to uint8 (saturating
/// to [0, 255]), byte clamp, table. Every saturation only happens where
/// the clamp to [clampMin, clampMax] within [0, 255] would give the same.
template <bool Table, int Mode, class Constants>
SE_AVX512_INLINE __m512i pack4(const Constants &r, __m512i v0, __m512i v1,
                               __m512i v2, __m512i v3) {
  return packBytes<Table>(r, packPair<Mode>(r, v0, v1),
                          packPair<Mode>(r, v2, v3));
}

/// One group's constants held as values (RqRegs reads them through memory
/// operands): an epilogue that stores bytes between uses would otherwise
/// reload every constant after each store (a byte store may alias them).
/// Only the fields a mode uses are loaded.
template <bool DoubleRound, int Mode, bool Table> struct RqValues {
  __m512i lo_, hi_, shift32_, mulEven_, mulOdd_, roundEven_, roundOdd_,
      shiftEven_, shiftOdd_, deltaEven_, deltaOdd_, roundHigh_, zeroPoint16_,
      clampMin8_, clampMax8_;
  const uint8_t *table_;
  bool clamps_;
  SE_AVX512_INLINE explicit RqValues(const RqRegs &r)
      : table_(nullptr), clamps_(r.clamps()) {
    if (Mode == kPreClamp) {
      lo_ = r.lo();
      hi_ = r.hi();
    }
    mulEven_ = r.mulEven();
    mulOdd_ = r.mulOdd();
    if (DoubleRound || Mode != kFast) {
      roundEven_ = r.roundEven();
      roundOdd_ = r.roundOdd();
    }
    if (DoubleRound) {
      deltaEven_ = r.deltaEven();
      deltaOdd_ = r.deltaOdd();
    } else if (Mode == kFast) {
      roundHigh_ = r.roundHigh();
    }
    if (Mode == kFast) {
      shift32_ = r.shift32();
    } else {
      shiftEven_ = r.shiftEven();
      shiftOdd_ = r.shiftOdd();
    }
    // An int32-output stage has no byte constants (and never packs).
    if (r.bytes_) {
      if (Mode != kFast)
        zeroPoint16_ = r.zeroPoint16();
      clampMin8_ = r.clampMin8();
      clampMax8_ = r.clampMax8();
    }
    if (Table)
      table_ = r.table();
  }
  SE_AVX512_INLINE __m512i lo() const { return lo_; }
  SE_AVX512_INLINE __m512i hi() const { return hi_; }
  SE_AVX512_INLINE __m512i shift32() const { return shift32_; }
  SE_AVX512_INLINE __m512i mulEven() const { return mulEven_; }
  SE_AVX512_INLINE __m512i mulOdd() const { return mulOdd_; }
  SE_AVX512_INLINE __m512i roundEven() const { return roundEven_; }
  SE_AVX512_INLINE __m512i roundOdd() const { return roundOdd_; }
  SE_AVX512_INLINE __m512i shiftEven() const { return shiftEven_; }
  SE_AVX512_INLINE __m512i shiftOdd() const { return shiftOdd_; }
  SE_AVX512_INLINE __m512i deltaEven() const { return deltaEven_; }
  SE_AVX512_INLINE __m512i deltaOdd() const { return deltaOdd_; }
  SE_AVX512_INLINE __m512i roundHigh() const { return roundHigh_; }
  SE_AVX512_INLINE __m512i zeroPoint16() const { return zeroPoint16_; }
  bool clamps() const { return clamps_; }
  SE_AVX512_INLINE __m512i clampMin8() const { return clampMin8_; }
  SE_AVX512_INLINE __m512i clampMax8() const { return clampMax8_; }
  const uint8_t *table() const { return table_; }
};

template <bool DoubleRound, int PreClamp, bool Table>
SE_AVX512_INLINE __m128i requant16(const RqRegs &r, __m512i acc) {
  __m512i v = scale16<DoubleRound, PreClamp>(r, acc);
  return _mm512_castsi512_si128(pack4<Table, PreClamp>(r, v, v, v, v));
}

inline __mmask16 tailMask16(int64_t channels, int64_t g) {
  int64_t rest = channels - g * 16;
  return rest >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << rest) - 1);
}

SE_AVX512_INLINE void store16(uint8_t *out, __mmask16 mask, __m128i bytes) {
  // A plain store when the group is full: masked byte stores are slower.
  if (mask == 0xFFFF)
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out), bytes);
  else
    _mm_mask_storeu_epi8(out, mask, bytes);
}

/// Stores 16 channels of one pixel: bytes, or the raw int32 accumulators.
template <bool DoubleRound, int PreClamp, bool Table, bool Int32>
SE_AVX512_INLINE void storeGroup(const RqRegs &r, __m512i acc, void *out,
                                 int64_t index, __mmask16 mask) {
  if (Int32)
    _mm512_mask_storeu_epi32(static_cast<int32_t *>(out) + index, mask, acc);
  else
    store16(static_cast<uint8_t *>(out) + index, mask,
            requant16<DoubleRound, PreClamp, Table>(r, acc));
}

template <bool DoubleRound, int PreClamp, bool Table>
SE_AVX512 void requantizeImpl(const VnniRequant &q, const int32_t *acc,
                              int64_t pixels, uint8_t *out) {
  const int64_t C = q.channels, G = q.groups;
  const int64_t fullQuads = (C / 64); // 4 whole groups -> one 64-byte store
  for (int64_t p = 0; p < pixels; ++p) {
    const int32_t *a = acc + p * C;
    uint8_t *o = out + p * C;
    for (int64_t quad = 0; quad < fullQuads; ++quad) {
      __m512i v[4];
      RqRegs r0 = loadRq(q, quad * 4);
      for (int i = 0; i < 4; ++i) {
        int64_t g = quad * 4 + i;
        RqRegs r = i == 0 ? r0 : loadRq(q, g);
        __m512i x = _mm512_add_epi32(_mm512_loadu_si512(a + g * 16), r.bias());
        v[i] = scale16<DoubleRound, PreClamp>(r, x);
      }
      _mm512_storeu_si512(o + quad * 64,
                          pack4<Table, PreClamp>(r0, v[0], v[1], v[2], v[3]));
    }
    for (int64_t g = fullQuads * 4; g < G; ++g) {
      RqRegs r = loadRq(q, g);
      __mmask16 mask = tailMask16(C, g);
      __m512i x = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, a + g * 16),
                                   r.bias());
      store16(o + g * 16, mask, requant16<DoubleRound, PreClamp, Table>(r, x));
    }
  }
}

} // namespace

void vnniRequantize(const VnniRequant &q, const int32_t *acc, int64_t pixels,
                    uint8_t *out) {
  const int mode = q.fast ? kFast : q.preClamp ? kPreClamp : kPlain;
  const bool table = q.table.has_value();
#define SE_MODES(DR, TB)                                                       \
  (mode == kFast       ? requantizeImpl<DR, kFast, TB>(q, acc, pixels, out)   \
   : mode == kPreClamp ? requantizeImpl<DR, kPreClamp, TB>(q, acc, pixels, out) \
                       : requantizeImpl<DR, kPlain, TB>(q, acc, pixels, out))
  if (q.doubleRound)
    table ? SE_MODES(true, true) : SE_MODES(true, false);
  else
    table ? SE_MODES(false, true) : SE_MODES(false, false);
#undef SE_MODES
}

SE_AVX512 void vnniTable(const LookupTable &table, const uint8_t *in,
                         uint8_t *out, int64_t count) {
  const uint8_t *t = table.data();
  int64_t i = 0;
  for (; i + 64 <= count; i += 64)
    _mm512_storeu_si512(out + i, lookup256(t, _mm512_loadu_si512(in + i)));
  if (i < count) {
    __mmask64 mask = (~__mmask64(0)) >> (64 - (count - i));
    _mm512_mask_storeu_epi8(out + i, mask,
                            lookup256(t, _mm512_maskz_loadu_epi8(mask, in + i)));
  }
}

/// Calls k.runStage<DoubleRound, ScaleMode, Table = false, Int32>(in, out)
/// and applies the table as a second pass over the bytes (instantiating
/// every kernel with and without a fused table doubled the build time).
template <typename K>
void dispatchStage(const VnniRequant &q, K &k, const uint8_t *in, void *out,
                   int64_t outputElements, bool applyTable = true) {
  if (q.int32Output)
    return k.template runStage<false, kPlain, false, true>(in, out);
  const int mode = q.fast ? kFast : q.preClamp ? kPreClamp : kPlain;
#define SE_MODES(DR)                                                           \
  (mode == kFast       ? k.template runStage<DR, kFast, false, false>(in, out) \
   : mode == kPreClamp ? k.template runStage<DR, kPreClamp, false, false>(in, out) \
                       : k.template runStage<DR, kPlain, false, false>(in, out))
  if (q.doubleRound)
    SE_MODES(true);
  else
    SE_MODES(false);
#undef SE_MODES
  if (q.table && applyTable)
    vnniTable(*q.table, static_cast<uint8_t *>(out),
              static_cast<uint8_t *>(out), outputElements);
}

namespace {

/// A vnni kernel with the output stage rq_: execute runs the derived
/// kernel's runStage<...> through dispatchStage.
template <class Derived> class VnniStagedKernel : public KernelBase {
protected:
  VnniStagedKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::Vnni, outputShape) {}
public:
  /// execute without the table pass, for a kernel that runs this one on
  /// part of its channels and then applies the table once (tablePass).
  void executeSlice(const void *input, void *output) {
    dispatchStage(rq_, static_cast<Derived &>(*this),
                  static_cast<const uint8_t *>(input), output,
                  outputShape().elements(), /*applyTable=*/false);
  }
  void tablePass(void *output) {
    if (rq_.table && !rq_.int32Output)
      vnniTable(*rq_.table, static_cast<uint8_t *>(output),
                static_cast<uint8_t *>(output), outputShape().elements());
  }

protected:
  Status execute(const void *input, const void *, void *output) override {
    dispatchStage(rq_, static_cast<Derived &>(*this),
                  static_cast<const uint8_t *>(input), output,
                  outputShape().elements());
    return Status::success();
  }
  VnniRequant rq_;
};

/// 64-byte aligned byte storage (std::vector gives 16).
struct AlignedBytes {
  std::vector<uint8_t> storage;
  uint8_t *data = nullptr;
  void assign(size_t bytes, uint8_t value) {
    storage.assign(bytes + 64, value);
    uintptr_t address = reinterpret_cast<uintptr_t>(storage.data());
    data = storage.data() + ((64 - address % 64) % 64);
  }
};

//===----------------------------------------------------------------------===//
// Table
//===----------------------------------------------------------------------===//

/// TOSA TABLE on uint8: two VPERMI2B and a blend per 64 bytes.
class VnniTableKernel final : public KernelBase {
public:
  VnniTableKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::Vnni, outputShape) {}
  std::string implementationName() const override { return "vnni:table"; }

protected:
  Status execute(const void *input, const void *, void *output) override {
    vnniTable(desc().table, static_cast<const uint8_t *>(input),
              static_cast<uint8_t *>(output), outputShape().elements());
    return Status::success();
  }
};

//===----------------------------------------------------------------------===//
// Residual add, channel scale
//===----------------------------------------------------------------------===//

/// A per-tensor TOSA RESCALE with single rounding of 16 int32 lanes, in
/// the shape scale16's plain mode reads (exact when the result fits int32).
struct OperandScale {
  __m512i mul_, round_, shift_;
  SE_AVX512_INLINE OperandScale(const AddInputScale &s)
      : mul_(_mm512_set1_epi64(s.multiplier)),
        round_(_mm512_set1_epi64(int64_t(1) << (s.shift - 1))),
        shift_(_mm512_set1_epi64(s.shift)) {}
  SE_AVX512_INLINE __m512i mulEven() const { return mul_; }
  SE_AVX512_INLINE __m512i mulOdd() const { return mul_; }
  SE_AVX512_INLINE __m512i roundEven() const { return round_; }
  SE_AVX512_INLINE __m512i roundOdd() const { return round_; }
  SE_AVX512_INLINE __m512i shiftEven() const { return shift_; }
  SE_AVX512_INLINE __m512i shiftOdd() const { return shift_; }
};

/// 16 bytes (masked in the tail) zero-extended to int32, minus zp.
SE_AVX512_INLINE __m512i centred16(const uint8_t *p, __mmask16 mask,
                                   __m512i zp) {
  __m128i bytes = mask == 0xFFFF
                      ? _mm_loadu_si128(reinterpret_cast<const __m128i *>(p))
                      : _mm_maskz_loadu_epi8(mask, p);
  return _mm512_sub_epi32(_mm512_cvtepu8_epi32(bytes), zp);
}

/// sum[i] = rescale(a[i] - za) + rescale(b[i] - zb) (both fit int32 and so
/// does their sum: checked when the kernel is created).
SE_AVX512 void addOperands(const AddInputScale &sa, const AddInputScale &sb,
                           const uint8_t *a, const uint8_t *b, int64_t count,
                           int32_t *sum) {
  const OperandScale scaleA(sa), scaleB(sb);
  const __m512i za = _mm512_set1_epi32(sa.zeroPoint),
                zb = _mm512_set1_epi32(sb.zeroPoint);
  for (int64_t i = 0; i < count; i += 16) {
    const __mmask16 mask = tailMask16(count - i, 0);
    __m512i x = scale16<false, kPlain>(scaleA, centred16(a + i, mask, za));
    __m512i y = scale16<false, kPlain>(scaleB, centred16(b + i, mask, zb));
    _mm512_mask_storeu_epi32(sum + i, mask, _mm512_add_epi32(x, y));
  }
}

/// product[c] = (in[c] - zp) * centredScale[c] for one pixel's C channels.
SE_AVX512 void scaleChannels(const uint8_t *in, int32_t zp,
                             const int32_t *centredScale, int64_t C,
                             int32_t *product) {
  const __m512i z = _mm512_set1_epi32(zp);
  for (int64_t c = 0; c < C; c += 16) {
    const __mmask16 mask = tailMask16(C - c, 0);
    __m512i s = _mm512_maskz_loadu_epi32(mask, centredScale + c);
    _mm512_mask_storeu_epi32(
        product + c, mask, _mm512_mullo_epi32(centred16(in + c, mask, z), s));
  }
}

/// Residual add and squeeze-excite channel scale. Both are an output stage
/// applied to an int32 per element (the sum of the two rescaled operands;
/// the product of the centred input and its channel's centred scale): it
/// is computed for a chunk of pixels into an L1-sized buffer, which
/// vnniRequantize then turns into bytes with the same exact epilogue as
/// the convolutions.
class VnniElementwiseKernel final : public KernelBase {
public:
  /// Why the vnni path cannot run desc exactly ("" when it can): an add
  /// whose rescaled operands or their sum would saturate int32 (the
  /// reference saturates; these kernels add in 32 bits).
  static std::string unsupported(const KernelDesc &d) {
    if (d.kind != OpKind::Add)
      return "";
    auto range = [](const AddInputScale &s) {
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      for (int q = 0; q < 256; ++q) {
        int64_t v = applyScale32(q - s.zeroPoint, s.multiplier, s.shift, false);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      return std::make_pair(lo, hi);
    };
    auto [loA, hiA] = range(d.addInput);
    auto [loB, hiB] = range(d.addOther);
    // Each range holds 0 (q = zero point), so these bounds also keep each
    // operand alone within int32.
    if (loA + loB < INT32_MIN || hiA + hiB > INT32_MAX)
      return "vnni backend: add operands rescaled to beyond int32 (the "
             "reference saturates them; use halide)";
    return "";
  }

  VnniElementwiseKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::Vnni, outputShape) {
    const KernelDesc &d = this->desc();
    const int64_t C = d.input.c;
    rq_ = makeVnniRequant(d.output, std::vector<int32_t>(size_t(C), 0), C);
    chunkPixels_ = std::max<int64_t>(1, 4096 / C);
    scratch_.assign(size_t(chunkPixels_ * C + 16), 0);
    if (d.kind == OpKind::ChannelScale)
      centredScale_.assign(size_t(d.input.n * C), 0);
  }
  std::string implementationName() const override {
    return desc().kind == OpKind::Add ? "vnni:add" : "vnni:channel_scale";
  }

protected:
  Status execute(const void *input, const void *other,
                 void *output) override {
    const KernelDesc &d = desc();
    const Shape4 in = d.input;
    const int64_t C = in.c, pixels = in.n * in.h * in.w,
                  perImage = in.h * in.w;
    auto a = static_cast<const uint8_t *>(input);
    auto b = static_cast<const uint8_t *>(other);
    auto out = static_cast<uint8_t *>(output);
    if (d.kind == OpKind::ChannelScale)
      for (int64_t i = 0; i < in.n * C; ++i)
        centredScale_[size_t(i)] = int32_t(b[i]) - d.otherZeroPoint;
    int32_t *values = scratch_.data();
    for (int64_t p0 = 0; p0 < pixels; p0 += chunkPixels_) {
      const int64_t count = std::min(chunkPixels_, pixels - p0);
      if (d.kind == OpKind::Add)
        addOperands(d.addInput, d.addOther, a + p0 * C, b + p0 * C,
                    count * C, values);
      else
        for (int64_t p = 0; p < count; ++p)
          scaleChannels(a + (p0 + p) * C, d.inputZeroPoint,
                        centredScale_.data() + (p0 + p) / perImage * C, C,
                        values + p * C);
      vnniRequantize(rq_, values, count, out + p0 * C);
    }
    return Status::success();
  }

private:
  VnniRequant rq_;
  int64_t chunkPixels_ = 1;
  std::vector<int32_t> scratch_, centredScale_;
};

//===----------------------------------------------------------------------===//
// Depthwise
//===----------------------------------------------------------------------===//

/// Any depthwise layer: X4 rows (see the file comment).
class VnniDepthwiseX4Kernel final : public VnniStagedKernel<VnniDepthwiseX4Kernel> {
  /// Channel groups per block (block_): the block's X4 rows are
  /// interleaved per column and transformed together, and blocks are the
  /// outer loop. 1 keeps a group's X4 rows in L1 (best while the input
  /// fits in L2); 4 reads each input cache line once per block instead of
  /// once per group (1.5x faster on inputs larger than L2). Outputs are
  /// computed one group at a time either way: computing 2 or 4 groups of a
  /// pixel together (one pack, one wider store) measured 1.6x slower.
  int64_t block_ = 1;

public:
  /// Computes channel groups firstGroup .. G - 1 (16 channels each); the
  /// split kernel leaves the groups before to rows4.
  VnniDepthwiseX4Kernel(const KernelDesc &desc, Shape4 outputShape,
                        int64_t firstGroup = 0)
      : VnniStagedKernel(desc, outputShape) {
    const KernelDesc &d = this->desc();
    C_ = d.input.c;
    G_ = (C_ + 15) / 16;
    firstGroup_ = firstGroup;
    k_ = d.kernel;
    J_ = (k_ + 3) / 4;
    outW_ = outputShape.w;
    Wt_ = (outW_ - 1) * d.stride + 4 * (J_ - 1) + 1;
    rq_ = makeVnniRequant(d.output, effectiveBias(d, C_, true), C_);
    // weights_[((g * k + dy) * J + j) * 64 + 4 * lane + t] = w[dy][4j+t][c]
    weights_.assign(size_t(G_ * k_ * J_ * 64), 0);
    for (int64_t dy = 0; dy < k_; ++dy)
      for (int64_t kx = 0; kx < k_; ++kx)
        for (int64_t c = firstGroup_ * 16; c < C_; ++c) { // earlier groups: not ours
          int64_t j = kx / 4, t = kx % 4, g = c / 16, lane = c % 16;
          weights_.data[size_t(((g * k_ + dy) * J_ + j) * 64 + 4 * lane + t)] =
              uint8_t(d.weights[size_t((dy * k_ + kx) * C_ + c)]);
        }
    block_ = d.input.h * d.input.w * C_ <= (int64_t(1) << 19) ? 1 : 4;
    // X4 rows hold block_ groups interleaved per column: [px][group][64].
    const size_t rowBytes = size_t(Wt_ * 64 * block_);
    zpRow_.assign(rowBytes, uint8_t(d.inputZeroPoint));
    ring_.assign(rowBytes * size_t(k_), 0);
    // Staging row of one group: columns -padLeft .. Wt + 3 - padLeft.
    staging_.assign(size_t((Wt_ + 4) * 16), uint8_t(d.inputZeroPoint));
    for (int i = 0; i < 64; ++i) // X4 byte 4b + L <- Z byte 16L + b
      permute_[i] = uint8_t(16 * (i % 4) + i / 4);
  }

  std::string implementationName() const override {
    return "vnni:depthwise_x4";
  }

public:
  template <bool DR, int PC, bool TB, bool I32>
  void runStage(const uint8_t *in, void *output) {
    const KernelDesc &d = desc();
    if (block_ == 4)
      runBlock<4, DR, PC, TB, I32>(in, output);
    else
      runBlock<1, DR, PC, TB, I32>(in, output);
  }

private:
  template <int B, bool DR, int PC, bool TB, bool I32>
  void runBlock(const uint8_t *in, void *output) {
    const KernelDesc &d = desc();
    if (d.kernel == 3)
      d.stride == 1 ? run<3, 1, B, DR, PC, TB, I32>(in, output)
                    : run<3, 2, B, DR, PC, TB, I32>(in, output);
    else if (d.kernel == 5)
      d.stride == 1 ? run<5, 1, B, DR, PC, TB, I32>(in, output)
                    : run<5, 2, B, DR, PC, TB, I32>(in, output);
    else
      d.stride == 1 ? run<7, 1, B, DR, PC, TB, I32>(in, output)
                    : run<7, 2, B, DR, PC, TB, I32>(in, output);
  }

private:
  /// The X4 row of channel group g of input row `row` (already offset to
  /// the group): dword (px, lane) = columns px-padLeft .. px-padLeft+3,
  /// columns outside the input and channels >= C = the zero point. The
  /// group's columns are first copied to a contiguous staging row (zero
  /// point outside the input, filled once), so that four consecutive
  /// columns are one 64-byte memory operand of VPERMB.
  SE_AVX512 void transformRow(const uint8_t *row, int64_t g, uint8_t *out,
                              int64_t step) {
    const int64_t W = desc().input.w, C = C_, Wt = Wt_;
    const __mmask16 mask = tailMask16(C, g);
    uint8_t *staging = staging_.data + desc().padding.left * 16;
    if (mask == 0xFFFF) {
      int64_t x = 0;
      for (; x + 4 <= W; x += 4) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x * C));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + (x + 1) * C));
        __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + (x + 2) * C));
        __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + (x + 3) * C));
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16), a);
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16 + 16), b);
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16 + 32), c);
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16 + 48), e);
      }
      for (; x < W; ++x)
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16),
                        _mm_loadu_si128(reinterpret_cast<const __m128i *>(row + x * C)));
    } else {
      const __m128i zp = _mm_set1_epi8(char(desc().inputZeroPoint));
      for (int64_t x = 0; x < W; ++x)
        _mm_store_si128(reinterpret_cast<__m128i *>(staging + x * 16),
                        _mm_mask_loadu_epi8(zp, mask, row + x * C));
    }
    // Stride 2 only reads even columns (ox * 2 + 4j).
    const int64_t colBytes = 64 * block_;
    const __m512i permute = _mm512_load_si512(permute_);
    const uint8_t *in = staging_.data;
    int64_t px = 0;
    for (; px + 4 * step <= Wt; px += 4 * step) {
      for (int i = 0; i < 4; ++i)
        _mm512_store_si512(out + (px + i * step) * colBytes,
                           _mm512_permutexvar_epi8(
                               permute,
                               _mm512_loadu_si512(in + (px + i * step) * 16)));
    }
    for (; px < Wt; px += step)
      _mm512_store_si512(out + px * colBytes,
                         _mm512_permutexvar_epi8(
                             permute, _mm512_loadu_si512(in + px * 16)));
  }

  /// Channel groups (blocks of block_) outermost: the block's K X4 rows (a
  /// ring indexed by input row) stay in L1 while its output rows are
  /// computed, four pixels at a time.
  template <int K, int S, int B, bool DR, int PC, bool TB, bool I32>
  SE_AVX512 void run(const uint8_t *in, void *output) {
    constexpr int J = (K + 3) / 4;
    const KernelDesc &d = desc();
    const int64_t N = d.input.n, H = d.input.h, W = d.input.w, C = C_,
                  G = G_, top = d.padding.top;
    const int64_t outH = outputShape().h, outW = outW_, Wt = Wt_;
    constexpr int64_t block = B, colBytes = 64 * B;
    const size_t rowBytes = size_t(Wt * colBytes);
    uint8_t *const ring = ring_.data;
    const uint8_t *const zpRow = zpRow_.data;
    const uint8_t *const weights = weights_.data;
    for (int64_t g0 = firstGroup_; g0 < G; g0 += block) {
      const int64_t nb = std::min<int64_t>(block, G - g0);
      for (int64_t n = 0; n < N; ++n) {
        int64_t slotRow[K];
        std::fill(slotRow, slotRow + K, int64_t(-1));
        for (int64_t oy = 0; oy < outH; ++oy) {
          const uint8_t *rows[K]; // X4 row of kernel row dy
          for (int dy = 0; dy < K; ++dy) {
            int64_t iy = oy * S - top + dy;
            if (iy < 0 || iy >= H) {
              rows[dy] = zpRow;
              continue;
            }
            size_t slot = size_t(iy % K);
            uint8_t *row = ring + slot * rowBytes;
            if (slotRow[slot] != iy) {
              for (int64_t b = 0; b < nb; ++b)
                transformRow(in + (n * H + iy) * W * C + (g0 + b) * 16,
                             g0 + b, row + b * 64, S);
              slotRow[slot] = iy;
            }
            rows[dy] = row;
          }
          const int64_t outBase = ((n * outH + oy) * outW) * C;
          for (int64_t b = 0; b < nb; ++b) {
            const int64_t g = g0 + b;
            __m512i w[K][J];
            for (int dy = 0; dy < K; ++dy)
              for (int j = 0; j < J; ++j)
                w[dy][j] = _mm512_load_si512(weights +
                                             ((g * K + dy) * J + j) * 64);
            const RqRegs r = loadRq(rq_, g);
            const __mmask16 mask = tailMask16(C, g);
            const uint8_t *base[K];
            for (int dy = 0; dy < K; ++dy)
              base[dy] = rows[dy] + b * 64;
            auto accumulate = [&](int64_t ox) SE_AVX512_LAMBDA {
              __m512i acc = r.bias();
              for (int dy = 0; dy < K; ++dy)
                for (int j = 0; j < J; ++j)
                  acc = _mm512_dpbusd_epi32(
                      acc,
                      _mm512_load_si512(base[dy] +
                                        (ox * S + 4 * j) * colBytes),
                      w[dy][j]);
              return acc;
            };
            int64_t ox = 0;
            if constexpr (!I32) {
              // Four pixels at a time: independent chains, one pack.
              uint8_t *out8 =
                  static_cast<uint8_t *>(output) + outBase + g * 16;
              for (; ox + 4 <= outW; ox += 4) {
                __m512i v0 = scale16<DR, PC>(r, accumulate(ox));
                __m512i v1 = scale16<DR, PC>(r, accumulate(ox + 1));
                __m512i v2 = scale16<DR, PC>(r, accumulate(ox + 2));
                __m512i v3 = scale16<DR, PC>(r, accumulate(ox + 3));
                __m512i bytes = pack4<TB, PC>(r, v0, v1, v2, v3);
                uint8_t *o = out8 + ox * C;
                store16(o, mask, _mm512_castsi512_si128(bytes));
                store16(o + C, mask, _mm512_extracti32x4_epi32(bytes, 1));
                store16(o + 2 * C, mask, _mm512_extracti32x4_epi32(bytes, 2));
                store16(o + 3 * C, mask, _mm512_extracti32x4_epi32(bytes, 3));
              }
            }
            for (; ox < outW; ++ox)
              storeGroup<DR, PC, TB, I32>(r, accumulate(ox), output,
                                          outBase + ox * C + g * 16, mask);
          }
        }
      }
    }
  }

  int64_t C_ = 0, G_ = 0, k_ = 0, J_ = 0, outW_ = 0, Wt_ = 0, firstGroup_ = 0;
  AlignedBytes weights_, zpRow_, ring_, staging_;
  alignas(64) uint8_t permute_[64];
};

class VnniDepthwiseRowsKernel final : public VnniStagedKernel<VnniDepthwiseRowsKernel> {
  // Channels in blocks of 64. For each output row and block, the three
  // input rows under the kernel and the zero point are interleaved column by
  // column into "V" vectors: V[px][v] is a zmm whose dword lane l holds those
  // four rows' bytes of input column px - padLeft, channel 64 * block +
  // 16 * (l / 4) + 4 * v + l % 4 (what byte unpacks of four 64-channel rows
  // give, no cross-lane shuffle). A kernel column then is one VPDPBUSD per
  // 16 outputs against weights packed in the same order, and the byte packs
  // of the four result vectors of a pixel land in channel order: one 64-byte
  // store per pixel and block. A column is built in registers when the pixel
  // loop first needs it and kept while the next two pixels use it (storing
  // whole V rows and loading them back had cost a third of the time).
  // Padding is the input zero point, so -zp * sum(w) in the bias makes it
  // exact with no border correction.
public:
  /// 3x3 with at most 24 lanes of its 64-channel blocks past C. Alternated
  /// with X4 and the split kernel over every 3x3 depthwise layer of the
  /// hyperspaces at 224 (spaceevo-bench-runtime --all --filter dw3x3): on
  /// C = 40, 48 and 104 (24 lanes empty) rows4 was 1.05-1.5x faster than
  /// the alternative, on C = 16..32 and 72..96 it was slower (0.35-0.9x),
  /// and 5x5 / 7x7 would need two V sets per column.
  static bool suits(const KernelDesc &d) {
    int64_t blocks = (d.input.c + 63) / 64;
    return d.kernel == 3 && 64 * blocks - d.input.c <= 24;
  }

  /// Computes channels 0 .. channels - 1 (default: all) of a layer with C
  /// channels per pixel; the split kernel gives it the full 64-channel blocks.
  VnniDepthwiseRowsKernel(const KernelDesc &desc, Shape4 outputShape,
                          int64_t channels = -1)
      : VnniStagedKernel(desc, outputShape) {
    const KernelDesc &d = this->desc();
    C_ = d.input.c;
    channels_ = channels < 0 ? C_ : std::min(channels, C_);
    blocks_ = (channels_ + 63) / 64;
    k_ = d.kernel;
    J_ = (k_ + 3) / 4;
    outW_ = outputShape.w;
    const int64_t lanes = blocks_ * 64;
    // Permuted lane q = 64 * block + 16 * v + l <-> channel of (block, v, l).
    auto channelOf = [](int64_t q) {
      int64_t block = q / 64, v = (q % 64) / 16, l = q % 16;
      return 64 * block + 16 * (l / 4) + 4 * v + l % 4;
    };
    // Lanes past C take channel 0's constants; their results are not stored.
    const std::vector<int32_t> bias = effectiveBias(d, C_, true);
    std::vector<int32_t> permutedBias(static_cast<size_t>(lanes), 0);
    OutputStage stage = d.output;
    if (stage.multiplier.size() > 1) {
      stage.multiplier.assign(size_t(lanes), 0);
      stage.shift.assign(size_t(lanes), 0);
    }
    for (int64_t q = 0; q < lanes; ++q) {
      int64_t c = channelOf(q);
      size_t source = size_t(c < channels_ ? c : 0);
      permutedBias[size_t(q)] = bias[source];
      if (d.output.multiplier.size() > 1) {
        stage.multiplier[size_t(q)] = d.output.multiplier[source];
        stage.shift[size_t(q)] = d.output.shift[source];
      }
    }
    rq_ = makeVnniRequant(stage, permutedBias, lanes);
    // weights_[(((block * k + dx) * J + j) * 4 + v) * 64 + 4 * l + t]
    //   = w[4j + t][dx][channel of (block, v, l)]
    weights_.assign(size_t(blocks_ * k_ * J_ * 256), 0);
    for (int64_t q = 0; q < lanes; ++q) {
      int64_t c = channelOf(q);
      if (c >= channels_)
        continue;
      int64_t block = q / 64, v = (q % 64) / 16, l = q % 16;
      for (int64_t dy = 0; dy < k_; ++dy)
        for (int64_t dx = 0; dx < k_; ++dx)
          weights_.data[size_t((((block * k_ + dx) * J_ + dy / 4) * 4 + v) * 64 +
                               4 * l + dy % 4)] =
              uint8_t(d.weights[size_t((dy * k_ + dx) * C_ + c)]);
    }
    zpRow_.assign(size_t(d.input.w * C_ + 64), uint8_t(d.inputZeroPoint));
  }

  std::string implementationName() const override {
    return "vnni:depthwise_rows4";
  }

public:
  template <bool DR, int PC, bool TB, bool I32>
  void runStage(const uint8_t *in, void *output) {
    desc().stride == 1 ? run<3, 1, DR, PC, TB, I32>(in, output)
                       : run<3, 2, DR, PC, TB, I32>(in, output); // suits: k = 3
  }

private:
  template <int K, int S, bool DR, int PC, bool TB, bool I32>
  SE_AVX512 void run(const uint8_t *in, void *output) {
    constexpr int J = (K + 3) / 4;
    const KernelDesc &d = desc();
    const int64_t N = d.input.n, H = d.input.h, W = d.input.w, C = C_,
                  top = d.padding.top;
    const int64_t outH = outputShape().h, outW = outW_;
    static_assert(K == 3, "rows4 interleaves three kernel rows and the zero point");
    const int64_t left = d.padding.left;
    const __m512i zp = _mm512_set1_epi8(char(d.inputZeroPoint));
    for (int64_t n = 0; n < N; ++n)
      for (int64_t oy = 0; oy < outH; ++oy) {
        const uint8_t *rows[K];
        for (int dy = 0; dy < K; ++dy) {
          int64_t iy = oy * S - top + dy;
          rows[dy] = iy < 0 || iy >= H ? zpRow_.data
                                       : in + (n * H + iy) * W * C;
        }
        for (int64_t block = 0; block < blocks_; ++block) {
          const int64_t rest = channels_ - block * 64;
          const __mmask64 mask =
              rest >= 64 ? ~__mmask64(0) : (~__mmask64(0)) >> (64 - rest);
          const bool full = rest >= 64;
          const uint8_t *blockRows[K];
          for (int dy = 0; dy < K; ++dy)
            blockRows[dy] = rows[dy] + block * 64;
          const uint8_t *const w = weights_.data + block * K * J * 256;
          const RqRegs r0 = loadRq(rq_, block * 4), r1 = loadRq(rq_, block * 4 + 1),
                       r2 = loadRq(rq_, block * 4 + 2), r3 = loadRq(rq_, block * 4 + 3);
          const int64_t outBase = ((n * outH + oy) * outW) * C + block * 64;
          // The four groups' constants in registers for the whole row (a
          // byte store may alias them: read through memory they would be
          // reloaded for every pixel).
          const RqValues<DR, PC, TB> c0(r0), c1(r1), c2(r2), c3(r3);
          // A pixel's four accumulators -> its 64 outputs.
          auto finish = [&](int64_t ox, __m512i a0, __m512i a1, __m512i a2,
                            __m512i a3) SE_AVX512_LAMBDA {
          if constexpr (I32) {
            // Vector v's 128-bit block i holds channels 16i + 4v .. +3:
            // a 4 x 4 transpose of 128-bit blocks puts them in order.
            __m512i t0 = _mm512_shuffle_i64x2(a0, a1, 0x44);
            __m512i t1 = _mm512_shuffle_i64x2(a2, a3, 0x44);
            __m512i t2 = _mm512_shuffle_i64x2(a0, a1, 0xEE);
            __m512i t3 = _mm512_shuffle_i64x2(a2, a3, 0xEE);
            __m512i g[4] = {_mm512_shuffle_i64x2(t0, t1, 0x88),
                            _mm512_shuffle_i64x2(t0, t1, 0xDD),
                            _mm512_shuffle_i64x2(t2, t3, 0x88),
                            _mm512_shuffle_i64x2(t2, t3, 0xDD)};
            int32_t *o = static_cast<int32_t *>(output) + outBase + ox * C;
            for (int i = 0; i < 4 && 16 * i < rest; ++i)
              _mm512_mask_storeu_epi32(o + 16 * i, tailMask16(rest, i), g[i]);
          } else {
            // packs within 128-bit lanes: byte 16i + 4v + t = lane 4i + t
            // of vector v = channel 16i + 4v + t, i.e. channel order.
            __m512i bytes = _mm512_packus_epi16(
                packPair<PC>(c0, scale16<DR, PC>(c0, a0), scale16<DR, PC>(c1, a1)),
                packPair<PC>(c0, scale16<DR, PC>(c2, a2), scale16<DR, PC>(c3, a3)));
            bytes = clampBytes(c0, bytes);
            if constexpr (TB)
              bytes = lookup256(c0.table(), bytes);
            uint8_t *o = static_cast<uint8_t *>(output) + outBase + ox * C;
            if (rest >= 64)
              _mm512_storeu_si512(o, bytes);
            else
              _mm512_mask_storeu_epi8(o, mask, bytes);
          }
          };
          // The V column of input column px - padLeft: the three rows' 64
          // channels and the zero point interleaved by byte and word unpacks
          // (zero point outside the input).
          auto column = [&](int64_t px, __m512i(&v)[4]) SE_AVX512_LAMBDA {
            const int64_t x = px - left;
            if (x < 0 || x >= W) {
              v[0] = v[1] = v[2] = v[3] = zp;
              return;
            }
            __m512i r[3];
            // Masked loads are slow here even with a full mask.
            for (int t = 0; t < 3; ++t)
              r[t] = full ? _mm512_loadu_si512(blockRows[t] + x * C)
                          : _mm512_maskz_loadu_epi8(mask, blockRows[t] + x * C);
            __m512i a0 = _mm512_unpacklo_epi8(r[0], r[1]);
            __m512i a1 = _mm512_unpackhi_epi8(r[0], r[1]);
            __m512i b0 = _mm512_unpacklo_epi8(r[2], zp);
            __m512i b1 = _mm512_unpackhi_epi8(r[2], zp);
            v[0] = _mm512_unpacklo_epi16(a0, b0);
            v[1] = _mm512_unpackhi_epi16(a0, b0);
            v[2] = _mm512_unpacklo_epi16(a1, b1);
            v[3] = _mm512_unpackhi_epi16(a1, b1);
          };
          // Columns ox * S + dx for dx = 0..2 in registers; each column is
          // built once (stride 2 reuses the last one as the next first).
          __m512i col[3][4];
          column(0, col[0]);
          if constexpr (S == 1)
            column(1, col[1]);
          for (int64_t ox = 0; ox < outW; ++ox) {
            if constexpr (S == 1) {
              column(ox + 2, col[2]);
            } else {
              column(2 * ox + 1, col[1]);
              column(2 * ox + 2, col[2]);
            }
            __m512i acc[4] = {r0.bias(), r1.bias(), r2.bias(), r3.bias()};
            for (int dx = 0; dx < 3; ++dx)
              for (int i = 0; i < 4; ++i)
                acc[i] = _mm512_dpbusd_epi32(
                    acc[i], col[dx][i], _mm512_load_si512(w + dx * 256 + 64 * i));
            finish(ox, acc[0], acc[1], acc[2], acc[3]);
            for (int i = 0; i < 4; ++i) {
              if constexpr (S == 1) {
                col[0][i] = col[1][i];
                col[1][i] = col[2][i];
              } else {
                col[0][i] = col[2][i];
              }
            }
          }
        }
      }
  }

  int64_t C_ = 0, channels_ = 0, blocks_ = 0, k_ = 0, J_ = 0, outW_ = 0;
  AlignedBytes weights_, zpRow_;
};

/// 3x3 depthwise whose C is not close to a multiple of 64 (e.g. 144): rows4
/// computes the full 64-channel blocks, X4 the 16-channel groups after them,
/// both on the same input and output. rows4 needs fewer instructions per
/// output than X4 (one 64-byte store per pixel and block, no per-group
/// staging), but on a mostly empty last block it wastes most of them.
/// Against the better of the two alone it was 1.0-1.5x faster on the 40
/// such layers of the hyperspaces (C = 72 ... 328).
class VnniDepthwiseSplitKernel final : public KernelBase {
public:
  static bool suits(const KernelDesc &d) {
    // rows4 suits every multiple of 64, so the split always leaves X4 work.
    return d.kernel == 3 && d.input.c >= 64 && !VnniDepthwiseRowsKernel::suits(d);
  }
  VnniDepthwiseSplitKernel(const KernelDesc &desc, Shape4 outputShape)
      : KernelBase(desc, Backend::Vnni, outputShape),
        rows4_(desc, outputShape, desc.input.c / 64 * 64),
        x4_(desc, outputShape, desc.input.c / 64 * 4) {}
  std::string implementationName() const override {
    return "vnni:depthwise_rows4+x4";
  }

protected:
  Status execute(const void *input, const void *, void *output) override {
    rows4_.executeSlice(input, output);
    x4_.executeSlice(input, output);
    rows4_.tablePass(output);
    return Status::success();
  }

private:
  VnniDepthwiseRowsKernel rows4_;
  VnniDepthwiseX4Kernel x4_;
};

//===----------------------------------------------------------------------===//
// 1x1 conv / fully connected
//===----------------------------------------------------------------------===//

// The pipelined 6x64 K loop (generated text, see VnniGemmKernel::
// pipelinedTiles): per iteration two K steps of the current tile and, while
// units > 0, one pixel of the previous tile's epilogue (fast scaling of its
// four accumulator vectors from pa, single or double rounding, pack, clamp,
// 64-byte store to o). Printed by lib/runtime/gen-pipelined-1x1.py.
// Registers: zmm0-23 accumulators, zmm24 broadcast,
// zmm25-27 epilogue, zmm28-31 weights; ctx is the PipelineContext layout.
#define SE_PIPE_HEAD \
  "kmovw 3264(%[ctx]), %%k1\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm0\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm1\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm2\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm3\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm4\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm5\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm6\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm7\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm8\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm9\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm10\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm11\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm12\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm13\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm14\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm15\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm16\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm17\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm18\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm19\n\t" \
  "vmovdqu64 0(%[ctx]), %%zmm20\n\t" \
  "vmovdqu64 768(%[ctx]), %%zmm21\n\t" \
  "vmovdqu64 1536(%[ctx]), %%zmm22\n\t" \
  "vmovdqu64 2304(%[ctx]), %%zmm23\n\t" \
  "1:\n\t"

#define SE_PIPE_KSTEPS \
  "vmovdqa64 0(%[w]), %%zmm28\n\t" \
  "vmovdqa64 64(%[w]), %%zmm29\n\t" \
  "vmovdqa64 128(%[w]), %%zmm30\n\t" \
  "vmovdqa64 192(%[w]), %%zmm31\n\t" \
  "vpbroadcastd 0(%[x0]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm0\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm1\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm2\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm3\n\t" \
  "vpbroadcastd 0(%[x1]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm4\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm5\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm6\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm7\n\t" \
  "vpbroadcastd 0(%[x2]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm8\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm9\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm10\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm11\n\t" \
  "vpbroadcastd 0(%[x3]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm12\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm13\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm14\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm15\n\t" \
  "vpbroadcastd 0(%[x4]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm16\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm17\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm18\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm19\n\t" \
  "vpbroadcastd 0(%[x5]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm20\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm21\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm22\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm23\n\t" \
  "vmovdqa64 256(%[w]), %%zmm28\n\t" \
  "vmovdqa64 320(%[w]), %%zmm29\n\t" \
  "vmovdqa64 384(%[w]), %%zmm30\n\t" \
  "vmovdqa64 448(%[w]), %%zmm31\n\t" \
  "vpbroadcastd 4(%[x0]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm0\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm1\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm2\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm3\n\t" \
  "vpbroadcastd 4(%[x1]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm4\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm5\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm6\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm7\n\t" \
  "vpbroadcastd 4(%[x2]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm8\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm9\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm10\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm11\n\t" \
  "vpbroadcastd 4(%[x3]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm12\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm13\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm14\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm15\n\t" \
  "vpbroadcastd 4(%[x4]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm16\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm17\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm18\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm19\n\t" \
  "vpbroadcastd 4(%[x5]), %%zmm24\n\t" \
  "vpdpbusd %%zmm28, %%zmm24, %%zmm20\n\t" \
  "vpdpbusd %%zmm29, %%zmm24, %%zmm21\n\t" \
  "vpdpbusd %%zmm30, %%zmm24, %%zmm22\n\t" \
  "vpdpbusd %%zmm31, %%zmm24, %%zmm23\n\t" \
  "test %[units], %[units]\n\t" \
  "jz 2f\n\t"

#define SE_PIPE_SCALE_SR \
  "vmovdqa64 0(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 256(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 320(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpaddd 640(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsravd 192(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3392(%[ctx])\n\t" \
  "vmovdqa64 64(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 1024(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 1088(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpaddd 1408(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsravd 960(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3456(%[ctx])\n\t" \
  "vmovdqa64 128(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 1792(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 1856(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpaddd 2176(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsravd 1728(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3520(%[ctx])\n\t" \
  "vmovdqa64 192(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 2560(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 2624(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpaddd 2944(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsravd 2496(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3584(%[ctx])\n\t"

#define SE_PIPE_SCALE_DR \
  "vmovdqa64 0(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 256(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 320(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpmovq2m %%zmm25, %%k2\n\t" \
  "vpmovq2m %%zmm26, %%k3\n\t" \
  "vpaddq 384(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpaddq 448(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsubq 640(%[ctx]), %%zmm25, %%zmm25%{%%k2%}\n\t" \
  "vpsubq 704(%[ctx]), %%zmm26, %%zmm26%{%%k3%}\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpsravd 192(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3392(%[ctx])\n\t" \
  "vmovdqa64 64(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 1024(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 1088(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpmovq2m %%zmm25, %%k2\n\t" \
  "vpmovq2m %%zmm26, %%k3\n\t" \
  "vpaddq 1152(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpaddq 1216(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsubq 1408(%[ctx]), %%zmm25, %%zmm25%{%%k2%}\n\t" \
  "vpsubq 1472(%[ctx]), %%zmm26, %%zmm26%{%%k3%}\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpsravd 960(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3456(%[ctx])\n\t" \
  "vmovdqa64 128(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 1792(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 1856(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpmovq2m %%zmm25, %%k2\n\t" \
  "vpmovq2m %%zmm26, %%k3\n\t" \
  "vpaddq 1920(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpaddq 1984(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsubq 2176(%[ctx]), %%zmm25, %%zmm25%{%%k2%}\n\t" \
  "vpsubq 2240(%[ctx]), %%zmm26, %%zmm26%{%%k3%}\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpsravd 1728(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3520(%[ctx])\n\t" \
  "vmovdqa64 192(%[pa]), %%zmm25\n\t" \
  "vpsrlq $32, %%zmm25, %%zmm26\n\t" \
  "vpmuldq 2560(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpmuldq 2624(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpmovq2m %%zmm25, %%k2\n\t" \
  "vpmovq2m %%zmm26, %%k3\n\t" \
  "vpaddq 2688(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpaddq 2752(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpsubq 2944(%[ctx]), %%zmm25, %%zmm25%{%%k2%}\n\t" \
  "vpsubq 3008(%[ctx]), %%zmm26, %%zmm26%{%%k3%}\n\t" \
  "vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}\n\t" \
  "vpsravd 2496(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vmovdqa64 %%zmm26, 3584(%[ctx])\n\t"

#define SE_PIPE_PACK \
  "vmovdqa64 3392(%[ctx]), %%zmm25\n\t" \
  "vpackssdw 3456(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vmovdqa64 3520(%[ctx]), %%zmm26\n\t" \
  "vpackssdw 3584(%[ctx]), %%zmm26, %%zmm26\n\t" \
  "vpackuswb %%zmm26, %%zmm25, %%zmm25\n\t" \
  "vmovdqa64 3072(%[ctx]), %%zmm27\n\t" \
  "vpermd %%zmm25, %%zmm27, %%zmm25\n\t" \
  "vpmaxub 3136(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vpminub 3200(%[ctx]), %%zmm25, %%zmm25\n\t" \
  "vmovdqu64 %%zmm25, (%[o])\n\t" \
  "add $256, %[pa]\n\t" \
  "add 3328(%[ctx]), %[o]\n\t" \
  "dec %[units]\n\t"

#define SE_PIPE_TAIL \
  "2:\n\t" \
  "add $8, %[x0]\n\t" \
  "add $8, %[x1]\n\t" \
  "add $8, %[x2]\n\t" \
  "add $8, %[x3]\n\t" \
  "add $8, %[x4]\n\t" \
  "add $8, %[x5]\n\t" \
  "add $512, %[w]\n\t" \
  "dec %[n]\n\t" \
  "jnz 1b\n\t" \
  "vmovdqa64 %%zmm0, 0(%[cur])\n\t" \
  "vmovdqa64 %%zmm1, 64(%[cur])\n\t" \
  "vmovdqa64 %%zmm2, 128(%[cur])\n\t" \
  "vmovdqa64 %%zmm3, 192(%[cur])\n\t" \
  "vmovdqa64 %%zmm4, 256(%[cur])\n\t" \
  "vmovdqa64 %%zmm5, 320(%[cur])\n\t" \
  "vmovdqa64 %%zmm6, 384(%[cur])\n\t" \
  "vmovdqa64 %%zmm7, 448(%[cur])\n\t" \
  "vmovdqa64 %%zmm8, 512(%[cur])\n\t" \
  "vmovdqa64 %%zmm9, 576(%[cur])\n\t" \
  "vmovdqa64 %%zmm10, 640(%[cur])\n\t" \
  "vmovdqa64 %%zmm11, 704(%[cur])\n\t" \
  "vmovdqa64 %%zmm12, 768(%[cur])\n\t" \
  "vmovdqa64 %%zmm13, 832(%[cur])\n\t" \
  "vmovdqa64 %%zmm14, 896(%[cur])\n\t" \
  "vmovdqa64 %%zmm15, 960(%[cur])\n\t" \
  "vmovdqa64 %%zmm16, 1024(%[cur])\n\t" \
  "vmovdqa64 %%zmm17, 1088(%[cur])\n\t" \
  "vmovdqa64 %%zmm18, 1152(%[cur])\n\t" \
  "vmovdqa64 %%zmm19, 1216(%[cur])\n\t" \
  "vmovdqa64 %%zmm20, 1280(%[cur])\n\t" \
  "vmovdqa64 %%zmm21, 1344(%[cur])\n\t" \
  "vmovdqa64 %%zmm22, 1408(%[cur])\n\t" \
  "vmovdqa64 %%zmm23, 1472(%[cur])\n\t"

#define SE_PIPELINED_SR SE_PIPE_HEAD SE_PIPE_KSTEPS SE_PIPE_SCALE_SR SE_PIPE_PACK SE_PIPE_TAIL
#define SE_PIPELINED_DR SE_PIPE_HEAD SE_PIPE_KSTEPS SE_PIPE_SCALE_DR SE_PIPE_PACK SE_PIPE_TAIL
class VnniGemmKernel final : public VnniStagedKernel<VnniGemmKernel> {
public:
  static constexpr int kMaxPixels = 6; // accumulators: 6 x 4 zmm
  static constexpr int kMaxVectors = 4;

  VnniGemmKernel(const KernelDesc &desc, Shape4 outputShape)
      : VnniStagedKernel(desc, outputShape) {
    const KernelDesc &d = this->desc();
    inC_ = d.input.c;
    outC_ = outputShape.c;
    K4_ = (inC_ + 3) / 4;
    G_ = (outC_ + 15) / 16;
    rq_ = makeVnniRequant(d.output, effectiveBias(d, outC_, false), outC_);
    // Blocks of up to 4 groups (64 output channels); within a block
    // [k4][vector][lane][4]: weights_[blockStart*K4*64 + (k4*nv + v)*64 + 4*lane + t]
    weights_.assign(size_t(G_ * K4_ * 64), 0);
    for (int64_t b = 0; b * kMaxVectors < G_; ++b) {
      int64_t g0 = b * kMaxVectors, nv = std::min<int64_t>(kMaxVectors, G_ - g0);
      uint8_t *block = weights_.data + g0 * K4_ * 64;
      for (int64_t v = 0; v < nv; ++v)
        for (int64_t lane = 0; lane < 16; ++lane) {
          int64_t oc = (g0 + v) * 16 + lane;
          if (oc >= outC_)
            continue;
          for (int64_t ic = 0; ic < inC_; ++ic)
            block[((ic / 4) * nv + v) * 64 + 4 * lane + ic % 4] =
                uint8_t(d.weights[size_t(oc * inC_ + ic)]);
        }
    }
    pixels_ = outputShape.n * outputShape.h * outputShape.w;
    // The pipelined loop: fast scaling, whole K steps in pairs, and enough
    // of them (K4 / 2 >= 6) to carry the previous tile's six pixels.
    pipelined_ = rq_.fast && !rq_.int32Output &&
                 inC_ % 8 == 0 && K4_ >= 2 * kMaxPixels;
    if (pipelined_) {
      pipe_.assign(kPipeBytes, 0);
      static const int32_t order[16] = {0, 4, 8,  12, 1, 5, 9,  13,
                                        2, 6, 10, 14, 3, 7, 11, 15};
      std::memcpy(pipe_.data + kPipeOrder, order, 64);
      std::memcpy(pipe_.data + kPipeClampMin, rq_.stageBytes.data() + 64, 64);
      std::memcpy(pipe_.data + kPipeClampMax, rq_.stageBytes.data() + 128, 64);
      const uint16_t evenDwords = 0x5555;
      std::memcpy(pipe_.data + kPipeMask, &evenDwords, 2);
      std::memcpy(pipe_.data + kPipeStride, &outC_, 8);
    }
    if (d.kind == OpKind::Conv2D && d.stride != 1) {
      offsets_.resize(size_t(pixels_));
      int64_t i = 0;
      for (int64_t n = 0; n < outputShape.n; ++n)
        for (int64_t y = 0; y < outputShape.h; ++y)
          for (int64_t x = 0; x < outputShape.w; ++x)
            offsets_[size_t(i++)] =
                ((n * d.input.h + y * d.stride) * d.input.w + x * d.stride) *
                inC_;
    }
  }

  std::string implementationName() const override {
    return desc().kind == OpKind::FullyConnected ? "vnni:gemm_6x64"
                                                 : "vnni:conv1x1_6x64";
  }

public:
  template <bool DR, int PC, bool TB, bool I32>
  void runStage(const uint8_t *in, void *output) {
    run<DR, PC, TB, I32>(in, output);
  }

private:
  // GCC keeps a __m512i acc[P][NV] array on the stack and reloads/stores
  // it every iteration; named accumulators (unused ones are dead code)
  // stay in registers.
#define SE_PV(X)                                                               \
  X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 0) X(1, 1) X(1, 2) X(1, 3) X(2, 0)      \
  X(2, 1) X(2, 2) X(2, 3) X(3, 0) X(3, 1) X(3, 2) X(3, 3) X(4, 0) X(4, 1)      \
  X(4, 2) X(4, 3) X(5, 0) X(5, 1) X(5, 2) X(5, 3)
#define SE_V(X) X(0) X(1) X(2) X(3)
#define SE_P(X) X(0) X(1) X(2) X(3) X(4) X(5)

  /// The epilogue of a full 6x64 tile whose accumulators are in memory.
  template <bool DR, int PC, bool TB>
  SE_AVX512 void storeTile(const __m512i *accs, int64_t g0, void *output,
                           int64_t p0) {
    const int64_t rest = outC_ - g0 * 16;
    const __mmask64 mask =
        rest >= 64 ? ~__mmask64(0) : (~__mmask64(0)) >> (64 - rest);
    uint8_t *out8 = static_cast<uint8_t *>(output) + g0 * 16;
    // Group-major: each group's constants are loaded once per tile
    // (not once per pixel), and groups 0-1 are packed to int16 before
    // groups 2-3 are scaled, so 6 + 6 vectors stay live, not 24.
    using Values = RqValues<DR, PC, TB>;
    __m512i pair01[6], scaled2[6];
    {
      const Values c0(loadRq(rq_, g0)), c1(loadRq(rq_, g0 + 1));
      for (int p = 0; p < 6; ++p)
        pair01[p] = packPair<PC>(c0, scale16<DR, PC>(c0, accs[4 * p]),
                                 scale16<DR, PC>(c1, accs[4 * p + 1]));
    }
    {
      const Values c2(loadRq(rq_, g0 + 2));
      for (int p = 0; p < 6; ++p)
        scaled2[p] = scale16<DR, PC>(c2, accs[4 * p + 2]);
    }
    const Values c3(loadRq(rq_, g0 + 3));
    for (int p = 0; p < 6; ++p) {
      __m512i bytes = packBytes<TB>(
          c3, pair01[p],
          packPair<PC>(c3, scaled2[p], scale16<DR, PC>(c3, accs[4 * p + 3])));
      uint8_t *o = out8 + (p0 + p) * outC_;
      if (rest >= 64)
        _mm512_storeu_si512(o, bytes);
      else
        _mm512_mask_storeu_epi8(o, mask, bytes);
    }
  }

  template <int NV, int P, bool DR, int PC, bool TB, bool I32>
  SE_AVX512 void tile(const uint8_t *const *src, const uint8_t *block,
                      int64_t g0, void *output, int64_t p0) {
#define SE_DECL(p, v) __m512i a##p##v = _mm512_setzero_si512();
    SE_PV(SE_DECL)
#undef SE_DECL
#define SE_INIT_V(v)                                                           \
    if constexpr (v < NV) {                                                    \
      __m512i b = _mm512_loadu_si512(rq_.bias.data() + (g0 + v) * 16);         \
      SE_P_INIT(v)                                                             \
    }
#define SE_P_INIT_ONE(p, v) if constexpr (p < P) a##p##v = b;
#define SE_P_INIT(v)                                                           \
  SE_P_INIT_ONE(0, v) SE_P_INIT_ONE(1, v) SE_P_INIT_ONE(2, v)                  \
  SE_P_INIT_ONE(3, v) SE_P_INIT_ONE(4, v) SE_P_INIT_ONE(5, v)
    SE_V(SE_INIT_V)
#undef SE_INIT_V
#undef SE_P_INIT
#undef SE_P_INIT_ONE
    const uint8_t *s0 = src[0], *s1 = src[P > 1 ? 1 : 0],
                  *s2 = src[P > 2 ? 2 : 0], *s3 = src[P > 3 ? 3 : 0],
                  *s4 = src[P > 4 ? 4 : 0], *s5 = src[P > 5 ? 5 : 0];
    __m512i w0 = _mm512_setzero_si512(), w1 = w0, w2 = w0, w3 = w0;
#define SE_LOADW(v)                                                            \
    if constexpr (v < NV)                                                      \
      w##v = _mm512_load_si512(block + (k * NV + v) * 64);
#define SE_DP(p, v)                                                            \
    if constexpr (p < P && v < NV)                                             \
      a##p##v = _mm512_dpbusd_epi32(a##p##v, x##p, w##v);
#define SE_BCAST(p)                                                            \
    __m512i x##p = _mm512_setzero_si512();                                     \
    if constexpr (p < P) {                                                     \
      int32_t word = 0;                                                        \
      std::memcpy(&word, s##p + 4 * k, size_t(bytes));                         \
      x##p = _mm512_set1_epi32(word);                                          \
    }
    const int64_t fullK4 = inC_ / 4;
    if constexpr (NV == 4 && P == 6 && !I32) {
      // The full 6 x 64 tile: the K loop in assembly (GCC 12 kept copying
      // and spilling the 24 zmm accumulators of the intrinsic loop), the
      // accumulators start from the bias and go to memory once, and the
      // epilogue reads them from there (one pack and store per pixel).
      // Any six pixels (stride 2 and tiles across rows too): one pointer
      // register each.
      if (fullK4 == K4_) {
        alignas(64) __m512i accs[24];
        const uint8_t *x0 = s0, *x1 = s1, *x2 = s2, *x3 = s3, *x4 = s4,
                      *x5 = s5;
        const uint8_t *w = block;
        const uint8_t *bias = rq_.blocks.data() + 768 * g0; // + 768 per group
        int64_t count = fullK4;
        __asm__ volatile(
            "vmovdqu64 0(%[bias]), %%zmm0\n\t"
            "vmovdqu64 768(%[bias]), %%zmm1\n\t"
            "vmovdqu64 1536(%[bias]), %%zmm2\n\t"
            "vmovdqu64 2304(%[bias]), %%zmm3\n\t"
            "vmovdqa64 %%zmm0, %%zmm4\n\t"
            "vmovdqa64 %%zmm1, %%zmm5\n\t"
            "vmovdqa64 %%zmm2, %%zmm6\n\t"
            "vmovdqa64 %%zmm3, %%zmm7\n\t"
            "vmovdqa64 %%zmm0, %%zmm8\n\t"
            "vmovdqa64 %%zmm1, %%zmm9\n\t"
            "vmovdqa64 %%zmm2, %%zmm10\n\t"
            "vmovdqa64 %%zmm3, %%zmm11\n\t"
            "vmovdqa64 %%zmm0, %%zmm12\n\t"
            "vmovdqa64 %%zmm1, %%zmm13\n\t"
            "vmovdqa64 %%zmm2, %%zmm14\n\t"
            "vmovdqa64 %%zmm3, %%zmm15\n\t"
            "vmovdqa64 %%zmm0, %%zmm16\n\t"
            "vmovdqa64 %%zmm1, %%zmm17\n\t"
            "vmovdqa64 %%zmm2, %%zmm18\n\t"
            "vmovdqa64 %%zmm3, %%zmm19\n\t"
            "vmovdqa64 %%zmm0, %%zmm20\n\t"
            "vmovdqa64 %%zmm1, %%zmm21\n\t"
            "vmovdqa64 %%zmm2, %%zmm22\n\t"
            "vmovdqa64 %%zmm3, %%zmm23\n\t"
            "1:\n\t"
            "vmovdqa64 0(%[w]), %%zmm28\n\t"
            "vmovdqa64 64(%[w]), %%zmm29\n\t"
            "vmovdqa64 128(%[w]), %%zmm30\n\t"
            "vmovdqa64 192(%[w]), %%zmm31\n\t"
            "vpbroadcastd (%[x0]), %%zmm24\n\t"
            "vpdpbusd %%zmm28, %%zmm24, %%zmm0\n\t"
            "vpdpbusd %%zmm29, %%zmm24, %%zmm1\n\t"
            "vpdpbusd %%zmm30, %%zmm24, %%zmm2\n\t"
            "vpdpbusd %%zmm31, %%zmm24, %%zmm3\n\t"
            "vpbroadcastd (%[x1]), %%zmm25\n\t"
            "vpdpbusd %%zmm28, %%zmm25, %%zmm4\n\t"
            "vpdpbusd %%zmm29, %%zmm25, %%zmm5\n\t"
            "vpdpbusd %%zmm30, %%zmm25, %%zmm6\n\t"
            "vpdpbusd %%zmm31, %%zmm25, %%zmm7\n\t"
            "vpbroadcastd (%[x2]), %%zmm26\n\t"
            "vpdpbusd %%zmm28, %%zmm26, %%zmm8\n\t"
            "vpdpbusd %%zmm29, %%zmm26, %%zmm9\n\t"
            "vpdpbusd %%zmm30, %%zmm26, %%zmm10\n\t"
            "vpdpbusd %%zmm31, %%zmm26, %%zmm11\n\t"
            "vpbroadcastd (%[x3]), %%zmm27\n\t"
            "vpdpbusd %%zmm28, %%zmm27, %%zmm12\n\t"
            "vpdpbusd %%zmm29, %%zmm27, %%zmm13\n\t"
            "vpdpbusd %%zmm30, %%zmm27, %%zmm14\n\t"
            "vpdpbusd %%zmm31, %%zmm27, %%zmm15\n\t"
            "vpbroadcastd (%[x4]), %%zmm24\n\t"
            "vpdpbusd %%zmm28, %%zmm24, %%zmm16\n\t"
            "vpdpbusd %%zmm29, %%zmm24, %%zmm17\n\t"
            "vpdpbusd %%zmm30, %%zmm24, %%zmm18\n\t"
            "vpdpbusd %%zmm31, %%zmm24, %%zmm19\n\t"
            "vpbroadcastd (%[x5]), %%zmm25\n\t"
            "vpdpbusd %%zmm28, %%zmm25, %%zmm20\n\t"
            "vpdpbusd %%zmm29, %%zmm25, %%zmm21\n\t"
            "vpdpbusd %%zmm30, %%zmm25, %%zmm22\n\t"
            "vpdpbusd %%zmm31, %%zmm25, %%zmm23\n\t"
            "add $4, %[x0]\n\t"
            "add $4, %[x1]\n\t"
            "add $4, %[x2]\n\t"
            "add $4, %[x3]\n\t"
            "add $4, %[x4]\n\t"
            "add $4, %[x5]\n\t"
            "add $256, %[w]\n\t"
            "dec %[n]\n\t"
            "jnz 1b\n\t"
            "vmovdqa64 %%zmm0, 0(%[acc])\n\t"
            "vmovdqa64 %%zmm1, 64(%[acc])\n\t"
            "vmovdqa64 %%zmm2, 128(%[acc])\n\t"
            "vmovdqa64 %%zmm3, 192(%[acc])\n\t"
            "vmovdqa64 %%zmm4, 256(%[acc])\n\t"
            "vmovdqa64 %%zmm5, 320(%[acc])\n\t"
            "vmovdqa64 %%zmm6, 384(%[acc])\n\t"
            "vmovdqa64 %%zmm7, 448(%[acc])\n\t"
            "vmovdqa64 %%zmm8, 512(%[acc])\n\t"
            "vmovdqa64 %%zmm9, 576(%[acc])\n\t"
            "vmovdqa64 %%zmm10, 640(%[acc])\n\t"
            "vmovdqa64 %%zmm11, 704(%[acc])\n\t"
            "vmovdqa64 %%zmm12, 768(%[acc])\n\t"
            "vmovdqa64 %%zmm13, 832(%[acc])\n\t"
            "vmovdqa64 %%zmm14, 896(%[acc])\n\t"
            "vmovdqa64 %%zmm15, 960(%[acc])\n\t"
            "vmovdqa64 %%zmm16, 1024(%[acc])\n\t"
            "vmovdqa64 %%zmm17, 1088(%[acc])\n\t"
            "vmovdqa64 %%zmm18, 1152(%[acc])\n\t"
            "vmovdqa64 %%zmm19, 1216(%[acc])\n\t"
            "vmovdqa64 %%zmm20, 1280(%[acc])\n\t"
            "vmovdqa64 %%zmm21, 1344(%[acc])\n\t"
            "vmovdqa64 %%zmm22, 1408(%[acc])\n\t"
            "vmovdqa64 %%zmm23, 1472(%[acc])\n\t"
            : [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3),
              [x4] "+r"(x4), [x5] "+r"(x5), [w] "+r"(w), [n] "+r"(count)
            : [acc] "r"(accs), [bias] "r"(bias)
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "cc", "memory");
        storeTile<DR, PC, TB>(accs, g0, output, p0);
        return;
      }
    }
    for (int64_t k = 0; k < fullK4; ++k) {
      constexpr int bytes = 4;
      SE_V(SE_LOADW)
      SE_P(SE_BCAST)
      SE_PV(SE_DP)
    }
    if (fullK4 < K4_) { // inC % 4 != 0: read only the channels that exist
      const int64_t k = fullK4, bytes = inC_ - 4 * k;
      SE_V(SE_LOADW)
      SE_P(SE_BCAST)
      SE_PV(SE_DP)
    }
#undef SE_LOADW
#undef SE_DP
#undef SE_BCAST
    if constexpr (NV == 4 && !I32) {
      // 4 groups of one pixel: one pack, one 64-byte store.
      const RqRegs r0 = loadRq(rq_, g0), r1 = loadRq(rq_, g0 + 1),
                   r2 = loadRq(rq_, g0 + 2), r3 = loadRq(rq_, g0 + 3);
      const int64_t rest = outC_ - g0 * 16;
      const __mmask64 mask =
          rest >= 64 ? ~__mmask64(0) : (~__mmask64(0)) >> (64 - rest);
      uint8_t *out8 = static_cast<uint8_t *>(output) + g0 * 16;
#define SE_PACK_P(p)                                                           \
      if constexpr (p < P) {                                                   \
        __m512i bytes = pack4<TB, PC>(r0, scale16<DR, PC>(r0, a##p##0),            \
                                  scale16<DR, PC>(r1, a##p##1),                \
                                  scale16<DR, PC>(r2, a##p##2),                \
                                  scale16<DR, PC>(r3, a##p##3));               \
        uint8_t *o = out8 + (p0 + p) * outC_;                                  \
        if (rest >= 64)                                                        \
          _mm512_storeu_si512(o, bytes);                                       \
        else                                                                   \
          _mm512_mask_storeu_epi8(o, mask, bytes);                             \
      }
      SE_P(SE_PACK_P)
#undef SE_PACK_P
      return;
    }
#define SE_STORE_V(v)                                                          \
    if constexpr (v < NV) {                                                    \
      const int64_t g = g0 + v;                                                \
      const RqRegs r = loadRq(rq_, g);                                         \
      const __mmask16 mask = tailMask16(outC_, g);                             \
      SE_STORE_P(0, v) SE_STORE_P(1, v) SE_STORE_P(2, v) SE_STORE_P(3, v)      \
      SE_STORE_P(4, v) SE_STORE_P(5, v)                                        \
    }
#define SE_STORE_P(p, v)                                                       \
    if constexpr (p < P)                                                       \
      storeGroup<DR, PC, TB, I32>(r, a##p##v, output,                          \
                                  (p0 + p) * outC_ + g * 16, mask);
    SE_V(SE_STORE_V)
#undef SE_STORE_V
#undef SE_STORE_P
  }
#undef SE_PV
#undef SE_V
#undef SE_P

  template <int NV, bool DR, int PC, bool TB, bool I32>
  SE_AVX512 void pixelTiles(const uint8_t *in, int64_t g0, void *output) {
    const uint8_t *block = weights_.data + g0 * K4_ * 64;
    const uint8_t *src[kMaxPixels];
    int64_t p0 = 0;
    auto pointers = [&](int count) {
      for (int p = 0; p < count; ++p)
        src[p] = in + (offsets_.empty() ? (p0 + p) * inC_
                                        : offsets_[size_t(p0 + p)]);
    };
    if constexpr (NV == 4 && PC == kFast && !TB && !I32) {
      if (pipelined_ && outC_ - g0 * 16 >= 64 && pixels_ >= kMaxPixels) {
        const int64_t tiles = pixels_ / kMaxPixels;
        uint8_t *const ctx = pipe_.data;
        std::memcpy(ctx, rq_.blocks.data() + 768 * g0, 4 * 768);
        uint8_t *const out8 = static_cast<uint8_t *>(output) + g0 * 16;
        for (int64_t t = 0; t < tiles; ++t, p0 += kMaxPixels) {
          pointers(kMaxPixels);
          const uint8_t *x0 = src[0], *x1 = src[1], *x2 = src[2],
                        *x3 = src[3], *x4 = src[4], *x5 = src[5];
          const uint8_t *w = block;
          uint8_t *cur = ctx + kPipeAccs + 1536 * (t % 2);
          const uint8_t *pa = ctx + kPipeAccs + 1536 * ((t + 1) % 2);
          uint8_t *o = t > 0 ? out8 + (p0 - kMaxPixels) * outC_ // previous tile
                             : out8;                             // (unused)
          int64_t units = t > 0 ? kMaxPixels : 0, count = K4_ / 2;
#define SE_PIPE_OPERANDS                                                       \
  : [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3),                \
    [x4] "+r"(x4), [x5] "+r"(x5), [w] "+r"(w), [n] "+r"(count),                \
    [pa] "+r"(pa), [o] "+r"(o), [units] "+r"(units)                            \
  : [ctx] "r"(ctx), [cur] "r"(cur)                                             \
  : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",   \
    "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16",     \
    "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",    \
    "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1",       \
    "k2", "k3", "cc", "memory"
          if constexpr (DR)
            __asm__ volatile(SE_PIPELINED_DR SE_PIPE_OPERANDS);
          else
            __asm__ volatile(SE_PIPELINED_SR SE_PIPE_OPERANDS);
#undef SE_PIPE_OPERANDS
        }
        storeTile<DR, PC, TB>(
            reinterpret_cast<const __m512i *>(ctx + kPipeAccs +
                                              1536 * ((tiles - 1) % 2)),
            g0, output, p0 - kMaxPixels);
      }
    }
    for (; p0 + kMaxPixels <= pixels_; p0 += kMaxPixels) {
      pointers(kMaxPixels);
      tile<NV, kMaxPixels, DR, PC, TB, I32>(src, block, g0, output, p0);
    }
    for (; p0 < pixels_; ++p0) { // remainder: one pixel at a time
      pointers(1);
      tile<NV, 1, DR, PC, TB, I32>(src, block, g0, output, p0);
    }
  }

  template <bool DR, int PC, bool TB, bool I32>
  SE_AVX512 void run(const uint8_t *in, void *output) {
    for (int64_t g0 = 0; g0 < G_; g0 += kMaxVectors) {
      switch (std::min<int64_t>(kMaxVectors, G_ - g0)) {
      case 4: pixelTiles<4, DR, PC, TB, I32>(in, g0, output); break;
      case 3: pixelTiles<3, DR, PC, TB, I32>(in, g0, output); break;
      case 2: pixelTiles<2, DR, PC, TB, I32>(in, g0, output); break;
      default: pixelTiles<1, DR, PC, TB, I32>(in, g0, output); break;
      }
    }
  }

  int64_t inC_ = 0, outC_ = 0, K4_ = 0, G_ = 0, pixels_ = 0;
  AlignedBytes weights_;
  std::vector<int64_t> offsets_;
  /// PipelineContext of the pipelined loop (byte offsets used by its
  /// assembly): the 64-channel block's constants (4 x 768), the pack order,
  /// clampMin/Max bytes, the 0x5555 merge mask, the output pixel stride,
  /// four scaled vectors, two 24-vector accumulator buffers.
  static constexpr size_t kPipeOrder = 3072, kPipeClampMin = 3136,
                          kPipeClampMax = 3200, kPipeMask = 3264,
                          kPipeStride = 3328, kPipeScaled = 3392,
                          kPipeAccs = 3648, kPipeBytes = 3648 + 2 * 1536;
  bool pipelined_ = false;
  AlignedBytes pipe_;
};

} // namespace

Expected<std::unique_ptr<Kernel>> createVnniKernel(const KernelDesc &desc,
                                                   Shape4 outputShape) {
  using Result = Expected<std::unique_ptr<Kernel>>;
  if (!cpuHasAvx512Vnni())
    return Result::failure("vnni backend: this CPU lacks AVX-512 VNNI/VBMI");
  switch (desc.kind) {
  case OpKind::DepthwiseConv2D:
    if (VnniDepthwiseRowsKernel::suits(desc))
      return Result(std::unique_ptr<Kernel>(
          new VnniDepthwiseRowsKernel(desc, outputShape)));
    if (VnniDepthwiseSplitKernel::suits(desc))
      return Result(std::unique_ptr<Kernel>(
          new VnniDepthwiseSplitKernel(desc, outputShape)));
    return Result(std::unique_ptr<Kernel>(
        new VnniDepthwiseX4Kernel(desc, outputShape)));
  case OpKind::Conv2D:
    if (desc.kernel != 1)
      return Result::failure(
          "vnni backend: conv2d is implemented for kernel 1 only (use onednn "
          "for kernel " + std::to_string(desc.kernel) + ")");
    [[fallthrough]];
  case OpKind::FullyConnected:
    return Result(
        std::unique_ptr<Kernel>(new VnniGemmKernel(desc, outputShape)));
  case OpKind::Table:
    return Result(
        std::unique_ptr<Kernel>(new VnniTableKernel(desc, outputShape)));
  case OpKind::Add:
  case OpKind::ChannelScale:
    if (std::string why = VnniElementwiseKernel::unsupported(desc); !why.empty())
      return Result::failure(why);
    return Result(
        std::unique_ptr<Kernel>(new VnniElementwiseKernel(desc, outputShape)));
  default:
    return Result::failure("vnni backend does not implement " +
                           std::string(opKindName(desc.kind)));
  }
}

} // namespace spaceevo::runtime::detail
