//===- BorderCorrection.cpp - zero-point padding for zero-padded convs ----===//
//
// oneDNN pads uint8 input with 0, but a quantized tensor's real zero is its
// zero point. Interior outputs are handled by folding -zp * sum(w) into the
// bias; this adds +zp * (weights of the taps that fell into the padding)
// at the border, which makes the result identical to zero-point padding.
//
//===----------------------------------------------------------------------===//

#include "Backends.h"

#include <map>
#include <utility>

namespace spaceevo::runtime::detail {

namespace {

/// For each output coordinate, the id of its window's in-bounds tap range
/// [first, last]; id 0 is the full window [0, kernel - 1].
std::vector<std::pair<int64_t, int64_t>>
windowPatterns(int64_t inSize, int64_t outSize, int64_t kernel, int64_t stride,
               int64_t padBefore, std::vector<int> &patternOfOutput) {
  std::vector<std::pair<int64_t, int64_t>> patterns{{0, kernel - 1}};
  std::map<std::pair<int64_t, int64_t>, int> ids{{patterns[0], 0}};
  patternOfOutput.assign(size_t(outSize), 0);
  for (int64_t o = 0; o < outSize; ++o) {
    int64_t start = o * stride - padBefore;
    int64_t first = std::max<int64_t>(0, -start);
    int64_t last = std::min<int64_t>(kernel - 1, inSize - 1 - start);
    auto key = std::make_pair(first, last);
    auto [it, inserted] = ids.emplace(key, int(patterns.size()));
    if (inserted)
      patterns.push_back(key);
    patternOfOutput[size_t(o)] = it->second;
  }
  return patterns;
}

} // namespace

BorderCorrection::BorderCorrection(const KernelDesc &desc) {
  if (desc.inputZeroPoint == 0 || desc.kind == OpKind::FullyConnected)
    return; // zero padding already is real-zero padding
  bool depthwise = desc.kind == OpKind::DepthwiseConv2D;
  int64_t k = desc.kernel, inC = desc.input.c;
  batch_ = desc.input.n;
  outC_ = depthwise ? inC : desc.outChannels;
  outH_ = (desc.input.h + desc.padding.top + desc.padding.bottom - k) /
              desc.stride + 1;
  outW_ = (desc.input.w + desc.padding.left + desc.padding.right - k) /
              desc.stride + 1;
  auto rows = windowPatterns(desc.input.h, outH_, k, desc.stride,
                             desc.padding.top, rowPattern_);
  auto cols = windowPatterns(desc.input.w, outW_, k, desc.stride,
                             desc.padding.left, colPattern_);
  if (rows.size() == 1 && cols.size() == 1)
    return; // no window ever leaves the input
  numColPatterns_ = int(cols.size());
  corrections_.assign(rows.size() * cols.size() * size_t(outC_), 0);
  // Weight sum of one tap for channel c.
  auto tapWeight = [&](int64_t c, int64_t ky, int64_t kx) -> int64_t {
    if (depthwise)
      return desc.weights[size_t((ky * k + kx) * inC + c)];
    int64_t sum = 0;
    const int8_t *filter = &desc.weights[size_t(((c * k + ky) * k + kx) * inC)];
    for (int64_t ic = 0; ic < inC; ++ic)
      sum += filter[ic];
    return sum;
  };
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t q = 0; q < cols.size(); ++q) {
      if (r == 0 && q == 0)
        continue;
      for (int64_t c = 0; c < outC_; ++c) {
        int64_t outside = 0;
        for (int64_t ky = 0; ky < k; ++ky)
          for (int64_t kx = 0; kx < k; ++kx) {
            bool rowInside = ky >= rows[r].first && ky <= rows[r].second;
            bool colInside = kx >= cols[q].first && kx <= cols[q].second;
            if (!rowInside || !colInside)
              outside += tapWeight(c, ky, kx);
          }
        corrections_[(r * cols.size() + q) * size_t(outC_) + size_t(c)] =
            int32_t(outside * desc.inputZeroPoint);
      }
    }
}

void BorderCorrection::apply(int32_t *acc) const {
  if (corrections_.empty())
    return;
  for (int64_t n = 0; n < batch_; ++n)
    for (int64_t oy = 0; oy < outH_; ++oy) {
      int rowId = rowPattern_[size_t(oy)];
      for (int64_t ox = 0; ox < outW_; ++ox) {
        int colId = colPattern_[size_t(ox)];
        if (rowId == 0 && colId == 0)
          continue;
        const int32_t *correction =
            &corrections_[size_t(rowId * numColPatterns_ + colId) *
                          size_t(outC_)];
        int32_t *pixel = acc + ((n * outH_ + oy) * outW_ + ox) * outC_;
        for (int64_t c = 0; c < outC_; ++c)
          pixel[c] += correction[c];
      }
    }
}

} // namespace spaceevo::runtime::detail
