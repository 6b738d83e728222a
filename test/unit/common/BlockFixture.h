//===- BlockFixture.h - one block's expansion, for the unit tests -*- C++ -*-===//
#ifndef SPACEEVO_TEST_UNIT_COMMON_BLOCKFIXTURE_H
#define SPACEEVO_TEST_UNIT_COMMON_BLOCKFIXTURE_H

#include "spaceevo/space/Blocks.h"

#include <gtest/gtest.h>

namespace spaceevo::testing {

/// The primitives of one block on a size x size input (expand is ignored
/// by blocks without one); a failure fails the calling test.
inline Expansion block(BlockType type, int64_t kernel, int64_t width,
                       double expand, int64_t stride, int64_t inChannels,
                       int64_t size) {
  LayerConfig layer;
  layer.block = type;
  layer.kernel = kernel;
  layer.width = width;
  layer.expand = blockHasExpand(type) ? expand : 0;
  layer.stride = stride;
  auto e = expandBlock(layer, inChannels, size, size);
  EXPECT_TRUE(e.ok()) << e.error();
  return e.ok() ? *e : Expansion{};
}

} // namespace spaceevo::testing

#endif // SPACEEVO_TEST_UNIT_COMMON_BLOCKFIXTURE_H
