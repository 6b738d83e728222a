//===- Builtin.cpp - SpaceEvo's two hyperspaces as C++ data ---------------===//
#include "spaceevo/space/Builtin.h"

namespace spaceevo {

namespace {

std::vector<int64_t> widthRange(int64_t lo, int64_t hi, int64_t step) {
  std::vector<int64_t> v;
  for (int64_t x = lo; x <= hi; x += step)
    v.push_back(x);
  return v;
}

} // namespace

HyperspaceSpec builtinHyperspace(HyperspaceKind kind) {
  bool onnx = kind == HyperspaceKind::OnnxW;
  HyperspaceSpec hs;
  hs.name = std::string(hyperspaceKindName(kind));
  hs.resolutions = {160, 176, 192, 208, 224};
  hs.stem.widths = onnx ? std::vector<int64_t>{16, 32}
                        : std::vector<int64_t>{16, 24, 32};
  hs.head = {1280, 1920, 1000, onnx ? Activation::Hswish : Activation::Swish};
  StageSpec stage0;
  stage0.index = 0;
  stage0.fixed = true;
  stage0.widths = hs.stem.widths;
  stage0.window = int64_t(stage0.widths.size()) == 2 ? 2 : 3;
  stage0.depths = {1, 2};
  CandidateSpec fixedBlock;
  fixedBlock.block = onnx ? BlockType::ResNet : BlockType::MBv2;
  fixedBlock.kernels = {3};
  fixedBlock.expands = {onnx ? 0.5 : 1.0};
  fixedBlock.act = Activation::ReLU;
  stage0.candidates = {fixedBlock};
  hs.stages.push_back(stage0);

  std::vector<CandidateSpec> pool;
  auto add = [&](BlockType b, std::vector<int64_t> k, std::vector<double> e) {
    CandidateSpec c;
    c.block = b;
    c.kernels = std::move(k);
    c.expands = std::move(e);
    pool.push_back(c);
  };
  if (onnx) {
    add(BlockType::MBv1Dual, {3, 5}, {});
    add(BlockType::MBv2Res, {3, 5}, {4, 6, 8});
    add(BlockType::MBv3ResHswish, {3, 5}, {4, 6, 8});
    add(BlockType::ResNet, {3, 5, 7}, {0.5, 1, 1.5});
    add(BlockType::ResNetSE, {3, 5, 7}, {0.5, 1, 1.5});
    add(BlockType::FusedMBConv, {3, 5, 7}, {1, 2, 3, 4});
  } else {
    add(BlockType::MBv1Dual, {3, 5, 7}, {});
    add(BlockType::MBv2Res, {3, 5, 7}, {3, 6, 8});
    add(BlockType::MBv3ResSwish, {3, 5, 7}, {3, 6, 8});
    add(BlockType::ResNet, {3, 5}, {0.5, 1, 1.5});
    add(BlockType::FusedMBConvSE, {3, 5, 7}, {1, 2, 3, 4});
    add(BlockType::MBv3K3Res, {3, 5, 7}, {3, 6, 8});
    add(BlockType::MBv2K3Res, {3, 5, 7}, {3, 6, 8});
  }
  struct StageShape {
    int64_t stride;
    std::vector<int64_t> widths;
    int64_t window;
    std::vector<int64_t> depths;
  };
  std::vector<StageShape> shapes =
      onnx ? std::vector<StageShape>{
                 {2, widthRange(32, 64, 16), 2, {2, 3, 4}},
                 {2, widthRange(32, 96, 16), 2, {2, 3, 4}},
                 {2, widthRange(64, 144, 16), 3, {2, 3, 4, 5, 6}},
                 {1, widthRange(112, 192, 16), 3, {2, 3, 4, 5, 6}},
                 {2, widthRange(192, 304, 16), 5, {2, 3, 4, 5, 6}},
                 {1, widthRange(304, 448, 16), 7, {1, 2}}}
           : std::vector<StageShape>{
                 {2, widthRange(24, 40, 8), 2, {2, 3, 4}},
                 {2, widthRange(24, 72, 8), 2, {2, 3, 4}},
                 {2, widthRange(56, 112, 8), 3, {2, 3, 4, 5, 6}},
                 {1, widthRange(112, 176, 8), 3, {2, 3, 4, 5, 6, 7, 8}},
                 {2, {192, 200, 208, 216, 224, 240, 256, 272, 288}, 5,
                  {2, 3, 4, 5, 6, 7, 8}},
                 {1, widthRange(216, 360, 16), 7, {1, 2}}};
  for (size_t i = 0; i < shapes.size(); ++i) {
    StageSpec stage;
    stage.index = int64_t(i + 1);
    stage.stride = shapes[i].stride;
    stage.widths = shapes[i].widths;
    stage.window = shapes[i].window;
    stage.depths = shapes[i].depths;
    stage.candidates = pool;
    hs.stages.push_back(stage);
  }
  return hs;
}

} // namespace spaceevo
